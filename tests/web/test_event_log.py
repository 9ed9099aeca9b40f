"""The event log browser, and a stream's history with time travel."""
import datetime

from events import handlers
from events.domain.commands import Arrive, Leave, RegisterPatient, UpdatePatient
from events.models import StoredEvent

from .conftest import text


def log(response):
    """The events listed, without the filter form above them."""
    return text(response).split("Filter Clear", 1)[1]


def test_the_log_shows_each_event_with_its_data_and_metadata(staff, ctx, doctor):
    body = staff.get("/events/").content.decode()
    page = text(staff.get("/events/"))
    event = StoredEvent.objects.get()
    assert f"#{event.position} DOCTOR_CREATED Dr Ada Lovelace (Cardiology) registered" in page
    assert "by tester via seed" in page
    assert f"Correlation {event.metadata['correlation_id']}" in page
    assert f"Causation {event.metadata['causation_id']}" in page
    assert "&quot;specialty&quot;: &quot;Cardiology&quot;" in body  # the data, as readable JSON


def test_newest_events_come_first(staff, ctx, doctor, patient):
    page = log(staff.get("/events/"))
    assert page.index("PATIENT_CREATED") < page.index("DOCTOR_CREATED")


def test_filters_by_type_and_by_stream(staff, ctx, doctor, patient, appointment):
    by_type = log(staff.get("/events/?type=PATIENT_CREATED"))
    assert "Grace Hopper registered as a patient" in by_type and "DOCTOR_CREATED" not in by_type
    by_stream = log(staff.get(f"/events/?stream={doctor}"))
    assert "DOCTOR_CREATED" in by_stream and "PATIENT_CREATED" not in by_stream
    schedules = log(staff.get("/events/?stream_type=schedule"))
    assert "SLOT_BOOKED Dr Ada Lovelace's day: slot from 09:00 for 30 minutes taken" in schedules
    assert "SLOT_BOOKED Grace Hopper's day: slot from 09:00 for 30 minutes taken" in schedules
    assert "APPOINTMENT_CREATED" not in schedules


def test_pages_go_back_in_time_without_shifting(staff, ctx):
    for n in range(55):
        handlers.dispatch(ctx, RegisterPatient(name=f"Patient {n:02d}", date_of_birth=datetime.date(1990, 1, 1)))
    first = text(staff.get("/events/"))
    assert "Patient 54 registered" in first and "Patient 04 registered" not in first
    older = staff.get("/events/").content.decode().split('rel="next"')[0].rsplit('href="?', 1)[1].split('"')[0]
    second = text(staff.get("/events/?" + older.replace("&amp;", "&")))
    assert "Patient 04 registered" in second and "Patient 00 registered" in second
    assert "Patient 05 registered" not in second
    assert "← Newest" in second


def test_the_stream_page_shows_the_entity_as_it_was_after_any_event(staff, ctx, patient):
    handlers.dispatch(ctx, UpdatePatient(patient, name="Grace Brewster Hopper"))
    now = text(staff.get(f"/events/streams/{patient}/"))
    assert "History of Grace Brewster Hopper" in now
    assert "As it was after version 2 (now) name Grace Brewster Hopper" in now
    then = text(staff.get(f"/events/streams/{patient}/?version=1"))
    assert "As it was after version 1 name Grace Hopper date of birth 9 Dec 1980" in then


def test_an_appointments_history_links_to_its_doctor_and_patient(staff, doctor, patient, appointment):
    body = staff.get(f"/events/streams/{appointment}/").content.decode()
    assert f'href="/events/streams/{doctor}/"' in body
    assert f'href="/events/streams/{patient}/"' in body
    assert f'href="/appointments/{appointment}/"' in body


def test_a_doctors_history_shows_their_shift_as_it_was(staff, ctx, doctor):
    at = datetime.datetime(2026, 1, 5, 8, 0, tzinfo=datetime.timezone.utc)
    handlers.dispatch(ctx, Arrive(doctor, at=at))
    handlers.dispatch(ctx, Leave(doctor, at=at + datetime.timedelta(hours=8)))
    on_shift = text(staff.get(f"/events/streams/{doctor}/?version=2"))
    assert "arrived at Mon 5 Jan 2026, 08:00 last left at —" in on_shift
    off_shift = text(staff.get(f"/events/streams/{doctor}/?version=3"))
    assert "arrived at — last left at Mon 5 Jan 2026, 16:00" in off_shift


def test_an_unknown_stream_is_not_found(staff, unknown_id):
    assert staff.get(f"/events/streams/{unknown_id}/").status_code == 404
