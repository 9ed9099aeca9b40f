"""Rebuild read models from the event log, and verify that a rebuild would give
exactly the live tables.

Both run under the projectors' checkpoint locks, so no incremental run
interleaves. Verification rebuilds inside a transaction it then rolls back: on
PostgreSQL other sessions keep reading the live rows meanwhile.
"""
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models, transaction

from events import store

from .models import Checkpoint, DeadLetter
from .projectors import PROJECTORS, Projector
from .rows import key_fields
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
    store.analyze_log()  # a replay reads the whole log, often just after an import
    for projector in projectors:
        locked_checkpoint(projector.name)
        for model in projector.tables:
            model._default_manager.all().delete()
        Checkpoint.objects.filter(projector=projector.name).update(position=0)
        # The replay meets every event again, and parks again those that still fail.
        DeadLetter.objects.filter(projector=projector.name).delete()
    for projector in projectors:
        run(projector, up_to=targets[projector.name], batch_size=REPLAY_BATCH, progress=progress)


@dataclass(frozen=True)
class RowDifference:
    """A row that differs between the live table and the replay, told without its
    values: the columns that identify it, and which columns differ (or on which
    side alone it is)."""

    key: tuple[tuple[str, Any], ...]  # (column, value) pairs: ids, never names
    side: str | None = None  # "live" or "replay" for a row only there
    columns: tuple[str, ...] = ()

    def __str__(self) -> str:
        name = ", ".join(f"{column}={value}" for column, value in self.key)
        if self.side == "live":
            return f"{name}: only in the live table"
        if self.side == "replay":
            return f"{name}: only in the replay"
        return f"{name}: differs in {', '.join(self.columns)}"


def differences(diff: Diff) -> dict[str, list[RowDifference]]:
    """``verify``'s rows paired by their identity: a row on both sides is one
    difference naming the columns that differ."""
    told: dict[str, list[RowDifference]] = {}
    for table, (only_live, only_rebuilt) in diff.items():
        # The columns that name a row across a rebuild are those a projector finds it by.
        model: type[models.Model] = apps.get_model(table)
        identity = key_fields(model)
        live = {_key(row, identity): dict(row) for row in only_live}
        rebuilt = {_key(row, identity): dict(row) for row in only_rebuilt}
        rows = []
        for key in sorted(live.keys() | rebuilt.keys(), key=repr):
            if key not in rebuilt:
                rows.append(RowDifference(key, side="live"))
            elif key not in live:
                rows.append(RowDifference(key, side="replay"))
            else:
                rows.append(RowDifference(key, columns=tuple(
                    column for column in live[key] if live[key][column] != rebuilt[key][column])))
        told[table] = rows
    return told


def _key(row: tuple[tuple[str, Any], ...], identity: Sequence[str]) -> tuple[tuple[str, Any], ...]:
    values = dict(row)
    return tuple((column, values[column]) for column in identity)


def snapshot(projectors: Sequence[Projector] = PROJECTORS) -> dict[str, set[tuple[Any, ...]]]:
    """Every row of every table, as comparable tuples (surrogate keys left out,
    since a rebuild numbers rows afresh)."""
    tables: dict[str, set[tuple[Any, ...]]] = {}
    for projector in projectors:
        for model in projector.tables:
            fields = [f.attname for f in model._meta.concrete_fields if not f.auto_created]
            tables[model._meta.label] = {
                tuple(zip(fields, map(_comparable, row), strict=True))
                for row in model._default_manager.values_list(*fields)
            }
    return tables


def _comparable(value: Any) -> Any:
    """A column's value as a set can hold it: a JSON document as its canonical text."""
    return json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else value
