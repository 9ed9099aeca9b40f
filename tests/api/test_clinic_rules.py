"""The clinic's rules through the API: doctors edited, retired and given hours;
reschedule, check-in and no-show; patients' phone, e-mail and search."""
import datetime
import json
import re

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from events import handlers
from events.domain.commands import Arrive, BookAppointment, Leave

DAY = "2030-01-07"  # a Monday
MONDAY = datetime.date(2030, 1, 7)


def _post(api, path, body=None):
    return api.post(path, body or {}, format="json")


def test_patch_a_doctor(api, doctor):
    answer = api.patch(f"/api/doctors/{doctor}/", {"specialty": "Neurology"}, format="json")
    assert answer.status_code == 200 and answer.json()["specialty"] == "Neurology"
    assert api.patch(f"/api/doctors/{doctor}/", {}, format="json").status_code == 400


def test_retire_a_doctor_then_no_booking_and_no_arrival(api, doctor, patient):
    answer = _post(api, f"/api/doctors/{doctor}/retirement/", {"reason": "Moved abroad"})
    assert answer.status_code == 200 and answer.json()["retired"] is True
    again = _post(api, f"/api/doctors/{doctor}/retirement/")
    assert again.status_code == 409 and "already retired" in again.json()["detail"]
    booked = _post(api, "/api/appointments/", {"doctorId": str(doctor), "patientId": str(patient), "day": DAY,
                                               "time": "10:00"})
    assert booked.status_code == 409 and "retired" in booked.json()["doctorId"][0]
    assert _post(api, f"/api/doctors/{doctor}/arrivals/").status_code == 409


def test_working_hours_are_set_shown_and_bind_bookings(api, doctor, patient):
    assert len(api.get(f"/api/doctors/{doctor}/").json()["workingHours"]) == 5  # the default week
    week = {"weekly": [{"weekday": 0, "start": "08:00", "end": "12:00"},
                       {"weekday": 0, "start": "13:00", "end": "17:00"}]}
    answer = api.put(f"/api/doctors/{doctor}/working-hours/", week, format="json")
    assert answer.status_code == 200
    assert answer.json()["workingHours"] == week["weekly"]
    lunch = _post(api, "/api/appointments/", {"doctorId": str(doctor), "patientId": str(patient), "day": DAY,
                                              "time": "12:00"})
    assert lunch.status_code == 409
    assert lunch.json()["time"] == [("Dr Ada Lovelace works 08:00 to 12:00 and 13:00 to 17:00 on Mondays; "
                                     "12:00 to 12:30 is outside those hours.")]


@pytest.mark.parametrize("weekly, words", [
    ([{"weekday": 0, "start": "08:00", "end": "12:00"}, {"weekday": 0, "start": "11:00", "end": "13:00"}],
     "overlap"),
    ([{"weekday": 0, "start": "12:00", "end": "08:00"}], "must end after"),
])
def test_bad_working_hours_are_400_naming_weekly(api, doctor, weekly, words):
    answer = api.put(f"/api/doctors/{doctor}/working-hours/", {"weekly": weekly}, format="json")
    assert answer.status_code == 400 and words in answer.json()["weekly"][0]


ISO_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}|[+-]\d{2}:\d{2}\b|\d{2}:\d{2}:\d{2}")
A_MOMENT = r"\d{2}:\d{2} on (Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day \d{1,2} [A-Z][a-z]+ \d{4}"


@pytest.mark.parametrize("body, field, message", [
    ({"time": "10:05"}, "time",
     re.escape("Appointments start every 15 minutes from the hour; 10:05 is not one of those times.")),
    ({"day": "2020-01-06"}, "time", "Monday 6 January 2020 at 10:00 has already passed; it is " + A_MOMENT + r"\."),
    ({"time": "19:00"}, "time",
     re.escape("Dr Ada Lovelace works 08:00 to 18:00 on Mondays; 19:00 to 19:30 is outside those hours.")),
    ({"day": "2030-01-06"}, "time", re.escape("Dr Ada Lovelace does not work on Sundays.")),
    ({"durationMinutes": 4}, "durationMinutes", re.escape("Ensure this value is greater than or equal to 5.")),
    ({"day": "2100-01-04"}, "day", ".*2000.*2099.*"),
])
def test_bookings_off_the_rules_are_refused_in_words(api, doctor, patient, body, field, message):
    answer = _post(api, "/api/appointments/", {"doctorId": str(doctor), "patientId": str(patient), "day": DAY,
                                               "time": "10:00", **body})
    assert answer.status_code in (400, 409)
    said = answer.json()
    assert re.fullmatch(message, said[field][0]), said
    assert said["detail"].endswith(said[field][0])  # the sentence says it too
    # Days and times in words and clinic-local HH:MM: no ISO 8601 stamp, no offset, no seconds.
    assert not ISO_STAMP.search(json.dumps(said)), said


def test_the_grid_and_the_default_week_are_the_clinics_settings(api, doctor, patient, settings):
    """CLINIC_SLOT_MINUTES and CLINIC_DEFAULT_HOURS, as a clinic sets them, bind
    bookings and show in the doctor's week (a doctor without hours of their own)."""
    settings.CLINIC_SLOT_MINUTES = 30
    settings.CLINIC_DEFAULT_HOURS = [{"weekday": 0, "start": "10:00", "end": "12:00"}]

    def book(time):
        return _post(api, "/api/appointments/", {"doctorId": str(doctor), "patientId": str(patient), "day": DAY,
                                                 "time": time, "durationMinutes": 30})

    assert api.get(f"/api/doctors/{doctor}/").json()["workingHours"] == settings.CLINIC_DEFAULT_HOURS
    off_grid, before_hours = book("10:15"), book("09:30")
    assert off_grid.status_code in (400, 409) and before_hours.status_code in (400, 409)
    assert "every 30 minutes" in off_grid.json()["time"][0]
    assert "10:00" in before_hours.json()["time"][0]
    assert book("10:30").status_code == 201


def test_a_refused_arrival_tells_the_last_departure_in_clinic_words(api, ctx, doctor, settings):
    settings.TIME_ZONE = "Asia/Kolkata"
    handlers.dispatch(ctx, Arrive(doctor, at=datetime.datetime(2026, 1, 5, 3, 0, tzinfo=datetime.timezone.utc)))
    handlers.dispatch(ctx, Leave(doctor, at=datetime.datetime(2026, 1, 5, 8, 16, 23, tzinfo=datetime.timezone.utc)))
    answer = _post(api, f"/api/doctors/{doctor}/arrivals/", {"at": "2026-01-05T07:00:00Z"})
    assert answer.status_code == 400
    assert answer.json()["at"] == ["Arrival cannot be before the last departure, at 13:46 on Monday 5 January 2026."]
    assert not ISO_STAMP.search(json.dumps(answer.json()))


def test_reschedule_moves_the_appointment_in_one_append(api, appointment, doctor, patient):
    moved = _post(api, f"/api/appointments/{appointment}/reschedule/", {"day": DAY, "time": "09:15"})
    assert moved.status_code == 200 and (moved.json()["id"], moved.json()["time"]) == (str(appointment), "09:15")
    # the 09:00 slot is free again for someone
    assert _post(api, "/api/appointments/", {"doctorId": str(doctor), "patientId": str(patient), "day": DAY,
                                             "time": "10:00"}).status_code == 201
    same = _post(api, f"/api/appointments/{appointment}/reschedule/", {"day": DAY, "time": "09:15"})
    assert same.status_code == 400 and "already on Monday 7 January 2030 at 09:15" in same.json()["detail"]
    taken = _post(api, f"/api/appointments/{appointment}/reschedule/", {"day": DAY, "time": "10:15"})
    assert taken.status_code == 409


@pytest.fixture
def staff_api(committed_db, staff_user):
    """A session-authenticated client: a token would expire while the clock travels."""
    client = APIClient()
    client.force_authenticate(staff_user)
    return client


def _at(hour, minute):
    """2030-01-07 (a Monday) at that clinic time, for the clock to travel to."""
    return datetime.datetime.combine(MONDAY, datetime.time(hour, minute), tzinfo=timezone.get_current_timezone())


def test_check_in_on_its_day_and_no_show_after_its_start_through_the_api(staff_api, ctx, doctor, patient):
    """The day of the 09:00 and 10:00 appointments, as the desk lives it: checked in
    at 08:50, the other marked a no-show at 10:10; each answer is the appointment
    as the read side shows it, and each step is refused once it no longer fits."""
    nine = handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=patient, day=MONDAY,
                                                  time=datetime.time(9))).id
    ten = handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=patient, day=MONDAY,
                                                 time=datetime.time(10))).id

    with time_machine.travel(_at(7, 0) - datetime.timedelta(days=1), tick=False):  # the Sunday before
        early = _post(staff_api, f"/api/appointments/{nine}/check-in/")
        assert early.status_code == 409
        assert early.json()["detail"] == ("Patients check in on the day of their appointment, Monday 7 January "
                                          "2030; today is Sunday 6 January 2030.")
    with time_machine.travel(_at(8, 50), tick=False):
        assert _post(staff_api, f"/api/appointments/{ten}/no-show/").json()["detail"] == (
            "The appointment starts Monday 7 January 2030 at 10:00; a patient can be marked as a no-show only "
            "after that.")
        here = _post(staff_api, f"/api/appointments/{nine}/check-in/")
        assert here.status_code == 200
        assert (here.json()["id"], here.json()["status"]) == (str(nine), "checkedIn")
        again = _post(staff_api, f"/api/appointments/{nine}/check-in/")
        assert again.status_code == 409 and "checked in; only a booked one" in again.json()["detail"]
        assert _post(staff_api, f"/api/appointments/{nine}/cancel/").status_code == 409
    with time_machine.travel(_at(10, 10), tick=False):
        assert _post(staff_api, f"/api/appointments/{ten}/cancel/").json()["detail"] == (
            "The appointment began Monday 7 January 2030 at 10:00; only appointments still to come can be "
            "cancelled.")
        missed = _post(staff_api, f"/api/appointments/{ten}/no-show/")
        assert missed.status_code == 200 and missed.json()["status"] == "noShow"
        assert _post(staff_api, f"/api/appointments/{ten}/check-in/").status_code == 409
        assert _post(staff_api, f"/api/appointments/{nine}/no-show/").status_code == 409  # here already
    statuses = {a["id"]: a["status"] for a in staff_api.get("/api/appointments/?day=2030-01-07").json()["results"]}
    assert statuses == {str(nine): "checkedIn", str(ten): "noShow"}
    # The events say when, in the clinic's time.
    from events import store
    told = {e.type: e.data["at"] for e in store.read_all() if e.type in ("PATIENT_CHECKED_IN", "APPOINTMENT_NO_SHOW")}
    assert {k: datetime.datetime.fromisoformat(v) for k, v in told.items()} == {
        "PATIENT_CHECKED_IN": _at(8, 50), "APPOINTMENT_NO_SHOW": _at(10, 10)}


def test_a_cancelled_appointment_is_neither_checked_in_nor_missed(api, ctx, doctor, patient):
    future = handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=patient, day=MONDAY,
                                                    time=datetime.time(9))).id
    assert _post(api, f"/api/appointments/{future}/cancel/").status_code == 200
    for action in ("check-in", "no-show"):
        refused = _post(api, f"/api/appointments/{future}/{action}/")
        assert refused.status_code == 409 and "This appointment is cancelled" in refused.json()["detail"]


def test_appointments_by_period(api, ctx, doctor, patient):
    for day in ("2030-01-07", "2030-01-08", "2030-01-09"):
        handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=patient,
                                               day=datetime.date.fromisoformat(day), time=datetime.time(9)))
    days = [a["day"] for a in api.get("/api/appointments/?from=2030-01-08&to=2030-01-09").json()["results"]]
    assert days == ["2030-01-08", "2030-01-09"]
    assert api.get("/api/appointments/?from=1999-12-31").status_code == 400


def test_patients_phone_email_and_search(api):
    made = _post(api, "/api/patients/", {"name": "Ada Byron", "dateOfBirth": "1990-01-01",
                                         "phone": "+44 20 7946 0958", "email": "ada@example.org"})
    assert made.status_code == 201 and (made.json()["phone"], made.json()["email"]) == ("+442079460958",
                                                                                          "ada@example.org")
    assert _post(api, "/api/patients/", {"name": "X", "dateOfBirth": "1990-01-01", "phone": "call me"}) \
        .json()["phone"]
    changed = api.patch(f"/api/patients/{made.json()['id']}/", {"email": ""}, format="json")
    assert changed.status_code == 200 and changed.json()["email"] == ""
    assert api.get("/api/patients/?search=byr").json()["count"] == 1
    assert api.get("/api/patients/?search=%2B4420794").json()["count"] == 1
    assert api.get("/api/patients/?search=nobody").json()["count"] == 0
