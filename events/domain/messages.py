"""What a message is: events (facts, stored) and commands (requests, never stored).

Every event type is a frozen dataclass declared beside its aggregate, e.g.::

    @dataclass(frozen=True)
    class DoctorArrived(Event, type="DOCTOR_ARRIVED", stream="doctor"):
        at: datetime

The class statement registers it: ``type`` is the name stored in the event
table, ``stream`` the kind of stream it belongs on, ``version`` (default 1) the
schema its data is written in. Its JSON is derived from the field types
(``Codec``), so a new event type needs no encoder of its own, and a type's
stored format changes only with its version.

Stored events are never rewritten, so when a type's data changes shape its
class's ``version`` goes up and an *upcaster* per step (``@upcaster``) turns the
data of the version before into the next. ``decode`` applies them: every reader
of the log gets data in the shape the code knows, whatever version it was stored
in (docs/operations.md, "How to roll out a schema change").
"""
from __future__ import annotations

import copy
import dataclasses
import typing
import uuid
from collections.abc import Callable, Iterable
from datetime import date, datetime, time
from functools import reduce
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar

State = TypeVar("State")


class Words(Protocol):
    """What an event needs to tell itself in the clinic's words: names as they are
    now ("Dr Ada Lovelace", or "a doctor" while unknown), and times as the clinic
    reads them. The staff pages provide it; a sentence's first letter is made
    upper case there."""

    def doctor(self, doctor_id: uuid.UUID | str) -> str: ...

    def patient(self, patient_id: uuid.UUID | str, fallback: str = ...) -> str: ...

    def appointment(self, appointment_id: uuid.UUID | str) -> Any: ...

    def moment(self, at: datetime) -> str: ...

    def day(self, day: date) -> str: ...


# What a personal field reads as once its patient's key is gone (erased, or lost):
# text fields say so; dates and other values are None.
ERASED = "[erased]"


class UnknownEventType(LookupError):
    """A stored type name no event class declares."""


class UnreadableVersion(ValueError):
    """Stored data in a schema version this code cannot bring to its class's: newer
    than the class (written by newer code), or older with an upcaster missing. The
    message names the type and the versions, never the stored values."""


_REGISTRY: dict[str, type[Event]] = {}
# (type, version) -> the step that turns that version's data into the next version's.
_UPCASTERS: dict[tuple[str, int], Callable[[dict[str, Any]], dict[str, Any]]] = {}


class Event:
    """A fact the domain decided on. Subclasses are frozen dataclasses."""

    type: ClassVar[str]
    stream_type: ClassVar[str]
    # The fields that hold a patient's personal data, stored sealed under that
    # patient's key (``events.shredding``), and the field naming the patient whose
    # key it is — None: the stream is the patient's own.
    personal: ClassVar[tuple[str, ...]] = ()
    owner: ClassVar[str | None] = None
    # The schema the class writes its data in; the store records it on every row.
    schema_version: ClassVar[int]

    def __init_subclass__(cls, *, type: str, stream: str, version: int = 1, personal: tuple[str, ...] = (),
                          owner: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if type in _REGISTRY:
            raise TypeError(f"Two event classes claim the type {type!r}: {_REGISTRY[type].__name__} and "
                            f"{cls.__name__}.")
        if not isinstance(version, int) or version < 1:
            raise TypeError(f"{cls.__name__}: version must be a whole number from 1.")
        cls.type, cls.stream_type, cls.schema_version = type, stream, version
        cls.personal, cls.owner = personal, owner
        _REGISTRY[type] = cls

    def to_data(self) -> dict[str, Any]:
        """The JSON object stored as the event's ``data``."""
        return _codec(type(self)).encode(self)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Self:
        return _codec(cls).decode(data)

    def told(self, stream_id: uuid.UUID, words: Words) -> str:
        """The event in a sentence for the activity feed and the event log."""
        return self.type


E = TypeVar("E", bound=Event)


def event_class(type_name: str) -> type[Event]:
    try:
        return _REGISTRY[type_name]
    except KeyError:
        raise UnknownEventType(f"No event class declares the type {type_name!r}.") from None


def decode(type_name: str, data: dict[str, Any], version: int | None) -> Event:
    """A stored event's data as its class: decoded once, where it is read, after
    ``upcast`` has brought it from the ``version`` it was stored in."""
    return _codec(event_class(type_name)).decode(upcast(type_name, version, data))


Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


def upcaster(type_name: str, version: int) -> Callable[[Upcaster], Upcaster]:
    """Declare the step that turns ``type_name``'s data of ``version`` into the data
    of ``version + 1``, beside the class::

        @upcaster("PATIENT_CREATED", 1)
        def _contact_said(data): ...

    A step gets a copy it may change, and must be pure: it reshapes or defaults
    what is stored, it never looks anything up (a replay must read the same today
    and in ten years). Declared after its class, so a step for a version the
    class does not have yet fails at import, not at the first read."""
    cls = event_class(type_name)

    def declare(step: Upcaster) -> Upcaster:
        if not 1 <= version < cls.schema_version:
            raise TypeError(f"{type_name} is at version {cls.schema_version}: no step from version {version} "
                            "to declare.")
        if (type_name, version) in _UPCASTERS:
            raise TypeError(f"Two upcasters for {type_name} version {version}.")
        _UPCASTERS[type_name, version] = step
        return step

    return declare


def upcast(type_name: str, version: int | None, data: dict[str, Any]) -> dict[str, Any]:
    """``type_name``'s data stored in ``version`` (None: stored before versions were
    recorded, so 1) brought to its class's version, one declared step at a time.
    The stored dict is not changed; data already in the class's version is
    returned as it is, so the common read costs one comparison."""
    current = event_class(type_name).schema_version
    version = 1 if version is None else version
    if version == current:
        return data
    if version < 1:
        raise UnreadableVersion(f"{type_name} is stored in version {version}; versions start at 1.")
    if version > current:
        raise UnreadableVersion(f"{type_name} is stored in version {version}, but this code reads it only up "
                                f"to version {current}: newer code wrote it; deploy that code here too.")
    data = copy.deepcopy(data)  # a step may change nested lists too; the stored row's stay as read
    for step in range(version, current):
        convert = _UPCASTERS.get((type_name, step))
        if convert is None:
            raise UnreadableVersion(f"{type_name} is stored in version {version}, and no upcaster turns its "
                                    f"version {step} into {step + 1}.")
        data = convert(data)
    return data


def missing_upcasters() -> list[tuple[str, int]]:
    """(type, version) of every step that an event class's chain lacks: what makes
    a stored older event unreadable. Empty in a sound catalogue."""
    return [(name, step) for name, cls in _REGISTRY.items() for step in range(1, cls.schema_version)
            if (name, step) not in _UPCASTERS]


def registered() -> dict[str, type[Event]]:
    """{stored type: class} of every event class imported so far (see ``catalogue``)."""
    return dict(_REGISTRY)


class Command:
    """A request to change something; its handler decides which events follow.
    Subclasses are frozen dataclasses (``events.domain.commands``)."""


def fold(evolve: Callable[[State | None, Event], State], events: Iterable[Any],
         state: State | None = None) -> State | None:
    """Replay ``events`` through ``evolve``. Items are events, or anything with the
    event as ``.event`` (the store's ``Recorded`` rows)."""
    return reduce(lambda s, e: evolve(s, getattr(e, "event", e)), events, state)


# --- JSON ---------------------------------------------------------------

def _clock(value: time) -> str:
    """Times of day are stored as HH:MM: appointments start on whole minutes."""
    return f"{value.hour:02d}:{value.minute:02d}"


# How a field type becomes JSON and back; types not listed are stored as they are.
_CONVERSIONS: dict[Any, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    datetime: (datetime.isoformat, datetime.fromisoformat),
    date: (date.isoformat, date.fromisoformat),
    time: (_clock, time.fromisoformat),
    uuid.UUID: (str, uuid.UUID),
}


class Codec(Generic[E]):
    """Encodes an event class's fields to its stored JSON and back.

    A field whose value is None is left out of the JSON (``PatientUpdated`` holds
    only what changed); a key missing from stored JSON takes the field's default
    (events stored before a field existed). A personal field whose key is gone
    arrives as ``ERASED`` and decodes as ``ERASED`` (text) or None (other types)."""

    def __init__(self, cls: type[E]) -> None:
        hints = typing.get_type_hints(cls)
        self.cls = cls
        self.fields = [(f.name, *_conversion(hints[f.name])) for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
        self.erased = {name: (ERASED if _is_text(hints[name]) else None) for name in cls.personal}

    def encode(self, event: E) -> dict[str, Any]:
        data = {}
        for name, to_json, _ in self.fields:
            value = getattr(event, name)
            if value is not None:
                data[name] = to_json(value) if to_json else value
        return data

    def decode(self, data: dict[str, Any]) -> E:
        values = {}
        for name, _, from_json in self.fields:
            if name in data:
                value = data[name]
                if value == ERASED and name in self.erased:
                    values[name] = self.erased[name]
                else:
                    values[name] = from_json(value) if from_json and value is not None else value
        try:
            return self.cls(**values)
        except TypeError as missing:  # a required field is not in the stored JSON
            # The fields' names, not their values: this message reaches logs and dead letters.
            raise ValueError(f"{self.cls.type} data with fields {sorted(data)} does not fit "
                             f"{self.cls.__name__}: {missing}") from None


def _conversion(hint: Any) -> tuple[Callable[[Any], Any] | None, Callable[[Any], Any] | None]:
    """(to JSON, from JSON) for a field type; ``X | None`` converts as ``X``."""
    options = [t for t in typing.get_args(hint) if t is not type(None)] or [hint]
    return _CONVERSIONS.get(options[0], (None, None))


def _is_text(hint: Any) -> bool:
    return str in ([t for t in typing.get_args(hint) if t is not type(None)] or [hint])


_CODECS: dict[type[Event], Codec[Any]] = {}


def _codec(cls: type[E]) -> Codec[E]:
    # Built on first use: the dataclass decorator runs after the class registers.
    codec = _CODECS.get(cls)
    if codec is None:
        codec = _CODECS[cls] = Codec(cls)
    return codec
