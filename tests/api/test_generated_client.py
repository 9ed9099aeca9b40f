"""The README walk-through, as an integrator runs it: through a typed client
generated (openapi-python-client) from the schema the server serves, against a
real server. The client parses only what the schema declares and is told to
raise on any other status, so every answer below, errors included, is one the
schema describes."""
import datetime
import importlib
import subprocess
import sys
import uuid

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from events.models import StoredEvent

PACKAGE = "generated_clinic_client"
PASSWORD = "pw-not-for-real-1"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """The client package, generated once for the module (it takes a second or two)."""
    root = tmp_path_factory.mktemp("generated")
    schema = root / "schema.yaml"
    schema.write_bytes(_staff_client().get("/api/schema/").content)
    config = root / "config.yaml"
    config.write_text("post_hooks: []\n")  # no ruff formatting: the code is only imported
    subprocess.run([sys.executable, "-m", "openapi_python_client", "generate", "--path", str(schema),
                    "--output-path", str(root / PACKAGE), "--meta", "none", "--config", str(config),
                    "--fail-on-warning"], check=True, capture_output=True, text=True)
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(root))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _staff_client():
    """The schema is for staff only; the module-wide fixture has no database, so a
    staff account in memory stands in for the integrator's token."""
    client = APIClient()
    client.force_authenticate(get_user_model()(username="integrator", is_staff=True, is_active=True))
    return client


def _module(generated, name):
    return importlib.import_module(f"{generated.__name__}.{name}")


@pytest.fixture
def server(live_server, staff_user, doctor, patient):
    """A running clinic with the staff login and a doctor and patient already registered."""
    return live_server.url


def test_the_readme_walk_through(generated, server):
    api = _module(generated, "api.auth.auth_token_create")
    models = _module(generated, "models")
    client_module = _module(generated, "client")
    anonymous = client_module.Client(base_url=server, raise_on_unexpected_status=True)

    token = api.sync(client=anonymous, body=models.AuthTokenRequest(username="reception", password=PASSWORD))
    assert isinstance(token, models.Token)
    assert token.expiry > datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=11)
    client = client_module.AuthenticatedClient(base_url=server, token=token.token, prefix="Token",
                                               raise_on_unexpected_status=True)

    doctors = _module(generated, "api.doctors.doctors_list").sync(client=client, page_size=3)
    assert isinstance(doctors, models.PaginatedDoctorList) and doctors.count == 1
    doctor = _module(generated, "api.doctors.doctors_create").sync_detailed(
        client=client, body=models.RegisterDoctorRequest(name="Bo Ng", specialty="Dermatology"))
    assert doctor.status_code == 201 and isinstance(doctor.parsed, models.DoctorWritten)
    patient = _module(generated, "api.patients.patients_create").sync(
        client=client, body=models.RegisterPatientRequest(name="Cy Young", date_of_birth=datetime.date(1990, 5, 1)))
    assert isinstance(patient, models.PatientWritten) and patient.age > 30

    book = _module(generated, "api.appointments.appointments_create")
    booking = models.BookAppointmentRequest(doctor_id=doctor.parsed.id, patient_id=patient.id,
                                            day=datetime.date(2031, 3, 3), time="09:30", duration_minutes=30)
    booked = book.sync_detailed(client=client, body=booking, idempotency_key="book-1",
                                x_correlation_id="walk-through")
    assert booked.status_code == 201
    appointment = booked.parsed
    assert isinstance(appointment, models.AppointmentWritten)
    assert appointment.doctor.name == "Bo Ng" and appointment.patient.name == "Cy Young"
    # The booking's last event; after it only the appointment card's process wrote (docs/architecture.md).
    assert appointment.position == StoredEvent.objects.exclude(stream_type="card").latest("position").position
    assert booked.headers["Location"] == f"{server}/api/appointments/{appointment.id}/"

    events = StoredEvent.objects.count()
    retried = book.sync_detailed(client=client, body=booking, idempotency_key="book-1")
    assert retried.status_code == 201 and retried.parsed.to_dict() == appointment.to_dict()
    assert StoredEvent.objects.count() == events

    history = _module(generated, "api.streams.streams_events_list").sync(client=client, id=appointment.id)
    assert history.results[0].type_ == "APPOINTMENT_CREATED"
    assert history.results[0].metadata.correlation_id == "walk-through"
    assert history.results[0].data["duration_minutes"] == 30

    again = book.sync_detailed(client=client, body=booking)
    assert again.status_code == 409
    assert isinstance(again.parsed, models.Error) and "already booked" in again.parsed.detail

    invalid = book.sync_detailed(client=client, body=models.BookAppointmentRequest(
        doctor_id=doctor.parsed.id, patient_id=patient.id, day=datetime.date(2031, 3, 3), time="25:00"))
    assert invalid.status_code == 400 and isinstance(invalid.parsed, models.Error)
    assert invalid.parsed.detail.startswith("time: ") and invalid.parsed.additional_keys == ["time"]
    assert invalid.parsed["time"] == [invalid.parsed.detail.removeprefix("time: ")]

    unknown = _module(generated, "api.appointments.appointments_retrieve").sync_detailed(client=client,
                                                                                        id=uuid.uuid4())
    assert unknown.status_code == 404 and isinstance(unknown.parsed, models.Error) and unknown.parsed.detail

    refused = _module(generated, "api.doctors.doctors_list").sync_detailed(client=anonymous)
    assert refused.status_code == 401 and isinstance(refused.parsed, models.Error)
    assert refused.parsed.detail == "Authentication credentials were not provided."
    assert refused.headers["WWW-Authenticate"] == "Token"

    logout = _module(generated, "api.auth.auth_logout_create").sync_detailed(client=client)
    assert logout.status_code == 204
    revoked = _module(generated, "api.doctors.doctors_list").sync_detailed(client=client)
    assert revoked.status_code == 401 and revoked.parsed.detail == "Invalid token."

    wrong = api.sync_detailed(client=anonymous, body=models.AuthTokenRequest(username="reception", password="no"))
    assert wrong.status_code == 400 and wrong.parsed.detail == "Unable to log in with provided credentials."
    for _ in range(4):
        wrong = api.sync_detailed(client=anonymous, body=models.AuthTokenRequest(username="reception", password="no"))
    assert wrong.status_code == 429 and isinstance(wrong.parsed, models.Error)
    assert wrong.parsed.detail.startswith("Too many failed sign-in attempts") and int(wrong.headers["Retry-After"]) > 0
