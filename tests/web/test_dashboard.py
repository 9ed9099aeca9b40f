"""The dashboard: who is on shift, today's appointments, what just happened."""
import datetime

from django.utils import timezone

from clinic.web.templatetags.clinic import moment
from events import handlers
from events.domain.commands import Arrive, BookAppointment, RegisterDoctor

from .conftest import booked_before, text


def test_shows_who_is_on_shift_and_since_when(staff, ctx, doctor):
    at = timezone.localtime().replace(second=0, microsecond=0) - datetime.timedelta(minutes=30)
    handlers.dispatch(ctx, Arrive(doctor, at=at))
    handlers.dispatch(ctx, RegisterDoctor(name="Joseph Lister", specialty="Surgery"))
    page = text(staff.get("/"))
    assert f"Ada Lovelace Cardiology since {moment(at)}" in page
    assert "Joseph Lister" not in page.split("On shift now")[1].split("Today's appointments")[0]
    assert "1 of 2 doctors on shift" in page


def test_lists_todays_appointments_only(staff, works_every_day, patient):
    today, doctor, ctx = timezone.localdate(), works_every_day, booked_before(timezone.localdate())
    handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=patient, day=today, time=datetime.time(9, 30)))
    handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=patient, day=today + datetime.timedelta(days=1),
                              time=datetime.time(11, 0)))
    page = text(staff.get("/"))
    todays = page.split("Today's appointments")[1].split("Latest activity")[0]
    assert "09:30 30 min Grace Hopper Ada Lovelace Cardiology booked" in todays
    assert "11:00" not in todays
    assert "1 appointment booked today" in page


def test_latest_activity_tells_what_happened_in_words(staff, ctx, doctor, patient):
    handlers.dispatch(ctx, Arrive(doctor))
    activity = text(staff.get("/")).split("Latest activity")[1]
    assert activity.index("Dr Ada Lovelace arrived at") < activity.index("Grace Hopper registered as a patient")
    assert "Dr Ada Lovelace (Cardiology) registered" in activity
    assert "· tester" in activity


def test_an_empty_clinic_says_so(staff):
    page = text(staff.get("/"))
    assert "Nobody is on shift." in page
    assert "No appointments today." in page
    assert "Nothing has happened yet." in page


def test_today_is_the_clinics_date_not_utcs(clinic_date_is_not_utcs, staff, works_every_day, patient):
    """Late in the UTC evening a clinic in UTC+14 is already in tomorrow (early in
    the UTC morning, one in UTC-11 is still in yesterday): the desk's "today" is
    the date on the clinic's wall, not UTC's."""
    clinic_today = timezone.localdate()
    utc_today = datetime.datetime.now(datetime.timezone.utc).date()
    doctor, ctx = works_every_day, booked_before(min(clinic_today, utc_today))
    handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=patient, day=clinic_today,
                                           time=datetime.time(10, 15)))
    handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=patient, day=utc_today,
                                           time=datetime.time(14, 45)))

    page = text(staff.get("/"))
    assert f"Today {clinic_today:%A} {clinic_today.day} {clinic_today:%B %Y}" in page
    todays = page.split("Today's appointments")[1].split("Latest activity")[0]
    assert "10:15 30 min Grace Hopper Ada Lovelace Cardiology booked" in todays
    assert "14:45" not in todays
    assert "1 appointment booked today" in page
