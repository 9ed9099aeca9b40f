"""Events told in the clinic's words ("Dr Ada Lovelace arrived at 08:15"), for the
dashboard's latest activity and the event log.

Each event class tells itself (``Event.told``); this module gives it the words:
names as the read models have them now, so a renamed patient reads with today's
name, and times in the clinic's time zone. A page of events is told twice: once
to learn which doctors, patients and appointments it names, which are then read
in three queries, and once with those names. An event whose row is not projected
yet is still told, from its own data where it has it.
"""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils import formats, timezone

from events import store
from events.domain import card, schedule
from events.domain.messages import ERASED
from events.models import StoredEvent
from readmodels import selectors


@dataclass(frozen=True)
class Activity:
    event: StoredEvent
    text: str

    @property
    def actor(self) -> str:
        return self.event.metadata.get("actor", "")


def latest(count: int) -> list[Activity]:
    """The most recent events, newest first, told in words. The day schedules (a
    doctor's and a patient's, both of stream type ``schedule``) are the
    appointments' bookkeeping, and the appointment cards the card process's: their
    events are left out."""
    events = store.read_all().order_by("-position").exclude(stream_type__in=[schedule.STREAM, card.STREAM])
    return told(list(events[:count]))


def told(events: Sequence[StoredEvent]) -> list[Activity]:
    store.opened(events)
    asked = _Asked()
    for event in events:
        event.message.told(event.stream_id, asked)
    words = _Known(asked)
    return [Activity(event, _sentence(event.message.told(event.stream_id, words))) for event in events]


def _sentence(text: str) -> str:
    """"a patient booked with …" reads "A patient booked with …"."""
    return text[:1].upper() + text[1:]


class _Words:
    """Times and days as the clinic reads them."""

    def moment(self, at: datetime) -> str:
        local = timezone.localtime(at)
        if local.date() == timezone.localdate():
            return formats.time_format(local, "H:i")
        return formats.date_format(local, "D j M, H:i")

    def day(self, day: date) -> str:
        return formats.date_format(day, "D j M Y")


class _Asked(_Words):
    """The first telling: notes every id asked for, knows no names yet."""

    def __init__(self) -> None:
        self.doctors: set[uuid.UUID] = set()
        self.patients: set[uuid.UUID] = set()
        self.appointments: set[uuid.UUID] = set()

    def doctor(self, doctor_id: uuid.UUID | str) -> str:
        self.doctors.add(_uuid(doctor_id))
        return ""

    def patient(self, patient_id: uuid.UUID | str, fallback: str = "") -> str:
        self.patients.add(_uuid(patient_id))
        return ""

    def appointment(self, appointment_id: uuid.UUID | str) -> Any:
        self.appointments.add(_uuid(appointment_id))
        return None


class _Known(_Words):
    """The second telling: the names, read in three queries."""

    def __init__(self, asked: _Asked) -> None:
        self.appointments = {a.id: a for a in selectors.appointments().filter(id__in=asked.appointments)}
        self.doctors = dict(selectors.doctors().filter(id__in=asked.doctors).values_list("id", "name"))
        self.patients = dict(selectors.patients().filter(id__in=asked.patients).values_list("id", "name"))

    def doctor(self, doctor_id: uuid.UUID | str) -> str:
        name = self.doctors.get(_uuid(doctor_id))
        return "a doctor" if name is None else f"Dr {name}"

    def patient(self, patient_id: uuid.UUID | str, fallback: str = "a patient") -> str:
        pk = _uuid(patient_id)
        if pk not in self.patients:
            return fallback
        return self.patients[pk] or ERASED  # an erased patient's row keeps no name

    def appointment(self, appointment_id: uuid.UUID | str) -> Any:
        return self.appointments.get(_uuid(appointment_id))


def _uuid(value: uuid.UUID | str) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
