"""Command handlers end to end on the database: what staff are refused, and that a
refusal writes nothing."""
import datetime
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.commands import status_of
from events import handlers, store
from events.domain import errors, schedule
from events.domain.commands import (
    Arrive,
    BookAppointment,
    CancelAppointment,
    ErasePatient,
    Leave,
    RegisterDoctor,
    RegisterPatient,
)
from events.models import StoredEvent

DAY = datetime.date(2030, 1, 7)
NINE = datetime.time(9, 0)


@pytest.fixture
def count():
    return StoredEvent.objects.count


def book(ctx, doctor, patient, *, day=DAY, time=NINE, minutes=30, **kwargs):
    return handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=patient, day=day, time=time,
                                     duration_minutes=minutes, **kwargs))


# --- Registering -------------------------------------------------------------

def test_registering_a_doctor_writes_one_event_and_returns_its_position(committed_db, ctx):
    written = handlers.dispatch(ctx, RegisterDoctor(name="  Ada   Lovelace ", specialty="Cardiology"))
    (event,) = store.read_stream(written.id)
    assert (event.type, event.stream_type, event.version) == ("DOCTOR_CREATED", "doctor", 1)
    assert event.data == {"name": "Ada Lovelace", "specialty": "Cardiology"}
    assert written.position == event.position == store.head_position()


def test_registering_a_doctor_with_an_existing_id_is_409(doctor, ctx, count):
    before = count()
    with pytest.raises(errors.AlreadyExists) as refused:
        handlers.dispatch(ctx, RegisterDoctor(name="Someone Else", specialty="Surgery", doctor_id=doctor))
    assert status_of(refused.value) == 409
    assert count() == before
    assert store.read_stream(doctor)[0].data["name"] == "Ada Lovelace"


def test_registering_a_patient_with_an_existing_id_is_409(patient, ctx, count):
    before = count()
    with pytest.raises(errors.AlreadyExists) as refused:
        handlers.dispatch(ctx, RegisterPatient(name="Other", date_of_birth=datetime.date(1990, 1, 1),
                                               patient_id=patient))
    assert status_of(refused.value) == 409
    assert count() == before


def test_a_patient_cannot_be_registered_under_a_doctors_id_nor_an_erased_patients(doctor, patient, ctx, count):
    handlers.dispatch(ctx, ErasePatient(patient_id=patient, reason="asked"))
    before = count()
    for taken in (doctor, patient):
        with pytest.raises(errors.AlreadyExists) as refused:
            handlers.dispatch(ctx, RegisterPatient(name="Other", date_of_birth=datetime.date(1990, 1, 1),
                                                   patient_id=taken))
        assert status_of(refused.value) == 409
    assert count() == before


@pytest.mark.parametrize("command", [
    RegisterPatient(name="Alan Turing", date_of_birth=datetime.date(1954, 6, 7), patient_id=uuid.uuid4()),
    RegisterDoctor(name="Ada Lovelace", specialty="Cardiology", doctor_id=uuid.uuid4()),
], ids=["patient", "doctor"])
def test_a_registration_appends_without_reading_its_new_stream_first(committed_db, ctx, command):
    """A registration's id is new but for a mistake: the append itself finds one
    that is taken (above), so the command reads no events (nor a snapshot) first."""
    with CaptureQueriesContext(connection) as queries:
        handlers.dispatch(ctx, command)
    statements = [query["sql"] for query in queries.captured_queries]
    first_insert = next(n for n, sql in enumerate(statements) if "INSERT INTO" in sql and "storedevent" in sql)
    assert [sql for sql in statements[:first_insert] if "storedevent" in sql or "snapshot" in sql] == []


def test_a_client_chosen_id_is_used(committed_db, ctx):
    chosen = uuid.uuid4()
    assert handlers.dispatch(ctx, RegisterPatient(name="Alan Turing", date_of_birth=datetime.date(1954, 6, 7),
                                     patient_id=chosen)).id == chosen
    assert store.stream_version(chosen) == 1


def test_invalid_input_is_400_and_writes_nothing(committed_db, ctx, count):
    with pytest.raises(errors.InvalidCommand) as refused:
        handlers.dispatch(ctx, RegisterDoctor(name="   ", specialty="Cardiology"))
    assert status_of(refused.value) == 400 and refused.value.field == "name"
    with pytest.raises(errors.InvalidCommand):
        handlers.dispatch(ctx, RegisterPatient(name="Future Child",
                                               date_of_birth=datetime.date.today() + timedelta(days=2)))
    assert count() == 0


# --- Shifts ------------------------------------------------------------------

def test_arrive_then_leave_then_arrive_again(doctor, ctx):
    now = ctx.now
    handlers.dispatch(ctx, Arrive(doctor, at=now - timedelta(hours=9)))
    handlers.dispatch(ctx, Leave(doctor, at=now - timedelta(hours=1)))
    handlers.dispatch(ctx, Arrive(doctor, at=now - timedelta(minutes=30)))
    assert [e.type for e in store.read_stream(doctor)] == [
        "DOCTOR_CREATED", "DOCTOR_ARRIVED", "DOCTOR_LEFT", "DOCTOR_ARRIVED"]


def test_arriving_while_on_shift_is_409(doctor, ctx, count):
    handlers.dispatch(ctx, Arrive(doctor, at=ctx.now - timedelta(hours=2)))
    before = count()
    with pytest.raises(errors.AlreadyOnShift) as refused:
        handlers.dispatch(ctx, Arrive(doctor))
    assert status_of(refused.value) == 409
    assert count() == before


def test_leaving_while_off_shift_is_409(doctor, ctx, count):
    before = count()
    with pytest.raises(errors.NotOnShift) as refused:
        handlers.dispatch(ctx, Leave(doctor))
    assert status_of(refused.value) == 409
    handlers.dispatch(ctx, Arrive(doctor, at=ctx.now - timedelta(hours=2)))
    handlers.dispatch(ctx, Leave(doctor, at=ctx.now - timedelta(hours=1)))
    with pytest.raises(errors.NotOnShift):
        handlers.dispatch(ctx, Leave(doctor))
    assert count() == before + 2


def test_leaving_before_arriving_is_400(doctor, ctx, count):
    handlers.dispatch(ctx, Arrive(doctor, at=ctx.now - timedelta(hours=2)))
    before = count()
    with pytest.raises(errors.InvalidCommand) as refused:
        handlers.dispatch(ctx, Leave(doctor, at=ctx.now - timedelta(hours=3)))
    assert status_of(refused.value) == 400 and refused.value.field == "at"
    with pytest.raises(errors.InvalidCommand):
        handlers.dispatch(ctx, Leave(doctor, at=ctx.now - timedelta(hours=2)))  # zero-length shift
    assert count() == before


def test_arriving_before_the_last_departure_or_in_the_future_is_400(doctor, ctx, count):
    handlers.dispatch(ctx, Arrive(doctor, at=ctx.now - timedelta(hours=5)))
    handlers.dispatch(ctx, Leave(doctor, at=ctx.now - timedelta(hours=1)))
    before = count()
    with pytest.raises(errors.InvalidCommand):
        handlers.dispatch(ctx, Arrive(doctor, at=ctx.now - timedelta(hours=2)))
    with pytest.raises(errors.InvalidCommand):
        handlers.dispatch(ctx, Arrive(doctor, at=ctx.now + timedelta(hours=1)))
    with pytest.raises(errors.InvalidCommand):
        handlers.dispatch(ctx, Arrive(doctor, at=datetime.datetime(2026, 1, 1, 8, 0)))  # no time zone
    assert count() == before


def test_shifts_of_an_unknown_doctor_are_404(committed_db, ctx, unknown_id, count):
    with pytest.raises(errors.NotFound) as refused:
        handlers.dispatch(ctx, Arrive(unknown_id))
    assert status_of(refused.value) == 404
    with pytest.raises(errors.NotFound):
        handlers.dispatch(ctx, Leave(unknown_id))
    assert count() == 0


def test_a_patient_id_is_not_a_doctor(patient, ctx):
    """Streams are per aggregate: a patient's stream folds to no doctor."""
    with pytest.raises(errors.NotFound):
        handlers.dispatch(ctx, Arrive(patient))


# --- Appointments -------------------------------------------------------------

def test_booking_writes_the_appointment_and_the_day_schedule_together(doctor, patient, ctx):
    written = book(ctx, doctor, patient)
    (created,) = store.read_stream(written.id)
    assert created.type == "APPOINTMENT_CREATED"
    assert created.data == {"doctor_id": str(doctor), "patient_id": str(patient), "day": "2030-01-07",
                            "time": "09:00", "duration_minutes": 30}
    booked = StoredEvent.objects.get(type="SLOT_BOOKED", stream_id=schedule.stream_id(doctor, DAY))
    assert booked.stream_type == "schedule" and booked.data["appointment_id"] == str(written.id)
    patient_day = StoredEvent.objects.get(type="SLOT_BOOKED", stream_id=schedule.patient_stream_id(patient, DAY))
    assert patient_day.data == booked.data and patient_day.position == booked.position + 1
    assert written.position == max(created.position, patient_day.position)
    # After it, only the appointment card's process writes (events.processes.card), on its own stream.
    assert set(StoredEvent.objects.filter(position__gt=written.position).values_list("stream_type", flat=True)) <= {
        "card"}


def test_double_booking_the_same_slot_is_409(appointment, doctor, patient, ctx, count):
    before = count()
    with pytest.raises(errors.DoubleBooking) as refused:
        book(ctx, doctor, patient)
    assert status_of(refused.value) == 409
    assert count() == before


@pytest.mark.parametrize("start, minutes", [
    (datetime.time(8, 45), 30),   # runs into 9:00
    (datetime.time(9, 15), 30),   # starts inside
    (datetime.time(8, 0), 120),   # encloses
    (datetime.time(9, 15), 5),    # a later quarter
])
def test_overlapping_bookings_are_409(appointment, doctor, patient, ctx, count, start, minutes):
    before = count()
    with pytest.raises(errors.DoubleBooking):
        book(ctx, doctor, patient, time=start, minutes=minutes)
    assert count() == before


def test_adjacent_slots_other_days_and_other_doctors_are_free(appointment, doctor, patient, ctx):
    book(ctx, doctor, patient, time=datetime.time(9, 30))
    book(ctx, doctor, patient, time=datetime.time(8, 30))
    book(ctx, doctor, patient, day=DAY + timedelta(days=1))
    other = handlers.dispatch(ctx, RegisterDoctor(name="Other Doctor", specialty="Surgery")).id
    someone_else = handlers.dispatch(ctx, RegisterPatient(name="Someone Else", date_of_birth=datetime.date(1990, 1, 1)))
    book(ctx, other, someone_else.id)
    assert StoredEvent.objects.filter(type="APPOINTMENT_CREATED").count() == 5


def test_the_same_patient_with_another_doctor_at_that_time_is_409(appointment, doctor, patient, ctx, count):
    other = handlers.dispatch(ctx, RegisterDoctor(name="Other Doctor", specialty="Surgery")).id
    before = count()
    with pytest.raises(errors.DoubleBooking) as refused:
        book(ctx, other, patient, time=datetime.time(9, 15))
    assert refused.value.field == "patient_id" and "Grace Hopper is already booked from 09:00" in refused.value.message
    assert count() == before


def test_booking_with_an_unknown_doctor_or_patient_is_400(doctor, patient, ctx, unknown_id, count):
    before = count()
    with pytest.raises(errors.InvalidCommand) as refused:
        book(ctx, unknown_id, patient)
    assert refused.value.field == "doctor_id"
    with pytest.raises(errors.InvalidCommand) as refused:
        book(ctx, doctor, unknown_id)
    assert refused.value.field == "patient_id"
    assert count() == before


def test_booking_an_existing_appointment_id_again_is_409(appointment, doctor, patient, ctx, count):
    before = count()
    with pytest.raises(errors.AlreadyExists):
        book(ctx, doctor, patient, time=datetime.time(14, 0), appointment_id=appointment)
    assert count() == before


def test_a_cancelled_slot_can_be_booked_again(appointment, doctor, patient, ctx):
    handlers.dispatch(ctx, CancelAppointment(appointment, reason="patient ill"))
    again = book(ctx, doctor, patient)
    assert again.id != appointment
    with pytest.raises(errors.DoubleBooking):
        book(ctx, doctor, patient, time=datetime.time(9, 15))
    assert [e.type for e in store.read_stream(appointment)] == ["APPOINTMENT_CREATED", "APPOINTMENT_CANCELLED"]


def test_cancelling_twice_is_409_and_unknown_is_404(appointment, ctx, unknown_id, count):
    handlers.dispatch(ctx, CancelAppointment(appointment))
    before = count()
    with pytest.raises(errors.AlreadyCancelled) as refused:
        handlers.dispatch(ctx, CancelAppointment(appointment))
    assert status_of(refused.value) == 409
    with pytest.raises(errors.NotFound):
        handlers.dispatch(ctx, CancelAppointment(unknown_id))
    assert count() == before
