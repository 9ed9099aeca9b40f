"""Eight writer processes append through the command layer for ten seconds while a
real Celery worker projects continuously. PostgreSQL hands out positions at
insert and shows rows at commit; if the store let those orders differ, a
projector would skip late commits and the counts below would not match."""
import pytest

from events.models import StoredEvent

from . import services
from .conftest import assert_projected_exactly_once, wait_for_head

pytestmark = pytest.mark.production

WRITERS, SECONDS = 8, 10


def test_every_event_from_concurrent_writers_is_projected_exactly_once(writers, projection_worker):
    load = writers(WRITERS, SECONDS, services.environment())
    reports = load.finish()
    wait_for_head()

    assert sum(sum(r["accepted"].values()) for r in reports) > 200  # real load, not a trickle
    assert StoredEvent.objects.filter(type="APPOINTMENT_CREATED").count() > 50
    assert any(r["refused"].get("DoubleBooking") for r in reports)  # writers did contend for slots
    assert_projected_exactly_once(reports)
