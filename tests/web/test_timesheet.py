"""A doctor's timesheet by month: the shifts begun in the month, the month's
total in hours and minutes, month by month, and the same period as the API's
CSV; a manager sees any doctor's, a clinician only their own, reception none."""
import csv
import datetime
import io

import pytest
import time_machine
from django.utils import timezone

from events import handlers
from events.domain.commands import Arrive, Leave, RegisterDoctor

from .conftest import text


def at(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@pytest.fixture
def worked_in_october(ctx, doctor):
    """7 h 45 min on 31 October, 8 h on 1 October, and 3 h 20 min on 1 November (another month)."""
    for day, (start, end) in {datetime.date(2026, 10, 1): ((8, 0), (16, 0)),
                              datetime.date(2026, 10, 31): ((8, 15), (16, 0)),
                              datetime.date(2026, 11, 1): ((9, 0), (12, 20))}.items():
        handlers.dispatch(ctx, Arrive(doctor, at=at(day, *start)))
        handlers.dispatch(ctx, Leave(doctor, at=at(day, *end)))
    return doctor


def test_the_month_lists_its_shifts_and_totals_them_in_hours_and_minutes(staff, worked_in_october):
    response = staff.get(f"/doctors/{worked_in_october}/timesheet/?month=2026-10")
    assert response.status_code == 200
    page = text(response)
    assert "Timesheet Dr Ada Lovelace, October 2026" in page
    assert "Worked in October 2026: 15 h 45 min" in page
    assert "Thu 1 Oct, 08:00 Thu 1 Oct, 16:00 8 h" in page
    assert "Sat 31 Oct, 08:15 Sat 31 Oct, 16:00 7 h 45 min" in page
    assert "Total 15 h 45 min" in page
    assert "12:20" not in page  # November's shift is November's


def test_the_month_navigation_moves_a_month_at_a_time(staff, worked_in_october):
    response = staff.get(f"/doctors/{worked_in_october}/timesheet/?month=2026-11")
    assert 'href="?month=2026-10" rel="prev"' in response.content.decode()
    assert 'href="?month=2026-12" rel="next"' in response.content.decode()
    assert "Worked in November 2026: 3 h 20 min" in text(response)


def test_without_a_month_it_is_this_month(staff, doctor):
    # Mid-month: a shift begun 45 minutes ago lies in this month whenever the suite runs.
    with time_machine.travel(datetime.datetime(2026, 11, 16, 12, 0, tzinfo=datetime.UTC), tick=True):
        ctx = handlers.Context(actor="tester", source="seed")
        handlers.dispatch(ctx, Arrive(doctor, at=timezone.now() - datetime.timedelta(minutes=45)))
        handlers.dispatch(ctx, Leave(doctor, at=timezone.now() - datetime.timedelta(minutes=5)))
        page = text(staff.get(f"/doctors/{doctor}/timesheet/"))
    assert "Worked in November 2026: 40 min" in page
    assert "This month" not in page  # a link back, only shown on another month


def test_a_month_that_is_not_one_is_told_beside_the_field(staff, doctor):
    response = staff.get(f"/doctors/{doctor}/timesheet/?month=October")
    assert response.status_code == 400
    assert "Give a month as year and month, e.g. 2026-11." in text(response)
    assert 'aria-invalid="true"' in response.content.decode()


def test_the_csv_link_downloads_the_same_month_with_the_same_total(staff, worked_in_october):
    body = staff.get(f"/doctors/{worked_in_october}/timesheet/?month=2026-10").content.decode()
    link = f"/api/doctors/{worked_in_october}/timesheet/?from=2026-10-01&amp;to=2026-10-31&amp;format=csv"
    assert f'href="{link}"' in body
    download = staff.get(link.replace("&amp;", "&"))
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert len(rows) == 1 + 2 + 1  # header, October's two shifts, total
    assert rows[-1] == ["total", "", "15.75"]  # 15 h 45 min


def test_a_clinician_sees_their_own_timesheet_only(client, clinician, ctx, doctor):
    other = handlers.dispatch(ctx, RegisterDoctor(name="Joseph Lister", specialty="Surgery")).id
    client.force_login(clinician)
    assert client.get(f"/doctors/{doctor}/timesheet/").status_code == 200
    assert client.get(f"/doctors/{other}/timesheet/").status_code == 403
    assert "Timesheet by month" in text(client.get(f"/doctors/{doctor}/"))
    assert "Timesheet by month" not in text(client.get(f"/doctors/{other}/"))


def test_reception_sees_no_timesheet(client, receptionist, doctor):
    client.force_login(receptionist)
    assert client.get(f"/doctors/{doctor}/timesheet/").status_code == 403
    assert "Timesheet by month" not in text(client.get(f"/doctors/{doctor}/"))


def test_an_unknown_doctor_has_no_timesheet(staff, unknown_id):
    assert staff.get(f"/doctors/{unknown_id}/timesheet/").status_code == 404
