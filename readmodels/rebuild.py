"""Rebuild read models from the event log, and verify that a rebuild would give
exactly the live tables.

Both run under the projectors' checkpoint locks, so no incremental run
interleaves. Verification rebuilds inside a transaction it then rolls back: on
PostgreSQL other sessions keep reading the live rows meanwhile.
"""
from collections.abc import Callable, Sequence
from typing import Any

from django.db import transaction

from events import store

from .models import Checkpoint
from .projectors import PROJECTORS, Projector
from .runner import locked_checkpoint, run

# Events per transaction when replaying: large enough that bulk writes pay off,
# small enough that memory stays flat however long the log is.
REPLAY_BATCH = 5000


Progress = Callable[[int], object]  # told how many positions each step covered
Diff = dict[str, tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]


class _RollBack(Exception):
    pass


def rebuild(projectors: Sequence[Projector] = PROJECTORS, *, progress: Progress | None = None) -> int:
    """Empty the projectors' tables and replay every event. Returns the position reached."""
    with transaction.atomic():
        head = store.head_position()
        _replay(projectors, {p.name: head for p in projectors}, progress)
    return head


def verify(projectors: Sequence[Projector] = PROJECTORS, *, progress: Progress | None = None) -> Diff:
    """Return {table: (only_live, only_rebuilt)} for every table that differs."""
    diff: Diff = {}
    try:
        with transaction.atomic():
            targets = {p.name: locked_checkpoint(p.name).position for p in projectors}
            live = snapshot(projectors)
            _replay(projectors, targets, progress)
            rebuilt = snapshot(projectors)
            for table in live:
                only_live, only_rebuilt = live[table] - rebuilt[table], rebuilt[table] - live[table]
                if only_live or only_rebuilt:
                    diff[table] = (sorted(only_live, key=repr), sorted(only_rebuilt, key=repr))
            raise _RollBack
    except _RollBack:
        pass
    return diff


def _replay(projectors: Sequence[Projector], targets: dict[str, int], progress: Progress | None) -> None:
    for projector in projectors:
        locked_checkpoint(projector.name)
        for model in projector.tables:
            model._default_manager.all().delete()
        Checkpoint.objects.filter(projector=projector.name).update(position=0)
    for projector in projectors:
        run(projector, up_to=targets[projector.name], batch_size=REPLAY_BATCH, progress=progress)


def snapshot(projectors: Sequence[Projector] = PROJECTORS) -> dict[str, set[tuple[Any, ...]]]:
    """Every row of every table, as comparable tuples (surrogate keys left out,
    since a rebuild numbers rows afresh)."""
    tables: dict[str, set[tuple[Any, ...]]] = {}
    for projector in projectors:
        for model in projector.tables:
            fields = [f.attname for f in model._meta.concrete_fields if not f.auto_created]
            tables[model._meta.label] = {
                tuple(zip(fields, row, strict=True)) for row in model._default_manager.values_list(*fields)
            }
    return tables
