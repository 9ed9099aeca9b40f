"""Doctor: registered once, then arrives and leaves, shift after shift."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from . import validate
from .errors import AlreadyExists, AlreadyOnShift, InvalidCommand, NotOnShift
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
class Doctor:
    name: str
    specialty: str
    arrived_at: datetime | None = None  # set while on shift
    last_left_at: datetime | None = None

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
        return Doctor(state.name, state.specialty, event.at, state.last_left_at)
    if type(event) is DoctorLeft:
        assert state is not None
        return Doctor(state.name, state.specialty, None, event.at)
    if type(event) is DoctorCreated:
        return Doctor(name=event.name, specialty=event.specialty)
    return state


def register(state: Doctor | None, *, name: str, specialty: str) -> list[Event]:
    if state is not None:
        raise AlreadyExists("A doctor with this id already exists.", field="id")
    return [DoctorCreated(name=validate.text(name, "name", 200), specialty=validate.text(specialty, "specialty", 100))]


def arrive(state: Doctor, *, at: datetime, now: datetime) -> list[Event]:
    validate.not_in_future(at, now, "at")
    if state.arrived_at is not None:  # on shift
        raise AlreadyOnShift(f"Dr {state.name} is already on shift since {state.arrived_at.isoformat()}.")
    if state.last_left_at is not None and at < state.last_left_at:
        raise InvalidCommand(
            f"Arrival cannot be before the last departure ({state.last_left_at.isoformat()}).", field="at")
    return [DoctorArrived(at=at)]


def leave(state: Doctor, *, at: datetime, now: datetime) -> list[Event]:
    validate.not_in_future(at, now, "at")
    if not state.on_shift:
        raise NotOnShift(f"Dr {state.name} is not on shift.")
    assert state.arrived_at is not None
    if at <= state.arrived_at:
        raise InvalidCommand(
            f"Departure must be after the arrival ({state.arrived_at.isoformat()}).", field="at")
    return [DoctorLeft(at=at)]


def worked_seconds(arrived_at: datetime, left_at: datetime) -> int:
    """Whole seconds between arrival and departure; the read side sums these."""
    return int((left_at - arrived_at).total_seconds())
