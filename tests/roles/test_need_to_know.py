"""Lists hold only what the user may see; hours only for who may; the pages offer
only what the user may do; the admin shows each role its share."""
import datetime

import pytest

from events import handlers
from events.domain.commands import Arrive, BookAppointment, RegisterDoctor, RegisterPatient
from tests.conftest import api_client_for
from tests.web.conftest import text


@pytest.fixture
def elsewhere(ctx):
    """Another doctor, and a patient booked only with them."""
    other_doctor = handlers.dispatch(ctx, RegisterDoctor(name="Joseph Lister", specialty="Surgery")).id
    born = datetime.date(1990, 5, 4)
    other_patient = handlers.dispatch(ctx, RegisterPatient(name="Ada Byron", date_of_birth=born)).id
    handlers.dispatch(ctx, BookAppointment(doctor_id=other_doctor, patient_id=other_patient,
                                           day=datetime.date(2030, 1, 7), time=datetime.time(9)))
    handlers.dispatch(ctx, Arrive(other_doctor, at=datetime.datetime(2026, 1, 5, 8, tzinfo=datetime.UTC)))
    return other_doctor, other_patient


def names(response):
    return sorted(row["name"] for row in response.json()["results"])


# --- lists ----------------------------------------------------------------

def test_a_clinician_lists_only_their_doctors_appointments_and_patients(clinician, appointment, elsewhere):
    api = api_client_for(clinician)
    assert names(api.get("/api/patients/")) == ["Grace Hopper"]
    listed = api.get("/api/appointments/").json()["results"]
    assert [a["id"] for a in listed] == [str(appointment)]


def test_a_cancelled_appointment_still_makes_its_patient_the_clinicians(clinician, api, appointment, elsewhere):
    assert api.post(f"/api/appointments/{appointment}/cancel/", {}, format="json").status_code == 200
    assert names(api_client_for(clinician).get("/api/patients/")) == ["Grace Hopper"]


def test_reception_and_managers_list_everyone(receptionist, manager, appointment, elsewhere):
    for user in (receptionist, manager):
        assert names(api_client_for(user).get("/api/patients/")) == ["Ada Byron", "Grace Hopper"]
        assert api_client_for(user).get("/api/appointments/").json()["count"] == 2


def test_another_doctors_patient_is_refused_by_name_not_hidden(clinician, elsewhere, unknown_id):
    api = api_client_for(clinician)
    refused = api.get(f"/api/patients/{elsewhere[1]}/")
    assert refused.status_code == 403 and "only their own doctor" in refused.json()["detail"]
    assert api.get(f"/api/patients/{unknown_id}/").status_code == 404


def test_a_clinicians_pages_list_only_their_own(client, clinician, appointment, elsewhere):
    client.force_login(clinician)
    patients = text(client.get("/patients/"))
    assert "Grace Hopper" in patients and "Ada Byron" not in patients
    day = text(client.get("/appointments/?day=2030-01-07"))
    assert "Grace Hopper" in day and "Ada Byron" not in day
    assert client.get(f"/patients/{elsewhere[1]}/").status_code == 403


# --- hours ----------------------------------------------------------------

def test_reception_never_sees_hours(receptionist, doctor, elsewhere):
    api = api_client_for(receptionist)
    for shown in [*api.get("/api/doctors/").json()["results"], api.get(f"/api/doctors/{doctor}/").json(),
                  api.post(f"/api/doctors/{doctor}/arrivals/", {}, format="json").json()]:
        assert "totalHoursWorked" not in shown and "timesheet" not in shown
        assert shown["onShift"] in (True, False)


def test_a_clinician_sees_their_own_doctors_hours_only(clinician, doctor, elsewhere):
    api = api_client_for(clinician)
    assert {row["id"]: "totalHoursWorked" in row for row in api.get("/api/doctors/").json()["results"]} == {
        str(doctor): True, str(elsewhere[0]): False}
    assert "timesheet" in api.get(f"/api/doctors/{doctor}/").json()
    assert "timesheet" not in api.get(f"/api/doctors/{elsewhere[0]}/").json()


def test_a_manager_sees_every_doctors_hours(manager, doctor, elsewhere):
    assert all("totalHoursWorked" in row for row in api_client_for(manager).get("/api/doctors/").json()["results"])


def test_the_doctor_page_shows_hours_only_to_who_may(client, receptionist, clinician, doctor, elsewhere):
    client.force_login(receptionist)
    assert "Timesheet" not in text(client.get(f"/doctors/{doctor}/"))
    assert "Hours worked" not in text(client.get("/doctors/"))
    client.force_login(clinician)
    assert "Timesheet" in text(client.get(f"/doctors/{doctor}/"))
    other = text(client.get(f"/doctors/{elsewhere[0]}/"))
    assert "Timesheet" not in other and "Record departure" not in other


# --- navigation and forms ---------------------------------------------------

NAV = ["Dashboard", "Doctors", "Patients", "Appointments"]


def test_reception_is_offered_the_desks_work_and_no_history(client, receptionist, patient, appointment):
    client.force_login(receptionist)
    dashboard = text(client.get("/"))
    assert all(label in dashboard for label in NAV)
    assert "Event log" not in dashboard and "Latest activity" not in dashboard and "Admin" not in dashboard
    assert "Register a doctor" not in text(client.get("/doctors/"))
    assert "Register a patient" in text(client.get("/patients/"))
    assert "Book an appointment" in text(client.get("/appointments/"))
    assert "History of" not in text(client.get(f"/patients/{patient}/"))


def test_a_clinician_is_offered_no_writes_but_their_own_attendance(client, clinician, doctor, patient, appointment):
    client.force_login(clinician)
    assert "Event log" not in text(client.get("/"))
    assert "Register a patient" not in text(client.get("/patients/"))
    assert "Book an appointment" not in text(client.get("/appointments/"))
    patient_page = text(client.get(f"/patients/{patient}/"))
    assert "Correct the details" not in patient_page and "Book an appointment" not in patient_page
    assert "Cancel appointment" not in text(client.get(f"/appointments/{appointment}/"))
    assert "Record arrival" in text(client.get(f"/doctors/{doctor}/"))


def test_a_manager_is_offered_everything(client, manager, doctor):
    client.force_login(manager)
    dashboard = text(client.get("/"))
    assert all(label in dashboard for label in [*NAV, "Event log", "Latest activity", "Admin"])
    assert "Register a doctor" in text(client.get("/doctors/"))


def test_a_staff_account_without_a_role_is_told_how_to_get_one(client, roleless):
    client.force_login(roleless)
    page = client.get("/")
    assert page.status_code == 403 and "manage.py staff_user" in text(page)
    answer = api_client_for(roleless).get("/api/doctors/")
    assert answer.status_code == 403 and "manage.py staff_user" in answer.json()["detail"]


# --- the admin --------------------------------------------------------------

def test_reception_and_clinicians_see_nothing_in_the_admin(client, receptionist, clinician):
    for user in (receptionist, clinician):
        client.force_login(user)
        index = client.get("/admin/")
        assert index.status_code == 200 and "have permission to view or edit anything" in text(index)
        assert client.get("/admin/events/storedevent/").status_code == 403
        assert client.get("/admin/readmodels/patient/").status_code == 403


def test_a_manager_views_events_and_read_models_but_no_users_or_tokens(client, manager, doctor):
    client.force_login(manager)
    for path in ["/admin/events/storedevent/", "/admin/readmodels/doctor/", "/admin/readmodels/patient/",
                 "/admin/readmodels/appointment/", "/admin/readmodels/checkpoint/"]:
        assert client.get(path).status_code == 200, path
    assert client.get(f"/admin/readmodels/doctor/{doctor}/change/").status_code == 200
    assert client.post(f"/admin/readmodels/doctor/{doctor}/change/", {"name": "X"}).status_code == 403
    for path in ["/admin/auth/user/", "/admin/auth/group/", "/admin/knox/authtoken/"]:
        assert client.get(path).status_code == 403, path
    assert manager.has_perm("api.view_idempotentrequest")
    assert not manager.has_perm("readmodels.change_doctor")
