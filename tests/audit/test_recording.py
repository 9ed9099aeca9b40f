"""Every answer that shows a patient's data leaves an audit record — who, which
view, which patient — written before the answer; if it cannot be written, there
is no answer. Views that show no patient write nothing."""
import contextlib
import datetime

import pytest
from django.db import DatabaseError, connection

from events import handlers
from events.domain.commands import BookAppointment, CancelAppointment, RegisterDoctor, RegisterPatient


@pytest.fixture
def other_patient(ctx):
    return handlers.dispatch(ctx, RegisterPatient(name="Alan Turing", date_of_birth=datetime.date(1912, 6, 23))).id


@pytest.fixture
def cancelled(ctx, doctor, other_patient):
    booked = handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=other_patient,
                                                    day=datetime.date(2030, 1, 7), time=datetime.time(10, 0))).id
    handlers.dispatch(ctx, CancelAppointment(appointment_id=booked, reason="moved away"))
    return booked


API_READS = [
    ("/api/patients/{patient}/", "api:patient", ["patient"]),
    ("/api/patients/", "api:patients", ["patient", "other_patient"]),
    ("/api/appointments/{appointment}/", "api:appointment", ["patient"]),
    ("/api/appointments/", "api:appointments", ["patient", "other_patient"]),
    ("/api/events/", "api:events", ["patient", "other_patient"]),
    ("/api/streams/{patient}/events/", "api:stream-events", ["patient"]),
    # A cancellation names no patient; the booking it cancels does.
    ("/api/streams/{cancelled}/events/", "api:stream-events", ["other_patient"]),
]


@pytest.mark.parametrize("url, view, shown", API_READS)
def test_an_api_read_records_each_patient_it_shows(api, reads, appointment, cancelled, request, url, view, shown):
    ids = {name: request.getfixturevalue(name) for name in ["patient", "other_patient", "appointment", "cancelled"]}
    response = api.get(url.format(**ids), HTTP_X_CORRELATION_ID="trace-42")
    assert response.status_code == 200
    assert sorted(reads(), key=str) == sorted([("reception", view, ids[name]) for name in shown], key=str)
    from clinic.audit.models import PatientRead
    assert set(PatientRead.objects.values_list("correlation_id", flat=True)) == {"trace-42"}


def test_a_detail_not_shown_records_nothing(api, reads, ctx, clinician, patient, unknown_id):
    from tests.conftest import api_client_for
    other_doctor = handlers.dispatch(ctx, RegisterDoctor(name="Someone Else", specialty="GP")).id
    elsewhere = handlers.dispatch(ctx, BookAppointment(doctor_id=other_doctor, patient_id=patient,
                                                       day=datetime.date(2030, 1, 8), time=datetime.time(9, 0))).id
    assert api.get(f"/api/appointments/{unknown_id}/").status_code == 404
    assert api.get(f"/api/patients/{unknown_id}/").status_code == 404
    assert api_client_for(clinician).get(f"/api/appointments/{elsewhere}/").status_code == 403
    assert reads() == []


def test_each_detail_read_is_recorded_once(api, reads, appointment, patient):
    for _ in range(2):
        assert api.get(f"/api/appointments/{appointment}/").status_code == 200
    assert reads() == [("reception", "api:appointment", patient)] * 2


def test_a_read_of_doctors_records_nothing(api, reads, doctor, appointment):
    assert api.get(f"/api/doctors/{doctor}/").status_code == 200
    assert api.get("/api/doctors/").status_code == 200
    assert reads() == []


def test_a_command_answer_showing_the_patient_is_recorded_with_its_method(api, reads, appointment, patient):
    response = api.post(f"/api/appointments/{appointment}/cancel/", {"reason": ""}, format="json")
    assert response.status_code == 200 and response.json()["patient"]["name"] == "Grace Hopper"
    assert reads() == [("reception", "api:appointment-cancel POST", patient)]


@contextlib.contextmanager
def audit_refused():
    """The database refuses every new audit record, as a full disk or a lost grant would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("CREATE FUNCTION test_refuse_read() RETURNS trigger AS $$ BEGIN "
                           "RAISE EXCEPTION 'the audit table is unavailable'; END $$ LANGUAGE plpgsql")
            cursor.execute("CREATE TRIGGER test_refuse_read BEFORE INSERT ON audit_patientread "
                           "FOR EACH ROW EXECUTE FUNCTION test_refuse_read()")
        else:
            cursor.execute("CREATE TRIGGER test_refuse_read BEFORE INSERT ON audit_patientread "
                           "BEGIN SELECT RAISE(ABORT, 'the audit table is unavailable'); END")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER test_refuse_read" + (" ON audit_patientread" if connection.vendor ==
                                                                 "postgresql" else ""))
            if connection.vendor == "postgresql":
                cursor.execute("DROP FUNCTION test_refuse_read()")


# The details read their row and record it in one statement on PostgreSQL (RecordedRead); the list does not.
@pytest.mark.parametrize("url", ["/api/patients/{patient}/", "/api/appointments/{appointment}/", "/api/patients/"])
def test_no_answer_without_its_audit_record(api, reads, patient, appointment, url):
    with audit_refused(), pytest.raises(DatabaseError, match="the audit table is unavailable"):
        api.get(url.format(patient=patient, appointment=appointment))
    assert reads() == []


WEB_READS = [
    ("/patients/", "web:patients", ["patient", "other_patient"]),
    ("/patients/{patient}/", "web:patient", ["patient"]),
    ("/appointments/{appointment}/", "web:appointment", ["patient"]),
    ("/appointments/?day=2030-01-07", "web:appointments", ["patient", "other_patient"]),
    ("/doctors/{doctor}/", "web:doctor", ["patient"]),  # the doctor's upcoming appointments
    # The calendars show the bookings that hold time; a cancelled one is not drawn, so not read.
    ("/doctors/{doctor}/week/?week=2030-01-07", "web:doctor-week", ["patient"]),
    ("/day/?day=2030-01-07", "web:day", ["patient"]),
    ("/book/", "web:book", []),  # the picker lists nobody until a search
    ("/events/", "web:events", ["patient", "other_patient"]),
    ("/events/streams/{patient}/", "web:stream", ["patient"]),
    ("/events/streams/{cancelled}/?version=2", "web:stream", ["other_patient"]),
]


@pytest.mark.parametrize("url, view, shown", WEB_READS)
def test_a_staff_page_records_each_patient_it_shows(staff, reads, doctor, appointment, cancelled, request, url,
                                                    view, shown):
    ids = {name: request.getfixturevalue(name) for name in ["patient", "other_patient", "appointment", "cancelled",
                                                            "doctor"]}
    response = staff.get(url.format(**ids))
    assert response.status_code == 200
    assert sorted(reads(), key=str) == sorted([("reception", view, ids[name]) for name in shown], key=str)


def test_a_live_refresh_is_a_read_too_and_says_so(staff, patient):
    from clinic.audit.models import PatientRead
    staff.get(f"/patients/{patient}/")
    staff.get(f"/patients/{patient}/", HTTP_X_CLINIC_LIVE_REFRESH="1")
    assert list(PatientRead.objects.order_by("id").values_list("view", "refresh")) == [
        ("web:patient", False), ("web:patient", True)]


def test_the_admin_records_the_patients_it_lists_and_inspects(client, reads, patient, appointment):
    from django.contrib.auth import get_user_model
    admin = get_user_model().objects.create_superuser("engineer", password="pw-not-for-real-2")
    client.force_login(admin)
    assert client.get("/admin/readmodels/patient/").status_code == 200
    assert client.get(f"/admin/readmodels/appointment/{appointment}/change/").status_code == 200
    assert client.get("/admin/events/storedevent/").status_code == 200
    assert reads() == [("engineer", "admin:readmodels_patient_changelist", patient),
                       ("engineer", "admin:readmodels_appointment_change", patient),
                       ("engineer", "admin:events_storedevent_changelist", patient)]
    assert client.get("/admin/audit/patientread/").status_code == 200
    assert client.get("/admin/audit/patientread/add/").status_code == 403
