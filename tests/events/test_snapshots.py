"""Doctors' snapshots on the database: a command on a doctor with a long history
reads the snapshot and a bounded tail, a missing, old or unreadable snapshot is
made again from the log, and no snapshot ever changes what a command decides."""
import datetime
import uuid
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from bench.history import doctor_with_history
from events import handlers, snapshots, store
from events.domain import doctor as doctor_domain
from events.domain.commands import Arrive, BookAppointment, Leave, RegisterPatient, RetireDoctor
from events.domain.errors import DomainError
from events.domain.snapshot import KINDS
from events.models import Snapshot

LONG = 400  # events in a long-serving doctor's stream besides the registration
DOCTOR = KINDS[doctor_domain.STREAM]


@pytest.fixture
def veteran(committed_db):
    """A doctor with LONG events of shifts, imported (so no command has left a snapshot yet)."""
    return doctor_with_history(LONG)


@pytest.fixture
def rows_read(monkeypatch):
    """{stream id: events the command handlers read of it}, over everything the test does."""
    counted = {}
    read_histories = store.read_histories

    def counting(stream_ids, after=None):
        histories = read_histories(stream_ids, after)
        for stream_id, events in zip(stream_ids, histories, strict=True):
            counted[stream_id] = counted.get(stream_id, 0) + len(events)
        return histories

    monkeypatch.setattr(store, "read_histories", counting)
    return counted


def next_weekday(days_ahead=7):
    day = datetime.date.today() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def book(ctx, doctor_id, at=datetime.time(10), weeks_ahead=1):
    patient_id = handlers.dispatch(ctx, RegisterPatient(name="Grace Hopper",
                                                        date_of_birth=datetime.date(1980, 12, 9))).id
    return handlers.dispatch(ctx, BookAppointment(doctor_id=doctor_id, patient_id=patient_id,
                                                  day=next_weekday(7 * weeks_ahead), time=at, duration_minutes=15))


def arrive(ctx, doctor_id, hours_ago=5):
    return handlers.dispatch(ctx, Arrive(doctor_id, at=ctx.now - timedelta(hours=hours_ago)))


def stored():
    return {row.stream_id: row for row in Snapshot.objects.all()}


# --- Bounded reads ---------------------------------------------------------------

def test_a_command_on_a_long_history_reads_the_snapshot_and_a_bounded_tail(veteran, ctx, rows_read,
                                                                          projection_stalled):
    # The commands' own reads: the card process's, which follow a booking on commit, are left out.
    arrive(ctx, veteran, hours_ago=6)  # no snapshot yet: folds all, and leaves one
    assert rows_read[veteran] == LONG + 1
    for n in range(3 * snapshots.EVERY):  # the stream grows past the snapshot again and again
        rows_read.clear()
        handlers.dispatch(ctx, (Leave if n % 2 == 0 else Arrive)(veteran, at=ctx.now - timedelta(minutes=300 - n)))
        assert rows_read[veteran] <= snapshots.EVERY + 1
        rows_read.clear()
        minutes = 8 * 60 + 15 * (n % 30)
        book(ctx, veteran, at=datetime.time(minutes // 60, minutes % 60), weeks_ahead=1 + n // 30)
        assert rows_read.get(veteran, 0) <= snapshots.EVERY + 1
    assert stored()[veteran].version > LONG + 2 * snapshots.EVERY


def test_a_booking_costs_the_same_queries_whatever_the_doctors_history(veteran, doctor, ctx, projection_stalled,
                                                                       django_assert_num_queries):
    arrive(ctx, veteran)  # leaves the snapshot
    with CaptureQueriesContext(connection) as newcomer:
        book(ctx, doctor)
    with django_assert_num_queries(len(newcomer.captured_queries)):
        book(ctx, veteran)


def test_an_arrival_reads_one_query_for_the_snapshot_and_one_for_the_events(veteran, ctx, projection_stalled):
    arrive(ctx, veteran, hours_ago=6)
    with CaptureQueriesContext(connection) as queries:
        handlers.dispatch(ctx, Leave(veteran, at=ctx.now - timedelta(hours=1)))
    reads = [q["sql"] for q in queries.captured_queries if "events_snapshot" in q["sql"]
             or ("events_storedevent" in q["sql"] and q["sql"].startswith("SELECT position"))]
    assert len(reads) == 2 and "version >" in reads[1]


# --- Made again from the log -------------------------------------------------------

def test_a_missing_snapshot_is_made_from_the_log_by_the_first_command(veteran, ctx):
    assert stored() == {}
    arrive(ctx, veteran)
    snapshot = stored()[veteran]
    replayed_before_arrival = handlers.fold(doctor_domain.evolve, store.read_histories([veteran])[0][:LONG + 1])
    assert (snapshot.version, snapshot.schema, snapshot.stream_type) == (LONG + 1, DOCTOR.schema, "doctor")
    assert DOCTOR.decode(snapshot.state) == replayed_before_arrival


@pytest.mark.parametrize("old", [
    # Another schema: not even read, though it would read as a doctor off shift.
    {"schema": "0.older", "state": DOCTOR.encode(doctor_domain.Doctor(name="Wrong Name", specialty="None"))},
    {"state": {"name": "Wrong Name"}},  # the running schema, but not the state's fields
])
def test_an_old_or_unreadable_snapshot_is_made_again_and_never_decides(veteran, ctx, old):
    arrive(ctx, veteran, hours_ago=6)
    Snapshot.objects.filter(pk=veteran).update(version=LONG + 2, **old)  # as if taken after the arrival
    handlers.dispatch(ctx, Leave(veteran, at=ctx.now - timedelta(hours=1)))  # "off shift" would refuse it
    snapshot = stored()[veteran]
    assert snapshot.schema == DOCTOR.schema and snapshot.version == LONG + 2
    assert DOCTOR.decode(snapshot.state) == handlers.fold(doctor_domain.evolve,
                                                          store.read_histories([veteran])[0][:LONG + 2])
    assert handlers.load(veteran, doctor_domain.evolve) == handlers.replay(veteran, doctor_domain.evolve)


def test_a_stale_snapshot_only_means_a_longer_tail(veteran, ctx):
    arrive(ctx, veteran, hours_ago=6)
    Snapshot.objects.filter(pk=veteran).update(version=LONG - 9, state=DOCTOR.encode(
        handlers.fold(doctor_domain.evolve, store.read_histories([veteran])[0][:LONG - 9])))
    assert handlers.load(veteran, doctor_domain.evolve) == handlers.replay(veteran, doctor_domain.evolve)


# --- Never a wrong decision ----------------------------------------------------------

def test_a_snapshot_never_changes_a_decision(veteran, ctx):
    """Each command decided on the replayed whole stream and then dispatched (on the
    snapshot): the same events written, or the same refusal."""
    now = ctx.now
    script = [Arrive(veteran, at=now - timedelta(hours=8)), Arrive(veteran, at=now - timedelta(hours=7)),
              Leave(veteran, at=now - timedelta(hours=9)), Leave(veteran, at=now - timedelta(hours=2)),
              Arrive(veteran, at=now - timedelta(hours=3)), RetireDoctor(veteran),
              Arrive(veteran, at=now - timedelta(hours=1))]
    script += [Leave(veteran, at=now - timedelta(minutes=30))] + [RetireDoctor(veteran, reason="again")] * 2
    decide = {Arrive: doctor_domain.arrive, Leave: doctor_domain.leave}
    for command in script * 3:
        state, version = handlers.replay(veteran, doctor_domain.evolve)
        try:
            expected = (doctor_domain.retire(state, reason=command.reason) if isinstance(command, RetireDoctor)
                        else decide[type(command)](state, at=command.at, now=ctx.clinic().now))
        except DomainError as refused:
            expected = refused.message
        try:
            handlers.dispatch(ctx, command)
            written = [event.message for event in store.read_stream(veteran)[version:]]
        except DomainError as refused:
            written = refused.message
        assert written == expected
    assert veteran in stored()


def test_a_snapshot_is_written_only_once_what_it_folds_is_committed(veteran, ctx):
    """A snapshot taken inside a transaction that rolls back would hold events that
    never were; it waits for the commit, and is dropped with the rollback."""
    with pytest.raises(RuntimeError), transaction.atomic():
        arrive(ctx, veteran)
        assert stored() == {}
        raise RuntimeError("rolled back")
    assert stored() == {} and store.stream_version(veteran) == LONG + 1


def test_of_two_racing_snapshots_the_newer_stays(veteran, ctx):
    state, version = handlers.replay(veteran, doctor_domain.evolve)
    earlier = handlers.fold(doctor_domain.evolve, store.read_histories([veteran])[0][:version - 1])
    snapshots.keep(veteran, DOCTOR, version, state)
    snapshots.keep(veteran, DOCTOR, version - 1, earlier)  # the slower of two loads
    assert stored()[veteran].version == version
    Snapshot.objects.filter(pk=veteran).update(schema="0.older")
    snapshots.keep(veteran, DOCTOR, version - 1, earlier)  # the running schema replaces any other
    assert (stored()[veteran].version, stored()[veteran].schema) == (version - 1, DOCTOR.schema)


def test_a_short_stream_leaves_no_snapshot(doctor, ctx):
    """Up to EVERY events a fold is cheap; a snapshot would cost a write for nothing."""
    for n in range(snapshots.EVERY // 2):
        handlers.dispatch(ctx, (Arrive if n % 2 == 0 else Leave)(doctor, at=ctx.now - timedelta(minutes=100 - n)))
    assert stored() == {} and store.stream_version(doctor) == snapshots.EVERY // 2 + 1


def test_patients_appointments_and_days_are_never_snapshotted(veteran, ctx):
    arrive(ctx, veteran)
    for hour in (9, 10, 11):
        book(ctx, veteran, at=datetime.time(hour))
    assert set(stored()) == {veteran}
    assert uuid.UUID(str(Snapshot.objects.get().stream_id)) == veteran
