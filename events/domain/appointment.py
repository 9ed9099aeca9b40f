"""Appointment: booked with a doctor for a patient, perhaps cancelled.

Whether the doctor is free is not the appointment's to know: that is the
doctor's schedule for the day (``schedule.py``). Booking writes to both streams in
one append, each at the version it was decided on, so two concurrent bookings
for the same doctor and day cannot both pass — the slower one meets a version
conflict, is decided again on the fresh schedule, and is refused if it overlaps.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, time

from . import schedule as schedule_
from . import validate
from .doctor import Doctor
from .errors import AlreadyCancelled, AlreadyExists, InvalidCommand
from .messages import Event, Words
from .patient import Patient

STREAM = "appointment"
BOOKED = "booked"
CANCELLED = "cancelled"
MIN_DURATION, MAX_DURATION = 5, 8 * 60


@dataclass(frozen=True)
class AppointmentCreated(Event, type="APPOINTMENT_CREATED", stream=STREAM):
    doctor_id: uuid.UUID
    patient_id: uuid.UUID
    day: date
    time: time
    duration_minutes: int

    def told(self, stream_id: uuid.UUID, words: Words) -> str:
        return (f"{words.patient(self.patient_id)} booked with {words.doctor(self.doctor_id)} "
                f"on {words.day(self.day)} at {self.time:%H:%M}")


@dataclass(frozen=True)
class AppointmentCancelled(Event, type="APPOINTMENT_CANCELLED", stream=STREAM):
    reason: str = ""

    def told(self, stream_id: uuid.UUID, words: Words) -> str:
        booked = words.appointment(stream_id)
        reason = f": {self.reason}" if self.reason else ""
        if booked is None:
            return f"An appointment was cancelled{reason}"
        return (f"Appointment of {booked.patient.name} with Dr {booked.doctor.name} on {words.day(booked.day)} "
                f"at {booked.time:%H:%M} cancelled{reason}")


@dataclass(frozen=True)
class Appointment:
    doctor_id: uuid.UUID
    patient_id: uuid.UUID
    day: date
    time: time
    duration_minutes: int
    status: str = BOOKED
    cancel_reason: str = ""

    @property
    def title(self) -> str:
        return f"the appointment on {self.day:%d %b %Y} at {self.time:%H:%M}"


def evolve(state: Appointment | None, event: Event) -> Appointment | None:
    if type(event) is AppointmentCreated:
        return Appointment(event.doctor_id, event.patient_id, event.day, event.time, event.duration_minutes)
    if type(event) is AppointmentCancelled:
        assert state is not None
        return replace(state, status=CANCELLED, cancel_reason=event.reason)
    return state


def book(state: Appointment | None, schedule: schedule_.Schedule | None, *, appointment_id: uuid.UUID,
         doctor: Doctor | None, patient: Patient | None, doctor_id: uuid.UUID, patient_id: uuid.UUID,
         day: date, time: time, duration_minutes: int) -> tuple[list[Event], list[Event]]:
    """Returns (appointment events, schedule events)."""
    if state is not None:
        raise AlreadyExists("An appointment with this id already exists.", field="id")
    if doctor is None:
        raise InvalidCommand("No doctor has this id.", field="doctor_id")
    if patient is None:
        raise InvalidCommand("No patient has this id.", field="patient_id")
    if isinstance(duration_minutes, bool) or not isinstance(duration_minutes, int) \
            or not MIN_DURATION <= duration_minutes <= MAX_DURATION:
        raise InvalidCommand(f"Give a whole number of minutes from {MIN_DURATION} to {MAX_DURATION}.",
                             field="duration_minutes")
    validate.in_calendar(day, "day")
    if time.second or time.microsecond:
        raise InvalidCommand("Appointments start on a whole minute (HH:MM).", field="time")
    start = time.hour * 60 + time.minute
    slot = schedule_.Slot(start, start + duration_minutes)
    if slot.end > schedule_.MINUTES_PER_DAY:
        raise InvalidCommand("The appointment must end by midnight.", field="duration_minutes")
    schedule_.ensure_free(schedule, slot, doctor_name=doctor.name)
    return (
        [AppointmentCreated(doctor_id=doctor_id, patient_id=patient_id, day=day, time=time,
                            duration_minutes=duration_minutes)],
        [schedule_.SlotBooked(appointment_id=appointment_id, start=time, duration_minutes=duration_minutes)],
    )


def cancel(state: Appointment, *, appointment_id: uuid.UUID, reason: str = "") -> tuple[list[Event], list[Event]]:
    """Returns (appointment events, schedule events): a cancelled slot is free again."""
    if state.status == CANCELLED:
        raise AlreadyCancelled("This appointment is already cancelled.")
    if not isinstance(reason, str) or len(reason) > 500:
        raise InvalidCommand("Give a reason of at most 500 characters.", field="reason")
    return (
        [AppointmentCancelled(reason=reason.strip())],
        [schedule_.SlotReleased(appointment_id=appointment_id)],
    )
