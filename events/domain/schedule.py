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
        return f"Slot from {self.start:%H:%M} for {self.duration_minutes} minutes taken"


@dataclass(frozen=True)
class SlotReleased(Event, type="SLOT_RELEASED", stream=STREAM):
    appointment_id: uuid.UUID

    def told(self, stream_id: uuid.UUID, words: Words) -> str:
        return "Slot released"


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
