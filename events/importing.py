"""Bulk import: many events per transaction, for a migration from another system.

Commands (``handlers``) append one decision per transaction; an import brings
history that was decided elsewhere, so it writes thousands of events per
transaction. It keeps every guarantee of ``store.append``:

* **Order**: each batch takes the same transaction-scoped advisory lock
  (``store.APPEND_LOCK_KEY``) before it draws positions, so on PostgreSQL
  positions become visible in commit order, interleaved safely with ordinary
  appends. SQLite's IMMEDIATE transactions already admit one writer at a time.
* **Versions**: under that lock, each stream's first event in the batch must be
  the version after the stored one, and the batch's events of a stream must
  follow on without a gap; otherwise nothing of the batch is written and
  ``ConcurrencyConflict`` is raised. The database's unique (stream, version)
  constraint backs this up.
* **Stream types**: a stream's events in the batch are of one stream type, the
  one its stored events have; otherwise ``StreamTypeConflict``, and nothing of the
  batch is written.
* **Immutability**: rows are only inserted; the triggers that refuse UPDATE,
  DELETE and TRUNCATE stay in force.
* **Validation**: every event type is one the domain knows, on its own kind of
  stream; ``data`` and ``metadata`` are JSON objects; ``occurred_at`` is aware.
  The domain's rules (no double booking, leave after arrive) are not decided
  again: imported events are facts the other system decided. The importer
  answers for their consistency, as the projectors will rely on it.
* **Projection**: after each batch commits, ``events_committed`` is sent, as
  after an append, so the read side catches up.

Each batch is one transaction: a failed batch leaves the earlier ones written;
``ImportResult.position`` and the source's ``event_id`` (unique) tell where to
resume. On PostgreSQL rows go in with COPY, on SQLite with one prepared INSERT
executed for the whole batch (``import_events`` supports only these two, as
the store's triggers do); both skip the ORM's per-row work, which is what
makes an import an order of magnitude faster than appends.
"""
from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from itertools import islice
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from . import shredding, store
from .copy_in import copy_in
from .domain.catalogue import UnknownEventType, event_class
from .models import StoredEvent

BATCH_SIZE = 10_000
TABLE = StoredEvent._meta.db_table
COLUMNS = ("event_id", "stream_id", "stream_type", "version", "type", "data", "schema_version", "metadata",
           "occurred_at", "recorded_at")
# SQLite's default limit on bound parameters is 32,766 (3.32+); stay well below.
_IN_CHUNK = 900

# One event as written: (event id hex, stream id hex, stream type, version, type,
# data JSON, schema version, metadata JSON, occurred at); see ``_rows``.
Row = tuple[str, str, str, int, str, str, int, str, datetime]


class InvalidImport(ValueError):
    """An imported event is malformed; nothing of its batch was written."""


@dataclass(frozen=True)
class ImportedEvent:
    stream_id: uuid.UUID
    stream_type: str
    version: int
    type: str
    data: dict[str, Any]
    occurred_at: datetime
    metadata: dict[str, Any] | None = None  # None: the import's metadata
    event_id: uuid.UUID | None = None  # the source's id, if it has one (unique)
    # The schema version of its type that ``data`` is in. 1 unless the source says
    # otherwise: a system that knows nothing of versions writes the first shape,
    # and readers upcast it like any other old event.
    schema_version: int = 1


@dataclass
class ImportResult:
    count: int = 0
    position: int = 0  # the last position written
    batches: int = 0


def import_events(events: Iterable[ImportedEvent], *, metadata: dict[str, str],
                  batch_size: int = BATCH_SIZE) -> ImportResult:
    """Write ``events`` (an iterable of ``ImportedEvent``, in order) in batches of
    ``batch_size``, one transaction each. ``metadata`` (see ``store.metadata``) is
    stored on every event that brings none of its own."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    default_metadata = json.dumps(metadata)
    result = ImportResult()
    events = iter(events)
    while batch := list(islice(events, batch_size)):
        position = _import_batch(batch, default_metadata)
        result.count += len(batch)
        result.batches += 1
        result.position = position
    return result


def _import_batch(batch: list[ImportedEvent], default_metadata: str) -> int:
    for event in batch:  # before the lock: a malformed batch never makes appends wait
        _validate(event)
    postgresql = connection.vendor == "postgresql"
    with transaction.atomic():
        store.serialize_appends()
        _check_versions(batch)
        batch = _sealed(batch)
        values = [] if postgresql else _sqlite_values(_rows(batch, default_metadata))
        try:
            with transaction.atomic():
                if postgresql:
                    _copy_postgresql(batch, default_metadata)
                else:
                    _insert_many(values)
        except IntegrityError as error:
            raise store.ConcurrencyConflict(
                "An imported event's (stream, version) or event id is already stored.") from error
        # Under the append lock no other writer can have drawn a position meanwhile.
        position = store.last_position()
        transaction.on_commit(lambda: store.events_committed.send(sender=StoredEvent, position=position))
    return position


def _validate(event: ImportedEvent) -> None:
    try:
        expected = event_class(event.type).stream_type
    except UnknownEventType:
        raise InvalidImport(f"Unknown event type {event.type!r}.") from None
    if event.stream_type != expected:
        raise InvalidImport(f"{event.type} belongs on a {expected} stream, not a {event.stream_type!r} one.")
    if type(event.data) is not dict or not (event.metadata is None or type(event.metadata) is dict):
        raise InvalidImport(f"{event.type}: data and metadata must be JSON objects.")
    if type(event.version) is not int or event.version < 1:
        raise InvalidImport(f"{event.type}: version must be a whole number from 1.")
    current = event_class(event.type).schema_version
    if type(event.schema_version) is not int or not 1 <= event.schema_version <= current:
        raise InvalidImport(f"{event.type}: schema_version must be a whole number from 1 to {current}, "
                            "the versions this code reads.")
    if not isinstance(event.occurred_at, datetime) or event.occurred_at.utcoffset() is None:
        raise InvalidImport(f"{event.type}: occurred_at must be a time zone aware datetime.")


def _sealed(batch: list[ImportedEvent]) -> list[ImportedEvent]:
    """The batch with its personal fields sealed, as appends seal them (``events.shredding``).
    A patient without a key gets one; an erased patient's personal data is not
    taken in again."""
    @cache
    def bookings() -> dict[uuid.UUID, uuid.UUID]:
        # Asked only for data without an owner field (written before it existed),
        # so gathered on the first question, not for every batch: most of an
        # import is bookings.
        return {_uuid(event.stream_id): _uuid(event.data["patient_id"]) for event in batch
                if event.type == "APPOINTMENT_CREATED" and event.data.get("patient_id")}

    def booked_for(appointment_id: uuid.UUID) -> uuid.UUID | None:
        return bookings().get(appointment_id) or _booked_for(appointment_id)

    owners = {i: shredding.subject_of(event_class(event.type), _uuid(event.stream_id), event.data, booked_for)
              for i, event in enumerate(batch) if shredding.needs_sealing(event.type, event.data)}
    if not owners:
        return batch
    keyring = shredding.Keyring.fetch(subject for subject in owners.values() if subject)
    keyring.create_many(sorted({subject for subject in owners.values() if subject and keyring.may_create(subject)}))
    sealed = list(batch)
    for i, subject in owners.items():
        try:
            sealed[i] = replace(batch[i], data=shredding.seal(batch[i].type, batch[i].data, subject, keyring))
        except shredding.MissingKey:
            raise InvalidImport(f"{batch[i].type} on stream {batch[i].stream_id} holds personal data of a patient "
                                "who was erased; "
                                "nothing of the batch was written.") from None
    return sealed


def _booked_for(appointment_id: uuid.UUID) -> uuid.UUID | None:
    """The patient an appointment stored before this import was booked for."""
    booking = store.first_events([appointment_id], "APPOINTMENT_CREATED").get(appointment_id)
    return _uuid(booking[0]["patient_id"]) if booking else None


def _rows(events: Sequence[ImportedEvent], default_metadata: str) -> list[Row]:
    """(event id hex, stream id hex, stream type, version, type, data JSON, schema
    version, metadata JSON, occurred at). New event ids are version 4 UUIDs from
    one read of the system's randomness per chunk."""
    randomness = os.urandom(16 * len(events)).hex()
    dumps = _encoder.encode
    rows: list[Row] = []
    for i, event in enumerate(events):
        if event.event_id:
            event_id = _uuid(event.event_id).hex
        else:
            r = randomness[32 * i:32 * i + 32]
            event_id = f"{r[:12]}4{r[13:16]}{_VARIANT[r[16]]}{r[17:]}"
        rows.append((event_id, _uuid(event.stream_id).hex, event.stream_type, event.version, event.type,
                     dumps(event.data), event.schema_version,
                     default_metadata if event.metadata is None else dumps(event.metadata), event.occurred_at))
    return rows


# The RFC 4122 variant: the first two bits of the 17th hex digit are 10.
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}
_encoder = json.JSONEncoder()


def _uuid(value: uuid.UUID | str) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _check_versions(batch: list[ImportedEvent]) -> None:
    """Each stream continues from its stored version, without gaps (under the lock).

    A stream whose first event here is version 1 needs no query: if it had any
    stored event, its version 1 would collide with the unique (stream, version)
    constraint and the batch would be refused. A stream that continues at
    version v > 1 must have v - 1 as its stored version."""
    first: dict[uuid.UUID, int] = {}
    last: dict[uuid.UUID, int] = {}
    kind: dict[uuid.UUID, str] = {}
    for event in batch:
        stream = _uuid(event.stream_id)
        if stream in last:
            if event.version != last[stream] + 1:
                raise store.ConcurrencyConflict(
                    f"Stream {stream}: version {event.version} does not follow {last[stream]}.")
            if event.stream_type != kind[stream]:
                raise store.StreamTypeConflict(stream, kind[stream], event.stream_type)
        else:
            first[stream], kind[stream] = event.version, event.stream_type
        last[stream] = event.version
    streams = [stream for stream, version in first.items() if version > 1]
    stored = _stored_streams(streams)
    for stream in streams:
        version, (current, stream_type) = first[stream], stored.get(stream, (0, kind[stream]))
        if version != current + 1:
            raise store.ConcurrencyConflict(
                f"Stream {stream} is at version {current}; an import cannot write version {version} next.")
        if stream_type != kind[stream]:
            raise store.StreamTypeConflict(stream, stream_type, kind[stream])


def _stored_streams(streams: list[uuid.UUID]) -> dict[uuid.UUID, tuple[int, str]]:
    """{stream: (its latest stored version, that event's stream type)} for streams
    that have events. Appends and imports keep a stream to one stream type, so the
    latest event's is the stream's."""
    stored: dict[uuid.UUID, tuple[int, str]] = {}
    if not streams:
        return stored
    if connection.vendor == "postgresql":
        # One index probe per stream, whatever the planner's statistics say about a
        # table that an import is filling faster than autovacuum analyzes it.
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT s, latest.version, latest.stream_type FROM unnest(%s::uuid[]) AS s "
                           f"JOIN LATERAL (SELECT version, stream_type FROM {TABLE} WHERE stream_id = s "
                           "ORDER BY version DESC LIMIT 1) AS latest ON true", [streams])
            return {stream: (version, stream_type) for stream, version, stream_type in cursor.fetchall()}
    field = StoredEvent._meta.get_field("stream_id")
    for start in range(0, len(streams), _IN_CHUNK):
        chunk = streams[start:start + _IN_CHUNK]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT e.stream_id, e.version, e.stream_type FROM {TABLE} AS e "
                           f"WHERE e.stream_id IN ({', '.join(['%s'] * len(chunk))}) "
                           f"AND e.version = (SELECT MAX(version) FROM {TABLE} WHERE stream_id = e.stream_id)",
                           [field.get_db_prep_value(stream, connection) for stream in chunk])
            stored.update({_uuid(field.to_python(stream)): (version, stream_type)
                           for stream, version, stream_type in cursor.fetchall()})
    return stored


def _copy_text(rows: list[Row]) -> list[str]:
    """COPY's text format, one line per event. UUIDs as hex, times in ISO 8601 with
    their offset. The JSON is json.dumps output (ASCII, control characters already
    escaped), so the only character COPY needs escaped in it is the backslash; the
    type names are checked constants."""
    now = timezone.now().isoformat()
    return [
        f"{event_id}\t{stream_id}\t{stream_type}\t{version}\t{event_type}\t"
        f"{data.replace(BACKSLASH, ESCAPED_BACKSLASH)}\t{schema_version}\t"
        f"{meta.replace(BACKSLASH, ESCAPED_BACKSLASH)}\t{occurred_at.isoformat()}\t{now}\n"
        for event_id, stream_id, stream_type, version, event_type, data, schema_version, meta, occurred_at in rows
    ]


BACKSLASH, ESCAPED_BACKSLASH = "\\", "\\\\"
_COPY_CHUNK = 1000  # lines per write: the server parses one chunk while we encode the next


def _copy_postgresql(events: list[ImportedEvent], default_metadata: str) -> None:
    """Encode a chunk, send it, encode the next while the server ingests that one:
    on two cores the encoding and the server's inserts overlap."""
    with copy_in(TABLE, COLUMNS) as copy:
        for start in range(0, len(events), _COPY_CHUNK):
            copy.write("".join(_copy_text(_rows(events[start:start + _COPY_CHUNK], default_metadata))))


def _sqlite_values(rows: list[Row]) -> list[tuple[Any, ...]]:
    """Values adapted the way Django stores them on SQLite (UUIDs as hex, times as UTC text)."""
    adapt = connection.ops.adapt_datetimefield_value
    now = adapt(timezone.now())
    return [
        (event_id, stream_id, stream_type, version, event_type, data, schema_version, meta, adapt(occurred_at), now)
        for event_id, stream_id, stream_type, version, event_type, data, schema_version, meta, occurred_at in rows
    ]


def _insert_many(values: list[tuple[Any, ...]]) -> None:
    """SQLite: one prepared INSERT executed for every row of the batch."""
    placeholders = ", ".join(["%s"] * len(COLUMNS))
    sql = f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) VALUES ({placeholders})"
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)
