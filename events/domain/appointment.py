"""Appointment: booked with a doctor for a patient; then checked in, missed
(no-show), cancelled, or moved to another time.

Whether the doctor and the patient are free is not the appointment's to know:
that is their day schedules (``schedule.py``). Booking writes to the appointment
and both schedules in one append, each at the version it was decided on, so two
concurrent bookings for the same doctor, or the same patient, and day cannot
both pass — the slower one meets a version conflict, is decided again on the
fresh schedules, and is refused if it overlaps.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, time

from . import hours, validate
from . import schedule as schedule_
from .clinic import Clinic, day_words
from .doctor import Doctor
from .errors import AlreadyCancelled, AlreadyExists, Conflict, InvalidCommand
from .messages import Event, Words
from .patient import Patient, ensure_not_erased

STREAM = "appointment"
BOOKED = "booked"
CHECKED_IN = "checkedIn"
NO_SHOW = "noShow"
CANCELLED = "cancelled"
STATUS_WORDS = {BOOKED: "booked", CHECKED_IN: "checked in", NO_SHOW: "marked as a no-show", CANCELLED: "cancelled"}
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
class AppointmentCancelled(Event, type="APPOINTMENT_CANCELLED", stream=STREAM, personal=("reason",),
                           owner="patient_id"):
    """The reason is free text that may name the patient, so it is sealed under
    their key; ``patient_id`` says whose (cancellations stored before erasure
    existed lack it: the booking names the patient)."""

    reason: str = ""
    patient_id: uuid.UUID | None = None

    def told(self, stream_id: uuid.UUID, words: Words) -> str:
        booked = words.appointment(stream_id)
        reason = f": {self.reason}" if self.reason else ""
        if booked is None:
            return f"An appointment was cancelled{reason}"
        return (f"Appointment of {booked.patient} with Dr {booked.doctor.name} on {words.day(booked.day)} "
                f"at {booked.time:%H:%M} cancelled{reason}")


@dataclass(frozen=True)
class AppointmentRescheduled(Event, type="APPOINTMENT_RESCHEDULED", stream=STREAM):
    """Where the appointment is now: the doctor (perhaps another), day, time and length."""

    doctor_id: uuid.UUID
    day: date
    time: time
    duration_minutes: int

    def told(self, stream_id: uuid.UUID, words: Words) -> str:
        return (f"An appointment moved to {words.day(self.day)} at {self.time:%H:%M} "
                f"with {words.doctor(self.doctor_id)}")


@dataclass(frozen=True)
class PatientCheckedIn(Event, type="PATIENT_CHECKED_IN", stream=STREAM):
    at: datetime

    def told(self, stream_id: uuid.UUID, words: Words) -> str:
        booked = words.appointment(stream_id)
        who = "A patient" if booked is None else booked.patient
        return f"{who} checked in at {words.moment(self.at)}"


@dataclass(frozen=True)
class AppointmentNoShow(Event, type="APPOINTMENT_NO_SHOW", stream=STREAM):
    at: datetime  # when it was noted

    def told(self, stream_id: uuid.UUID, words: Words) -> str:
        booked = words.appointment(stream_id)
        who = "A patient" if booked is None else booked.patient
        return f"{who} did not come (noted at {words.moment(self.at)})"


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
    if state is None:  # no appointment: not this stream's events
        return None
    if type(event) is AppointmentCancelled:
        return replace(state, status=CANCELLED, cancel_reason=event.reason)
    if type(event) is AppointmentRescheduled:
        return replace(state, doctor_id=event.doctor_id, day=event.day, time=event.time,
                       duration_minutes=event.duration_minutes)
    if type(event) is PatientCheckedIn:
        return replace(state, status=CHECKED_IN)
    if type(event) is AppointmentNoShow:
        return replace(state, status=NO_SHOW)
    return state


@dataclass(frozen=True)
class Request:
    """A time asked for: with whom, when, how long."""

    doctor_id: uuid.UUID
    day: date
    time: time
    duration_minutes: int


def book(state: Appointment | None, schedule: schedule_.Schedule | None, *, appointment_id: uuid.UUID,
         doctor: Doctor | None, patient: Patient | None, doctor_id: uuid.UUID, patient_id: uuid.UUID,
         day: date, time: time, duration_minutes: int, clinic: Clinic,
         patient_schedule: schedule_.Schedule | None = None) -> tuple[list[Event], list[Event]]:
    """Returns (appointment events, schedule events); the schedule events go to
    the doctor's day and the patient's day alike."""
    if state is not None:
        raise AlreadyExists("An appointment with this id already exists.", field="id")
    if doctor is None:
        raise InvalidCommand("No doctor has this id.", field="doctor_id")
    if patient is None:
        raise InvalidCommand("No patient has this id.", field="patient_id")
    wanted = Request(doctor_id, day, time, duration_minutes)
    slot = ensure_bookable(wanted, doctor=doctor, patient=patient, doctor_schedule=schedule,
                           patient_schedule=patient_schedule, clinic=clinic)
    return (
        [AppointmentCreated(doctor_id=doctor_id, patient_id=patient_id, day=day, time=time,
                            duration_minutes=duration_minutes)],
        [schedule_.SlotBooked(appointment_id=appointment_id, start=time, duration_minutes=slot.end - slot.start)],
    )


def ensure_bookable(wanted: Request, *, doctor: Doctor, patient: Patient, doctor_schedule: schedule_.Schedule | None,
                    patient_schedule: schedule_.Schedule | None, clinic: Clinic,
                    moving: uuid.UUID | None = None) -> schedule_.Slot:
    """Every rule a new time must meet, for a booking and a reschedule alike;
    ``moving`` is the appointment being moved, whose old slot is not in the way.
    Returns the minutes the time holds."""
    duration = wanted.duration_minutes
    if isinstance(duration, bool) or not isinstance(duration, int) or not MIN_DURATION <= duration <= MAX_DURATION:
        raise InvalidCommand(f"Give a whole number of minutes from {MIN_DURATION} to {MAX_DURATION}.",
                             field="duration_minutes")
    validate.in_calendar(wanted.day, "day")
    if wanted.time.second or wanted.time.microsecond:
        raise InvalidCommand("Appointments start on a whole minute (HH:MM).", field="time")
    start = wanted.time.hour * 60 + wanted.time.minute
    slot = schedule_.Slot(start, start + duration)
    if slot.end > schedule_.MINUTES_PER_DAY:
        raise InvalidCommand("The appointment must end by midnight.", field="duration_minutes")
    when = f"{day_words(wanted.day)} at {wanted.time:%H:%M}"
    if clinic.start_of(wanted.day, wanted.time) <= clinic.now:
        raise Conflict(f"{when} has already passed; it is {clinic.moment(clinic.now)}.", field="time")
    if start % clinic.slot_minutes:
        raise Conflict(f"Appointments start every {clinic.slot_minutes} minutes from the hour; "
                       f"{wanted.time:%H:%M} is not one of those times.", field="time")
    ensure_not_erased(patient, field="patient_id")
    if doctor.retired:
        raise Conflict(f"Dr {doctor.name} is retired and takes no appointments.", field="doctor_id")
    ensure_within_hours(doctor, wanted.day, slot, clinic)
    schedule_.ensure_free(doctor_schedule, slot, who=f"Dr {doctor.name}", field="time", apart_from=moving)
    schedule_.ensure_free(patient_schedule, slot, who=patient.name, field="patient_id", apart_from=moving)
    return slot


def ensure_within_hours(doctor: Doctor, day: date, slot: schedule_.Slot, clinic: Clinic) -> None:
    week = clinic.week_of(doctor.hours)
    weekday = day.weekday()
    if any(block.covers(slot.start, slot.end) for block in hours.on(week, weekday)):
        return
    wanted = f"{schedule_.clock(slot.start)} to {schedule_.clock(slot.end)}"
    if not hours.on(week, weekday):
        raise Conflict(f"Dr {doctor.name} does not work on {hours.WEEKDAYS[weekday]}s.", field="time")
    raise Conflict(f"Dr {doctor.name} works {hours.describe(week, weekday)} on {hours.WEEKDAYS[weekday]}s; "
                   f"{wanted} is outside those hours.", field="time")


def reschedule(state: Appointment, *, appointment_id: uuid.UUID, doctor: Doctor | None, patient: Patient,
               doctor_schedule: schedule_.Schedule | None, patient_schedule: schedule_.Schedule | None,
               to: Request, clinic: Clinic) -> tuple[list[Event], list[Event], list[Event]]:
    """Returns (appointment events, releases for the old days, bookings for the
    new days): the handler writes them all in one append, so the old slot is
    freed exactly when the new one is taken. The schedules given are those of
    the new doctor's day and the patient's new day."""
    ensure_booked(state, "moved")
    if doctor is None:
        raise InvalidCommand("No doctor has this id.", field="doctor_id")
    if to == Request(state.doctor_id, state.day, state.time, state.duration_minutes):
        raise InvalidCommand(f"The appointment is already on {day_words(to.day)} at {to.time:%H:%M}; "
                             "choose another time.", field="time")
    slot = ensure_bookable(to, doctor=doctor, patient=patient, doctor_schedule=doctor_schedule,
                           patient_schedule=patient_schedule, clinic=clinic, moving=appointment_id)
    return (
        [AppointmentRescheduled(doctor_id=to.doctor_id, day=to.day, time=to.time,
                                duration_minutes=to.duration_minutes)],
        [schedule_.SlotReleased(appointment_id=appointment_id)],
        [schedule_.SlotBooked(appointment_id=appointment_id, start=to.time, duration_minutes=slot.end - slot.start)],
    )


def check_in(state: Appointment, *, clinic: Clinic) -> list[Event]:
    """The patient is here: only on the appointment's own day, while booked."""
    ensure_booked(state, "checked in")
    if clinic.today != state.day:
        raise Conflict(f"Patients check in on the day of their appointment, {day_words(state.day)}; "
                       f"today is {day_words(clinic.today)}.")
    return [PatientCheckedIn(at=clinic.now)]


def no_show(state: Appointment, *, clinic: Clinic) -> list[Event]:
    """The patient did not come: only once the appointment has begun, while booked."""
    ensure_booked(state, "marked as a no-show")
    if clinic.now < clinic.start_of(state.day, state.time):
        raise Conflict(f"The appointment starts {day_words(state.day)} at {state.time:%H:%M}; "
                       "a patient can be marked as a no-show only after that.")
    return [AppointmentNoShow(at=clinic.now)]


def cancel(state: Appointment, *, appointment_id: uuid.UUID, clinic: Clinic,
           reason: str = "") -> tuple[list[Event], list[Event]]:
    """Returns (appointment events, schedule events): a cancelled slot is free again."""
    if state.status == CANCELLED:
        raise AlreadyCancelled("This appointment is already cancelled.")
    ensure_booked(state, "cancelled")
    if clinic.start_of(state.day, state.time) <= clinic.now:
        raise Conflict(f"The appointment began {day_words(state.day)} at {state.time:%H:%M}; "
                       "only appointments still to come can be cancelled.")
    if not isinstance(reason, str) or len(reason) > 500:
        raise InvalidCommand("Give a reason of at most 500 characters.", field="reason")
    return (
        [AppointmentCancelled(reason=reason.strip(), patient_id=state.patient_id)],
        [schedule_.SlotReleased(appointment_id=appointment_id)],
    )


def ensure_booked(state: Appointment, what: str) -> None:
    if state.status != BOOKED:
        raise Conflict(f"This appointment is {STATUS_WORDS[state.status]}; only a booked one can be {what}.")
