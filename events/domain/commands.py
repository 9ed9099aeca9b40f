"""Commands: what staff, integrations and imports ask the clinic to do.

Plain frozen dataclasses in the clinic's words. Each has one handler
(``events.handlers.COMMAND_HANDLERS``), reached through ``handlers.dispatch``:
the API, the staff pages, the demo seed and the benchmark all send these.
Field names are the ones the domain's errors name (``DomainError.field``).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from .messages import Command


@dataclass(frozen=True)
class RegisterDoctor(Command):
    name: str
    specialty: str
    doctor_id: uuid.UUID | None = None  # a client-chosen id; new if None


@dataclass(frozen=True)
class UpdateDoctor(Command):
    doctor_id: uuid.UUID
    name: str | None = None  # None: unchanged
    specialty: str | None = None


@dataclass(frozen=True)
class RetireDoctor(Command):
    doctor_id: uuid.UUID
    reason: str = ""


@dataclass(frozen=True)
class SetWorkingHours(Command):
    doctor_id: uuid.UUID
    weekly: tuple[Any, ...]  # blocks: {"weekday": 0-6, "start": "HH:MM", "end": "HH:MM"}


@dataclass(frozen=True)
class Arrive(Command):
    doctor_id: uuid.UUID
    at: datetime | None = None  # now if None


@dataclass(frozen=True)
class Leave(Command):
    doctor_id: uuid.UUID
    at: datetime | None = None  # now if None


@dataclass(frozen=True)
class RegisterPatient(Command):
    name: str
    date_of_birth: date
    patient_id: uuid.UUID | None = None
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class UpdatePatient(Command):
    patient_id: uuid.UUID
    name: str | None = None  # None: unchanged
    date_of_birth: date | None = None
    phone: str | None = None  # "": remove
    email: str | None = None


@dataclass(frozen=True)
class ErasePatient(Command):
    """Erase a patient's personal data (crypto-shredding: their key is destroyed)."""

    patient_id: uuid.UUID
    reason: str


@dataclass(frozen=True)
class BookAppointment(Command):
    doctor_id: uuid.UUID
    patient_id: uuid.UUID
    day: date
    time: time
    duration_minutes: int = 30
    appointment_id: uuid.UUID | None = None


@dataclass(frozen=True)
class CancelAppointment(Command):
    appointment_id: uuid.UUID
    reason: str = ""


@dataclass(frozen=True)
class RescheduleAppointment(Command):
    appointment_id: uuid.UUID
    day: date
    time: time
    duration_minutes: int | None = None  # None: as before
    doctor_id: uuid.UUID | None = None   # None: the same doctor


@dataclass(frozen=True)
class CheckIn(Command):
    appointment_id: uuid.UUID


@dataclass(frozen=True)
class MarkNoShow(Command):
    appointment_id: uuid.UUID


# --- The appointment card (events.domain.card): sent by its process only ----

@dataclass(frozen=True)
class TrackAppointmentCard(Command):
    """The appointment as its own stream says it is now: starts its card or updates it."""

    appointment_id: uuid.UUID
    doctor_id: uuid.UUID
    patient_id: uuid.UUID
    day: date
    time: time
    status: str


@dataclass(frozen=True)
class RecordCardDoctor(Command):
    """What the doctor's stream says now."""

    appointment_id: uuid.UUID
    doctor_id: uuid.UUID
    name: str
    specialty: str
    retired: bool = False


@dataclass(frozen=True)
class RecordCardPatient(Command):
    """What the patient's stream says now: name and date of birth, or erased."""

    appointment_id: uuid.UUID
    patient_id: uuid.UUID
    name: str | None = None
    date_of_birth: date | None = None
    erased: bool = False
