"""Erasure: ``POST /api/patients/{id}/erasure/`` destroys the patient's key, and
with it every trace of their personal data the database holds."""
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from clinic.audit.models import PatientRead
from events.models import DataKey
from tests.conftest import api_client_for

NAME, RENAMED = "Zebulon Quimby-Fairweather", "Zebulon Q. Fairweather-Renamed"
BORN, PHONE, EMAIL = "1961-07-23", "+44 20 7946 0321", "zebulon.qf@example.org"
REASON = f"{NAME} has moved away"
# What must be nowhere afterwards: each name part, the date of birth, the phone
# (as given, and normalised: +442079460321), the e-mail.
TRACES = ["zebulon", "quimby", "fairweather", BORN, "7946 0321", "79460321", EMAIL]
FUTURE_MONDAY = "2030-01-07"


def every_row():
    """Every row of every table in the database, as text (binary columns as bytes' text)."""
    dumped = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            dumped += [f"{table}: " + " | ".join(_text(value) for value in row) for row in cursor.fetchall()]
    return dumped


def _text(value):
    if isinstance(value, memoryview | bytes):
        return bytes(value).decode("latin-1")
    return str(value)


def traces_in(rows):
    return [(trace, row[:120]) for row in rows for trace in TRACES if trace in row.lower()]


def register(api, name=NAME, **extra):
    response = api.post("/api/patients/", {"name": name, "dateOfBirth": BORN, "phone": PHONE, "email": EMAIL,
                                           **extra}, format="json", HTTP_IDEMPOTENCY_KEY=f"register-{len(name)}")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def erase(api, patient, reason="Request GDPR-2030-17"):
    return api.post(f"/api/patients/{patient}/erasure/", {"reason": reason}, format="json")


@pytest.fixture
def other(api):
    response = api.post("/api/patients/", {"name": "Other Person", "dateOfBirth": "1975-03-04"}, format="json")
    return response.json()["id"]


def test_no_table_holds_an_erased_patients_data_not_even_after_a_rebuild(api, client, manager, doctor, other):
    patient = register(api)
    booked = api.post("/api/appointments/", {"doctorId": str(doctor), "patientId": patient, "day": FUTURE_MONDAY,
                                             "time": "09:00"}, format="json", HTTP_IDEMPOTENCY_KEY="book").json()["id"]
    assert api.patch(f"/api/patients/{patient}/", {"name": RENAMED}, format="json").status_code == 200
    cancelled = api.post(f"/api/appointments/{booked}/cancel/", {"reason": REASON}, format="json",
                         HTTP_IDEMPOTENCY_KEY="cancel")
    assert cancelled.status_code == 200 and cancelled.json()["patient"]["name"] == RENAMED
    # Read them everywhere there is to read them, so the audit and any cache has them.
    client.force_login(manager)
    for url in [reverse("web:patient", args=[patient]), reverse("web:stream", args=[patient]),
                reverse("web:stream", args=[booked]), reverse("web:events"), "/api/events/",
                f"/api/appointments/{booked}/"]:
        assert client.get(url).status_code == 200, url
    assert PatientRead.objects.filter(patient_id=patient).exists()
    assert traces_in(every_row())  # the test can see them while they are there

    response = erase(api, patient)

    assert response.status_code == 200
    assert response.json() == {"id": patient, "erased": True, "name": None, "dateOfBirth": None, "age": None,
                               "phone": None, "email": None, "position": response.json()["position"]}
    assert traces_in(every_row()) == []
    call_command("rebuild_readmodels", stdout=io.StringIO(), stderr=io.StringIO())
    assert traces_in(every_row()) == []
    out = io.StringIO()
    call_command("verify_readmodels", stdout=out, stderr=io.StringIO())
    assert "match" in out.getvalue()
    # The rest of the clinic is as it was; the audit still says who read the patient, by id.
    assert api.get(f"/api/patients/{other}/").json()["name"] == "Other Person"
    assert PatientRead.objects.filter(patient_id=patient).exists()


def test_after_erasure_every_face_says_erased(api, client, manager, doctor):
    patient = register(api)
    booked = api.post("/api/appointments/", {"doctorId": str(doctor), "patientId": patient, "day": FUTURE_MONDAY,
                                             "time": "09:00"}, format="json").json()["id"]
    api.post(f"/api/appointments/{booked}/cancel/", {"reason": REASON}, format="json")
    assert erase(api, patient).status_code == 200

    assert api.get(f"/api/patients/{patient}/").json() == {
        "id": patient, "erased": True, "name": None, "dateOfBirth": None, "age": None, "phone": None, "email": None}
    shown = api.get(f"/api/appointments/{booked}/").json()
    assert shown["patient"] == {"id": patient, "name": "Erased patient", "age": None}
    feed = {event["type"]: event["data"] for event in api.get(f"/api/streams/{patient}/events/").json()["results"]}
    assert feed["PATIENT_CREATED"] == {"name": "[erased]", "date_of_birth": "[erased]", "phone": "[erased]",
                                       "email": "[erased]"}
    assert feed["PATIENT_ERASED"] == {"reason": "Request GDPR-2030-17"}
    cancelled = api.get(f"/api/streams/{booked}/events/").json()["results"][-1]
    assert cancelled["data"]["reason"] == "[erased]"

    client.force_login(manager)
    for url in [reverse("web:patient", args=[patient]), reverse("web:stream", args=[patient]),
                reverse("web:appointment", args=[booked]), reverse("web:events"),
                reverse("admin:events_storedevent_change", args=[_position_of(patient)])]:
        page = client.get(url).content.decode()
        assert "[erased]" in page, url
        assert "Zebulon" not in page and "None" not in page.split("<main", 1)[-1], url


def _position_of(stream_id):
    from events.models import StoredEvent
    return StoredEvent.objects.filter(stream_id=stream_id, version=1).values_list("position", flat=True).get()


def test_commands_about_an_erased_patient_are_refused_with_a_reason(api, doctor):
    patient = register(api)
    assert erase(api, patient).status_code == 200

    renamed = api.patch(f"/api/patients/{patient}/", {"name": "Back Again"}, format="json")
    booked = api.post("/api/appointments/", {"doctorId": str(doctor), "patientId": patient, "day": FUTURE_MONDAY,
                                             "time": "09:00"}, format="json")
    assert (renamed.status_code, booked.status_code) == (409, 409)
    assert "erased" in renamed.json()["detail"] and "erased" in booked.json()["detail"]
    assert DataKey.objects.get(subject=patient).key is None  # the key is gone; its tombstone stays


def test_erasing_twice_is_409_and_an_unknown_patient_404(api, unknown_id):
    patient = register(api)
    assert erase(api, patient).status_code == 200
    again = erase(api, patient)
    assert again.status_code == 409 and "already erased" in again.json()["detail"]
    assert erase(api, unknown_id).status_code == 404


def test_erasure_needs_a_reason(api):
    patient = register(api)
    for body in [{}, {"reason": ""}, {"reason": "x" * 501}]:
        response = api.post(f"/api/patients/{patient}/erasure/", body, format="json")
        assert response.status_code == 400 and "reason" in response.json(), body
    assert api.get(f"/api/patients/{patient}/").json()["name"] == NAME


def test_only_a_manager_may_erase(api, receptionist):
    patient = register(api)
    refused = erase(api_client_for(receptionist), patient)
    assert refused.status_code == 403
    assert api.get(f"/api/patients/{patient}/").json()["erased"] is False


def test_erasure_waits_for_the_patients_upcoming_appointments_to_be_cancelled(api, doctor):
    patient = register(api)
    booked = api.post("/api/appointments/", {"doctorId": str(doctor), "patientId": patient, "day": FUTURE_MONDAY,
                                             "time": "09:00"}, format="json").json()["id"]
    refused = erase(api, patient)
    assert refused.status_code == 409 and "cancel it first" in refused.json()["detail"]
    assert api.get(f"/api/patients/{patient}/").json()["name"] == NAME

    api.post(f"/api/appointments/{booked}/cancel/", {}, format="json")
    assert erase(api, patient).status_code == 200


def test_a_managers_erasure_form_on_the_patient_page(api, client, manager, receptionist):
    patient = register(api)
    page = reverse("web:patient", args=[patient])
    client.force_login(receptionist)
    assert "Erase personal data" not in client.get(page).content.decode()
    client.force_login(manager)
    assert "Erase personal data" in client.get(page).content.decode()

    refused = client.post(reverse("web:patient-erasure", args=[patient]), {"reason": ""})
    assert refused.status_code == 400 and "This field is required" in refused.content.decode()
    done = client.post(reverse("web:patient-erasure", args=[patient]), {"reason": "Request 17"}, follow=True)
    assert "personal data is erased" in done.content.decode()
    assert api.get(f"/api/patients/{patient}/").json()["erased"] is True
