"""The week calendar of a doctor and the day sheet of every doctor: hours,
bookings, free slots, the now line, who sees what, and the queries they cost."""
import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinic.web import live
from events import handlers
from events.domain.commands import BookAppointment, CancelAppointment, RegisterDoctor, RegisterPatient

from .conftest import booked_before, text

MONDAY = datetime.date(2030, 1, 7)  # the appointment fixture's day, 09:00-09:30 with Ada Lovelace


def book(ctx, doctor, patient, day, hour, minute=0, duration=30):
    return handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=patient, day=day,
                                                  time=datetime.time(hour, minute), duration_minutes=duration)).id


def cell_of(html, anchor):
    """The <td> that holds ``anchor``."""
    index = html.index(anchor)
    return html[html.rindex("<td", 0, index):html.index("</td>", index)]


def test_the_week_shows_hours_bookings_and_free_slots_that_open_the_booking_form(staff, doctor, patient, ctx,
                                                                                appointment):
    long_one = book(ctx, doctor, patient, MONDAY + datetime.timedelta(days=1), 14, duration=60)
    response = staff.get(f"/doctors/{doctor}/week/?week=2030-01-09")  # any day of the week shows its Monday
    html, page = response.content.decode(), text(response)
    assert response.status_code == 200
    assert "Dr Ada Lovelace week of Monday 7 January 2030" in page
    assert "Mon 7 Jan" in page and "Sun 13 Jan" in page
    # A booking is a block with its patient, spanning its rows: 60 minutes on the 15-minute grid is four.
    assert "09:00 Grace Hopper 30 min booked" in page
    assert 'rowspan="4"' in cell_of(html, f"/appointments/{long_one}/")
    assert 'rowspan="2"' in cell_of(html, f"/appointments/{appointment}/")
    # The default week is Monday to Friday, 08:00-18:00: the weekend is closed, in words and in colour.
    assert html.count('class="slot closed') == 2 * 40
    assert '<span class="visually-hidden">closed</span>' in cell_of(html, 'class="slot closed')
    # A free slot opens the booking form for itself; the booked 09:00 and 09:15 are not offered.
    assert f'href="/book/?doctor={doctor}&amp;day=2030-01-07&amp;time=09:30"' in html
    assert "day=2030-01-07&amp;time=09:00" not in html and "day=2030-01-07&amp;time=09:15" not in html
    # 08:45 is free, but a 30-minute booking from it would run into 09:00.
    assert "day=2030-01-07&amp;time=08:45" not in html and "day=2030-01-07&amp;time=08:30" in html
    assert 'href="?week=2029-12-31" rel="prev"' in html and 'href="?week=2030-01-14" rel="next"' in html


def test_a_cancelled_booking_leaves_its_slot_free(staff, ctx, doctor, appointment):
    handlers.dispatch(ctx, CancelAppointment(appointment))
    html = staff.get(f"/doctors/{doctor}/week/?week=2030-01-07").content.decode()
    assert "Grace Hopper" not in html
    assert "day=2030-01-07&amp;time=09:00" in html


def test_the_past_offers_no_free_slot(staff, doctor):
    html = staff.get(f"/doctors/{doctor}/week/?week=2001-01-01").content.decode()
    assert "/book/?" not in html and "working, no booking fits" in html


def test_a_clinician_sees_their_own_week_and_not_another_doctors(client, clinician, doctor, ctx):
    lister = handlers.dispatch(ctx, RegisterDoctor(name="Joseph Lister", specialty="Surgery")).id
    client.force_login(clinician)
    own = client.get(f"/doctors/{doctor}/week/")
    assert own.status_code == 200
    assert "/book/?" not in own.content.decode()  # a clinician does not book: no Book links
    refused = client.get(f"/doctors/{lister}/week/")
    assert refused.status_code == 403
    assert "A clinician may see patients only for their own doctor." in text(refused)


def test_an_unknown_doctor_has_no_week(staff, unknown_id):
    assert staff.get(f"/doctors/{unknown_id}/week/").status_code == 404


def test_the_day_sheet_has_a_column_per_doctor_with_headers(staff, ctx, doctor, patient, appointment):
    lister = handlers.dispatch(ctx, RegisterDoctor(name="Joseph Lister", specialty="Surgery")).id
    book(ctx, lister, patient, MONDAY, 11)
    response = staff.get("/day/?day=2030-01-07")
    html, page = response.content.decode(), text(response)
    assert "Day sheet Monday 7 January 2030" in page
    header = html[html.index("<thead>"):html.index("</thead>")]
    assert re.findall(r'<th scope="col">', header) and header.count('scope="col"') == 3
    assert "Dr Ada Lovelace" in header and "Dr Joseph Lister" in header
    assert html.count('<th scope="row">') == 40  # 08:00 to 18:00 in 15-minute rows
    assert "09:00 Grace Hopper 30 min booked" in page and "11:00 Grace Hopper 30 min booked" in page
    assert "now" not in re.sub(r"<[^>]+>", "", html[html.index("<tbody>"):html.index("</tbody>")]).split()
    one = text(staff.get(f"/day/?day=2030-01-07&doctor={lister}"))
    assert "11:00 Grace Hopper" in one and "09:00 Grace Hopper" not in one


def test_today_has_a_now_line_in_words(staff, ctx, doctor):
    from events.domain.commands import SetWorkingHours

    # Working all day round, the sheet's rows hold whatever minute the test runs at.
    handlers.dispatch(ctx, SetWorkingHours(doctor, weekly=[{"weekday": d, "start": "00:00", "end": "24:00"}
                                                           for d in range(7)]))
    html = staff.get("/day/").content.decode()
    assert html.count('class="now-mark"') == 1
    shown = re.search(r'<tr class="now">\s*<th scope="row">(\d\d):(\d\d) <span class="now-mark">now (\d\d):(\d\d)',
                      html)
    assert shown, "the now row names its slot and the time"
    row, now = [int(n) for n in shown.groups()[:2]], [int(n) for n in shown.groups()[2:]]
    row_minutes, now_minutes = row[0] * 60 + row[1], now[0] * 60 + now[1]
    assert row_minutes <= now_minutes < row_minutes + 15
    local = timezone.localtime()
    assert abs(local.hour * 60 + local.minute - now_minutes) <= 1
    assert "The red line marks now" in text(staff.get("/day/"))
    assert 'class="now"' not in staff.get("/day/?day=2030-01-07").content.decode()


def test_a_clinicians_day_sheet_is_their_own_doctors(client, clinician, ctx, doctor, patient, appointment):
    lister = handlers.dispatch(ctx, RegisterDoctor(name="Joseph Lister", specialty="Surgery")).id
    book(ctx, lister, patient, MONDAY, 11)
    client.force_login(clinician)
    response = client.get("/day/?day=2030-01-07")
    html, page = response.content.decode(), text(response)
    assert "09:00 Grace Hopper" in page and "11:00 Grace Hopper" not in page
    header = html[html.index("<thead>"):html.index("</thead>")]
    assert header.count('scope="col"') == 2 and "Dr Ada Lovelace" in header and "Lister" not in header


def test_a_day_outside_the_calendar_is_a_clear_400(staff):
    response = staff.get("/day/?day=9999-12-31")
    assert response.status_code == 400
    assert "Give a date from 2000-01-01 to 2099-12-31." in text(response)


def _patients_and_doctors(ctx, doctors, bookings):
    ids = [handlers.dispatch(ctx, RegisterDoctor(name=f"Doctor {n}", specialty="General")).id
           for n in range(doctors)]
    people = [handlers.dispatch(ctx, RegisterPatient(name=f"Patient {n}", date_of_birth=datetime.date(1980, 1, 1))).id
              for n in range(bookings)]
    before = booked_before(MONDAY)
    for n, person in enumerate(people):
        book(before, ids[n % doctors], person, MONDAY, 8 + n // doctors)


@pytest.mark.parametrize("url", ["/day/?day=2030-01-07", "/doctors/{first}/week/?week=2030-01-07"])
def test_the_calendars_cost_the_same_queries_whatever_the_bookings(staff, ctx, url):
    from readmodels.models import Doctor

    def queries():
        """The read-model queries (the session's own bookkeeping comes and goes by the minute)."""
        first = Doctor.objects.order_by("name").first()
        with CaptureQueriesContext(connection) as captured:
            assert staff.get(url.format(first=first.pk)).status_code == 200
        return [q["sql"].split(" FROM ")[1].split()[0] for q in captured.captured_queries if "readmodels_" in q["sql"]]

    _patients_and_doctors(ctx, 2, 2)
    few = queries()
    assert len(few) <= 4  # doctors and their hours, the appointments, the doctors in the filter
    _patients_and_doctors(ctx, 3, 12)
    assert queries() == few


@pytest.mark.parametrize("page", ["/doctors/{doctor}/week/?week=2030-01-07", "/day/?day=2030-01-07"])
def test_the_calendars_follow_live_updates(staff, ctx, doctor, patient, page):
    """Both calendars connect to the live channel, and the refresh a live update
    asks for shows a booking made meanwhile, in the live region."""
    url = page.format(doctor=doctor)
    html = staff.get(url).content.decode()
    assert 'data-live-url="/live/"' in html and "data-live>" in html and "Grace Hopper" not in html
    book(ctx, doctor, patient, MONDAY, 10)
    refreshed = staff.get(url, headers={live.REFRESH_HEADER: "1"}).content.decode()
    region = refreshed[refreshed.index("data-live>"):]
    assert "Grace Hopper" in region
