"""The one sanctioned rewrite of history: sealing the personal fields of events
written before crypto-shredding (``events.shredding``) existed.

Nothing else ever changes a stored event. This does, once, because those events
hold patients' names and birth dates in plaintext, forever, and no erasure could
reach them. It changes only the personal fields, only from plaintext to sealed:
the value each field reads as is the same before and after, so the read side,
the feed and every decision are unchanged (``verify_readmodels`` says so).

It runs in one transaction under the log's append lock (no command appends
meanwhile), and lifts the event table's immutability triggers inside that
transaction only — every other connection sees them in force throughout, and a
failure rolls everything back with the triggers still there.
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction

from . import shredding, store
from .domain.catalogue import event_class, registered
from .immutability import EVENTS, statements
from .models import StoredEvent

BATCH = 1000


@dataclass(frozen=True)
class Sealing:
    events: int  # events with at least one field sealed now
    fields: int
    patients: int
    keys_created: int
    dry_run: bool


def seal_history(*, dry_run: bool = False, progress: Callable[[int, int], None] = lambda done, total: None
                 ) -> Sealing:
    """Seal every plaintext personal field in the log; with ``dry_run``, only count."""
    with transaction.atomic():
        store.serialize_appends()
        pending = _plaintext_events()
        subjects = {subject for _, _, subject, _ in pending}
        fields = sum(len([name for name in event_class(type_name).personal if shredding.needs_sealing(
            type_name, {name: data.get(name)})]) for _, type_name, _, data in pending)
        keyring = shredding.Keyring.fetch(subjects)
        missing = sorted(subject for subject in subjects if keyring.may_create(subject))
        result = Sealing(len(pending), fields, len(subjects), len(missing), dry_run)
        if dry_run or not pending:
            return result
        keyring.create_many(missing)
        sealed = [(json.dumps(shredding.seal(type_name, data, subject, keyring)), position)
                  for position, type_name, subject, data in pending]
        _rewrite(sealed, progress)
    return result


def _plaintext_events() -> list[tuple[int, str, uuid.UUID, dict]]:
    """(position, type, whose key, data) of every event with a personal field in plaintext."""
    personal = [name for name, cls in registered().items() if cls.personal]
    booked = dict(StoredEvent.objects.filter(type="APPOINTMENT_CREATED").values_list("stream_id", "data__patient_id"))
    pending = []
    for position, stream_id, type_name, data in StoredEvent.objects.filter(type__in=personal).order_by(
            "position").values_list("position", "stream_id", "type", "data").iterator(chunk_size=BATCH):
        if not shredding.needs_sealing(type_name, data):
            continue
        subject = shredding.subject_of(event_class(type_name), stream_id, data, lambda appointment: _uuid(
            booked.get(appointment)))
        if subject is None:
            raise ValueError(f"The {type_name} event at position {position} holds personal data of no known "
                             "patient (its appointment's booking is missing); nothing was changed.")
        pending.append((position, type_name, subject, data))
    return pending


def _uuid(value: object) -> uuid.UUID | None:
    return None if value is None else uuid.UUID(str(value))


def _rewrite(sealed: list[tuple[str, int]], progress: Callable[[int, int], None]) -> None:
    table = connection.ops.quote_name(StoredEvent._meta.db_table)
    with connection.cursor() as cursor:
        for sql in statements(connection.vendor, install=False, of=EVENTS):
            cursor.execute(sql)
        for start in range(0, len(sealed), BATCH):
            cursor.executemany(f"UPDATE {table} SET data = %s WHERE position = %s", sealed[start:start + BATCH])
            progress(min(start + BATCH, len(sealed)), len(sealed))
        for sql in statements(connection.vendor, install=True, of=EVENTS):
            cursor.execute(sql)
