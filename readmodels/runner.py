"""The one projector runner.

A batch of events and the checkpoint that covers them are written in one
transaction, so a crash or a retried task never applies an event twice or skips
one. The checkpoint row is locked (SELECT … FOR UPDATE) for that transaction, so
one projector never runs twice at once; Celery's at-least-once, any-order
delivery is harmless because a task carries no event, only "catch up".

A projector that fails on an event (any error but a lost database connection,
which aborts the run to be retried later) is retried on that event alone, up to
``CLINIC_PROJECTOR_RETRIES`` times; then the event is parked as a ``DeadLetter``
in the same transaction that moves the checkpoint past it, and the projector
goes on. One bad event stops nothing but itself (docs/operations.md).

After a catch-up that moved any checkpoint, ``projections_advanced`` is sent with
the positions reached, so outer layers (live pages) can tell readers the read
side changed; the read side knows nothing about who listens.
"""
import time
from collections.abc import Callable, Sequence

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.dispatch import Signal

from events import store
from events.processes import PROCESSES
from events.subscribers import Subscriber

from . import deadletters
from .models import Checkpoint
from .projectors import PROJECTORS
from .rows import Rows

BATCH_SIZE = 500

# Sent after ``run_all`` moved a checkpoint, with ``positions`` ({projector: position}).
projections_advanced = Signal()

# The connection, not the event: the run stops and a later one tries again.
NOT_THE_EVENTS_FAULT = (OperationalError, InterfaceError)


# Everything the runner catches up: the write side's processes first (their
# commands append events the projectors then read in the same round), then the
# projectors. Rebuilds and verification replay the projectors only: a process's
# checkpoint is the write side's and a replay of it would decide nothing new.
SUBSCRIBERS: tuple[Subscriber, ...] = (*PROCESSES, *PROJECTORS)


def run(projector: Subscriber, *, up_to: int | None = None, batch_size: int = BATCH_SIZE,
        progress: Callable[[int], object] | None = None) -> int:
    """Apply every event after the checkpoint (up to ``up_to``); return the position reached.

    Only the event types the projector handles are read, so the checkpoint moves
    past the others in one step: to the head of the log as it was when the batch
    began (every position up to it is committed, see ``events.store``), or to
    ``up_to`` if that is lower — never beyond the head, where events yet to be
    written would be skipped.
    """
    idle = _caught_up(projector.name, up_to)
    if idle is not None:
        return idle
    types = projector.handled_types()
    batch_size = min(batch_size, projector.batch_size or batch_size)
    while True:
        try:
            start, reached, done = _batch(projector, types, up_to, batch_size, one_by_one=False)
        except NOT_THE_EVENTS_FAULT:
            raise
        except Exception:  # some event of the batch: find it, retry it, park it if it keeps failing
            start, reached, done = _batch(projector, types, up_to, batch_size, one_by_one=True)
        if progress is not None:
            progress(reached - start)
        if done:
            return reached


def _caught_up(name: str, up_to: int | None) -> int | None:
    """The checkpoint's position if there is nothing to read, found without
    locking it. A run with work locks the checkpoint, and so holds a transaction
    id; on PostgreSQL every reader of the log waits for running transactions
    older than what it reads (``events.store``), so an idle catch-up — beat's,
    every few seconds — should hold none."""
    position = Checkpoint.objects.filter(projector=name).values_list("position", flat=True).first() or 0
    return position if position >= _bound(up_to) else None


def _bound(up_to: int | None) -> int:
    """How far a run may read: the readable head, or ``up_to`` if that is lower."""
    head = store.head_position()
    return head if up_to is None else min(up_to, head)


def _batch(projector: Subscriber, types: Sequence[str], up_to: int | None, batch_size: int, *,
           one_by_one: bool) -> tuple[int, int, bool]:
    """Apply one batch and move the checkpoint past it, in one transaction.
    Returns (the checkpoint before, after, whether the log is done)."""
    with transaction.atomic():
        checkpoint = locked_checkpoint(projector.name)
        if projector.appends:
            store.serialize_appends()  # until the batch commits (``Subscriber.appends``)
        start = checkpoint.position
        bound = _bound(up_to)
        try:
            events, unreadable = store.read_log(after=start, up_to=bound, types=types, limit=batch_size), None
        except store.UndecodableEvent as error:
            if not one_by_one:
                raise
            # The events before it are readable; the unreadable one is parked below.
            events = store.read_log(after=start, up_to=error.position - 1, types=types, limit=batch_size)
            unreadable = error
        if one_by_one:
            for event in events:
                _apply_or_park(projector, event)
            if unreadable is not None:
                deadletters.park(projector.name, unreadable.position, unreadable.type_name, unreadable, attempts=1)
        else:
            rows = Rows()
            for event in events:
                projector.apply(event, rows)
            rows.write()
        if unreadable is not None:
            checkpoint.position, done = unreadable.position, False
        else:
            done = len(events) < batch_size
            checkpoint.position = max(start, bound if done else events[-1].position)
        if checkpoint.position != start:
            checkpoint.save(update_fields=["position", "updated_at"])
    return start, checkpoint.position, done


def _apply_or_park(projector: Subscriber, event: store.Recorded) -> None:
    """Apply one event in a savepoint, retrying; park it if it fails every time."""
    retries = settings.CLINIC_PROJECTOR_RETRIES
    for attempt in range(1, retries + 1):
        try:
            with transaction.atomic():
                rows = Rows()
                projector.apply(event, rows)
                rows.write()
            return
        except NOT_THE_EVENTS_FAULT:
            raise
        except Exception as error:
            if attempt == retries:
                deadletters.park(projector.name, event.position, event.type, error, attempts=attempt)


def run_all() -> dict[str, int]:
    before = dict(Checkpoint.objects.values_list("projector", "position"))
    reached = {subscriber.name: run(subscriber) for subscriber in SUBSCRIBERS}
    if any(position != before.get(name, 0) for name, position in reached.items()):
        # Robust: a listener's failure must not fail a projection that has committed.
        projections_advanced.send_robust(sender=Checkpoint, positions=reached)
    return reached


def locked_checkpoint(name: str) -> Checkpoint:
    """The projector's checkpoint, row-locked until the transaction ends (created
    on first use)."""
    try:
        with transaction.atomic():
            Checkpoint.objects.get_or_create(projector=name)
    except IntegrityError:  # created by a concurrent runner a moment ago
        pass
    return Checkpoint.objects.select_for_update().get(projector=name)


def checkpoint_positions(subscribers: Sequence[Subscriber] = PROJECTORS) -> dict[str, int]:
    """{projector: the position its checkpoint has reached} (0 before its first run);
    with ``SUBSCRIBERS``, the processes' too (what health and metrics report)."""
    stored = dict(Checkpoint.objects.filter(projector__in=[p.name for p in subscribers])
                  .values_list("projector", "position"))
    return {p.name: stored.get(p.name, 0) for p in subscribers}


def projected_position() -> int:
    """The position every projector has reached: what a reader can rely on."""
    return min(checkpoint_positions().values())


def wait_for(position: int, timeout: float) -> bool:
    """Read-your-writes: wait (bounded) until the read side has reached ``position``.
    Returns whether it did."""
    deadline = time.monotonic() + timeout
    while projected_position() < position:
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
    return True
