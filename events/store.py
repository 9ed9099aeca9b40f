"""The one append path and the readers of the event log.

Ordering on PostgreSQL: a position (identity value) is drawn at INSERT but
becomes visible at COMMIT, so with concurrent writers a reader asking for
"position > N" could see N+2 before N+1 commits — and skip N+1 forever. Two
things together make that impossible without making writers wait for each
other's commits:

* writers draw positions one at a time: an append holds the log's advisory lock
  (``APPEND_LOCK_KEY``) for its INSERT alone — the statement takes it before its
  first row and lets go after its last (``_locked``), one round trip — not
  until its COMMIT, so the commits (the fsync, most of an append's time) of
  many writers overlap. Everything else an append does happens before: its
  data is sealed, and a new patient's key made, outside the lock (the key is
  stored by the INSERT itself, after the lock, with the rows it seals);
* each append writes its rows in a savepoint whose id PostgreSQL gives at its
  first write — the INSERT, under that lock — so the rows' ``xmin`` is newer
  than the id of every writer that drew an earlier position: they all wrote
  before letting go of the lock. PostgreSQL gives ids lazily, to a transaction
  or a subtransaction at its first write (not at BEGIN or SAVEPOINT), so the
  savepoint can be begun before the lock, and the transaction may have written
  before it (the caller's own work, in its transaction). A subtransaction's id
  is newer than its parent's, which it gets first if it has none. A reader's
  snapshot lists the other top-level transactions running below its ``xmax``
  (``pg_snapshot_xip``; not their subtransactions), and a committed row's
  writer lies below that ``xmax``: so if no listed transaction is older than
  the row's writer, every earlier writer had finished — a writer of an earlier
  position whose rows came from a subtransaction has an older parent still, and
  that parent is listed while it runs — and nothing can ever appear below that
  row. An append with no transaction around it (autocommit: a command's own)
  needs no savepoint: its INSERT is a transaction of its own, whose first
  write comes after the lock (``_drawing_positions``). Readers read only that
  far (``_READABLE_HEAD``); the ids grow with positions, so what they may
  read is a prefix of the log. A long-running
  writer makes readers wait, never skip. (A reader sees its own uncommitted
  rows too, and may read up to them: none of Clinic's readers moves a
  checkpoint in a transaction that has appended before reading.)

Erasure and sealing before the lock: an erasure takes the lock until its commit
(``serialize_appends``), appends PATIENT_ERASED and deletes the key. An append
that read the key before that commit and then waited for the lock must not
write data sealed under the deleted key: its INSERT reads each key it sealed
under again, ``FOR SHARE``, after taking the lock. A locking read sees the
newest committed row, not the statement's older snapshot, so a key deleted
meanwhile stops the INSERT (``ErasedPatient``), and an erasure that comes later
waits for the append's transaction before deleting the key.

SQLite allows one writer at a time (IMMEDIATE transactions): there, every
committed event is readable.

Three kinds of readers: ``read_stream`` and ``read_all`` give whole ``StoredEvent``
rows (metadata, times) to pages, the API's stream listing and the admin;
``read_feed`` gives the API's feed (``/api/events/``), which integrations follow
page after page, light ``FeedEvent`` tuples with the same fields, read with one
plain query; ``read_histories`` and ``read_log`` give light ``Recorded`` tuples to
the hot paths — handlers deciding a command, projectors catching up. Either way a
row's ``data`` is upcast from the ``schema_version`` the row records (read in the
same query: no reader pays a second one), where it is read.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, NamedTuple

import orjson
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Max, QuerySet
from django.db.models.expressions import RawSQL
from django.dispatch import Signal
from django.utils import timezone

from . import shredding
from .domain.catalogue import Event, UnreadableVersion, decode, event_class, upcast
from .domain.errors import Conflict
from .domain.patient import ErasedPatient
from .models import DataKey, StoredEvent

# Any constant works; it names "the event log" among advisory locks.
APPEND_LOCK_KEY = 0x0C11_41C0

# Sent after the appending transaction commits, with ``position`` (the last one
# written) and ``count`` (how many the append wrote).
events_committed = Signal()


class ConcurrencyConflict(Conflict):
    """The stream moved on since the command read it."""


class UndecodableEvent(ValueError):
    """A stored event its class cannot read (a projector's dead letter, if it meets
    one). The message names the position and type, never the stored values."""

    def __init__(self, position: int, type_name: str, error: Exception) -> None:
        # A version's message names only the type and versions, so it may be told.
        reason = f": {error}" if isinstance(error, UnreadableVersion) else \
            f" ({type(error).__name__}); its stored data does not fit its class."
        super().__init__(f"The {type_name} event at position {position} cannot be read{reason}")
        self.position = position
        self.type_name = type_name


class StreamTypeConflict(Conflict):
    """The stream's id already names a stream of another type (a client chose, for a
    patient say, the id a doctor's day derives for its schedule). An id names one
    kind of stream for ever, so this is no race: deciding again would not help."""

    def __init__(self, stream_id: uuid.UUID, stored: str, written: str) -> None:
        self.stream_id, self.stored, self.written = stream_id, stored, written
        super().__init__(f"Stream {stream_id} holds {stored} events; {written} events cannot be added to it. "
                         "Nothing was written.")


@dataclass(frozen=True)
class StreamWrite:
    stream_id: uuid.UUID
    stream_type: str
    expected_version: int  # 0 for a stream that must not exist yet
    events: Sequence[Event] = field(default_factory=list)


def metadata(*, actor: str, source: str, correlation_id: str | None = None,
             causation_id: str | None = None) -> dict[str, str]:
    """Who and what caused a command's events. ``source`` is api, web, admin or seed."""
    causation_id = str(causation_id or uuid.uuid4())
    return {
        "actor": actor,
        "source": source,
        "correlation_id": str(correlation_id or causation_id),
        "causation_id": causation_id,
    }


def append(writes: Iterable[StreamWrite], *, metadata: dict[str, str], occurred_at: datetime | None = None) -> int:
    """Append events to one or more streams atomically; return the last position.

    Each write names the version its decision was based on; if any stream has
    moved since, nothing is written and ``ConcurrencyConflict`` is raised. A stream
    holds events of one stream type: a write of another type to a stream that has
    events raises ``StreamTypeConflict``, and nothing is written either.

    This is the hot path of every command, so it speaks SQL directly: one
    INSERT … RETURNING for all the rows, which checks the versions and the
    stream types itself (``_guards``), where the ORM spent an aggregate per
    stream, a savepoint and model instances (``make bench`` measures the
    difference as ``append_events_per_s``). Only a refused append reads
    further, to say why.
    """
    writes = [w for w in writes if w.events]
    if not writes:
        raise ValueError("append() needs at least one event")
    now = timezone.now()
    shared = _prepared(metadata=metadata, occurred_at=occurred_at or now, recorded_at=now)
    try:
        position = _append_checked(writes, shared)
    except _Refused as refused:
        raise _refusal(writes, refused.keyed) from None
    return position


class _Refused(Exception):
    """The INSERT wrote nothing: a stream moved, or holds another type, or a
    patient whose key sealed the data was erased meanwhile. Which one is told
    after the transaction has rolled back (``_refusal``)."""

    def __init__(self, keyed: list[uuid.UUID]) -> None:
        super().__init__()
        self.keyed = keyed


def _append_checked(writes: list[StreamWrite], shared: dict[str, Any]) -> int:
    if connection.vendor == "postgresql":
        # One statement writes the rows and any new patient's key (``_locked``):
        # alone, it is its own transaction (``_drawing_positions``).
        position, count = _written(writes, shared, keys_in_insert=True, guess=True)
    else:
        with transaction.atomic():  # the new keys' INSERT, then the rows'
            position, count = _written(writes, shared, keys_in_insert=False, guess=False)
    # At once when the append was its own transaction; else when the caller's commits.
    transaction.on_commit(lambda: events_committed.send(sender=StoredEvent, position=position, count=count))
    return position


def _written(writes: list[StreamWrite], shared: dict[str, Any], *, keys_in_insert: bool,
             guess: bool) -> tuple[int, int]:
    """Seal, then write the rows (and, with ``keys_in_insert``, the new keys) in
    one INSERT; (the last position, the rows written). With ``guess``, a new
    stream's own patient is taken to have no key yet, unread (``_sealed``): if
    one was there after all, the INSERT failed on it and wrote nothing, and the
    append is made again without guessing."""
    # Sealed before the lock, keys made too: the lock is held for the INSERT
    # alone. The INSERT checks that each stored key it sealed under is still there.
    sealed = _sealed(writes, keys_in_insert=keys_in_insert, guess=guess)
    as_uuid, as_json = _uuid_param(), connection.ops.adapt_json_value
    rows = [
        {"event_id": as_uuid(uuid.uuid4()), "stream_id": as_uuid(_uuid(write.stream_id)),
         "stream_type": write.stream_type, "version": write.expected_version + offset, "type": event.type,
         "data": as_json(data, None), "schema_version": event.schema_version} | shared
        for write, events in zip(writes, sealed.datas, strict=True)
        for offset, (event, data) in enumerate(zip(write.events, events, strict=True), start=1)
    ]
    try:
        with _drawing_positions():
            position = _insert(rows, _guards(writes), sealed.keyed, sealed.made, shared["recorded_at"])
    except IntegrityError:  # the (stream, version) constraint: a racing writer won, or the id is taken
        position = None    # (or a guessed new key met a stored one)
    if position is None:
        if sealed.guessed:
            return _written(writes, shared, keys_in_insert=keys_in_insert, guess=False)
        raise _Refused(sealed.keyed)
    return position, len(rows)


def _refusal(writes: list[StreamWrite], keyed: list[uuid.UUID]) -> Conflict:
    """Why an append wrote nothing, read after the fact: a key that is gone now
    was erased while the append waited to write; a stream's type never changes,
    so a type conflict seen now was one then; anything else means a stream
    moved meanwhile, and the command may decide again."""
    keyring = shredding.Keyring.fetch(keyed)
    if not all(keyring.has(subject) for subject in keyed):
        return ErasedPatient(_ERASED)
    current = _streams([w.stream_id for w in writes])
    for write in writes:
        version, stream_types = current.get(_uuid(write.stream_id), (0, ()))
        for stored in stream_types:
            if stored != write.stream_type:
                return StreamTypeConflict(_uuid(write.stream_id), stored, write.stream_type)
        if version != write.expected_version:
            return ConcurrencyConflict(f"The {write.stream_type} changed meanwhile (version {version}, "
                                       f"expected {write.expected_version}); reload and try again.")
    return ConcurrencyConflict("Another command wrote to this stream at the same time; try again.")


_ERASED = ("This patient's personal data was erased: nothing more can be recorded about them "
           "(a cancellation, for one, only without a reason). Nothing was written.")


class _Sealed(NamedTuple):
    datas: list[list[dict[str, Any]]]  # each write's events' data, as stored
    keyed: list[uuid.UUID]  # the patients whose stored keys sealed some: the INSERT reads them again
    made: list[tuple[uuid.UUID, bytes, bool]]  # new keys for the INSERT to store: (subject, key, wrapped)
    guessed: bool  # some new key was made unread (``_sealed``'s ``guess``)


def _sealed(writes: list[StreamWrite], *, keys_in_insert: bool, guess: bool) -> _Sealed:
    """Each event's stored data, its personal fields sealed under their patient's
    key (``events.shredding``), and the patients whose stored keys sealed them.
    A patient's key is made with their first personal write; a key that is gone
    means the patient was erased, and nothing is written. This runs before the
    append lock: the INSERT checks under the lock that every key it read is still
    there (``_insert``), so an erasure that commits meanwhile is still seen.

    New keys are stored now, or, with ``keys_in_insert``, left to the INSERT
    (``_Sealed.made``). With ``guess``, the patient of a stream the command found
    empty (a registration: the stream is the patient's own) is not looked up: a
    patient with no events has no key, bar keys made by hand or a registration
    racing this one, and then the INSERT of the new key fails on the stored one
    (the caller appends again without guessing). A registration thus reads
    nothing here."""
    datas = [[event.to_data() for event in write.events] for write in writes]
    owners = {(i, j): shredding.subject_of(type(event), _uuid(write.stream_id), datas[i][j])
              for i, write in enumerate(writes) for j, event in enumerate(write.events)
              if shredding.needs_sealing(event.type, datas[i][j])}
    if not owners:
        return _Sealed(datas, [], [], False)
    subjects = {subject for subject in owners.values() if subject is not None}
    guessed = subjects.intersection(_uuid(write.stream_id) for write in writes
                                    if not write.expected_version) if guess else set()
    keyring = shredding.Keyring.fetch(subjects - guessed)  # no query if nothing is left
    stored = sorted(subject for subject in subjects if keyring.has(subject))
    new = sorted(guessed | {subject for subject in subjects - guessed if keyring.may_create(subject)})
    made: list[tuple[uuid.UUID, bytes, bool]] = []
    if keys_in_insert:
        made = keyring.make(new)
    else:
        keyring.create_many(new)
    try:
        for (i, j), subject in owners.items():
            datas[i][j] = shredding.seal(writes[i].events[j].type, datas[i][j], subject, keyring)
    except shredding.MissingKey as missing:
        raise ErasedPatient(_ERASED) from missing
    return _Sealed(datas, stored, made, bool(guessed))


# The columns append writes; position is the database's to draw.
_COLUMNS = {f.name: f for f in StoredEvent._meta.concrete_fields if f.name != "position"}


def _prepared(**values: Any) -> dict[str, Any]:
    """Column values as the database driver takes them (uuid, time and JSON encodings differ)."""
    return {name: _COLUMNS[name].get_db_prep_save(value, connection) for name, value in values.items()}


def _uuid_param() -> Any:
    """What ``UUIDField.get_db_prep_value`` makes of a UUID, without its checks per
    value: an append prepares seven values a row, and the field's generic path was
    a fifth of a command's time (profiled on the bench's command script)."""
    return (lambda value: value) if connection.features.has_native_uuid_field else (lambda value: value.hex)


def _guards(writes: list[StreamWrite]) -> list[tuple[str, list[Any]]]:
    """What must hold for the rows to go in, checked by the INSERT itself: each
    stream the command read is still at the version it read, with events of the
    write's type only. Newer events need no check — the row at the next version
    would collide with the (stream, version) constraint — and a new stream
    (version 0) needs none either: its first row collides with any event already
    under its id. So an append is one statement; the read that used to check
    first cost a tenth of a command (``make bench``, ``append_events_per_s``)."""
    table, as_uuid = StoredEvent._meta.db_table, _uuid_param()
    guards = []
    for write in writes:
        if write.expected_version:
            stream_id = as_uuid(_uuid(write.stream_id))  # as the rows themselves are written
            condition = (f"EXISTS (SELECT 1 FROM {table} seen WHERE seen.stream_id = %s AND seen.version = %s "
                         f"AND seen.stream_type = %s) AND NOT EXISTS (SELECT 1 FROM {table} began "
                         f"WHERE began.stream_id = %s AND began.version = 1 AND began.stream_type <> %s)")
            guards.append((condition, [stream_id, write.expected_version, write.stream_type,
                                       stream_id, write.stream_type]))
    return guards


def _insert(rows: list[dict[str, Any]], guards: list[tuple[str, list[Any]]], keyed: list[uuid.UUID],
            made: list[tuple[uuid.UUID, bytes, bool]], made_at: Any) -> int | None:
    """One INSERT for every row, if every guard holds; returns the highest
    position drawn, or None if a guard failed and nothing was written. On
    PostgreSQL the same statement takes the append lock before its first row and
    lets go after its last (``_locked``), and stores the new keys ``made``
    (elsewhere they are stored before: ``made`` is empty)."""
    table, columns, _, _ = _names(connection.vendor)
    values = ", ".join([_ROW] * len(rows))
    params = [row[name] for row in rows for name in _COLUMNS]
    if connection.vendor == "postgresql":
        sql, params = _locked(table, columns, values, params, guards, keyed, made, made_at)
    elif made:
        raise ValueError("New keys are stored in the INSERT on PostgreSQL only.")
    elif guards:
        where = " AND ".join(condition for condition, _ in guards)
        sql = (f"INSERT INTO {table} ({columns}) SELECT * FROM (VALUES {values}) AS written WHERE {where} "
               "RETURNING position")
        params += [param for _, guard_params in guards for param in guard_params]
    else:
        sql = f"INSERT INTO {table} ({columns}) VALUES {values} RETURNING position"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max((row[0] for row in cursor.fetchall() if row[0] is not None), default=None)


# One row's placeholders in the INSERT's VALUES.
_ROW = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"


@cache
def _names(vendor: str) -> tuple[str, str, str, str]:
    """The event table and its written columns, the key table and the columns a
    new key is written in, quoted: the same SQL for every append, made once.
    Quoted for each append, they cost a registration 16 ``quote_name`` calls
    and as many lookups through Django's ``connection`` proxy, of its 33."""
    quote = connection.ops.quote_name
    key_fields = {f.name: f.column for f in DataKey._meta.concrete_fields}
    return (quote(StoredEvent._meta.db_table), ", ".join(quote(f.column) for f in _COLUMNS.values()),
            quote(DataKey._meta.db_table),
            ", ".join(quote(key_fields[name]) for name in ("subject", "key", "wrapped", "created_at")))


def _locked(table: str, columns: str, values: str, params: list[Any], guards: list[tuple[str, list[Any]]],
            keyed: list[uuid.UUID], made: list[tuple[uuid.UUID, bytes, bool]],
            made_at: Any) -> tuple[str, list[Any]]:
    """The INSERT as one round trip under the append lock (module docstring):

    * ``drawn`` takes the lock, once (a MATERIALIZED CTE runs at most once);
      every row to insert is joined to its one row (through ``go``, if there
      are conditions), so none is written before it — the rows, and the id of
      the (sub)transaction writing them, come after the lock is taken;
    * ``go`` holds that row if the guards hold and each key the data was sealed
      under is still there, read again ``FOR SHARE`` after the lock (the
      subquery names ``drawn``): an erasure that deleted one while this append
      waited has committed by then, and the locking read sees the newest row
      (READ COMMITTED re-checks a changed row), so nothing is written; and an
      erasure still to come waits for this transaction's end before deleting
      the key;
    * ``made`` stores the new keys (a registration's patient's), after the lock
      too, and the rows go in only if every one did: the key and the data it
      seals are written together, or neither. A key already stored for the
      subject fails the statement (its primary key): nothing is written;
    * the outer SELECT lets go of the lock once the INSERT has written its last
      row (an aggregate reads all of ``inserted`` first), whether it wrote any.

    If the statement fails, the lock may be held: ``_drawing_positions`` lets go."""
    _, _, data_keys, key_columns = _names(connection.vendor)
    conditions = [condition for condition, _ in guards]
    gate_params = [param for _, guard_params in guards for param in guard_params]
    as_uuid = _uuid_param()
    if keyed:
        conditions.append(
            f"(SELECT COUNT(*) FROM (SELECT 1 FROM {data_keys} kept WHERE kept.subject IN "
            f"({', '.join(['%s'] * len(keyed))}) AND kept.\"key\" IS NOT NULL "
            "AND drawn.held FOR SHARE) AS still_kept) = %s")
        gate_params += [*map(as_uuid, keyed), len(keyed)]
    ctes = ["drawn AS MATERIALIZED (SELECT true AS held FROM pg_advisory_lock(%s))"]
    head: list[Any] = [APPEND_LOCK_KEY]
    gate = "drawn"
    if conditions:
        ctes.append(f"go AS MATERIALIZED (SELECT held FROM drawn WHERE {' AND '.join(conditions)})")
        head += gate_params
        gate = "go"
    check, tail = "", []  # the rows go in only if every new key did
    if made:
        ctes.append(f"made AS (INSERT INTO {data_keys} ({key_columns}) SELECT fresh.* FROM {gate}, "
                    f"(VALUES {', '.join(['(%s, %s, %s, %s)'] * len(made))}) AS fresh RETURNING 1)")
        head += [value for subject, key, wrapped in made for value in (as_uuid(subject), key, wrapped, made_at)]
        check, tail = " WHERE (SELECT COUNT(*) FROM made) = %s", [len(made)]
    ctes.append(f"inserted AS (INSERT INTO {table} ({columns}) SELECT written.* FROM {gate}, "
                f"(VALUES {values}) AS written{check} RETURNING position)")
    sql = f"WITH {', '.join(ctes)} SELECT MAX(position), pg_advisory_unlock(%s) FROM inserted"
    return sql, [*head, *params, *tail, APPEND_LOCK_KEY]


def _streams(stream_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[int, tuple[str, ...]]]:
    """{stream id: (its latest version, the stream types its events are stored as)}
    for the streams that have events, in one query. The types are one, unless a
    stream was mixed before appends checked them: its first and its latest
    event show that. Each is one index lookup (the stream's first event, its
    latest), so an append costs the same on a doctor's twenty-thousandth event as
    on the first; the MIN and MAX over every row it once took grew with the stream."""
    field = StoredEvent._meta.get_field("stream_id")
    table = StoredEvent._meta.db_table
    placeholders = ", ".join(["%s"] * len(stream_ids))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT opened.stream_id, "
                       f"(SELECT MAX(newest.version) FROM {table} newest WHERE newest.stream_id = opened.stream_id), "
                       f"opened.stream_type, "
                       f"(SELECT newest.stream_type FROM {table} newest WHERE newest.stream_id = opened.stream_id "
                       f"ORDER BY newest.version DESC LIMIT 1) "
                       f"FROM {table} opened WHERE opened.stream_id IN ({placeholders}) AND opened.version = 1",
                       [field.get_db_prep_value(s, connection) for s in stream_ids])
        return {_uuid(stream_id): (version, tuple(dict.fromkeys([first, last])))
                for stream_id, version, first, last in cursor.fetchall()}


def _uuid(value: object) -> uuid.UUID:
    """A stream id as a UUID, whether it came as one, as text, or from SQLite's hex column."""
    return value if type(value) is uuid.UUID else _COLUMNS["stream_id"].to_python(value)


def serialize_appends() -> None:
    """Take the log's append lock until the transaction ends (see the module
    docstring): what writers of whole batches — imports, the sealing of old
    history — take first, so nothing else draws a position meanwhile."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [APPEND_LOCK_KEY])


@contextmanager
def _drawing_positions() -> Iterator[None]:
    """Where an append draws its positions on PostgreSQL. Its rows must be
    written by a (sub)transaction whose id is given at its first write — under
    the append lock, which the INSERT itself takes (module docstring).

    * In a transaction (the caller's: it may have written before, and its id
      may be older than the lock) that is a savepoint, whose own id is given at
      the INSERT. PostgreSQL gives ids lazily, at a (sub)transaction's first
      write, not at BEGIN or SAVEPOINT: beginning the savepoint before the lock
      costs nothing but its round trips (SAVEPOINT, RELEASE).
    * With no transaction around it (autocommit: the store's own appends, one
      command each), the INSERT is the whole transaction, new keys and all
      (``_locked``): its first write is under the lock. No savepoint, and no
      BEGIN and COMMIT either: one round trip where there were five.

    The INSERT lets go of the lock itself. If it fails, the savepoint (or,
    alone, the statement's own transaction) is rolled back and the lock let go
    here, if this session still holds it as its own (a session lock outlives a
    rollback)."""
    if connection.vendor != "postgresql":
        yield
        return
    try:
        if connection.get_autocommit():  # no transaction: the INSERT is one
            yield
        else:
            with transaction.atomic():
                yield
    except BaseException:
        _let_go_after_failure()
        raise


def _let_go_after_failure() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s) FROM pg_locks WHERE locktype = 'advisory' "
                           "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                           "AND pid = pg_backend_pid() AND granted AND classid = %s AND objid = %s AND objsubid = 1",
                           [APPEND_LOCK_KEY, APPEND_LOCK_KEY >> 32, APPEND_LOCK_KEY & 0xFFFF_FFFF])
    except DatabaseError:
        # The connection is gone, and the lock with its session; a broken one
        # is closed, so that no session can keep holding it.
        if not connection.in_atomic_block:
            connection.close()


# How far a reader may read on PostgreSQL: up to the newest event whose writer
# took its id before the oldest other transaction running at the reader's
# snapshot (``pg_snapshot_xip``; none: its ``xmax``), or that the reader wrote
# itself (a visible row whose writer is still running is the reader's own).
# A row's ``xmin`` is the 32-bit id of the (sub)transaction that wrote it,
# widened to 64 bits against a point past the snapshot (a row is never 2^31 ids
# old unless frozen — ids 1 and 2 — and those are readable). The module
# docstring tells why nothing can appear below this head later.
_REFERENCE = "(SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint + 1073741824)"
_WRITER = f"({_REFERENCE} - mod(mod({_REFERENCE} - xmin::text::bigint, 4294967296) + 4294967296, 4294967296))"
_READABLE_HEAD = (
    "(SELECT MAX(position) FROM {table} WHERE xmin::text::bigint < 3 "
    f"OR {_WRITER} < (SELECT COALESCE(MIN(running), pg_snapshot_xmax(pg_current_snapshot()))::text::bigint "
    "FROM pg_snapshot_xip(pg_current_snapshot()) AS running) "
    f"OR pg_xact_status({_WRITER}::text::xid8) = 'in progress')"
)


def _readable_head_sql() -> str | None:
    """The SQL of the readable head, or None where every committed row is readable."""
    if connection.vendor != "postgresql":
        return None
    return _READABLE_HEAD.format(table=StoredEvent._meta.db_table)


def stream_version(stream_id: uuid.UUID) -> int:
    return _streams([stream_id]).get(_uuid(stream_id), (0, ()))[0]


class Recorded(NamedTuple):
    """An event as deciding and projecting need it: no metadata, no model instance."""

    position: int
    stream_id: uuid.UUID
    version: int
    event: Event

    @property
    def type(self) -> str:
        return self.event.type


def read_histories(stream_ids: Sequence[uuid.UUID], after: Sequence[int] | None = None) -> list[list[Recorded]]:
    """Streams' events as ``Recorded`` tuples in version order, in the order the
    streams are given, with one query: what the command handlers fold. ``after``
    gives, stream by stream, the version to read past (a snapshot's; 0 for the
    whole stream), so a long stream is read only from there on. A booking decides
    on four streams, so this is one plain query, not a queryset of model instances."""
    bounds: dict[uuid.UUID, int] = {}
    for stream_id, version in zip(stream_ids, after or [0] * len(stream_ids), strict=True):
        if bounds.setdefault(_uuid(stream_id), version) != version:
            raise ValueError(f"Stream {stream_id} asked for from two versions in one read.")
    histories: dict[uuid.UUID, list[Recorded]] = {stream_id: [] for stream_id in bounds}
    prep = _COLUMNS["stream_id"].get_db_prep_value
    whole = [stream_id for stream_id, version in bounds.items() if not version]
    where = [f"stream_id IN ({', '.join(['%s'] * len(whole))})"] if whole else []
    params: list[Any] = [prep(s, connection) for s in whole]
    for stream_id, version in bounds.items():
        if version:
            where.append("(stream_id = %s AND version > %s)")
            params += [prep(stream_id, connection), version]
    for event in _recorded(f"({' OR '.join(where)}) ORDER BY stream_id, version", params, own_keys=True):
        histories[event.stream_id].append(event)
    return [histories[_uuid(stream_id)] for stream_id in stream_ids]


def read_log(*, after: int, up_to: int, types: Sequence[str], limit: int) -> list[Recorded]:
    """Events of the given types in (after, up_to], in position order, as ``Recorded``
    tuples: what the projector runner reads, batch after batch."""
    placeholders = ", ".join(["%s"] * len(types))
    return _recorded(f"position > %s AND position <= %s AND type IN ({placeholders}) ORDER BY position LIMIT %s",
                     [after, up_to, *types, limit])


def analyze_log() -> None:
    """Bring PostgreSQL's statistics of the log up to date: for a reader about to
    read all of it, ``read_log`` batch after batch (a rebuild).

    After a bulk import they can still describe a log a fraction as long
    (autovacuum analyzes it a minute or so later). The planner then expects a
    handful of rows past a batch's start, and reads each batch by sorting every
    later event of the batch's types: at 1,000,000 events 0.5 s a batch instead of
    9 ms, half of a rebuild's time. ANALYZE samples the table in about half a second."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(StoredEvent._meta.db_table)}")


def _recorded(where: str, params: list[Any], *, own_keys: bool = False) -> list[Recorded]:
    """``Recorded`` tuples of the rows ``where`` selects. ``own_keys`` reads each
    stream's own data key in the same query (a patient's stream is sealed under
    its own id): a command folding a patient then needs no second query for the
    key. Other keys (a cancel reason's patient) are fetched with one more query."""
    table = StoredEvent._meta.db_table
    if own_keys:
        keys = connection.ops.quote_name(DataKey._meta.db_table)
        joined = (f", owned.{connection.ops.quote_name('key')}, owned.wrapped, owned.subject FROM {table} "
                  f"LEFT JOIN {keys} owned ON owned.subject = {table}.stream_id")
    else:
        joined = f", NULL, NULL, NULL FROM {table}"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT position, stream_id, version, type, data, schema_version{joined} WHERE {where}",
                       params)
        rows = cursor.fetchall()
    # Per row only what must be: a few streams' ids repeat over thousands of rows.
    stream_ids = _once(_uuid, (row[1] for row in rows))
    datas = [_json(position, type, data) for position, _, _, type, data, *_ in rows]
    known = {stream_ids[row[1]]: (row[6], row[7]) for row in rows if row[8] is not None}
    keyring = shredding.Keyring.for_rows(datas, known=known)
    return [Recorded(position, stream_ids[stream_id], version,
                     _decoded(position, type, data, schema_version, keyring))
            for (position, stream_id, version, type, _, schema_version, *_), data in zip(rows, datas, strict=True)]


def _json(position: int, type_name: str, data: str) -> dict[str, Any]:
    try:
        loaded = orjson.loads(data)
    except ValueError as error:
        raise UndecodableEvent(position, type_name, error) from error
    if type(loaded) is not dict:
        raise UndecodableEvent(position, type_name, TypeError("not a JSON object"))
    return loaded


def _decoded(position: int, type_name: str, data: dict[str, Any], schema_version: int | None,
             keyring: shredding.Keyring) -> Event:
    """The row's event: its personal fields opened (``events.shredding``), then its
    data upcast from the schema version it was stored in (``catalogue.decode``) —
    the same two steps for handlers and projectors."""
    personal = event_class(type_name).personal  # an unknown type is no dead letter's matter: it goes up
    try:
        return decode(type_name, keyring.opened(data) if personal else data, schema_version)
    except (ValueError, TypeError, KeyError) as error:
        raise UndecodableEvent(position, type_name, error) from error


def opened(events: Sequence[StoredEvent]) -> Sequence[StoredEvent]:
    """Stored events with their personal fields opened (``StoredEvent.plain_data``),
    for whatever shows them — the feed, stream pages, the event log, time travel —
    with one query for all their keys rather than one per event."""
    keyring = shredding.Keyring.for_rows(event.data for event in events)
    for event in events:
        event.__dict__["plain_data"] = keyring.opened(event.data)
    return events


class FeedEvent(NamedTuple):
    """An event as the feed (``GET /api/events/``) shows it: no model instance.
    ``current_data`` is the stored data with its personal fields opened and
    upcast to its class's version — named as ``StoredEvent.current_data``, so the
    feed's serializer and the read audit (``patients_in``) take either."""

    position: int
    stream_id: uuid.UUID
    stream_type: str
    version: int
    type: str
    current_data: dict[str, Any]
    metadata: dict[str, Any]
    occurred_at: datetime
    recorded_at: datetime


def read_feed(*, after: int, limit: int) -> list[FeedEvent]:
    """Up to ``limit`` events of the global log after a position, in position
    order and as far as it is readable (the module docstring), as ``FeedEvent``
    rows: what the feed pages through. One plain query and no ``StoredEvent``
    instances: through the ORM, model instances, its converters and its parsing
    of the two times took most of a read (``make bench``, ``readall_events_per_s``).

    The readable head bounds the page after its LIMIT, not before: what is
    readable is a prefix of the log, so the first ``limit`` rows after ``after``
    cut at the head are the first ``limit`` readable ones. Bounded before, the
    planner, unable to guess the head, read every row from ``after`` to the end
    of the log and sorted them for each page (on the bench's 230,000 events, most
    of a page's time); after, a page reads its rows in index order and stops."""
    table = StoredEvent._meta.db_table
    readable = _readable_head_sql()
    columns, as_time = _feed_times()
    page = (f"SELECT position, stream_id, stream_type, version, type, data, schema_version, metadata, {columns} "
            f"FROM {table} WHERE position > %s ORDER BY position LIMIT %s")
    if readable is not None:
        page = f"SELECT * FROM ({page}) page WHERE position <= {readable} ORDER BY position"
    with connection.cursor() as cursor:
        cursor.execute(page, [after, limit])
        rows = cursor.fetchall()
    # Metadata and times repeat over a page (the events of one append share them):
    # each distinct value is converted once. Rows may thus share one metadata dict;
    # like the whole row, it is for reading.
    stream_ids = _uuids([row[1] for row in rows])
    metadatas = _once(orjson.loads, (row[7] for row in rows))
    times = _once(as_time, (time for row in rows for time in row[8:]))
    datas = [orjson.loads(row[5]) for row in rows]
    personal = _once(lambda type_name: bool(event_class(type_name).personal), (row[4] for row in rows))
    keyring = shredding.Keyring.for_rows(data for row, data in zip(rows, datas, strict=True) if personal[row[4]])
    return [FeedEvent(position, stream_id, stream_type, version, type,
                      upcast(type, schema_version, keyring.opened(data) if personal[type] else data),
                      metadatas[metadata], times[occurred_at], times[recorded_at])
            for (position, _, stream_type, version, type, _, schema_version, metadata, occurred_at,
                 recorded_at), stream_id, data in zip(rows, stream_ids, datas, strict=True)]


def _uuids(values: list[Any]) -> list[uuid.UUID]:
    """Stream ids as UUIDs: PostgreSQL's driver makes them (in C, cheaper than
    any sharing of them); SQLite gives their hex, each distinct one parsed once."""
    if not values or type(values[0]) is uuid.UUID:
        return values
    parsed = _once(_uuid, values)
    return [parsed[value] for value in values]


def _once(convert: Callable[[Any], Any], values: Iterable[Any]) -> dict[Any, Any]:
    """{value: converted} for each distinct value."""
    return {value: convert(value) for value in set(values)}


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _feed_times() -> tuple[str, Callable[[Any], datetime]]:
    """How ``read_feed`` selects ``occurred_at`` and ``recorded_at``, and how it
    makes an aware UTC time of each, as the ORM would have. PostgreSQL gives
    whole microseconds since the epoch (an integer is cheap to load; parsing the
    text of a ``timestamptz`` was a sixth of a read); SQLite stores the UTC time
    as ISO text, selected as text (not through Django's converter for its
    declared type) for ``fromisoformat`` to read."""
    if connection.vendor == "postgresql":
        micros = "(EXTRACT(EPOCH FROM {0}) * 1000000)::bigint AS {0}"
        return (f"{micros.format('occurred_at')}, {micros.format('recorded_at')}",
                lambda value: _EPOCH + timedelta(microseconds=value))
    return ("CAST(occurred_at AS TEXT), CAST(recorded_at AS TEXT)",
            lambda value: datetime.fromisoformat(value).replace(tzinfo=UTC))


def read_stream(stream_id: uuid.UUID) -> list[StoredEvent]:
    """One stream's events in version order, their personal fields opened."""
    return list(opened(list(StoredEvent.objects.filter(stream_id=stream_id).order_by("version"))))


def read_all(*, after: int = 0, limit: int | None = None, types: Sequence[str] | None = None,
             up_to: int | None = None) -> QuerySet[StoredEvent]:
    """The global log in position order, after a position (and up to one, if
    given), as far as it is readable (the module docstring): a client paging
    through it with the last position it saw never steps over an event."""
    events = StoredEvent.objects.filter(position__gt=after).order_by("position")
    readable = _readable_head_sql()
    if readable is not None:
        events = events.filter(position__lte=RawSQL(readable, []))
    if up_to is not None:
        events = events.filter(position__lte=up_to)
    if types:
        events = events.filter(type__in=types)
    return events[:limit] if limit else events


def head_position() -> int:
    """The position up to which the log is readable: every event at or below it
    is committed and no other can appear there (the module docstring). Events
    above it are committed or on their way, and are read once it moves."""
    readable = _readable_head_sql()
    if readable is None:
        return last_position()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE({readable}, 0)")
        return cursor.fetchone()[0]


def last_position() -> int:
    """The highest position this connection sees, readable or not: what a writer
    holding the append lock has just drawn."""
    return StoredEvent.objects.aggregate(p=Max("position"))["p"] or 0


def stream_position(stream_id: uuid.UUID) -> int:
    """The global position of a stream's latest event (0 if it has none)."""
    latest = StoredEvent.objects.filter(stream_id=stream_id).order_by("-version").values_list("position", flat=True)
    return latest.first() or 0  # by the (stream, version) index: one row, however long the stream


def first_events(stream_ids: Iterable[uuid.UUID], type_name: str) -> dict[uuid.UUID, tuple[dict[str, Any], int | None]]:
    """{stream id: (data as stored, schema version)} of each stream's first event,
    where it is of ``type_name`` — an appointment's booking, which names its
    patient. A lookup by the (stream, version) key, not a read of the log: a
    committed fact needs neither the log's order nor its readable head, and with
    them PostgreSQL walked the type's whole index for each lookup (an import that
    met a cancellation of an earlier booking slowed as the log grew)."""
    rows = (StoredEvent.objects.filter(stream_id__in=list(stream_ids), version=1, type=type_name).order_by()
            .values_list("stream_id", "data", "schema_version"))
    return {_uuid(stream_id): (data, schema_version) for stream_id, data, schema_version in rows}
