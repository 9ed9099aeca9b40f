"""Managers read the audit of one patient, newest first, on the API and on a
staff page; everyone else is refused."""
import uuid

import pytest

from tests.conftest import api_client_for


def test_a_manager_lists_who_read_a_patient_newest_first(api, manager_api, patient, appointment):
    api.get(f"/api/patients/{patient}/", HTTP_X_CORRELATION_ID="first")
    api.get(f"/api/appointments/{appointment}/")
    response = manager_api.get(f"/api/audit/?patient={patient}&page_size=1")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2 and body["next"]
    [newest] = body["results"]
    assert newest["view"] == "api:appointment" and newest["username"] == "reception"
    assert newest["patientId"] == str(patient) and newest["refresh"] is False
    older = manager_api.get(body["next"]).json()["results"]
    assert [(r["view"], r["correlationId"]) for r in older] == [("api:patient", "first")]
    assert "name" not in newest  # ids only: nothing of the patient's own


def test_listing_the_audit_is_not_itself_a_read(manager_api, patient):
    manager_api.get(f"/api/audit/?patient={patient}")
    assert manager_api.get(f"/api/audit/?patient={patient}").json()["count"] == 0


def test_others_are_refused(receptionist, clinician, patient):
    for user in (receptionist, clinician):
        response = api_client_for(user).get(f"/api/audit/?patient={patient}")
        assert response.status_code == 403 and response.json()["detail"]


@pytest.mark.parametrize("query", ["", "?patient=", "?patient=not-an-id"])
def test_a_missing_or_invalid_patient_is_a_400_naming_it(manager_api, query):
    response = manager_api.get(f"/api/audit/{query}")
    assert response.status_code == 400
    assert response.json()["detail"] and response.json()["patient"]


def test_the_schema_declares_the_audit(api):
    import yaml
    operation = yaml.safe_load(api.get("/api/schema/").content)["paths"]["/api/audit/"]["get"]
    assert {p["name"]: p["required"] for p in operation["parameters"] if p["name"] == "patient"} == {"patient": True}
    assert {"200", "400", "401", "403", "404"} <= set(operation["responses"])


def test_the_staff_page_shows_a_manager_the_reads(client, manager, receptionist, patient):
    client.force_login(receptionist)
    client.get(f"/patients/{patient}/")
    assert client.get(f"/audit/?patient={patient}").status_code == 403
    assert "Who has read" not in client.get(f"/patients/{patient}/").content.decode()
    client.force_login(manager)
    page = client.get(f"/patients/{patient}/").content.decode()
    assert f"/audit/?patient={patient}" in page
    audit = client.get(f"/audit/?patient={patient}")
    assert audit.status_code == 200
    text = audit.content.decode()
    assert "front-desk" in text and "web:patient" in text and "Grace Hopper" not in text
    assert client.get("/audit/?patient=nobody").status_code == 400
    assert client.get(f"/audit/?patient={uuid.uuid4()}").status_code == 200
