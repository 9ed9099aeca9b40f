"""Times are shown, and typed, in the clinic's time zone (the TIME_ZONE setting)."""
import datetime

import pytest

from events import handlers
from events.domain.commands import Arrive, Leave
from readmodels.models import TimesheetEntry

from .conftest import text

UTC = datetime.timezone.utc


@pytest.fixture
def in_berlin(settings):
    settings.TIME_ZONE = "Europe/Berlin"   # UTC+1 in January


def test_a_shift_is_shown_in_clinic_time(in_berlin, staff, ctx, doctor):
    handlers.dispatch(ctx, Arrive(doctor, at=datetime.datetime(2026, 1, 5, 7, 0, tzinfo=UTC)))
    handlers.dispatch(ctx, Leave(doctor, at=datetime.datetime(2026, 1, 5, 15, 0, tzinfo=UTC)))
    page = text(staff.get(f"/doctors/{doctor}/"))
    assert "Mon 5 Jan 2026, 08:00 Mon 5 Jan 2026, 16:00 8" in page
    assert "Times in Europe/Berlin." in page


def test_a_late_entry_is_read_in_clinic_time(in_berlin, staff, doctor):
    staff.post(f"/doctors/{doctor}/arrival/", {"at": "2026-01-05T08:00"})
    assert TimesheetEntry.objects.get().arrived_at == datetime.datetime(2026, 1, 5, 7, 0, tzinfo=UTC)
