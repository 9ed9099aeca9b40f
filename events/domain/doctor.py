"""Doctor: registered once, then arrives and leaves, shift after shift; may be
corrected, given working hours, and retired (then neither booked nor arriving)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from . import hours, validate
from .clinic import Clinic
from .errors import AlreadyExists, AlreadyOnShift, Conflict, InvalidCommand, NotOnShift
from .hours import Week
from .messages import Event, Words

STREAM = "doctor"


@dataclass(frozen=True)
class DoctorCreated(Event, type="DOCTOR_CREATED", stream=STREAM):
    name: str
    specialty: str

    def told(self, stream_id: uuid.UUID, words: Words) -> str:
        return f"Dr {self.name} ({self.specialty}) registered"


@dataclass(frozen=True)
class DoctorArrived(Event, type="DOCTOR_ARRIVED", stream=STREAM):
    at: datetime

    def told(self, stream_id: uuid.UUID, words: Words) -> str:
        return f"{words.doctor(stream_id)} arrived at {words.moment(self.at)}"


@dataclass(frozen=True)
class DoctorLeft(Event, type="DOCTOR_LEFT", stream=STREAM):
    at: datetime

    def told(self, stream_id: uuid.UUID, words: Words) -> str:
        return f"{words.doctor(stream_id)} left at {words.moment(self.at)}"


@dataclass(frozen=True)
class DoctorUpdated(Event, type="DOCTOR_UPDATED", stream=STREAM):
    """Only what changed is set."""

    name: str | None = None
    specialty: str | None = None

    def told(self, stream_id: uuid.UUID, words: Words) -> str:
        changes = [f"name to {self.name}"] if self.name is not None else []
        changes += [f"specialty to {self.specialty}"] if self.specialty is not None else []
        return f"{words.doctor(stream_id)}: changed {' and '.join(changes) or 'nothing'}"


@dataclass(frozen=True)
class DoctorRetired(Event, type="DOCTOR_RETIRED", stream=STREAM):
    reason: str = ""

    def told(self, stream_id: uuid.UUID, words: Words) -> str:
        return f"{words.doctor(stream_id)} retired" + (f": {self.reason}" if self.reason else "")


@dataclass(frozen=True)
class WorkingHoursSet(Event, type="WORKING_HOURS_SET", stream=STREAM):
    """The whole week, replacing the one before: [{"weekday", "start", "end"}] (HH:MM)."""

    weekly: list[dict[str, Any]]

    def told(self, stream_id: uuid.UUID, words: Words) -> str:
        week = hours.week(self.weekly)
        days = [f"{hours.WEEKDAYS[d]} {hours.describe(week, d)}" for d in range(7) if hours.on(week, d)]
        return f"{words.doctor(stream_id)} works " + ("; ".join(days) if days else "no hours")


@dataclass(frozen=True)
class Doctor:
    name: str
    specialty: str
    arrived_at: datetime | None = None  # set while on shift
    last_left_at: datetime | None = None
    retired: bool = False
    hours: Week | None = None  # None: never set, the clinic's default week

    @property
    def on_shift(self) -> bool:
        return self.arrived_at is not None

    @property
    def title(self) -> str:
        return f"Dr {self.name}"


def evolve(state: Doctor | None, event: Event) -> Doctor | None:
    # A doctor's stream holds every shift ever worked and is folded on every
    # booking: build the next state directly (dataclasses.replace is slower).
    if type(event) is DoctorArrived:
        assert state is not None
        return Doctor(state.name, state.specialty, event.at, state.last_left_at, state.retired, state.hours)
    if type(event) is DoctorLeft:
        assert state is not None
        return Doctor(state.name, state.specialty, None, event.at, state.retired, state.hours)
    if type(event) is DoctorCreated:
        return Doctor(name=event.name, specialty=event.specialty)
    if type(event) is DoctorUpdated:
        assert state is not None
        return replace(state, name=state.name if event.name is None else event.name,
                       specialty=state.specialty if event.specialty is None else event.specialty)
    if type(event) is WorkingHoursSet:
        assert state is not None
        return replace(state, hours=hours.week(event.weekly))
    if type(event) is DoctorRetired:
        assert state is not None
        return replace(state, retired=True)
    return state


def register(state: Doctor | None, *, name: str, specialty: str) -> list[Event]:
    if state is not None:
        raise AlreadyExists("A doctor with this id already exists.", field="id")
    return [DoctorCreated(name=validate.text(name, "name", 200), specialty=validate.text(specialty, "specialty", 100))]


def update(state: Doctor, *, name: str | None = None, specialty: str | None = None) -> list[Event]:
    """Record only what changes; an update that changes nothing writes nothing."""
    if name is None and specialty is None:
        raise InvalidCommand("Give a name or a specialty to change.")
    name = None if name is None else validate.text(name, "name", 200)
    specialty = None if specialty is None else validate.text(specialty, "specialty", 100)
    changed = DoctorUpdated(name=name if name != state.name else None,
                            specialty=specialty if specialty != state.specialty else None)
    return [changed] if changed != DoctorUpdated() else []


def retire(state: Doctor, *, reason: str = "") -> list[Event]:
    """A retired doctor keeps their history but is neither booked nor arrives again."""
    if state.retired:
        raise Conflict(f"Dr {state.name} is already retired.")
    if state.on_shift:
        raise Conflict(f"Dr {state.name} is on shift; record the departure first.")
    if not isinstance(reason, str) or len(reason) > 500:
        raise InvalidCommand("Give a reason of at most 500 characters.", field="reason")
    return [DoctorRetired(reason=reason.strip())]


def set_hours(state: Doctor, *, weekly: list[Any]) -> list[Event]:
    """The whole week at once: what a manager sees is what the doctor works."""
    week = hours.week(weekly)
    if state.hours == week:
        return []
    return [WorkingHoursSet(weekly=[block.to_data() for block in week])]


def arrive(state: Doctor, *, at: datetime, now: datetime) -> list[Event]:
    validate.not_in_future(at, now, "at")
    clinic = Clinic(now=now)
    if state.retired:
        raise Conflict(f"Dr {state.name} is retired.")
    if state.arrived_at is not None:  # on shift
        raise AlreadyOnShift(f"Dr {state.name} is already on shift since {clinic.moment(state.arrived_at)}.")
    if state.last_left_at is not None and at < state.last_left_at:
        raise InvalidCommand(
            f"Arrival cannot be before the last departure, at {clinic.moment(state.last_left_at)}.", field="at")
    return [DoctorArrived(at=at)]


def leave(state: Doctor, *, at: datetime, now: datetime) -> list[Event]:
    validate.not_in_future(at, now, "at")
    if not state.on_shift:
        raise NotOnShift(f"Dr {state.name} is not on shift.")
    assert state.arrived_at is not None
    if at <= state.arrived_at:
        raise InvalidCommand(
            f"Departure must be after the arrival, at {Clinic(now=now).moment(state.arrived_at)}.", field="at")
    return [DoctorLeft(at=at)]


def worked_seconds(arrived_at: datetime, left_at: datetime) -> int:
    """Whole seconds between arrival and departure; the read side sums these."""
    return int((left_at - arrived_at).total_seconds())
