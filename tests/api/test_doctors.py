"""Doctors: register, arrive, leave; read with timesheet and hours."""
import datetime
import uuid
from datetime import timedelta

from django.utils import timezone

from events.models import StoredEvent


def _register(api, **body):
    return api.post("/api/doctors/", {"name": "Ann Lee", "specialty": "Cardiology", **body}, format="json")


def test_register_answers_201_with_the_projected_doctor(api):
    response = _register(api)
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Ann Lee" and body["specialty"] == "Cardiology"
    assert body["onShift"] is False and body["totalHoursWorked"] == 0
    assert body["position"] == StoredEvent.objects.get().position
    assert response["Location"].endswith(f"/api/doctors/{body['id']}/")
    assert api.get(response["Location"]).json()["name"] == "Ann Lee"


def test_register_with_a_client_id_uses_it_and_refuses_it_twice(api):
    doctor_id = str(uuid.uuid4())
    assert _register(api, id=doctor_id).json()["id"] == doctor_id
    again = _register(api, id=doctor_id, name="Someone Else")
    assert again.status_code == 409
    assert StoredEvent.objects.count() == 1


def test_register_names_missing_and_blank_fields(api):
    response = api.post("/api/doctors/", {"name": "  "}, format="json")
    assert response.status_code == 400
    assert set(response.json()) >= {"name", "specialty"}
    assert StoredEvent.objects.count() == 0


def test_arrival_then_departure_counts_the_hours(api, doctor):
    start = timezone.now() - timedelta(hours=8, minutes=30)
    arrived = api.post(f"/api/doctors/{doctor}/arrivals/", {"at": start.isoformat()}, format="json")
    assert arrived.status_code == 200
    assert arrived.json()["onShift"] is True
    left = api.post(f"/api/doctors/{doctor}/departures/", {"at": (start + timedelta(hours=8, minutes=30)).isoformat()},
                    format="json")
    assert left.status_code == 200
    assert left.json()["onShift"] is False
    assert left.json()["totalHoursWorked"] == 8.5
    detail = api.get(f"/api/doctors/{doctor}/").json()
    assert detail["timesheet"] == [{
        "arrivedAt": start.astimezone(datetime.timezone.utc).isoformat().replace("+00:00", "Z"),
        "leftAt": (start + timedelta(hours=8, minutes=30)).astimezone(datetime.timezone.utc).isoformat()
                  .replace("+00:00", "Z"),
        "hoursWorked": 8.5,
    }]


def test_arrival_defaults_to_now_and_shows_an_open_shift(api, doctor):
    before = timezone.now()
    assert api.post(f"/api/doctors/{doctor}/arrivals/", {}, format="json").status_code == 200
    shift, = api.get(f"/api/doctors/{doctor}/").json()["timesheet"]
    assert shift["leftAt"] is None and shift["hoursWorked"] is None
    assert datetime.datetime.fromisoformat(shift["arrivedAt"].replace("Z", "+00:00")) >= before.replace(microsecond=0)


def test_arriving_twice_is_409(api, doctor):
    api.post(f"/api/doctors/{doctor}/arrivals/", {}, format="json")
    response = api.post(f"/api/doctors/{doctor}/arrivals/", {}, format="json")
    assert response.status_code == 409
    assert "already on shift" in response.json()["detail"]


def test_leaving_while_off_shift_is_409(api, doctor):
    response = api.post(f"/api/doctors/{doctor}/departures/", {}, format="json")
    assert response.status_code == 409


def test_leaving_before_arriving_is_400_naming_at(api, doctor):
    start = timezone.now() - timedelta(hours=1)
    api.post(f"/api/doctors/{doctor}/arrivals/", {"at": start.isoformat()}, format="json")
    response = api.post(f"/api/doctors/{doctor}/departures/", {"at": (start - timedelta(minutes=5)).isoformat()},
                        format="json")
    assert response.status_code == 400
    assert "at" in response.json()
    assert api.get(f"/api/doctors/{doctor}/").json()["onShift"] is True


def test_future_or_garbled_times_are_400(api, doctor):
    future = (timezone.now() + timedelta(days=1)).isoformat()
    assert api.post(f"/api/doctors/{doctor}/arrivals/", {"at": future}, format="json").status_code == 400
    response = api.post(f"/api/doctors/{doctor}/arrivals/", {"at": "yesterday-ish"}, format="json")
    assert response.status_code == 400 and "at" in response.json()


def test_unknown_doctor_is_404(api, unknown_id):
    assert api.get(f"/api/doctors/{unknown_id}/").status_code == 404
    assert api.post(f"/api/doctors/{unknown_id}/arrivals/", {}, format="json").status_code == 404
    assert api.post(f"/api/doctors/{unknown_id}/departures/", {}, format="json").status_code == 404
    assert StoredEvent.objects.filter(stream_id=unknown_id).count() == 0


def test_list_is_paginated_and_leaves_out_timesheets(api):
    for n in range(3):
        _register(api, name=f"Doctor {n}")
    page = api.get("/api/doctors/?page_size=2").json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    assert set(page["results"][0]) == {"id", "name", "specialty", "onShift", "retired", "totalHoursWorked"}
    assert len(api.get(page["next"]).json()["results"]) == 1


def test_an_id_already_used_by_a_patient_cannot_name_a_doctor(api, patient):
    response = _register(api, id=str(patient))
    assert response.status_code == 409
    assert "id" in response.json()
    assert [e.type for e in StoredEvent.objects.filter(stream_id=patient)] == ["PATIENT_CREATED"]
