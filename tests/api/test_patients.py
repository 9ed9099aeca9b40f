"""Patients: register, correct, read with their age."""
import datetime

from django.utils import timezone

from events.domain.patient import age
from events.models import StoredEvent


def test_register_answers_201_with_age(api):
    response = api.post("/api/patients/", {"name": "Grace Hopper", "dateOfBirth": "1980-12-09"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["dateOfBirth"] == "1980-12-09"
    assert body["age"] == age(datetime.date(1980, 12, 9), timezone.localdate())
    assert isinstance(body["position"], int)
    assert response["Location"].endswith(f"/api/patients/{body['id']}/")


def test_patch_renames_and_shows_the_new_name_in_appointments(api, appointment, patient):
    response = api.patch(f"/api/patients/{patient}/", {"name": "Grace B. Hopper"}, format="json")
    assert response.status_code == 200
    assert response.json()["name"] == "Grace B. Hopper"
    assert api.get(f"/api/appointments/{appointment}/").json()["patient"]["name"] == "Grace B. Hopper"


def test_patch_that_changes_nothing_writes_nothing(api, patient):
    before = StoredEvent.objects.count()
    response = api.patch(f"/api/patients/{patient}/", {"name": "Grace Hopper"}, format="json")
    assert response.status_code == 200
    assert StoredEvent.objects.count() == before
    assert response.json()["position"] == StoredEvent.objects.get(stream_id=patient).position


def test_patch_with_no_fields_is_400(api, patient):
    assert api.patch(f"/api/patients/{patient}/", {}, format="json").status_code == 400


def test_patch_unknown_patient_is_404(api, unknown_id):
    assert api.patch(f"/api/patients/{unknown_id}/", {"name": "X"}, format="json").status_code == 404


def test_future_and_impossible_dates_of_birth_are_400_naming_the_field(api):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    for bad in [tomorrow, "2023-02-30", "1850-01-01", "12/01/1990", 19900101]:
        response = api.post("/api/patients/", {"name": "X", "dateOfBirth": bad}, format="json")
        assert response.status_code == 400, bad
        assert "dateOfBirth" in response.json(), bad
    assert StoredEvent.objects.count() == 0


def test_read_one_and_list(api, patient):
    one = api.get(f"/api/patients/{patient}/").json()
    assert set(one) == {"id", "name", "dateOfBirth", "age", "phone", "email", "erased"}
    assert one["erased"] is False
    listing = api.get("/api/patients/").json()
    assert listing["count"] == 1 and listing["results"] == [one]
