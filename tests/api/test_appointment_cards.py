"""``GET /api/appointment-cards/{id}/``: the seed's other answer, the appointment
card the card process built, equals the join ``GET /api/appointments/{id}/``
shows — after bookings, a rename, a doctor's update, a move, a cancellation, a
rebuild and an erasure — and is read with one query."""
import io

import pytest
from django.core.management import call_command
from django.db import connection

from readmodels.models import AppointmentCard
from tests.api.test_erasure import erase, every_row, register, traces_in
from tests.conftest import api_client_for

MONDAY, TUESDAY = "2030-01-07", "2030-01-08"
SAME = ("id", "day", "time", "status")


def card_of(api, appointment):
    response = api.get(f"/api/appointment-cards/{appointment}/")
    assert response.status_code == 200, response.content
    return response.json()


def joined(api, appointment):
    shown = api.get(f"/api/appointments/{appointment}/").json()
    return {**{key: shown[key] for key in SAME},
            "patient": {key: shown["patient"][key] for key in ("id", "name", "age")},
            "doctor": {key: shown["doctor"][key] for key in ("id", "name", "specialty")}}


def assert_cards_equal_the_join(api, appointments):
    for appointment in appointments:
        assert card_of(api, appointment) == joined(api, appointment)


def book(api, doctor, patient, day=MONDAY, time="09:00"):
    response = api.post("/api/appointments/", {"doctorId": str(doctor), "patientId": str(patient), "day": day,
                                               "time": time}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


@pytest.fixture
def clinic(api, doctor, patient):
    """Two doctors, two patients, three appointments."""
    other_doctor = api.post("/api/doctors/", {"name": "Alan Turing", "specialty": "Neurology"},
                            format="json").json()["id"]
    other_patient = api.post("/api/patients/", {"name": "Edsger Dijkstra", "dateOfBirth": "1930-05-11"},
                             format="json").json()["id"]
    return {"doctors": (doctor, other_doctor), "patients": (patient, other_patient), "appointments": [
        book(api, doctor, patient), book(api, other_doctor, other_patient),
        book(api, other_doctor, patient, time="10:00")]}


def test_every_card_equals_the_join_after_bookings(api, clinic):
    assert_cards_equal_the_join(api, clinic["appointments"])
    card = card_of(api, clinic["appointments"][0])
    assert card["patient"]["name"] == "Grace Hopper" and card["doctor"] == {
        "id": str(clinic["doctors"][0]), "name": "Ada Lovelace", "specialty": "Cardiology"}


def test_cards_follow_renames_updates_moves_and_cancellations(api, clinic):
    doctor, other_doctor = clinic["doctors"]
    patient, _ = clinic["patients"]
    first, second, third = clinic["appointments"]
    assert api.patch(f"/api/patients/{patient}/", {"name": "Grace B. Hopper", "dateOfBirth": "1981-01-02"},
                     format="json").status_code == 200
    assert api.patch(f"/api/doctors/{other_doctor}/", {"name": "Alan M. Turing", "specialty": "Logic"},
                     format="json").status_code == 200
    assert api.post(f"/api/appointments/{first}/reschedule/", {"day": TUESDAY, "time": "11:00",
                                                              "doctorId": str(other_doctor)},
                    format="json").status_code == 200
    assert api.post(f"/api/appointments/{second}/cancel/", {"reason": ""}, format="json").status_code == 200

    assert_cards_equal_the_join(api, [first, second, third])
    moved = card_of(api, first)
    assert (moved["day"], moved["time"], moved["doctor"]["name"], moved["patient"]["name"]) == (
        TUESDAY, "11:00", "Alan M. Turing", "Grace B. Hopper")
    assert card_of(api, second)["status"] == "cancelled"


def test_cards_equal_the_join_after_a_rebuild_a_shadow_rebuild_and_verify_matches(api, clinic):
    patient, _ = clinic["patients"]
    api.patch(f"/api/patients/{patient}/", {"name": "Grace B. Hopper"}, format="json")
    before = {appointment: card_of(api, appointment) for appointment in clinic["appointments"]}
    call_command("rebuild_readmodels", stdout=io.StringIO(), stderr=io.StringIO())
    assert {appointment: card_of(api, appointment) for appointment in clinic["appointments"]} == before
    assert_cards_equal_the_join(api, clinic["appointments"])
    out = io.StringIO()
    call_command("verify_readmodels", stdout=out, stderr=io.StringIO())
    assert "match" in out.getvalue()
    call_command("rebuild_readmodels", "--shadow", stdout=io.StringIO(), stderr=io.StringIO())
    assert {appointment: card_of(api, appointment) for appointment in clinic["appointments"]} == before


def test_an_erased_patients_card_shows_the_erased_shape_and_no_table_holds_their_data(api, doctor):
    patient = register(api)
    booked = book(api, doctor, patient)
    assert card_of(api, booked)["patient"]["name"] == "Zebulon Quimby-Fairweather"
    assert api.post(f"/api/appointments/{booked}/cancel/", {"reason": ""}, format="json").status_code == 200

    assert erase(api, patient).status_code == 200

    card = card_of(api, booked)
    assert card["patient"] == {"id": patient, "name": "Erased patient", "age": None}
    assert card == joined(api, booked)
    assert traces_in(every_row()) == []
    call_command("rebuild_readmodels", stdout=io.StringIO(), stderr=io.StringIO())
    assert card_of(api, booked) == card and traces_in(every_row()) == []


def test_the_card_is_one_query_with_auth_role_and_the_audit(api, appointment, django_assert_num_queries):
    # As the appointment's detail: the token with the user's role, the card, the audit's INSERT
    # (on PostgreSQL the last two are one statement: clinic.audit.reads.RecordedRead).
    together = connection.vendor == "postgresql"
    with django_assert_num_queries(2 if together else 3) as captured:
        response = api.get(f"/api/appointment-cards/{appointment}/")
    assert response.status_code == 200
    data = [q["sql"] for q in captured.captured_queries if "readmodels_appointmentcard" in q["sql"]]
    assert len(data) == 1 and "JOIN" not in data[0]
    assert ('INSERT INTO "audit_patientread"' in data[0]) is together


def test_a_clinician_sees_their_own_doctors_cards_only(clinician, clinic):
    own, others, _ = clinic["appointments"]
    client = api_client_for(clinician)
    assert client.get(f"/api/appointment-cards/{own}/").status_code == 200
    assert client.get(f"/api/appointment-cards/{others}/").status_code == 403


def test_an_unknown_or_unfinished_card_is_404(api, appointment, unknown_id):
    assert api.get(f"/api/appointment-cards/{unknown_id}/").status_code == 404
    AppointmentCard.objects.filter(pk=appointment).update(complete=False)
    assert api.get(f"/api/appointment-cards/{appointment}/").status_code == 404


def test_reading_a_card_is_recorded_in_the_audit(api, appointment, patient):
    from clinic.audit.models import PatientRead
    api.get(f"/api/appointment-cards/{appointment}/")
    assert PatientRead.objects.filter(patient_id=patient, view="api:appointment-card").exists()
