"""Patient: registered, then corrected or renamed."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date

from . import validate
from .errors import AlreadyExists, InvalidCommand
from .messages import Event, Words

STREAM = "patient"


@dataclass(frozen=True)
class PatientCreated(Event, type="PATIENT_CREATED", stream=STREAM):
    name: str
    date_of_birth: date

    def told(self, stream_id: uuid.UUID, words: Words) -> str:
        return f"{self.name} registered as a patient"


@dataclass(frozen=True)
class PatientUpdated(Event, type="PATIENT_UPDATED", stream=STREAM):
    """Only what changed is set."""

    name: str | None = None
    date_of_birth: date | None = None

    def told(self, stream_id: uuid.UUID, words: Words) -> str:
        changes = [f"name to {self.name}"] if self.name is not None else []
        changes += ["date of birth"] if self.date_of_birth is not None else []
        who = words.patient(stream_id, self.name or "A patient")
        return f"{who}: changed {' and '.join(changes) or 'nothing'}"


@dataclass(frozen=True)
class Patient:
    name: str
    date_of_birth: date

    @property
    def title(self) -> str:
        return self.name


def evolve(state: Patient | None, event: Event) -> Patient | None:
    if type(event) is PatientCreated:
        return Patient(event.name, event.date_of_birth)
    if type(event) is PatientUpdated:
        assert state is not None
        return replace(state, name=state.name if event.name is None else event.name,
                       date_of_birth=state.date_of_birth if event.date_of_birth is None else event.date_of_birth)
    return state


def register(state: Patient | None, *, name: str, date_of_birth: date, today: date) -> list[Event]:
    if state is not None:
        raise AlreadyExists("A patient with this id already exists.", field="id")
    return [PatientCreated(name=validate.text(name, "name", 200),
                           date_of_birth=validate.date_of_birth(date_of_birth, today))]


def update(state: Patient, *, today: date, name: str | None = None,
           date_of_birth: date | None = None) -> list[Event]:
    """Record only what changes; an update that changes nothing writes nothing."""
    if name is None and date_of_birth is None:
        raise InvalidCommand("Give a name or a date of birth to change.")
    if name is not None:
        name = validate.text(name, "name", 200)
    if date_of_birth is not None:
        date_of_birth = validate.date_of_birth(date_of_birth, today)
    changed = PatientUpdated(name=name if name != state.name else None,
                             date_of_birth=date_of_birth if date_of_birth != state.date_of_birth else None)
    return [changed] if changed != PatientUpdated() else []


def age(date_of_birth: date, today: date) -> int:
    """Whole years completed by ``today``."""
    had_birthday = (today.month, today.day) >= (date_of_birth.month, date_of_birth.day)
    return today.year - date_of_birth.year - (0 if had_birthday else 1)
