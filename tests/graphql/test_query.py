"""``POST /graphql`` answers the seed's query as the REST API answers the same
appointment, in one SQL query for the data; a day's list costs the same whatever
its length; every patient shown is recorded in the read audit."""
import datetime

import pytest

from clinic.audit.models import PatientRead
from events import handlers
from events.domain.commands import BookAppointment, CancelAppointment, ErasePatient, RegisterPatient

from .conftest import ask, audit_inserts, data_queries

DAY = datetime.date(2030, 1, 7)


def test_the_seed_query_answers_what_rest_shows(api, appointment, seed_query):
    response = ask(api, seed_query)
    assert response.status_code == 200
    assert "errors" not in response.json()
    shown = api.get(f"/api/appointments/{appointment}/").json()
    assert response.json() == {"data": {"appointment": {
        "day": shown["day"], "time": shown["time"],
        "patient": {"name": shown["patient"]["name"], "age": shown["patient"]["age"]},
        "doctor": {"name": shown["doctor"]["name"], "specialty": shown["doctor"]["specialty"]}}}}
    assert response.json()["data"]["appointment"]["time"] == "09:00"
    assert response.json()["data"]["appointment"]["patient"]["name"] == "Grace Hopper"


def test_every_field_of_an_appointment_matches_rest(api, appointment):
    query = ('query($id: ID!) { appointment(id: $id) { id day time durationMinutes status '
             'patient { id name age } doctor { id name specialty } } }')
    answer = ask(api, query, id=str(appointment)).json()["data"]["appointment"]
    assert answer == api.get(f"/api/appointments/{appointment}/").json()


def test_the_seed_query_is_one_sql_query_for_its_data(api, seed_query, django_assert_num_queries):
    # Exactly GET /api/appointments/{id}/'s budget (tests/api/test_query_budget.py): the token
    # with the user's role, the appointment joined with its doctor and patient, the audit's INSERT.
    with django_assert_num_queries(3) as captured:
        response = ask(api, seed_query)
    assert response.json()["data"]["appointment"]
    [data] = data_queries(captured)
    assert "readmodels_appointment" in data and "JOIN" in data
    assert len(audit_inserts(captured)) == 1


@pytest.fixture
def a_day_of(committed_db, ctx, doctor):
    """``count`` appointments on DAY, each with a patient of their own."""
    def book(count):
        for slot in range(count):
            patient = handlers.dispatch(ctx, RegisterPatient(name=f"Patient {slot}",
                                                             date_of_birth=datetime.date(1970, 1, 1 + slot))).id
            handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=patient, day=DAY,
                                                   time=datetime.time(8 + slot // 4, (slot % 4) * 15),
                                                   duration_minutes=15))
    return book


DAY_QUERY = 'query { appointments(day: "2030-01-07") { id day time patient { name age } doctor { name specialty } } }'


@pytest.mark.parametrize("count", [1, 20])
def test_a_days_appointments_cost_the_same_whatever_their_number(api, a_day_of, count, django_assert_num_queries):
    a_day_of(count)
    # The token with the role, the day's appointments with their doctors and patients, one INSERT of the audit.
    with django_assert_num_queries(3) as captured:
        response = ask(api, DAY_QUERY)
    assert len(response.json()["data"]["appointments"]) == count
    assert len(data_queries(captured)) == 1
    assert len(audit_inserts(captured)) == 1
    assert PatientRead.objects.filter(view="graphql POST").count() == count  # one row per patient shown


def test_a_days_list_is_the_rest_lists(api, a_day_of):
    a_day_of(3)
    listed = api.get("/api/appointments/?day=2030-01-07").json()["results"]
    answer = ask(api, DAY_QUERY).json()["data"]["appointments"]
    assert [a["id"] for a in answer] == [a["id"] for a in listed]
    assert [a["patient"]["name"] for a in answer] == ["Patient 0", "Patient 1", "Patient 2"]


def test_the_answer_is_recorded_in_the_read_audit(api, staff_user, patient, seed_query):
    assert not PatientRead.objects.exists()
    ask(api, seed_query)
    [read] = PatientRead.objects.all()
    assert (read.patient_id, read.user_id, read.view) == (patient, staff_user.pk, "graphql POST")


def test_an_answer_without_patients_records_nothing(api, committed_db, django_assert_num_queries):
    with django_assert_num_queries(2):  # the token with the role, the empty day
        response = ask(api, 'query { appointments(day: "2030-01-08") { id } }')
    assert response.json() == {"data": {"appointments": []}}
    assert not PatientRead.objects.exists()


def test_an_unknown_id_is_null_with_rests_404_in_words(api, unknown_id):
    refused = api.get(f"/api/appointments/{unknown_id}/")
    assert refused.status_code == 404
    response = ask(api, 'query($id: ID!) { appointment(id: $id) { day } }', id=str(unknown_id))
    assert response.status_code == 200
    assert response.json()["data"] == {"appointment": None}
    [error] = response.json()["errors"]
    assert error["message"] == refused.json()["detail"] == "Nothing has this id."
    assert error["extensions"] == {"code": "NOT_FOUND"} and error["path"] == ["appointment"]
    assert not PatientRead.objects.exists()


def test_an_id_that_is_no_uuid_is_not_found_without_sql(api, committed_db, django_assert_num_queries):
    with django_assert_num_queries(1):  # the token with the role only
        response = ask(api, 'query { appointment(id: "1; DROP TABLE x") { day } }')
    assert response.json()["errors"][0]["extensions"] == {"code": "NOT_FOUND"}


def test_a_day_outside_the_calendar_is_refused_as_rest_refuses_it(api, committed_db):
    rest = api.get("/api/appointments/?day=1999-12-31").json()
    response = ask(api, 'query { appointments(day: "1999-12-31") { id } }')
    [error] = response.json()["errors"]
    assert error["message"] in rest["day"] and error["extensions"] == {"code": "BAD_USER_INPUT"}


def test_an_erased_patient_shows_as_rest_shows_them(api, ctx, appointment, patient):
    handlers.dispatch(ctx, CancelAppointment(appointment_id=appointment, reason="Moved away"))
    handlers.dispatch(ctx, ErasePatient(patient_id=patient, reason="Request GDPR-2030-17"))
    rest = api.get(f"/api/appointments/{appointment}/").json()["patient"]
    answer = ask(api, 'query($id: ID!) { appointment(id: $id) { patient { id name age } } }',
                 id=str(appointment)).json()["data"]["appointment"]["patient"]
    assert answer == rest == {"id": str(patient), "name": "Erased patient", "age": None}
