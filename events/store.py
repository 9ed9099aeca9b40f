"""The one append path and the readers of the event log.

Ordering on PostgreSQL: a position (identity value) is handed out at INSERT but
becomes visible at COMMIT, so with concurrent writers a reader asking for
"position > N" could see N+2 before N+1 commits — and skip N+1 forever. We make
that impossible by serializing appends: every append first takes one
transaction-scoped advisory lock, so the next writer cannot draw a position
until the previous writer has committed. Positions therefore become visible in
order. SQLite already allows one writer at a time (IMMEDIATE transactions).
"""
import uuid
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.dispatch import Signal
from django.utils import timezone

from .domain.errors import Conflict
from .models import StoredEvent

# Any constant works; it names "the event log" among advisory locks.
APPEND_LOCK_KEY = 0x0C11_41C0

# Sent after the appending transaction commits, with ``position`` (the last one written).
events_committed = Signal()


class ConcurrencyConflict(Conflict):
    """The stream moved on since the command read it."""


@dataclass(frozen=True)
class StreamWrite:
    stream_id: uuid.UUID
    stream_type: str
    expected_version: int  # 0 for a stream that must not exist yet
    events: list = field(default_factory=list)


def metadata(*, actor, source, correlation_id=None, causation_id=None):
    """Who and what caused a command's events. ``source`` is api, web, admin or seed."""
    causation_id = str(causation_id or uuid.uuid4())
    return {
        "actor": actor,
        "source": source,
        "correlation_id": str(correlation_id or causation_id),
        "causation_id": causation_id,
    }


def append(writes, *, metadata, occurred_at=None):
    """Append events to one or more streams atomically; return the last position.

    Each write names the version its decision was based on; if any stream has
    moved since, nothing is written and ``ConcurrencyConflict`` is raised.
    """
    writes = [w for w in writes if w.events]
    if not writes:
        raise ValueError("append() needs at least one event")
    now = timezone.now()
    rows = []
    with transaction.atomic():
        _serialize_appends()
        for write in writes:
            current = stream_version(write.stream_id)
            if current != write.expected_version:
                raise ConcurrencyConflict(
                    f"The {write.stream_type} changed meanwhile (version {current}, expected "
                    f"{write.expected_version}); reload and try again.")
            rows += [
                StoredEvent(
                    stream_id=write.stream_id, stream_type=write.stream_type,
                    version=write.expected_version + offset, type=event.type, data=event.data,
                    metadata=metadata, occurred_at=occurred_at or now, recorded_at=now,
                )
                for offset, event in enumerate(write.events, start=1)
            ]
        try:
            with transaction.atomic():
                stored = StoredEvent.objects.bulk_create(rows)
        except IntegrityError as error:  # the (stream, version) constraint: a racing writer won
            raise ConcurrencyConflict("Another command wrote to this stream at the same time; try again.") from error
        position = max(event.position for event in stored)
        transaction.on_commit(lambda: events_committed.send(sender=StoredEvent, position=position))
    return position


def _serialize_appends():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [APPEND_LOCK_KEY])


def stream_version(stream_id):
    return StoredEvent.objects.filter(stream_id=stream_id).aggregate(v=Max("version"))["v"] or 0


def read_stream(stream_id, *, up_to_version=None, until=None):
    """One stream's events in version order, optionally only up to a version or a time."""
    events = StoredEvent.objects.filter(stream_id=stream_id).order_by("version")
    if up_to_version is not None:
        events = events.filter(version__lte=up_to_version)
    if until is not None:
        events = events.filter(occurred_at__lte=until)
    return list(events)


def read_all(*, after=0, limit=None, types=None, up_to=None):
    """The global log in position order, after a position (and up to one, if given)."""
    events = StoredEvent.objects.filter(position__gt=after).order_by("position")
    if up_to is not None:
        events = events.filter(position__lte=up_to)
    if types:
        events = events.filter(type__in=types)
    return events[:limit] if limit else events


def head_position():
    return StoredEvent.objects.aggregate(p=Max("position"))["p"] or 0


def stream_position(stream_id):
    """The global position of a stream's latest event (0 if it has none)."""
    return StoredEvent.objects.filter(stream_id=stream_id).aggregate(p=Max("position"))["p"] or 0
