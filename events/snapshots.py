"""The snapshot table: doctors' states kept beside the log, so that a command
reads a snapshot and the few events after it instead of every shift ever worked.

A cache, and only ever that:

* **Read**: a snapshot is used only if its schema is the running code's
  (``events.domain.snapshot``) and its JSON reads back as the state; any other
  is ignored, and the stream is folded from its first event.
* **Written** by the load that folded more than ``EVERY`` events past the
  snapshot it found (or found none, or one of another schema): the state it
  has just folded, at the version it read. So a doctor's stream, however it grew
  — shifts, bookings never write it, an import — is never folded more than
  ``EVERY`` events deep twice.
* **Only what is committed**: the write runs once the command's transaction
  commits (``on_commit``), so a snapshot never holds an event that was rolled
  back. An upsert keeps the newer of two racing snapshots; a snapshot that fails
  to be written is logged and skipped — the next load writes it.
* **Never decides**: a stale snapshot only means a longer tail; the append's
  expected-version check guards every decision as before. ``rebuild_readmodels``
  and ``verify_readmodels`` read the log, not this table.
"""
from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from typing import Any, NamedTuple

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from .domain.snapshot import KINDS, Snapshotted
from .models import Snapshot

EVERY = 20  # events a load may fold past its snapshot before it leaves a new one

logger = logging.getLogger(__name__)

# The kind of stream an ``evolve`` folds: how the handlers, which load by evolve, find it.
_BY_EVOLVE = {kind.evolve: kind for kind in KINDS.values()}
_COLUMNS = {f.name: f for f in Snapshot._meta.concrete_fields}


class Taken(NamedTuple):
    version: int
    state: Any


def kind_of(evolve: Any) -> Snapshotted[Any] | None:
    return _BY_EVOLVE.get(evolve)


def read(stream_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Taken]:
    """The usable snapshots of these streams, in one query: of the running
    schema, and readable. Any other is left out, as if there were none."""
    table = connection.ops.quote_name(Snapshot._meta.db_table)
    placeholders = ", ".join(["%s"] * len(stream_ids))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT stream_id, stream_type, schema, version, state FROM {table} "
                       f"WHERE stream_id IN ({placeholders})",
                       [_COLUMNS["stream_id"].get_db_prep_value(s, connection) for s in stream_ids])
        rows = cursor.fetchall()
    taken = {}
    for stream_id, stream_type, schema, version, state in rows:
        kind = KINDS.get(stream_type)
        if kind is None or schema != kind.schema:
            continue
        try:
            taken[_COLUMNS["stream_id"].to_python(stream_id)] = Taken(version, kind.decode(json.loads(state)))
        except (ValueError, TypeError, KeyError) as error:
            logger.warning("snapshot unreadable, folding from the first event",
                           extra={"stream_id": str(stream_id), "error": type(error).__name__})
    return taken


def keep_after_commit(stream_id: uuid.UUID, kind: Snapshotted[Any], version: int, state: Any) -> None:
    """Write the snapshot once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: keep(stream_id, kind, version, state))


def keep(stream_id: uuid.UUID, kind: Snapshotted[Any], version: int, state: Any) -> None:
    """Upsert the snapshot unless a newer one of the same schema is stored (one at
    the same version is written again: it may be one ``read`` could not use); a
    failure is logged, never raised — the command it follows has succeeded."""
    values = {"stream_id": stream_id, "stream_type": kind.stream_type, "schema": kind.schema, "version": version,
              "state": kind.encode(state), "taken_at": timezone.now()}
    table = connection.ops.quote_name(Snapshot._meta.db_table)
    columns = [connection.ops.quote_name(_COLUMNS[name].column) for name in values]
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "
                f"ON CONFLICT ({columns[0]}) DO UPDATE SET {updates} "
                f"WHERE {table}.version <= excluded.version OR {table}.schema <> excluded.schema",
                [_COLUMNS[name].get_db_prep_save(value, connection) for name, value in values.items()])
    except DatabaseError as error:
        logger.warning("snapshot not written; the next load writes it",
                       extra={"stream_id": str(stream_id), "error": type(error).__name__})
