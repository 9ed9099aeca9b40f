"""The clinic's rules through the API: doctors edited, retired and given hours;
reschedule, check-in and no-show; patients' phone, e-mail and search."""
import datetime

import pytest
from django.utils import timezone

from events import handlers
from events.domain.commands import BookAppointment

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


@pytest.mark.parametrize("body, field", [({"time": "10:05"}, "time"), ({"day": "2020-01-06"}, "time"),
                                         ({"time": "19:00"}, "time"), ({"durationMinutes": 4}, "durationMinutes"),
                                         ({"day": "2100-01-04"}, "day")])
def test_bookings_off_the_rules_are_refused_in_words(api, doctor, patient, body, field):
    answer = _post(api, "/api/appointments/", {"doctorId": str(doctor), "patientId": str(patient), "day": DAY,
                                               "time": "10:00", **body})
    assert answer.status_code in (400, 409) and field in answer.json()
    assert "T" not in answer.json()["detail"].split()[0]  # no ISO stamps


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


def test_check_in_only_on_its_day_and_no_show_only_after_the_start(api, ctx, doctor, patient):
    future = handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=patient, day=MONDAY,
                                                    time=datetime.time(9))).id
    refused = _post(api, f"/api/appointments/{future}/check-in/")
    assert refused.status_code == 409 and "on the day of their appointment" in refused.json()["detail"]
    assert _post(api, f"/api/appointments/{future}/no-show/").status_code == 409
    assert _post(api, f"/api/appointments/{future}/cancel/").status_code == 200
    assert _post(api, f"/api/appointments/{future}/check-in/").status_code == 409  # cancelled


def test_check_in_and_no_show_at_a_chosen_moment(api, doctor, patient, staff_user):
    # The handlers' clock is their context's ``now``: decide at 2030-01-07 08:50 and 09:10 clinic time.
    from dataclasses import replace

    ctx = handlers.Context(actor="reception", source="api")
    booked = handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=patient, day=MONDAY,
                                                    time=datetime.time(9))).id
    before = replace(ctx, now=datetime.datetime(2030, 1, 7, 8, 50, tzinfo=timezone.get_current_timezone()))
    after = replace(ctx, now=datetime.datetime(2030, 1, 7, 9, 10, tzinfo=timezone.get_current_timezone()))
    from events.domain.commands import CheckIn, MarkNoShow
    from events.domain.errors import Conflict

    with pytest.raises(Conflict):
        handlers.dispatch(before, MarkNoShow(booked))
    handlers.dispatch(after, MarkNoShow(booked))
    assert api.get(f"/api/appointments/{booked}/").json()["status"] == "noShow"
    other = handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=patient, day=MONDAY,
                                                   time=datetime.time(10))).id
    handlers.dispatch(before, CheckIn(other))
    assert api.get(f"/api/appointments/{other}/").json()["status"] == "checkedIn"
    assert api.get("/api/appointments/?status=checkedIn").json()["count"] == 1


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
