"""Check-in, no-show and reschedule from the appointment page and the day sheet:
POSTed commands, refusals beside their form, the user kept on their day."""
import datetime

import pytest
from django.utils import timezone

from events import handlers
from events.domain.commands import BookAppointment, RegisterDoctor, SetWorkingHours
from readmodels.models import Appointment

from .conftest import EVERY_DAY, booked_before, text


@pytest.fixture
def today_at_nine(works_every_day, patient):
    """Grace Hopper with Ada Lovelace at 09:00 today, booked at midnight."""
    today = timezone.localdate()
    return handlers.dispatch(booked_before(today), BookAppointment(
        doctor_id=works_every_day, patient_id=patient, day=today, time=datetime.time(9))).id


@pytest.fixture
def yesterday_at_nine(works_every_day, patient):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    return handlers.dispatch(booked_before(yesterday), BookAppointment(
        doctor_id=works_every_day, patient_id=patient, day=yesterday, time=datetime.time(9))).id


def status_of(appointment):
    return Appointment.objects.get(pk=appointment).status


def test_check_in_from_the_appointment_page(staff, today_at_nine):
    page = text(staff.get(f"/appointments/{today_at_nine}/"))
    assert "Attendance Check in No-show" in page and "Reschedule" in page
    response = staff.post(f"/appointments/{today_at_nine}/check-in/", follow=True)
    assert response.redirect_chain[-1][0] == f"/appointments/{today_at_nine}/"
    assert "Checked in." in text(response) and "Status checkedIn" in text(response)
    assert status_of(today_at_nine) == Appointment.CHECKED_IN
    assert "Attendance" not in text(response)  # nothing left to record


def test_check_in_from_the_day_sheet_comes_back_to_the_day(staff, today_at_nine):
    today = timezone.localdate().isoformat()
    response = staff.post(f"/appointments/{today_at_nine}/check-in/", {"sheet_day": today}, follow=True)
    assert response.redirect_chain[-1][0] == f"/day/?day={today}"
    assert "Checked in." in text(response) and "09:00 Grace Hopper 30 min checked in" in text(response)


def test_a_refused_check_in_keeps_the_users_day_with_the_reason_beside_the_booking(staff, appointment):
    # 7 January 2030 is not today: a check-in is only on the appointment's day.
    response = staff.post(f"/appointments/{appointment}/check-in/", {"sheet_day": "2030-01-07"})
    html, page = response.content.decode(), text(response)
    assert response.status_code == 409
    assert "Day sheet Monday 7 January 2030" in page
    # The reason is inside the check-in form of that booking's cell, as an alert.
    form = html[html.index(f'action="/appointments/{appointment}/check-in/"'):]
    form = form[:form.index("</form>")]
    reason = "Patients check in on the day of their appointment, Monday 7 January 2030; today is"
    message = form[form.index('class="form-message"'):]
    assert 'role="alert"' in message[:60] and f"<p>{reason}" in message
    assert status_of(appointment) == Appointment.BOOKED


def test_no_show_after_the_start(staff, yesterday_at_nine):
    response = staff.post(f"/appointments/{yesterday_at_nine}/no-show/", follow=True)
    assert "Recorded as a no-show." in text(response)
    assert status_of(yesterday_at_nine) == Appointment.NO_SHOW


def test_a_refused_no_show_on_the_appointment_page_says_why(staff, appointment):
    response = staff.post(f"/appointments/{appointment}/no-show/")
    assert response.status_code == 409
    page = text(response)
    assert "Appointment Mon 7 January 2030" in page and "Attendance" in page
    assert 'class="form-message" role="alert"' in response.content.decode()


def test_reschedule_from_the_appointment_page(staff, appointment):
    response = staff.post(f"/appointments/{appointment}/reschedule/",
                          {"day": "2030-01-08", "time": "11:00", "duration_minutes": ""}, follow=True)
    page = text(response)
    assert "Appointment moved to Tuesday 8 January 2030 at 11:00." in page
    assert "Time 11:00 for 30 minutes" in page  # the length as before


def test_a_refused_reschedule_from_the_day_sheet_keeps_the_day_and_the_typed_time(staff, ctx, doctor, patient,
                                                                                  appointment):
    handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=patient, day=datetime.date(2030, 1, 7),
                                           time=datetime.time(11)))
    response = staff.post(f"/appointments/{appointment}/reschedule/",
                          {"day": "2030-01-07", "time": "11:15", "duration_minutes": "", "sheet_day": "2030-01-07"})
    html, page = response.content.decode(), text(response)
    assert response.status_code == 409
    assert "Day sheet Monday 7 January 2030" in page
    prefix = f"a{appointment.hex}_"
    assert f'id="{prefix}time_error"' in html and "Dr Ada Lovelace is already booked from 11:00 to 11:30." in page
    assert f'id="{prefix}time" aria-invalid="true"' in html or 'aria-invalid="true"' in html[
        html.index(f'id="{prefix}time_error"') - 600:html.index(f'id="{prefix}time_error"') + 600]
    assert "<details open>" in html
    assert Appointment.objects.get(pk=appointment).time == datetime.time(9)


def test_a_clinician_attends_their_own_appointments_only(client, clinician, ctx, patient, today_at_nine):
    lister = handlers.dispatch(ctx, RegisterDoctor(name="Joseph Lister", specialty="Surgery")).id
    handlers.dispatch(ctx, SetWorkingHours(lister, weekly=EVERY_DAY))
    today = timezone.localdate()
    others = handlers.dispatch(booked_before(today), BookAppointment(
        doctor_id=lister, patient_id=patient, day=today, time=datetime.time(10))).id
    client.force_login(clinician)
    refused = client.post(f"/appointments/{others}/check-in/", {"sheet_day": today.isoformat()})
    assert refused.status_code == 403
    assert "A clinician may check patients in and record no-shows only for their own doctor." in text(refused)
    assert status_of(others) == Appointment.BOOKED
    assert client.post(f"/appointments/{today_at_nine}/check-in/").status_code == 302
    assert status_of(today_at_nine) == Appointment.CHECKED_IN
    # A clinician does not book: no reschedule form on their own appointment's page, and none accepted.
    page = text(client.get(f"/appointments/{today_at_nine}/"))
    assert "Reschedule" not in page
    assert client.post(f"/appointments/{today_at_nine}/reschedule/", {"day": "2031-03-03", "time": "10:00"}
                       ).status_code == 403


def test_the_actions_are_posts_only(staff, appointment):
    for action in ("check-in", "no-show", "reschedule"):
        assert staff.get(f"/appointments/{appointment}/{action}/").status_code == 405


def test_the_day_sheet_offers_attendance_only_where_the_rules_could_allow_it(staff, appointment, today_at_nine,
                                                                             yesterday_at_nine):
    today, yesterday = timezone.localdate(), timezone.localdate() - datetime.timedelta(days=1)
    future = text(staff.get("/day/?day=2030-01-07"))
    assert "Reschedule Grace Hopper" in future and "Check in" not in future and "No-show" not in future
    now = text(staff.get(f"/day/?day={today.isoformat()}"))
    assert "Check in Grace Hopper" in now and "No-show Grace Hopper" in now
    before = text(staff.get(f"/day/?day={yesterday.isoformat()}"))
    assert "Check in" not in before and "No-show Grace Hopper" in before
