"""Appointments: a day's list with filters, booking, the appointment page, cancelling."""
import datetime

import pytest
from django.utils import timezone

from events import handlers
from events.domain.commands import BookAppointment, CancelAppointment, RegisterDoctor
from events.models import StoredEvent
from readmodels.models import Appointment

from .conftest import booked_before, text


def book(ctx, doctor, patient, day, hour, minute=0):
    return handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=patient, day=day,
                                     time=datetime.time(hour, minute))).id


def booking(doctor, patient, day="2030-01-07", time="10:00", duration="30"):
    return {"doctor": str(doctor), "patient": str(patient), "day": day, "time": time, "duration_minutes": duration}


def test_the_list_shows_today_unless_another_day_is_asked(staff, works_every_day, patient):
    today, doctor = timezone.localdate(), works_every_day
    booked_this_morning = booked_before(today)  # 09:00 today was still to come
    book(booked_this_morning, doctor, patient, today, 9)
    book(booked_this_morning, doctor, patient, today + datetime.timedelta(days=1), 14)
    page = text(staff.get("/appointments/"))
    assert "09:00 30 min Grace Hopper Ada Lovelace Cardiology booked" in page and "14:00" not in page
    tomorrow = text(staff.get(f"/appointments/?day={(today + datetime.timedelta(days=1)).isoformat()}"))
    assert "14:00" in tomorrow and "09:00" not in tomorrow


def test_filters_by_doctor_and_status(staff, ctx, doctor, patient, appointment):
    lister = handlers.dispatch(ctx, RegisterDoctor(name="Joseph Lister", specialty="Surgery")).id
    book(ctx, lister, patient, datetime.date(2030, 1, 7), 11)
    handlers.dispatch(ctx, CancelAppointment(book(ctx, doctor, patient, datetime.date(2030, 1, 7), 15)))
    everyone = text(staff.get("/appointments/?day=2030-01-07"))
    assert "3 appointments." in everyone
    ada = text(staff.get(f"/appointments/?day=2030-01-07&doctor={doctor}"))
    assert "Joseph Lister Surgery" not in ada.split("Book an appointment")[0].split("Show")[-1]
    assert "2 appointments." in ada
    cancelled = text(staff.get("/appointments/?day=2030-01-07&status=cancelled"))
    assert "15:00 30 min Grace Hopper Ada Lovelace Cardiology cancelled" in cancelled
    assert "1 appointment." in cancelled


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2100-01-01"])
def test_a_day_outside_the_clinics_calendar_is_a_clear_400_beside_the_filter(staff, day):
    response = staff.get(f"/appointments/?day={day}")
    assert response.status_code == 400
    assert "Give a date from 2000-01-01 to 2099-12-31." in text(response)
    assert 'id="filter_day_error"' in response.content.decode()


@pytest.mark.parametrize("day, gone, kept", [("2099-12-31", "Next day", "Previous day"),
                                             ("2000-01-01", "Previous day", "Next day")])
def test_the_calendars_ends_have_no_link_past_them(staff, day, gone, kept):
    response = staff.get(f"/appointments/?day={day}")
    assert response.status_code == 200
    assert kept in text(response) and gone not in text(response)


def test_booking_opens_the_appointment_page(staff, doctor, patient):
    response = staff.post("/appointments/", booking(doctor, patient, duration="45"), follow=True)
    appointment = Appointment.objects.get()
    assert response.redirect_chain == [(f"/appointments/{appointment.id}/", 302)]
    page = text(response)
    assert "Appointment booked." in page
    assert "Status booked" in page
    assert "Day Monday 7 January 2030" in page
    assert "Time 10:00 for 45 minutes" in page
    age = appointment.patient.age
    assert f"Patient Grace Hopper, {age} years old" in page
    assert "Doctor Dr Ada Lovelace, Cardiology" in page


def test_a_double_booking_is_a_clear_message_and_writes_nothing(staff, doctor, patient, appointment):
    written = StoredEvent.objects.count()
    response = staff.post("/appointments/", booking(doctor, patient, time="09:15"))
    assert response.status_code == 409
    assert "Dr Ada Lovelace is already booked from 09:00 to 09:30." in text(response)
    assert 'id="id_time_error"' in response.content.decode()  # beside the time it is about
    assert StoredEvent.objects.count() == written
    assert 'value="09:15"' in response.content.decode()  # the form keeps what was typed


def test_a_refused_booking_keeps_the_day_it_asked_for(staff, doctor, patient, appointment):
    """Posted from today's page, refused for 7 January 2030: the page shows that
    day's list, where the clash is, not today's."""
    response = staff.post("/appointments/", booking(doctor, patient, time="09:15"))
    assert response.status_code == 409
    page = text(response)
    assert "Appointments Monday 7 January 2030" in page
    assert "09:00 30 min Grace Hopper Ada Lovelace Cardiology booked" in page
    assert 'value="2030-01-07"' in response.content.decode()


@pytest.mark.parametrize("time, said", [
    ("10:05", "Appointments start every 15 minutes from the hour; 10:05 is not one of those times."),
    ("19:00", "Dr Ada Lovelace works 08:00 to 18:00 on Mondays; 19:00 to 19:30 is outside those hours."),
])
def test_a_booking_off_the_grid_or_outside_hours_is_told_beside_the_time(staff, doctor, patient, time, said):
    response = staff.post("/appointments/", booking(doctor, patient, time=time))
    assert response.status_code == 409
    assert said in text(response)
    assert 'id="id_time_error"' in response.content.decode()


def test_a_booking_in_the_past_is_told_in_clinic_words_on_its_day(staff, doctor, patient):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = staff.post("/appointments/", booking(doctor, patient, day=yesterday.isoformat()))
    assert response.status_code == 409
    page = text(response)
    assert f"{yesterday:%A} {yesterday.day} {yesterday:%B %Y} at 10:00 has already passed" in page
    assert f"Appointments {yesterday:%A} {yesterday.day} {yesterday:%B %Y}" in page


def test_a_duration_out_of_range_is_shown_beside_it(staff, doctor, patient):
    response = staff.post("/appointments/", booking(doctor, patient, duration="2"))
    assert response.status_code == 400
    assert 'id="id_duration_minutes_error"' in response.content.decode()
    assert "Ensure this value is greater than or equal to 5." in text(response)


def test_an_appointment_running_past_midnight_is_refused_beside_its_duration(staff, doctor, patient):
    response = staff.post("/appointments/", booking(doctor, patient, time="23:50", duration="30"))
    assert response.status_code == 400
    assert "The appointment must end by midnight." in text(response)
    assert 'id="id_duration_minutes_error"' in response.content.decode()


def test_every_field_is_required(staff):
    response = staff.post("/appointments/", {})
    assert response.status_code == 400
    for field in ["doctor", "patient", "day", "time", "duration_minutes"]:
        assert f'id="id_{field}_error"' in response.content.decode()


def test_cancelling_with_a_reason_shows_it(staff, appointment):
    response = staff.post(f"/appointments/{appointment}/cancel/", {"reason": "Patient called to reschedule."},
                          follow=True)
    page = text(response)
    assert "Appointment cancelled; the slot is free again." in page
    assert "Status cancelled — Patient called to reschedule." in page
    assert "Cancel appointment" not in page


def test_cancelling_twice_is_a_clear_message(staff, ctx, appointment):
    handlers.dispatch(ctx, CancelAppointment(appointment))
    response = staff.post(f"/appointments/{appointment}/cancel/", {"reason": ""})
    assert response.status_code == 409
    assert "This appointment is already cancelled." in text(response)


def test_a_cancelled_slot_can_be_booked_again(staff, ctx, doctor, patient, appointment):
    handlers.dispatch(ctx, CancelAppointment(appointment))
    response = staff.post("/appointments/", booking(doctor, patient, time="09:00"))
    assert response.status_code == 302


def test_an_unknown_appointment_is_not_found(staff, unknown_id):
    assert staff.get(f"/appointments/{unknown_id}/").status_code == 404


def test_a_booking_the_pages_have_not_caught_up_with_yet_says_so(staff, doctor, patient, projection_stalled,
                                                                  settings):
    settings.CLINIC_READ_YOUR_WRITES_TIMEOUT = 0.05
    response = staff.post("/appointments/", booking(doctor, patient), follow=True)
    page = text(response)
    assert response.status_code == 200
    assert "Saved. It may take a moment to show on every page." in page
    assert "Being recorded" in page and "This page updates by itself in a moment." in page
