"""The one append path: expected versions, atomic multi-stream writes, global order,
metadata, and the readers."""
import uuid
from datetime import datetime, timezone
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.commands import status_of
from events import handlers, store
from events.domain.commands import Arrive, RegisterDoctor
from events.domain.errors import Conflict
from events.models import StoredEvent
from tests.events.conftest import test_event

pytestmark = pytest.mark.django_db


def versions(stream_id):
    return [e.version for e in store.read_stream(stream_id)]


# --- Expected versions -------------------------------------------------------

def test_versions_count_from_one_within_each_stream(write):
    a, b = uuid.uuid4(), uuid.uuid4()
    write(a, n=3)
    write(b, n=1)
    write(a, n=2, expected=3)
    write(b, n=1, expected=1)
    assert versions(a) == [1, 2, 3, 4, 5]
    assert versions(b) == [1, 2]
    assert store.stream_version(a) == 5
    assert store.stream_version(uuid.uuid4()) == 0


@pytest.mark.parametrize("expected", [0, 1, 3])
def test_wrong_expected_version_is_a_conflict_and_writes_nothing(write, expected):
    stream = uuid.uuid4()
    write(stream, n=2)
    before = StoredEvent.objects.count()
    with pytest.raises(store.ConcurrencyConflict) as conflict:
        write(stream, n=1, expected=expected)
    assert isinstance(conflict.value, Conflict) and status_of(conflict.value) == 409
    assert StoredEvent.objects.count() == before
    assert versions(stream) == [1, 2]


def test_multi_stream_append_is_all_or_nothing(write, meta):
    first, second = uuid.uuid4(), uuid.uuid4()
    write(second, n=1)
    before = StoredEvent.objects.count()
    with pytest.raises(store.ConcurrencyConflict):
        store.append([
            store.StreamWrite(first, "thing", 0, [test_event("A"), test_event("B")]),
            store.StreamWrite(second, "thing", 0, [test_event("C")]),  # it is at version 1
        ], metadata=meta)
    assert StoredEvent.objects.count() == before
    assert store.read_stream(first) == []
    assert versions(second) == [1]


def test_multi_stream_append_writes_both_streams_in_one_go(write, meta):
    first, second = uuid.uuid4(), uuid.uuid4()
    write(second, n=1, stream_type="other")
    position = store.append([
        store.StreamWrite(first, "thing", 0, [test_event("A")]),
        store.StreamWrite(second, "other", 1, [test_event("B"), test_event("C")]),
    ], metadata=meta)
    assert versions(first) == [1]
    assert versions(second) == [1, 2, 3]
    assert position == store.head_position()
    assert [e.type for e in store.read_all()][-3:] == ["A", "B", "C"]


def test_a_racing_writer_caught_by_the_unique_version_is_a_conflict_too(write, meta):
    """A new stream's id taken by another writer is refused by the (stream, version)
    constraint — even if the read that explains the refusal comes too late to
    see that writer's events — and nothing of the append remains."""
    first, second = uuid.uuid4(), uuid.uuid4()
    write(second, n=1)
    before = StoredEvent.objects.count()
    with mock.patch.object(store, "_streams", return_value={}):  # a stale read
        with pytest.raises(store.ConcurrencyConflict):
            store.append([
                store.StreamWrite(first, "thing", 0, [test_event("A")]),
                store.StreamWrite(second, "thing", 0, [test_event("B")]),
            ], metadata=meta)
    assert StoredEvent.objects.count() == before
    assert store.read_stream(first) == []


@pytest.mark.parametrize("stored_as, written_as", [("thing", "other"), ("other", "thing")])
def test_a_stream_keeps_the_type_it_began_with(write, meta, stored_as, written_as):
    """An id names one kind of stream: appending events of another kind to it is
    refused as a conflict that no retry can resolve, and nothing is written."""
    stream, fresh = uuid.uuid4(), uuid.uuid4()
    write(stream, n=2, stream_type=stored_as)
    before = StoredEvent.objects.count()
    with pytest.raises(store.StreamTypeConflict) as refused:
        store.append([
            store.StreamWrite(fresh, "thing", 0, [test_event("A")]),
            store.StreamWrite(stream, written_as, 2, [test_event("B")]),
        ], metadata=meta)
    assert isinstance(refused.value, Conflict) and status_of(refused.value) == 409
    assert not isinstance(refused.value, store.ConcurrencyConflict)  # deciding again would not help
    assert (refused.value.stream_id, refused.value.stored, refused.value.written) == (stream, stored_as, written_as)
    assert f"{stored_as} events" in refused.value.message and written_as in refused.value.message
    assert StoredEvent.objects.count() == before
    assert store.read_stream(fresh) == []
    assert set(StoredEvent.objects.filter(stream_id=stream).values_list("stream_type", flat=True)) == {stored_as}


@pytest.mark.parametrize("written_as", ["thing", "other"])
def test_a_stream_mixed_before_the_check_takes_no_more_events_of_either_type(meta, written_as):
    stream = uuid.uuid4()
    for version, stream_type in [(1, "thing"), (2, "other")]:  # as an old import could leave it
        StoredEvent.objects.create(stream_id=stream, stream_type=stream_type, version=version, type="A", data={},
                                   metadata=meta, occurred_at=datetime.now(timezone.utc),
                                   recorded_at=datetime.now(timezone.utc))
    with pytest.raises(store.StreamTypeConflict):
        store.append([store.StreamWrite(stream, written_as, 2, [test_event("B")])], metadata=meta)
    assert versions(stream) == [1, 2]


def test_an_append_checks_versions_and_stream_types_in_its_one_statement(write, meta):
    """The hot path of every command: the INSERT itself checks what the command
    read (``store._guards``), so a successful append is one statement."""
    stream = uuid.uuid4()
    write(stream, n=1)
    with CaptureQueriesContext(connection) as captured:
        store.append([store.StreamWrite(stream, "thing", 1, [test_event("A")]),
                      store.StreamWrite(uuid.uuid4(), "other", 0, [test_event("B")])], metadata=meta)
    # Leaving out the savepoints. On PostgreSQL the INSERT takes and lets go of the append lock itself
    # (``store._locked``): one statement still, the lock held for that one round trip only.
    statements = [q["sql"] for q in captured.captured_queries
                  if q["sql"].split()[0].upper() not in {"SAVEPOINT", "RELEASE"}]
    assert len(statements) == 1 and "INSERT INTO" in statements[0], statements
    if connection.vendor == "postgresql":
        assert "pg_advisory_lock" in statements[0] and "pg_advisory_unlock" in statements[0]


def test_an_append_without_events_is_refused(meta):
    with pytest.raises(ValueError):
        store.append([store.StreamWrite(uuid.uuid4(), "thing", 0, [])], metadata=meta)
    assert StoredEvent.objects.count() == 0


# --- Global order ------------------------------------------------------------

def test_positions_strictly_increase_in_the_order_events_were_appended(write):
    a, b = uuid.uuid4(), uuid.uuid4()
    returned = [write(a, n=2), write(b, n=3), write(a, n=1, expected=2), write(b, n=1, expected=3)]
    log = list(store.read_all())
    positions = [e.position for e in log]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    assert [(e.stream_id, e.version) for e in log] == [
        (a, 1), (a, 2), (b, 1), (b, 2), (b, 3), (a, 3), (b, 4)]
    # append returns the last position it wrote
    assert returned == [positions[1], positions[4], positions[5], positions[6]]
    assert store.head_position() == positions[-1]


def test_every_event_gets_its_own_event_id_and_recorded_time(write):
    stream = uuid.uuid4()
    windows = []
    for expected in (0, 3):
        before = datetime.now(timezone.utc)
        write(stream, n=3, expected=expected)
        windows.append((before, datetime.now(timezone.utc)))
    first, second = store.read_stream(stream)[:3], store.read_stream(stream)[3:]

    assert len({e.event_id for e in first + second}) == 6  # unique across appends, not only within one
    for append, (before, after) in zip((first, second), windows, strict=True):
        # one append, one moment: recorded while it ran, the same for all its events
        assert len({e.recorded_at for e in append}) == 1
        assert before <= append[0].recorded_at <= after
    assert first[0].recorded_at <= second[0].recorded_at


# --- Metadata ----------------------------------------------------------------

def test_metadata_is_stored_on_every_event_of_an_append(meta):
    a, b = uuid.uuid4(), uuid.uuid4()
    meta = store.metadata(actor="reception", source="api", correlation_id="req-42", causation_id="cmd-7")
    store.append([
        store.StreamWrite(a, "thing", 0, [test_event("A"), test_event("B")]),
        store.StreamWrite(b, "thing", 0, [test_event("C")]),
    ], metadata=meta)
    stored = [StoredEvent.objects.get(pk=e.pk).metadata for e in store.read_all()]
    assert stored == [{"actor": "reception", "source": "api", "correlation_id": "req-42",
                       "causation_id": "cmd-7"}] * 3


def test_correlation_defaults_to_causation_and_causation_is_generated():
    meta = store.metadata(actor="a", source="web")
    assert set(meta) == {"actor", "source", "correlation_id", "causation_id"}
    assert meta["correlation_id"] == meta["causation_id"]
    uuid.UUID(meta["causation_id"])
    assert store.metadata(actor="a", source="web")["causation_id"] != meta["causation_id"]


def test_handlers_record_who_and_from_where(ctx):
    ctx = handlers.Context(actor="dr-admin", source="admin", correlation_id="corr-1")
    doctor = handlers.dispatch(ctx, RegisterDoctor(name="Ada", specialty="Cardiology"))
    handlers.dispatch(ctx, Arrive(doctor.id))
    log = store.read_stream(doctor.id)
    assert len(log) == 2
    for event in log:
        assert event.metadata["actor"] == "dr-admin"
        assert event.metadata["source"] == "admin"
        assert event.metadata["correlation_id"] == "corr-1"
        assert event.metadata["causation_id"]
    # one command, one causation; the next command is a new cause in the same correlation
    assert log[0].metadata["causation_id"] != log[1].metadata["causation_id"]


# --- Readers -------------------------------------------------------------------

def test_read_stream_gives_one_stream_in_version_order(write):
    stream = uuid.uuid4()
    for i in range(4):
        write(stream, n=1, expected=i)
    write(n=1)  # another stream
    assert [(e.stream_id, e.version, e.message.n) for e in store.read_stream(stream)] == \
        [(stream, 1, 1), (stream, 2, 1), (stream, 3, 1), (stream, 4, 1)]
    assert store.read_stream(uuid.uuid4()) == []


def test_occurred_at_defaults_to_now(write):
    stream = uuid.uuid4()
    write(stream)
    (event,) = store.read_stream(stream)
    assert event.occurred_at == event.recorded_at


def test_read_all_after_a_position_with_a_limit(write):
    write(n=3, type="A")
    write(n=4, type="B")
    everything = [e.position for e in store.read_all()]
    assert len(everything) == 7
    assert [e.position for e in store.read_all(after=everything[2])] == everything[3:]
    assert [e.position for e in store.read_all(after=everything[2], limit=2)] == everything[3:5]
    assert [e.position for e in store.read_all(limit=1)] == everything[:1]
    assert list(store.read_all(after=everything[-1])) == []
    assert [e.type for e in store.read_all(types=["A"])] == ["A"] * 3
    assert [e.position for e in store.read_all(after=everything[1], up_to=everything[4])] == everything[2:5]
    assert [e.position for e in store.read_all(after=everything[1], up_to=everything[4], limit=2)] \
        == everything[2:4]


def test_histories_come_back_per_stream_in_the_order_asked_with_their_data(write):
    a, b, empty = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    write(a, n=2)
    write(b, n=1)
    write(a, n=1, expected=2)
    history_b, history_empty, history_a = store.read_histories([b, str(empty), str(a)])
    assert [(e.stream_id, e.version, e.event.n) for e in history_a] == [(a, 1, 1), (a, 2, 2), (a, 3, 1)]
    assert [(e.stream_id, e.version) for e in history_b] == [(b, 1)]
    assert history_empty == [] and store.read_histories([empty]) == [[]]
    # the light records, decoded into their class, agree with the full rows
    assert [(e.position, e.type, e.event.to_data()) for e in history_a] == \
        [(e.position, e.type, e.data) for e in store.read_stream(a)]


def test_histories_read_past_the_version_given_per_stream(write):
    """What a snapshot's load reads: only the events after its version, the other
    streams whole, still in one query."""
    a, b = uuid.uuid4(), uuid.uuid4()
    write(a, n=5)
    write(b, n=2)
    with CaptureQueriesContext(connection) as captured:
        history_a, history_b, missing = store.read_histories([a, b, uuid.uuid4()], after=[3, 0, 7])
    assert [e.version for e in history_a] == [4, 5] and [e.version for e in history_b] == [1, 2]
    assert missing == [] and len(captured.captured_queries) == 1
    assert store.read_histories([a], after=[5]) == [[]]


def test_one_stream_is_not_read_from_two_versions_at_once(write):
    a = uuid.uuid4()
    write(a, n=3)
    assert store.read_histories([a, a], after=[1, 1])[0] == store.read_histories([a], after=[1])[0]
    with pytest.raises(ValueError, match="two versions"):
        store.read_histories([a, str(a)], after=[0, 2])


def test_read_log_gives_only_the_types_asked_within_the_bounds(write):
    write(n=3, type="A")
    write(n=2, type="B")
    write(n=2, type="C")
    log = list(store.read_all())
    head = log[-1].position
    assert [e.type for e in store.read_log(after=0, up_to=head, types=["A", "C"], limit=100)] == ["A"] * 3 + ["C"] * 2
    assert [e.position for e in store.read_log(after=log[1].position, up_to=log[5].position, types=["A", "B", "C"],
                                               limit=100)] == [e.position for e in log[2:6]]
    assert [e.position for e in store.read_log(after=0, up_to=head, types=["B"], limit=1)] == [log[3].position]
    assert store.read_log(after=head, up_to=head + 10, types=["A"], limit=100) == []


@pytest.mark.postgresql  # prepared statements are PostgreSQL's (clinic.settings, docs/operations.md)
def test_an_append_run_again_and_again_is_prepared_once_on_its_connection(committed_db, ctx):
    """Server-side binding: from its fifth run on a connection, an append's INSERT
    is prepared there, so PostgreSQL parses and plans it no more."""
    for n in range(6):
        handlers.dispatch(ctx, RegisterDoctor(name=f"Doctor {n}", specialty="Cardiology"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                       ["%INSERT INTO \"events_storedevent\"%"])
        (prepared,) = cursor.fetchone()
    assert prepared == 1
