"""A doctor's schedule for one day: which minutes are booked.

It is its own stream (one per doctor and day) so that the no-double-booking rule
is guarded by the stream's version: the rule's whole state is in one place.
"""
from dataclasses import dataclass
from datetime import time
from uuid import NAMESPACE_URL, UUID, uuid5

from .errors import DoubleBooking

SLOT_BOOKED = "SLOT_BOOKED"
SLOT_RELEASED = "SLOT_RELEASED"
MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class Slot:
    start: int  # minutes after midnight
    end: int    # exclusive

    def overlaps(self, other):
        return self.start < other.end and other.start < self.end


def stream_id(doctor_id, day):
    """The schedule stream is named by its doctor and day, so every booking finds it."""
    return uuid5(NAMESPACE_URL, f"clinic:schedule:{UUID(str(doctor_id))}:{day.isoformat()}")


def evolve(state, event):
    booked = dict(state or {})
    if event.type == SLOT_BOOKED:
        start = time.fromisoformat(event.data["start"])
        minute = start.hour * 60 + start.minute
        booked[event.data["appointment_id"]] = Slot(minute, minute + event.data["duration_minutes"])
    elif event.type == SLOT_RELEASED:
        booked.pop(event.data["appointment_id"], None)
    return booked


def ensure_free(schedule, slot, *, doctor_name):
    for taken in (schedule or {}).values():
        if slot.overlaps(taken):
            raise DoubleBooking(
                f"Dr {doctor_name} is already booked from {_clock(taken.start)} to {_clock(taken.end)}.")


def _clock(minutes):
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
