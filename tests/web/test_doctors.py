"""Doctors: the list, registering one, the doctor's page with its timesheet,
chart and upcoming appointments, and recording arrivals and departures."""
import datetime

import pytest
from django.utils import timezone

from events import handlers
from events.domain.commands import Arrive, BookAppointment, CancelAppointment, Leave, RegisterDoctor
from events.models import StoredEvent
from readmodels.models import Doctor

from .conftest import booked_before, text


def local(days=0, hour=8, minute=0):
    """A moment in the clinic's time zone, ``days`` from today."""
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def form_field(value):
    return value.strftime("%Y-%m-%dT%H:%M")


def test_the_list_shows_each_doctor_with_status_and_hours(staff, ctx, doctor):
    handlers.dispatch(ctx, Arrive(doctor, at=local(-1, 8)))
    handlers.dispatch(ctx, Leave(doctor, at=local(-1, 16, 30)))
    lister = handlers.dispatch(ctx, RegisterDoctor(name="Joseph Lister", specialty="Surgery")).id
    handlers.dispatch(ctx, Arrive(lister))
    page = text(staff.get("/doctors/"))
    assert "Ada Lovelace Cardiology Off shift 8.5" in page
    assert "Joseph Lister Surgery On shift 0" in page


def test_registering_a_doctor_opens_their_page(staff):
    response = staff.post("/doctors/", {"name": "  Joseph   Lister ", "specialty": "Surgery"}, follow=True)
    doctor = Doctor.objects.get()
    assert response.redirect_chain == [(f"/doctors/{doctor.id}/", 302)]
    page = text(response)
    assert "Dr Joseph Lister registered." in page
    assert "Dr Joseph Lister Surgery" in page       # the domain tidied the spaces
    assert "Off shift" in page
    assert StoredEvent.objects.get().metadata["source"] == "web"
    assert StoredEvent.objects.get().metadata["actor"] == "reception"


def test_a_blank_field_is_shown_beside_it(staff):
    response = staff.post("/doctors/", {"name": "Joseph Lister", "specialty": "   "})
    assert response.status_code == 400
    assert '<ul class="errorlist" id="id_specialty_error"><li>This field is required.</li></ul>' in \
        response.content.decode()
    assert 'value="Joseph Lister"' in response.content.decode()  # what was typed is kept
    assert not StoredEvent.objects.exists()


def test_recording_an_arrival_now_shows_the_doctor_on_shift(staff, doctor):
    response = staff.post(f"/doctors/{doctor}/arrival/", {"at": ""}, follow=True)
    page = text(response)
    assert response.redirect_chain == [(f"/doctors/{doctor}/", 302)]
    assert "Arrival recorded." in page
    assert "On shift since" in page
    assert "Record departure" in page and "Record arrival" not in page


def test_a_late_entry_records_the_time_given(staff, doctor):
    staff.post(f"/doctors/{doctor}/arrival/", {"at": form_field(local(-1, 8, 5))})
    response = staff.post(f"/doctors/{doctor}/departure/", {"at": form_field(local(-1, 16, 35))}, follow=True)
    page = text(response)
    assert "Departure recorded." in page
    arrived = local(-1, 8, 5)
    assert f"{arrived:%a} {arrived.day} {arrived:%b %Y}, 08:05" in page
    assert "16:35 8.5 Total 8.5" in page


def test_arriving_twice_is_a_clear_message_not_an_error_page(staff, ctx, doctor):
    handlers.dispatch(ctx, Arrive(doctor, at=local(0, 0, 1)))
    response = staff.post(f"/doctors/{doctor}/arrival/", {"at": ""})
    assert response.status_code == 409
    assert "Dr Ada Lovelace is already on shift since" in text(response)
    assert 'role="alert"' in response.content.decode()


def test_leaving_before_arriving_is_shown_beside_the_time(staff, ctx, doctor):
    handlers.dispatch(ctx, Arrive(doctor, at=local(-1, 9)))
    response = staff.post(f"/doctors/{doctor}/departure/", {"at": form_field(local(-1, 8))})
    assert response.status_code == 400
    assert 'id="id_at_error"' in response.content.decode()
    assert "Departure must be after the arrival" in text(response)
    assert Doctor.objects.get(id=doctor).on_shift


def test_leaving_while_off_shift_is_refused(staff, doctor):
    response = staff.post(f"/doctors/{doctor}/departure/", {"at": ""})
    assert response.status_code == 409
    assert "Dr Ada Lovelace is not on shift." in text(response)


def test_a_time_in_the_future_is_refused(staff, doctor):
    response = staff.post(f"/doctors/{doctor}/arrival/", {"at": form_field(timezone.localtime()
                                                                           + datetime.timedelta(hours=2))})
    assert response.status_code == 400
    assert "This time is in the future." in text(response)


def test_a_time_that_is_not_a_time_is_refused(staff, doctor):
    response = staff.post(f"/doctors/{doctor}/arrival/", {"at": "yesterday-ish"})
    assert response.status_code == 400
    assert "Enter a valid date/time." in text(response)


def test_the_chart_shows_hours_per_week_from_the_first_week_worked(staff, ctx, doctor):
    handlers.dispatch(ctx, Arrive(doctor, at=local(-14, 8)))
    handlers.dispatch(ctx, Leave(doctor, at=local(-14, 15, 30)))
    body = staff.get(f"/doctors/{doctor}/").content.decode()
    assert body.count('<g class="bar">') == 3  # two weeks ago, last week, this week: no empty weeks before
    assert ": 7.5 hours</title>" in body
    assert "<title id=\"chart-title\">Hours worked per week, last 3 weeks</title>" in body


def test_a_doctor_who_has_not_worked_yet_has_no_chart_but_says_so(staff, doctor):
    response = staff.get(f"/doctors/{doctor}/")
    assert '<g class="bar">' not in response.content.decode()
    assert "No hours worked in the last 8 weeks." in text(response)


def test_upcoming_appointments_leave_out_past_and_cancelled_ones(staff, works_every_day, patient):
    doctor = works_every_day
    ctx = booked_before(timezone.localdate() - datetime.timedelta(days=1))  # yesterday's 09:00 was to come

    def book(days, hour):
        return handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=patient,
                                         day=timezone.localdate() + datetime.timedelta(days=days),
                                         time=datetime.time(hour, 0))).id
    book(-1, 9)
    book(3, 10)
    handlers.dispatch(ctx, CancelAppointment(book(4, 11)))
    upcoming = text(staff.get(f"/doctors/{doctor}/")).split("Upcoming appointments")[1].split("Timesheet")[0]
    assert "10:00" in upcoming
    assert "09:00" not in upcoming and "11:00" not in upcoming


@pytest.mark.parametrize("method", ["get", "put"])
def test_shift_buttons_only_take_posts(staff, doctor, method):
    assert getattr(staff, method)(f"/doctors/{doctor}/arrival/").status_code == 405
