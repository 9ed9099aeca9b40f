"""A doctor's schedule for one day: which minutes are booked.

It is its own stream (one per doctor and day) so that the no-double-booking rule
is guarded by the stream's version: the rule's whole state is in one place.
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


def evolve(state: Schedule | None, event: Event) -> Schedule:
    booked = dict(state or {})
    if type(event) is SlotBooked:
        minute = event.start.hour * 60 + event.start.minute
        booked[event.appointment_id] = Slot(minute, minute + event.duration_minutes)
    elif type(event) is SlotReleased:
        booked.pop(event.appointment_id, None)
    return booked


def ensure_free(schedule: Schedule | None, slot: Slot, *, doctor_name: str) -> None:
    for taken in (schedule or {}).values():
        if slot.overlaps(taken):
            raise DoubleBooking(
                f"Dr {doctor_name} is already booked from {clock(taken.start)} to {clock(taken.end)}.")


def clock(minutes: int) -> str:
    """Minutes after midnight as HH:MM."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
