"""Appointments: book against a doctor's day, cancel, read with doctor and patient."""
import uuid

import pytest

from events.domain.commands import RegisterDoctor
from events.models import StoredEvent


def _book(api, doctor, patient, **body):
    return api.post("/api/appointments/", {"doctorId": str(doctor), "patientId": str(patient), "day": "2030-01-07",
                                           "time": "10:00", **body}, format="json")


def test_booking_answers_201_with_doctor_and_patient(api, doctor, patient):
    response = _book(api, doctor, patient, durationMinutes=45)
    assert response.status_code == 201
    body = response.json()
    assert body["day"] == "2030-01-07" and body["time"] == "10:00" and body["durationMinutes"] == 45
    assert body["status"] == "booked"
    assert body["doctor"] == {"id": str(doctor), "name": "Ada Lovelace", "specialty": "Cardiology"}
    assert body["patient"]["id"] == str(patient) and body["patient"]["name"] == "Grace Hopper"
    assert isinstance(body["patient"]["age"], int)
    assert response["Location"].endswith(f"/api/appointments/{body['id']}/")
    detail = api.get(response["Location"]).json()
    assert detail == {k: v for k, v in body.items() if k != "position"}


def test_default_duration_is_30_and_seconds_are_accepted(api, doctor, patient):
    body = _book(api, doctor, patient, time="10:00:00").json()
    assert body["durationMinutes"] == 30 and body["time"] == "10:00"


@pytest.mark.parametrize("time, duration", [("10:00", 30), ("09:45", 30), ("10:15", 5), ("09:00", 90)])
def test_overlapping_booking_is_409_and_writes_nothing(api, doctor, patient, time, duration):
    assert _book(api, doctor, patient).status_code == 201
    before = StoredEvent.objects.count()
    response = _book(api, doctor, patient, time=time, durationMinutes=duration)
    assert response.status_code == 409
    assert "already booked" in response.json()["detail"]
    assert StoredEvent.objects.count() == before


def test_adjacent_slots_and_other_days_are_free(api, doctor, patient):
    assert _book(api, doctor, patient).status_code == 201
    assert _book(api, doctor, patient, time="10:30").status_code == 201
    assert _book(api, doctor, patient, time="09:30").status_code == 201
    assert _book(api, doctor, patient, day="2030-01-08").status_code == 201


def test_unknown_doctor_or_patient_is_400_naming_the_field(api, doctor, patient, unknown_id):
    response = _book(api, unknown_id, patient)
    assert response.status_code == 400 and "doctorId" in response.json()
    response = _book(api, doctor, unknown_id)
    assert response.status_code == 400 and "patientId" in response.json()
    assert not StoredEvent.objects.filter(type="APPOINTMENT_CREATED").exists()


@pytest.mark.parametrize("field, value", [
    ("day", "2030-02-30"), ("day", "tomorrow"), ("time", "25:00"), ("time", "9am"),
    ("durationMinutes", 0), ("durationMinutes", 10_000), ("durationMinutes", "long"), ("doctorId", "nope"),
])
def test_bad_values_are_400_naming_the_field(api, doctor, patient, field, value):
    response = _book(api, doctor, patient, **{field: value})
    assert response.status_code == 400
    assert field in response.json()


def test_an_appointment_must_end_by_midnight(api, doctor, patient):
    response = _book(api, doctor, patient, time="23:45", durationMinutes=30)
    assert response.status_code == 400 and "durationMinutes" in response.json()


def test_a_client_id_that_exists_is_409(api, doctor, patient):
    appointment_id = str(uuid.uuid4())
    assert _book(api, doctor, patient, id=appointment_id).json()["id"] == appointment_id
    assert _book(api, doctor, patient, id=appointment_id, time="15:00").status_code == 409


def test_cancel_frees_the_slot_and_cannot_be_repeated(api, doctor, patient):
    appointment = _book(api, doctor, patient).json()["id"]
    response = api.post(f"/api/appointments/{appointment}/cancel/", {"reason": "Patient is ill"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    again = api.post(f"/api/appointments/{appointment}/cancel/", {}, format="json")
    assert again.status_code == 409
    assert _book(api, doctor, patient).status_code == 201


def test_cancel_unknown_is_404(api, unknown_id):
    assert api.post(f"/api/appointments/{unknown_id}/cancel/", {}, format="json").status_code == 404


def test_list_filters_by_doctor_patient_day_and_status(api, ctx, doctor, patient):
    from events import handlers

    other = handlers.dispatch(ctx, RegisterDoctor(name="Bo Ng", specialty="Dermatology")).id
    first = _book(api, doctor, patient).json()["id"]
    _book(api, other, patient, time="11:00").json()
    _book(api, doctor, patient, day="2030-01-09")
    api.post(f"/api/appointments/{first}/cancel/", {}, format="json")

    def ids(query):
        return [a["id"] for a in api.get(f"/api/appointments/?{query}").json()["results"]]

    assert len(ids("")) == 3
    assert len(ids(f"doctor={doctor}")) == 2
    assert len(ids(f"patient={patient}&day=2030-01-07")) == 2
    assert ids("status=cancelled") == [first]
    assert len(ids(f"doctor={doctor}&status=booked")) == 1


@pytest.mark.parametrize("query", ["doctor=nope", "day=2030-13-01", "status=maybe"])
def test_bad_filters_are_400_naming_the_filter(api, query):
    response = api.get(f"/api/appointments/?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.json()


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1999-12-31", "2100-01-01"])
def test_a_day_outside_the_clinics_calendar_is_400_naming_the_range(api, appointment, day):
    response = api.get(f"/api/appointments/?day={day}")
    assert response.status_code == 400
    body = response.json()
    assert "2000-01-01" in body["detail"] and "2099-12-31" in body["detail"]
    assert "day" in body


@pytest.mark.parametrize("day", ["2000-01-01", "2099-12-31"])
def test_the_calendars_first_and_last_days_can_be_asked_for(api, day):
    response = api.get(f"/api/appointments/?day={day}")
    assert response.status_code == 200 and response.json()["count"] == 0


def test_a_schedule_stream_id_cannot_name_an_appointment(api, doctor, patient):
    import datetime

    from events.domain import schedule

    assert _book(api, doctor, patient).status_code == 201
    taken = schedule.stream_id(doctor, datetime.date(2030, 1, 7))
    response = _book(api, doctor, patient, id=str(taken), time="15:00")
    assert response.status_code == 409
    assert not StoredEvent.objects.filter(stream_id=taken, type="APPOINTMENT_CREATED").exists()


def test_a_patient_under_a_days_schedule_id_cannot_make_the_schedule_mix_streams(api, doctor, patient):
    """A client may choose a patient's id; one that a doctor's day will later derive
    for its schedule must not turn that schedule into a patient's stream."""
    import datetime

    from django.db.models import Count

    from events.domain import schedule

    taken = schedule.stream_id(doctor, datetime.date(2030, 1, 7))
    registered = api.post("/api/patients/", {"id": str(taken), "name": "Eve Early", "dateOfBirth": "1990-01-01"},
                          format="json")
    assert registered.status_code == 201
    before = StoredEvent.objects.count()

    response = _book(api, doctor, patient)
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert "schedule for Monday 7 January 2030" in detail and "patient" in detail and "another day" in detail
    assert StoredEvent.objects.count() == before
    assert api.get("/api/appointments/").json()["count"] == 0
    mixed = StoredEvent.objects.values("stream_id").annotate(kinds=Count("stream_type", distinct=True))
    assert not mixed.filter(kinds__gt=1).exists()
    # the patient is still there as registered, and other days still book
    assert api.get(f"/api/patients/{taken}/").json()["name"] == "Eve Early"
    assert _book(api, doctor, patient, day="2030-01-08").status_code == 201
