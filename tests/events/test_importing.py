"""Bulk import (``events.importing``): history decided elsewhere, written in
batches of one transaction each, with every guarantee of an append — order,
versions, validation, immutability, projection."""
import dataclasses
import datetime
import uuid

import pytest
from django.db import DatabaseError, connection, transaction

from bench.data import History
from events import handlers, importing, store
from events.domain import doctor as doctor_domain
from events.domain import schedule
from events.domain.commands import BookAppointment, RegisterDoctor, RegisterPatient, UpdatePatient
from events.domain.errors import DoubleBooking
from events.importing import ImportedEvent, InvalidImport
from events.models import StoredEvent
from readmodels import rebuild, runner, selectors
from readmodels.models import Appointment, Doctor, Patient

UTC = datetime.timezone.utc
WHEN = datetime.datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
DAY = datetime.date(2030, 1, 7)


@pytest.fixture
def meta():
    return store.metadata(actor="importer", source="seed")


@pytest.fixture
def commits():
    """The positions ``events_committed`` announces while the test runs."""
    sent = []

    def heard(sender, position, **kwargs):
        sent.append(position)

    store.events_committed.connect(heard, weak=False, dispatch_uid="test-importing-commits")
    yield sent
    store.events_committed.disconnect(dispatch_uid="test-importing-commits")


def registered_patient(stream_id, version=1, name="Imported Person", **fields):
    data = {"name": name, "date_of_birth": "1970-01-01"} if version == 1 else {"name": name}
    return ImportedEvent(stream_id=stream_id, stream_type="patient", version=version,
                         type="PATIENT_CREATED" if version == 1 else "PATIENT_UPDATED", data=data, occurred_at=WHEN,
                         **fields)


def stored():
    return list(store.read_all())


# --- Order, batches, positions -----------------------------------------------

def test_an_import_appends_in_order_with_the_versions_given(db, meta):
    first, second = uuid.uuid4(), uuid.uuid4()
    events = [registered_patient(first), registered_patient(second), registered_patient(first, 2, "Renamed")]
    result = importing.import_events(events, metadata=meta, batch_size=2)

    assert (result.count, result.batches) == (3, 2)
    log = stored()
    assert [(e.stream_id, e.version) for e in log] == [(first, 1), (second, 1), (first, 2)]
    assert result.position == log[-1].position == store.head_position()
    assert log[0].metadata == meta and log[0].occurred_at == WHEN
    assert log[2].plain_data == {"name": "Renamed"}
    assert len({e.event_id for e in log}) == 3 and {e.event_id.version for e in log} == {4}
    # Commands carry on from the imported version.
    handlers.dispatch(handlers.Context(actor="t", source="seed"), UpdatePatient(first, name="Third Name"))
    assert store.stream_version(first) == 3


def test_each_batch_reports_the_last_position_it_wrote(db, meta):
    streams = [uuid.uuid4() for _ in range(5)]
    result = importing.import_events([registered_patient(s) for s in streams], metadata=meta, batch_size=2)

    log = stored()
    assert [e.stream_id for e in log] == streams
    assert (result.count, result.batches) == (5, 3)
    assert result.position == log[4].position == store.head_position()


def test_positions_follow_on_from_events_already_in_the_log(db, meta):
    ctx = handlers.Context(actor="t", source="seed")
    before = handlers.dispatch(ctx, RegisterDoctor(name="Ada Lovelace", specialty="Cardiology")).position
    result = importing.import_events([registered_patient(uuid.uuid4()), registered_patient(uuid.uuid4())],
                                     metadata=meta)
    after = handlers.dispatch(ctx, RegisterDoctor(name="Joseph Lister", specialty="Surgery")).position

    positions = [e.position for e in stored()]
    assert positions == sorted(positions)
    assert before < positions[1] < positions[2] == result.position < after
    assert [e.type for e in stored()] == ["DOCTOR_CREATED", "PATIENT_CREATED", "PATIENT_CREATED", "DOCTOR_CREATED"]


def test_nothing_to_import_writes_nothing(db, meta):
    result = importing.import_events(iter([]), metadata=meta)
    assert (result.count, result.batches, result.position) == (0, 0, 0)
    assert not StoredEvent.objects.exists()


@pytest.mark.parametrize("size", [0, -1])
def test_a_batch_size_below_one_is_refused(db, meta, size):
    with pytest.raises(ValueError):
        importing.import_events([registered_patient(uuid.uuid4())], metadata=meta, batch_size=size)
    assert not StoredEvent.objects.exists()


# --- What is stored ------------------------------------------------------------

def test_the_imports_metadata_goes_on_events_that_bring_none(db, meta):
    own = {"actor": "legacy-system", "source": "seed", "ticket": "MIG-7"}
    plain, annotated = uuid.uuid4(), uuid.uuid4()
    importing.import_events([registered_patient(plain), registered_patient(annotated, metadata=own)], metadata=meta)
    assert StoredEvent.objects.get(stream_id=plain).metadata == meta
    assert StoredEvent.objects.get(stream_id=annotated).metadata == own


def test_a_source_event_id_is_kept(db, meta):
    source_id = uuid.uuid4()
    importing.import_events([registered_patient(uuid.uuid4(), event_id=source_id),
                             registered_patient(uuid.uuid4(), event_id=str(uuid.uuid4()))], metadata=meta)
    first, second = stored()
    assert first.event_id == source_id
    assert second.event_id != source_id and second.event_id.version == 4


def test_occurred_at_in_any_offset_is_stored_as_the_same_instant(db, meta):
    berlin = datetime.timezone(datetime.timedelta(hours=1))
    stream = uuid.uuid4()
    importing.import_events([dataclasses.replace(registered_patient(stream),
                                                 occurred_at=datetime.datetime(2030, 1, 7, 10, 0, tzinfo=berlin))],
                            metadata=meta)
    (event,) = store.read_stream(stream)
    assert event.occurred_at == WHEN  # 10:00 in Berlin is 09:00 UTC
    assert event.recorded_at > WHEN.replace(year=2020) and event.recorded_at != event.occurred_at


# --- Validation: a malformed event writes nothing of its batch -----------------

@pytest.mark.parametrize("change", [
    {"type": "PATIENT_DELETED"},                     # a type the domain does not know
    {"stream_type": "doctor"},                       # a patient's event on a doctor's stream
    {"stream_type": "Patient"},
    {"data": ["not", "an", "object"]},
    {"data": None},
    {"metadata": ["not", "an", "object"]},
    {"occurred_at": datetime.datetime(2030, 1, 7, 9, 0)},  # naive
    {"occurred_at": "2030-01-07T09:00:00+00:00"},          # text, not a datetime
    {"version": 0},
    {"version": -1},
    {"version": "1"},
    {"version": True},
])
def test_an_import_refuses_malformed_events(db, meta, change):
    event = registered_patient(uuid.uuid4())
    with pytest.raises(InvalidImport):
        importing.import_events([dataclasses.replace(event, **change)], metadata=meta)
    assert not StoredEvent.objects.exists()


def test_a_malformed_event_late_in_a_batch_stops_the_whole_batch(db, meta):
    good = [registered_patient(uuid.uuid4()) for _ in range(3)]
    bad = dataclasses.replace(registered_patient(uuid.uuid4()), type="PATIENT_DELETED")
    with pytest.raises(InvalidImport, match="PATIENT_DELETED"):
        importing.import_events([*good, bad], metadata=meta)
    assert not StoredEvent.objects.exists()


def test_a_failed_batch_leaves_the_earlier_batches_written(db, meta):
    first, second = uuid.uuid4(), uuid.uuid4()
    bad = dataclasses.replace(registered_patient(uuid.uuid4()), occurred_at=datetime.datetime(2030, 1, 7))
    with pytest.raises(InvalidImport):
        importing.import_events([registered_patient(first), registered_patient(second),
                                 registered_patient(uuid.uuid4()), bad], metadata=meta, batch_size=2)
    assert [e.stream_id for e in stored()] == [first, second]


# --- Versions ------------------------------------------------------------------

def test_an_import_continues_a_stream_from_its_stored_version(db, meta):
    patient = handlers.dispatch(handlers.Context(actor="t", source="seed"), RegisterPatient(name="Already Here",
                                        date_of_birth=datetime.date(1980, 1, 1))).id
    importing.import_events([registered_patient(patient, 2, "Renamed"), registered_patient(patient, 3, "Again")],
                            metadata=meta)
    assert [(e.version, e.plain_data.get("name")) for e in store.read_stream(patient)] == [
        (1, "Already Here"), (2, "Renamed"), (3, "Again")]


def test_a_stream_may_continue_in_the_next_batch(db, meta):
    stream = uuid.uuid4()
    result = importing.import_events([registered_patient(stream), registered_patient(stream, 2),
                                      registered_patient(stream, 3)], metadata=meta, batch_size=1)
    assert result.batches == 3
    assert [e.version for e in store.read_stream(stream)] == [1, 2, 3]


@pytest.mark.parametrize("version", [1, 3])
def test_an_import_refuses_a_version_that_does_not_follow_the_stored_one(db, meta, version):
    patient = handlers.dispatch(handlers.Context(actor="t", source="seed"), RegisterPatient(name="Already Here",
                                        date_of_birth=datetime.date(1980, 1, 1))).id
    other = uuid.uuid4()
    with pytest.raises(store.ConcurrencyConflict):
        importing.import_events([registered_patient(other), registered_patient(patient, version)], metadata=meta)
    assert not StoredEvent.objects.filter(stream_id=other).exists()  # the whole batch, or nothing
    assert store.stream_version(patient) == 1


@pytest.mark.parametrize("versions", [[1, 3], [2], [1, 2, 2], [1, 2, 1]])
def test_an_import_refuses_a_gap_or_a_repeat_within_a_stream(db, meta, versions):
    stream = uuid.uuid4()
    with pytest.raises(store.ConcurrencyConflict):
        importing.import_events([registered_patient(uuid.uuid4())] + [registered_patient(stream, v) for v in versions],
                                metadata=meta)
    assert not StoredEvent.objects.exists()


def doctor_left(stream_id, version):
    return ImportedEvent(stream_id=stream_id, stream_type="doctor", version=version, type="DOCTOR_LEFT",
                         data={"at": WHEN.isoformat()}, occurred_at=WHEN)


def test_an_import_cannot_continue_a_stream_with_events_of_another_type(db, meta):
    """As with appends: an id names one kind of stream."""
    patient = handlers.dispatch(handlers.Context(actor="t", source="seed"), RegisterPatient(name="Already Here",
                                        date_of_birth=datetime.date(1980, 1, 1))).id
    other = uuid.uuid4()
    with pytest.raises(store.StreamTypeConflict) as refused:
        importing.import_events([registered_patient(other), doctor_left(patient, 2)], metadata=meta)
    assert (refused.value.stored, refused.value.written) == ("patient", "doctor")
    assert not StoredEvent.objects.filter(stream_id=other).exists()
    assert store.stream_version(patient) == 1


def test_an_import_cannot_mix_stream_types_within_a_batch(db, meta):
    stream = uuid.uuid4()
    with pytest.raises(store.StreamTypeConflict):
        importing.import_events([registered_patient(stream), doctor_left(stream, 2)], metadata=meta)
    assert not StoredEvent.objects.exists()


def test_an_event_id_already_stored_is_a_conflict(db, meta):
    source_id = uuid.uuid4()
    importing.import_events([registered_patient(uuid.uuid4(), event_id=source_id)], metadata=meta)
    other = uuid.uuid4()
    with pytest.raises(store.ConcurrencyConflict):
        importing.import_events([registered_patient(other), registered_patient(uuid.uuid4(), event_id=source_id)],
                                metadata=meta)
    assert StoredEvent.objects.count() == 1
    assert not StoredEvent.objects.filter(stream_id=other).exists()


def test_an_event_id_twice_in_one_batch_is_a_conflict(db, meta):
    source_id = uuid.uuid4()
    with pytest.raises(store.ConcurrencyConflict):
        importing.import_events([registered_patient(uuid.uuid4(), event_id=source_id),
                                 registered_patient(uuid.uuid4(), event_id=source_id)], metadata=meta)
    assert not StoredEvent.objects.exists()


def test_imported_events_stay_immutable_in_the_database(db, meta):
    importing.import_events([registered_patient(uuid.uuid4())], metadata=meta)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {StoredEvent._meta.db_table} SET type = 'CHANGED'")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {StoredEvent._meta.db_table}")
    assert StoredEvent.objects.get().type == "PATIENT_CREATED"


# --- Announcing and projecting ---------------------------------------------------

def test_each_committed_batch_is_announced_once_with_its_last_position(committed_db, meta, commits):
    result = importing.import_events([registered_patient(uuid.uuid4()) for _ in range(5)], metadata=meta,
                                     batch_size=2)
    log = stored()
    assert commits == [log[1].position, log[3].position, log[4].position]
    assert commits[-1] == result.position == store.head_position()


def test_a_refused_batch_is_not_announced(committed_db, meta, commits):
    stream = uuid.uuid4()
    with pytest.raises(store.ConcurrencyConflict):
        importing.import_events([registered_patient(uuid.uuid4()), registered_patient(uuid.uuid4()),
                                 registered_patient(stream), registered_patient(stream, 3)],
                                metadata=meta, batch_size=2)
    assert len(commits) == 1 and commits == [store.head_position()]


def test_imported_events_are_projected_when_their_batch_commits(committed_db, meta):
    """No catch-up is run here: the announcement after each batch is what makes
    the read side follow, as after a command."""
    ada, grace, booking = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    arrived, left = WHEN - datetime.timedelta(hours=1), WHEN + datetime.timedelta(hours=7, minutes=30)

    def imported(stream_id, stream_type, version, type, data):
        return ImportedEvent(stream_id=stream_id, stream_type=stream_type, version=version, type=type, data=data,
                             occurred_at=WHEN)

    importing.import_events([
        imported(ada, "doctor", 1, "DOCTOR_CREATED", {"name": "Ada Lovelace", "specialty": "Cardiology"}),
        imported(grace, "patient", 1, "PATIENT_CREATED", {"name": "Grace Hopper", "date_of_birth": "1980-12-09"}),
        imported(ada, "doctor", 2, "DOCTOR_ARRIVED", {"at": arrived.isoformat()}),
        imported(booking, "appointment", 1, "APPOINTMENT_CREATED", {
            "doctor_id": str(ada), "patient_id": str(grace), "day": DAY.isoformat(), "time": "09:30",
            "duration_minutes": 45}),
        imported(schedule.stream_id(ada, DAY), "schedule", 1, "SLOT_BOOKED", {
            "appointment_id": str(booking), "start": "09:30", "duration_minutes": 45}),
        imported(ada, "doctor", 3, "DOCTOR_LEFT", {"at": left.isoformat()}),
        imported(grace, "patient", 2, "PATIENT_UPDATED", {"name": "Grace Brewster Hopper"}),
    ], metadata=meta, batch_size=3)

    doctor = Doctor.objects.get(id=ada)
    assert (doctor.name, doctor.on_shift, doctor.total_hours_worked, doctor.version) == (
        "Ada Lovelace", False, 8.5, 3)
    assert Patient.objects.get(id=grace).name == "Grace Brewster Hopper"
    booked = selectors.appointments().get(id=booking)
    assert (booked.doctor.name, booked.patient.name, booked.day, booked.time, booked.duration_minutes,
            booked.status) == ("Ada Lovelace", "Grace Brewster Hopper", DAY, datetime.time(9, 30), 45,
                               Appointment.BOOKED)
    # and the write side decides on the imported schedule: the slot is taken
    ctx = handlers.Context(actor="t", source="seed")
    with pytest.raises(DoubleBooking, match="already booked from 09:30 to 10:15"):
        handlers.dispatch(ctx, BookAppointment(doctor_id=ada, patient_id=grace, day=DAY, time=datetime.time(10, 0)))


def test_an_imported_history_projects_like_any_other(db, meta):
    """The benchmark's generated history is valid for the projectors, and the
    import stores values (UUIDs, times, JSON) exactly as the ORM would."""
    history = History(seed=4, doctors=3, first_patients=20)
    importing.import_events(history.take(700), metadata=meta, batch_size=250)
    runner.run_all()

    assert Doctor.objects.count() == 3
    assert Patient.objects.count() == StoredEvent.objects.filter(type="PATIENT_CREATED").count()
    assert Appointment.objects.count() == history.appointments > 0
    assert rebuild.verify() == {}
    doctor = history.doctor_ids[0]
    state, version = handlers.load(doctor, doctor_domain.evolve)
    assert state.name and not state.on_shift and version == store.stream_version(doctor) > 1
