"""A day's schedule of one doctor, or of one patient: which minutes are booked.

Each is its own small stream (one per doctor and day, one per patient and day)
so that each no-double-booking rule is guarded by a stream's version: the
rule's whole state is in one place. A booking appends to the doctor's day and
the patient's day in the same atomic append, each at the version it was decided
on, so two concurrent bookings of one patient with two doctors cannot both pass.
Both kinds hold the same events and fold alike; only their ids differ.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, time
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from .errors import DoubleBooking
from .messages import Event, Words

STREAM = "schedule"
MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class SlotBooked(Event, type="SLOT_BOOKED", stream=STREAM):
    appointment_id: uuid.UUID
    start: time
    duration_minutes: int

    def told(self, stream_id: uuid.UUID, words: Words) -> str:
        return _in_whose_day(stream_id, self.appointment_id, words,
                             f"slot from {self.start:%H:%M} for {self.duration_minutes} minutes taken")


@dataclass(frozen=True)
class SlotReleased(Event, type="SLOT_RELEASED", stream=STREAM):
    appointment_id: uuid.UUID

    def told(self, stream_id: uuid.UUID, words: Words) -> str:
        return _in_whose_day(stream_id, self.appointment_id, words, "slot released")


def _in_whose_day(schedule_id: uuid.UUID, appointment_id: uuid.UUID, words: Words, what: str) -> str:
    """A schedule event names whose day it is in ("Dr Ada Lovelace's day: …",
    "Grace Hopper's day: …") when the appointment it holds still lies on that
    day; otherwise (not projected yet, or moved away since) it is told alone."""
    whose = whose_day(schedule_id, words.appointment(appointment_id))
    return f"{whose}: {what}" if whose else what


def whose_day(schedule_id: uuid.UUID | str, booked: Any) -> str | None:
    """Whether ``schedule_id`` is the doctor's or the patient's day of ``booked``
    (an appointment as the read side shows it: doctor, patient, day), in words."""
    if booked is None:
        return None
    schedule_id = UUID(str(schedule_id))
    if schedule_id == stream_id(booked.doctor_id, booked.day):
        return f"Dr {booked.doctor.name}'s day"
    if schedule_id == patient_stream_id(booked.patient_id, booked.day):
        return f"{booked.patient}'s day"
    return None


@dataclass(frozen=True)
class Slot:
    start: int  # minutes after midnight
    end: int    # exclusive

    def overlaps(self, other: Slot) -> bool:
        return self.start < other.end and other.start < self.end


Schedule = dict[uuid.UUID, Slot]  # appointment id -> the minutes it holds


def stream_id(doctor_id: UUID | str, day: date) -> UUID:
    """The schedule stream is named by its doctor and day, so every booking finds it."""
    return uuid5(NAMESPACE_URL, f"clinic:schedule:{UUID(str(doctor_id))}:{day.isoformat()}")


def patient_stream_id(patient_id: UUID | str, day: date) -> UUID:
    """The patient's day, named by patient and day like the doctor's."""
    return uuid5(NAMESPACE_URL, f"clinic:patient-schedule:{UUID(str(patient_id))}:{day.isoformat()}")


def evolve(state: Schedule | None, event: Event) -> Schedule:
    booked = dict(state or {})
    if type(event) is SlotBooked:
        minute = event.start.hour * 60 + event.start.minute
        booked[event.appointment_id] = Slot(minute, minute + event.duration_minutes)
    elif type(event) is SlotReleased:
        booked.pop(event.appointment_id, None)
    return booked


def ensure_free(schedule: Schedule | None, slot: Slot, *, who: str, field: str | None = None,
                apart_from: uuid.UUID | None = None) -> None:
    """``who`` ("Dr Ada Lovelace", "Grace Hopper") begins the refusal;
    ``apart_from`` is an appointment being moved, whose own slot does not stand
    in its way."""
    for appointment_id, taken in (schedule or {}).items():
        if appointment_id != apart_from and slot.overlaps(taken):
            raise DoubleBooking(f"{who} is already booked from {clock(taken.start)} to {clock(taken.end)}.",
                                field=field)


def clock(minutes: int) -> str:
    """Minutes after midnight as HH:MM."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
