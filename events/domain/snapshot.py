"""What a snapshot of a stream's state is: the state at a version, as JSON, and
the schema that JSON was written under.

A doctor's stream gains two events every shift and is read by every booking and
every arrival and departure, so folding it whole makes each command slower the
longer the doctor has worked. A snapshot lets a command fold only the events
after it. Snapshots are a cache beside the log (``events.snapshots``), never in
it: the log alone says what happened, and whatever a snapshot holds can be
made again from it.

Only streams whose state holds no patient's personal data are snapshotted:
patient data in the log can be made unreadable by erasing its key, and a
plaintext copy in a cache table would outlive that. ``KINDS`` refuses a
patient's stream outright.

The JSON is derived from the state dataclass's fields, as ``messages.Codec``
derives an event's: the same conversions for times and ids, plus nested
dataclasses (a working-hours block) and tuples of them (a week). The schema is
the state class's shape (field names and types, nested ones included) and a
revision number, so a snapshot written by code with another shape or another
``evolve`` is never read: it is rebuilt from events instead.
"""
from __future__ import annotations

import dataclasses
import hashlib
import types
import typing
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from . import doctor, patient
from .messages import Event, _conversion

S = TypeVar("S")
Convert = Callable[[Any], Any]


def _same(value: Any) -> Any:
    return value


class StateCodec(Generic[S]):
    """A state dataclass to JSON and back. Every field is written, ``None`` as
    null; reading refuses JSON whose keys are not exactly the fields (a snapshot
    of another shape), with a ``ValueError`` that names no values."""

    def __init__(self, cls: type[S]) -> None:
        hints = typing.get_type_hints(cls)
        self.cls = cls
        self.fields = [(f.name, *_converters(hints[f.name])) for f in dataclasses.fields(cls)]  # type: ignore[arg-type]

    def encode(self, state: S) -> dict[str, Any]:
        data = {}
        for name, to_json, _ in self.fields:
            value = getattr(state, name)
            data[name] = None if value is None else to_json(value)
        return data

    def decode(self, data: dict[str, Any]) -> S:
        if not isinstance(data, dict) or set(data) != {name for name, _, _ in self.fields}:
            raise ValueError(f"Snapshot data does not have the fields of {self.cls.__name__}.")
        return self.cls(**{name: None if data[name] is None else from_json(data[name])
                           for name, _, from_json in self.fields})


def _converters(hint: Any) -> tuple[Convert, Convert]:
    """(to JSON, from JSON) for a field type: ``X | None`` as ``X``; a dataclass
    by its own fields; ``tuple[X, ...]`` as a list; the rest as events convert them."""
    hint = _without_none(hint)
    if dataclasses.is_dataclass(hint):
        codec: StateCodec[Any] = StateCodec(typing.cast(type, hint))
        return codec.encode, codec.decode
    if typing.get_origin(hint) is tuple:
        to_item, from_item = _converters(typing.get_args(hint)[0])
        return (lambda values: [to_item(v) for v in values]), (lambda values: tuple(from_item(v) for v in values))
    to_json, from_json = _conversion(hint)
    return to_json or _same, from_json or _same


def _without_none(hint: Any) -> Any:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        options = [t for t in typing.get_args(hint) if t is not type(None)]
        if len(options) != 1:
            raise TypeError(f"A snapshotted field may be one type or None, not {hint}.")
        return options[0]
    return hint


def shape(cls: type) -> str:
    """The state class's fields and their types, nested dataclasses spelled out:
    what a snapshot's JSON depends on."""
    hints = typing.get_type_hints(cls)
    parts = []
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        nested = [shape(t) for t in _types_in(hint) if dataclasses.is_dataclass(t) and isinstance(t, type)]
        parts.append(f"{f.name}:{hint!r}" + "".join(f"[{n}]" for n in nested))
    return f"{cls.__module__}.{cls.__qualname__}(" + ",".join(parts) + ")"


def _types_in(hint: Any) -> list[Any]:
    return [hint, *[inner for arg in typing.get_args(hint) for inner in _types_in(arg)]]


class Snapshotted(Generic[S]):
    """A kind of stream whose state is snapshotted: its state class, its
    ``evolve``, and ``revision`` — raise it when ``evolve`` makes something else
    of the same events, so that older snapshots are rebuilt."""

    def __init__(self, stream_type: str, state: type[S], evolve: Callable[[S | None, Event], S | None], *,
                 revision: int) -> None:
        if stream_type == patient.STREAM:
            raise ValueError("A patient's stream holds personal data and is never snapshotted.")
        self.stream_type, self.state, self.evolve, self.revision = stream_type, state, evolve, revision
        self.codec = StateCodec(state)
        self.schema = f"{revision}.{hashlib.sha256(shape(state).encode()).hexdigest()[:16]}"

    def encode(self, state: S) -> dict[str, Any]:
        return self.codec.encode(state)

    def decode(self, data: dict[str, Any]) -> S:
        return self.codec.decode(data)


# The kinds of stream snapshotted. Only the doctor's grows without end (two
# events a shift); an appointment's and a day's schedule hold a handful of
# events, and a patient's holds personal data.
KINDS: dict[str, Snapshotted[Any]] = {
    doctor.STREAM: Snapshotted(doctor.STREAM, doctor.Doctor, doctor.evolve, revision=1),
}
