"""Patient: registered, then corrected or renamed; optionally reachable by
phone and e-mail; at last, perhaps, erased.

Name, date of birth, phone and e-mail are personal: the store keeps them sealed
under the patient's own key (``events.shredding``), and erasure destroys that key.
Read after erasure, they say ``ERASED`` (or None for the date)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from . import validate
from .errors import AlreadyExists, Conflict, InvalidCommand
from .messages import ERASED, Event, Words, upcaster

STREAM = "patient"
PERSONAL = ("name", "date_of_birth", "phone", "email")


@dataclass(frozen=True)
class PatientCreated(Event, type="PATIENT_CREATED", stream=STREAM, version=2, personal=PERSONAL):
    """Version 2 always writes ``phone`` and ``email``, null when the patient gave
    none, so the stored registration says "no contact given" in so many words.
    Version 1 wrote only what was given (the first registrations had no contact
    fields at all); ``_contact_said`` reads it as version 2."""

    name: str
    date_of_birth: date
    phone: str | None = None
    email: str | None = None

    def to_data(self) -> dict[str, Any]:
        data = super().to_data()
        return {**data, "phone": data.get("phone"), "email": data.get("email")}

    def told(self, stream_id: uuid.UUID, words: Words) -> str:
        return f"{self.name} registered as a patient"


@upcaster(PatientCreated.type, 1)
def _contact_said(data: dict[str, Any]) -> dict[str, Any]:
    """PATIENT_CREATED 1 → 2: a contact field a version 1 registration left out was
    not given; one it carries (written once the fields existed) is kept."""
    data.setdefault("phone", None)
    data.setdefault("email", None)
    return data


@dataclass(frozen=True)
class PatientUpdated(Event, type="PATIENT_UPDATED", stream=STREAM, personal=PERSONAL):
    """Only what changed is set; an empty phone or e-mail removes it."""

    name: str | None = None
    date_of_birth: date | None = None
    phone: str | None = None
    email: str | None = None

    def told(self, stream_id: uuid.UUID, words: Words) -> str:
        changes = [f"name to {self.name}"] if self.name is not None else []
        changes += ["date of birth"] if self.date_of_birth is not None else []
        changes += ["phone"] if self.phone is not None else []
        changes += ["e-mail"] if self.email is not None else []
        who = words.patient(stream_id, self.name or "A patient")
        return f"{who}: changed {' and '.join(changes) or 'nothing'}"


@dataclass(frozen=True)
class PatientErased(Event, type="PATIENT_ERASED", stream=STREAM):
    """The patient's key was destroyed with this event: their personal fields in
    every event before it read as erased. The reason is the clinic's (a request's
    reference, say), stored in the clear: it must not name the patient."""

    reason: str

    def told(self, stream_id: uuid.UUID, words: Words) -> str:
        return f"A patient's personal data was erased: {self.reason}"


class ErasedPatient(Conflict):
    """A command about a patient whose personal data was erased."""


@dataclass(frozen=True)
class Patient:
    name: str
    date_of_birth: date | None  # None once erased
    phone: str = ""
    email: str = ""
    erased: bool = False

    @property
    def title(self) -> str:
        return self.name


def evolve(state: Patient | None, event: Event) -> Patient | None:
    if type(event) is PatientCreated:
        return Patient(event.name, event.date_of_birth, event.phone or "", event.email or "")
    if type(event) is PatientUpdated:
        assert state is not None
        return replace(state, name=state.name if event.name is None else event.name,
                       date_of_birth=state.date_of_birth if event.date_of_birth is None else event.date_of_birth,
                       phone=state.phone if event.phone is None else event.phone,
                       email=state.email if event.email is None else event.email)
    if type(event) is PatientErased:
        assert state is not None
        return Patient(ERASED, None, erased=True)
    return state


def register(state: Patient | None, *, name: str, date_of_birth: date, today: date, phone: str | None = None,
             email: str | None = None) -> list[Event]:
    if state is not None:
        raise AlreadyExists("A patient with this id already exists.", field="id")
    return [PatientCreated(name=validate.text(name, "name", 200),
                           date_of_birth=validate.date_of_birth(date_of_birth, today),
                           phone=validate.phone(phone) or None, email=validate.email(email) or None)]


def update(state: Patient, *, today: date, name: str | None = None, date_of_birth: date | None = None,
           phone: str | None = None, email: str | None = None) -> list[Event]:
    """Record only what changes; an update that changes nothing writes nothing."""
    ensure_not_erased(state)
    if name is None and date_of_birth is None and phone is None and email is None:
        raise InvalidCommand("Give a name, a date of birth, a phone or an e-mail to change.")
    if name is not None:
        name = validate.text(name, "name", 200)
    if date_of_birth is not None:
        date_of_birth = validate.date_of_birth(date_of_birth, today)
    phone = None if phone is None else validate.phone(phone)
    email = None if email is None else validate.email(email)
    changed = PatientUpdated(name=name if name != state.name else None,
                             date_of_birth=date_of_birth if date_of_birth != state.date_of_birth else None,
                             phone=phone if phone != state.phone else None,
                             email=email if email != state.email else None)
    return [changed] if changed != PatientUpdated() else []


def erase(state: Patient, *, reason: str) -> list[Event]:
    """Erasure is once and for ever; the reason says why, for the clinic's records."""
    if state.erased:
        raise AlreadyErased("This patient's personal data is already erased.")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 500:
        raise InvalidCommand("Give the reason for the erasure (at most 500 characters), e.g. the request's "
                             "reference; do not name the patient in it.", field="reason")
    return [PatientErased(reason=reason.strip())]


class AlreadyErased(Conflict):
    pass


def ensure_not_erased(state: Patient, field: str | None = None) -> None:
    if state.erased:
        raise ErasedPatient("This patient's personal data was erased: nothing more can be recorded for them.",
                            field=field)


def same_person(name: str, date_of_birth: date, other_name: str, other_date_of_birth: date) -> bool:
    """Two registrations that are likely one person typed twice: the same name
    (spacing and case aside) and the same date of birth."""
    return date_of_birth == other_date_of_birth and " ".join(name.split()).casefold() == \
        " ".join(other_name.split()).casefold()


def age(date_of_birth: date, today: date) -> int:
    """Whole years completed by ``today``."""
    had_birthday = (today.month, today.day) >= (date_of_birth.month, date_of_birth.day)
    return today.year - date_of_birth.year - (0 if had_birthday else 1)
