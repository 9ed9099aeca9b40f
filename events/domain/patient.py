"""Patient: registered, then corrected or renamed."""
from dataclasses import dataclass, replace
from datetime import date

from . import validate
from .errors import AlreadyExists, InvalidCommand
from .messages import NewEvent

PATIENT_CREATED = "PATIENT_CREATED"
PATIENT_UPDATED = "PATIENT_UPDATED"


@dataclass(frozen=True)
class Patient:
    name: str
    date_of_birth: date


def evolve(state, event):
    if event.type == PATIENT_CREATED:
        return Patient(event.data["name"], date.fromisoformat(event.data["date_of_birth"]))
    if event.type == PATIENT_UPDATED:
        changes = {}
        if "name" in event.data:
            changes["name"] = event.data["name"]
        if "date_of_birth" in event.data:
            changes["date_of_birth"] = date.fromisoformat(event.data["date_of_birth"])
        return replace(state, **changes)
    return state


def register(state, *, name, date_of_birth, today):
    if state is not None:
        raise AlreadyExists("A patient with this id already exists.", field="id")
    return [NewEvent(PATIENT_CREATED, {
        "name": validate.text(name, "name", 200),
        "date_of_birth": validate.date_of_birth(date_of_birth, today),
    })]


def update(state, *, today, name=None, date_of_birth=None):
    """Record only what changes; an update that changes nothing writes nothing."""
    if name is None and date_of_birth is None:
        raise InvalidCommand("Give a name or a dateOfBirth to change.")
    data = {}
    if name is not None:
        name = validate.text(name, "name", 200)
        if name != state.name:
            data["name"] = name
    if date_of_birth is not None:
        born = validate.date_of_birth(date_of_birth, today)
        if date_of_birth != state.date_of_birth:
            data["date_of_birth"] = born
    return [NewEvent(PATIENT_UPDATED, data)] if data else []


def age(date_of_birth, today):
    """Whole years completed by ``today``."""
    had_birthday = (today.month, today.day) >= (date_of_birth.month, date_of_birth.day)
    return today.year - date_of_birth.year - (0 if had_birthday else 1)
