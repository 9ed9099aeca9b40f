"""Appointment: booked with a doctor for a patient, perhaps cancelled.

Whether the doctor is free is not the appointment's to know: that is the
doctor's schedule for the day (``schedule.py``). Booking writes to both streams in
one append, each at the version it was decided on, so two concurrent bookings
for the same doctor and day cannot both pass — the slower one meets a version
conflict, is decided again on the fresh schedule, and is refused if it overlaps.
"""
from dataclasses import dataclass, replace
from datetime import date, time

from . import schedule as schedule_
from . import validate
from .errors import AlreadyCancelled, AlreadyExists, InvalidCommand
from .messages import NewEvent

APPOINTMENT_CREATED = "APPOINTMENT_CREATED"
APPOINTMENT_CANCELLED = "APPOINTMENT_CANCELLED"

BOOKED = "booked"
CANCELLED = "cancelled"
MIN_DURATION, MAX_DURATION = 5, 8 * 60


@dataclass(frozen=True)
class Appointment:
    doctor_id: str
    patient_id: str
    day: date
    time: time
    duration_minutes: int
    status: str = BOOKED
    cancel_reason: str = ""


def evolve(state, event):
    if event.type == APPOINTMENT_CREATED:
        d = event.data
        return Appointment(d["doctor_id"], d["patient_id"], date.fromisoformat(d["day"]),
                           time.fromisoformat(d["time"]), d["duration_minutes"])
    if event.type == APPOINTMENT_CANCELLED:
        return replace(state, status=CANCELLED, cancel_reason=event.data.get("reason", ""))
    return state


def book(state, schedule, *, appointment_id, doctor, patient, doctor_id, patient_id, day, time, duration_minutes):
    """Returns (appointment events, schedule events)."""
    if state is not None:
        raise AlreadyExists("An appointment with this id already exists.", field="id")
    if doctor is None:
        raise InvalidCommand("No doctor has this id.", field="doctorId")
    if patient is None:
        raise InvalidCommand("No patient has this id.", field="patientId")
    if isinstance(duration_minutes, bool) or not isinstance(duration_minutes, int) \
            or not MIN_DURATION <= duration_minutes <= MAX_DURATION:
        raise InvalidCommand(f"Give a whole number of minutes from {MIN_DURATION} to {MAX_DURATION}.",
                             field="durationMinutes")
    validate.in_calendar(day, "day")
    if time.second or time.microsecond:
        raise InvalidCommand("Appointments start on a whole minute (HH:MM).", field="time")
    start = time.hour * 60 + time.minute
    slot = schedule_.Slot(start, start + duration_minutes)
    if slot.end > schedule_.MINUTES_PER_DAY:
        raise InvalidCommand("The appointment must end by midnight.", field="durationMinutes")
    schedule_.ensure_free(schedule, slot, doctor_name=doctor.name)
    clock = f"{time.hour:02d}:{time.minute:02d}"
    return (
        [NewEvent(APPOINTMENT_CREATED, {
            "doctor_id": str(doctor_id), "patient_id": str(patient_id),
            "day": day.isoformat(), "time": clock, "duration_minutes": duration_minutes,
        })],
        [NewEvent(schedule_.SLOT_BOOKED, {
            "appointment_id": str(appointment_id), "start": clock, "duration_minutes": duration_minutes,
        })],
    )


def cancel(state, *, appointment_id, reason=""):
    """Returns (appointment events, schedule events): a cancelled slot is free again."""
    if state.status == CANCELLED:
        raise AlreadyCancelled("This appointment is already cancelled.")
    if not isinstance(reason, str) or len(reason) > 500:
        raise InvalidCommand("Give a reason of at most 500 characters.", field="reason")
    return (
        [NewEvent(APPOINTMENT_CANCELLED, {"reason": reason.strip()})],
        [NewEvent(schedule_.SLOT_RELEASED, {"appointment_id": str(appointment_id)})],
    )
