"""Who may ask ``/graphql``: the REST API's door, unchanged — a token or a staff
session (with its CSRF token), a role that may see patients — and what a
clinician sees: their own doctor's appointments only, as on REST."""
import datetime
import json
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from clinic.audit.models import PatientRead
from clinic.roles import rules
from clinic.roles.rules import Capability, Reach, Role
from clinic.signin import tokens
from events import handlers
from events.domain.commands import BookAppointment, RegisterDoctor, RegisterPatient
from tests.conftest import api_client_for

from .conftest import ask


def test_no_credentials_is_the_apis_401_and_no_data(client, seed_query):
    rest = client.get("/api/appointments/")
    response = ask(client, seed_query)
    assert response.status_code == rest.status_code == 401
    assert response.json() == rest.json()  # {"detail": "Authentication credentials were not provided."}
    assert response["WWW-Authenticate"] == rest["WWW-Authenticate"]
    assert not PatientRead.objects.exists()


def test_a_revoked_or_wrong_token_is_401(committed_db, seed_query):
    caller = APIClient()
    caller.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert ask(caller, seed_query).status_code == 401


def test_an_account_that_is_not_staff_is_403(committed_db, seed_query):
    outsider = get_user_model().objects.create_user("outsider", password="pw-not-for-real-9")
    response = ask(api_client_for(outsider), seed_query)
    assert response.status_code == 403 and "data" not in response.json()
    assert response.json()["detail"] == "This account is not a clinic staff account."


def test_a_staff_account_without_a_role_is_403_as_on_rest(roleless, seed_query):
    caller = api_client_for(roleless)
    response = ask(caller, seed_query)
    assert response.status_code == 403
    assert response.json() == caller.get("/api/appointments/").json()


def test_a_role_that_may_not_see_patients_is_403_as_on_rest(receptionist, monkeypatch, seed_query):
    # Every role may see patients today; were reception not to, both doors would refuse alike.
    monkeypatch.setitem(rules.TABLE, Capability.SEE_PATIENTS, {Role.CLINICIAN: Reach.OWN, Role.MANAGER: Reach.ANY})
    caller = api_client_for(receptionist)
    response = ask(caller, seed_query)
    assert response.status_code == 403 == caller.get("/api/appointments/").status_code
    assert response.json()["detail"] == "This account's role may not see patients."


# --- CSRF: a session must send its token; a token needs none ------------------

@pytest.fixture
def browser(staff_user):
    """A signed-in browser whose CSRF checks are enforced, as a real one's are."""
    session = Client(enforce_csrf_checks=True)
    session.force_login(staff_user)
    return session


def test_a_session_post_without_its_csrf_token_is_refused(browser, seed_query):
    response = ask(browser, seed_query)
    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF Failed")
    assert not PatientRead.objects.exists()


def test_a_session_post_with_its_csrf_token_is_answered(browser, seed_query):
    page = browser.get("/graphql")  # sets the CSRF cookie, as any page does
    token = page.cookies["csrftoken"].value
    response = browser.post("/graphql", urlencode({"query": seed_query, "csrfmiddlewaretoken": token}),
                            content_type="application/x-www-form-urlencoded")  # as the page's form posts it
    assert response.status_code == 200
    assert response.json()["data"]["appointment"]["patient"]["name"] == "Grace Hopper"
    json_response = browser.post("/graphql", json.dumps({"query": '{ appointments(day: "2030-01-07") { id } }'}),
                                 content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert json_response.status_code == 200 and len(json_response.json()["data"]["appointments"]) == 1


def test_a_token_post_needs_no_csrf_token(staff_user, seed_query):
    caller = APIClient(enforce_csrf_checks=True)
    caller.credentials(HTTP_AUTHORIZATION=f"Token {tokens.issue(staff_user)[0]}")
    response = ask(caller, seed_query)
    assert response.status_code == 200 and response.json()["data"]["appointment"]


# --- Need-to-know --------------------------------------------------------------

@pytest.fixture
def other_appointment(committed_db, ctx):
    other_doctor = handlers.dispatch(ctx, RegisterDoctor(name="Joseph Lister", specialty="Surgery")).id
    other_patient = handlers.dispatch(ctx, RegisterPatient(name="Ada Byron",
                                                           date_of_birth=datetime.date(1990, 5, 4))).id
    return handlers.dispatch(ctx, BookAppointment(doctor_id=other_doctor, patient_id=other_patient,
                                                  day=datetime.date(2030, 1, 7), time=datetime.time(9))).id


def test_a_clinician_is_refused_another_doctors_appointment_as_on_rest(clinician, appointment, other_appointment):
    caller = api_client_for(clinician)
    rest = caller.get(f"/api/appointments/{other_appointment}/")
    assert rest.status_code == 403
    response = ask(caller, 'query($id: ID!) { appointment(id: $id) { day patient { name } } }',
                   id=str(other_appointment))
    assert response.status_code == 200
    assert response.json()["data"] == {"appointment": None}
    [error] = response.json()["errors"]
    assert error["message"] == rest.json()["detail"] and error["extensions"] == {"code": "FORBIDDEN"}
    assert "Ada Byron" not in response.content.decode()
    assert not PatientRead.objects.exists()


def test_a_clinician_sees_their_own_doctors_appointment(clinician, appointment, other_appointment):
    response = ask(api_client_for(clinician), 'query($id: ID!) { appointment(id: $id) { patient { name } } }',
                   id=str(appointment))
    assert response.json() == {"data": {"appointment": {"patient": {"name": "Grace Hopper"}}}}


def test_a_clinicians_day_holds_only_their_doctors_appointments(clinician, appointment, other_appointment, api):
    query = 'query { appointments(day: "2030-01-07") { id patient { name } } }'
    everyone = ask(api, query).json()["data"]["appointments"]
    assert {a["patient"]["name"] for a in everyone} == {"Grace Hopper", "Ada Byron"}  # a manager sees both
    caller = api_client_for(clinician)
    own = ask(caller, query).json()["data"]["appointments"]
    assert own == [{"id": str(appointment), "patient": {"name": "Grace Hopper"}}]
    assert [a["id"] for a in own] == [a["id"] for a in caller.get("/api/appointments/?day=2030-01-07").json()
                                      ["results"]]


# --- The page: GET /graphql ------------------------------------------------------

def test_the_page_is_for_signed_in_staff(client, staff_user, roleless, committed_db):
    anonymous = client.get("/graphql")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/?next=/graphql")
    client.force_login(roleless)
    assert client.get("/graphql").status_code == 403
    client.force_login(staff_user)
    page = client.get("/graphql")
    assert page.status_code == 200
    assert "type Query" in page.content.decode() and 'name="query"' in page.content.decode()
    assert page["Content-Security-Policy"].count("'unsafe-inline'") == 0


def test_no_query_is_a_400_in_the_apis_error_shape(api):
    response = api.post("/graphql", {"variables": {}}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "query: This field is required.", "query": ["This field is required."]}


def test_a_mutation_is_refused_the_schema_has_none(api):
    response = ask(api, 'mutation { appointment(id: "x") { day } }')
    assert response.status_code == 200
    assert response.json()["data"] is None
    assert "mutation" in response.json()["errors"][0]["message"].lower()
