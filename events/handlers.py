"""Command handlers: load the streams a decision needs, let the pure domain
decide, append what it decided. This is the only way events are written.

Every handler takes a ``Context`` (who, from where, when) and returns a
``Written`` (the resource id and the last position), which the outer layers use
to wait for the read side and to answer.
"""
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.utils import timezone

from . import store
from .domain import appointment, doctor, fold, patient, schedule
from .domain.errors import AlreadyExists, NotFound

DOCTOR, PATIENT, APPOINTMENT, SCHEDULE = "doctor", "patient", "appointment", "schedule"
CONFLICT_RETRIES = 10


@dataclass(frozen=True)
class Context:
    actor: str
    source: str  # api, web, admin, seed
    correlation_id: str | None = None
    now: datetime = field(default_factory=timezone.now)

    def metadata(self):
        return store.metadata(actor=self.actor, source=self.source, correlation_id=self.correlation_id)


@dataclass(frozen=True)
class Written:
    id: uuid.UUID
    position: int  # the last event written, or the stream's latest when nothing changed


def load(stream_id, evolve):
    """Fold a stream into its current state; return (state, version)."""
    return load_many((stream_id, evolve))[0]


def load_many(*streams):
    """``load`` for several (stream id, evolve) pairs, read in one query."""
    histories = store.read_histories([stream_id for stream_id, _ in streams])
    return [_folded(events, evolve) for events, (_, evolve) in zip(histories, streams)]


def _folded(events, evolve):
    return fold(evolve, events), (events[-1].version if events else 0)


def _fresh(stream_id, evolve, what):
    """Load a stream a command wants to create. Any event at all under the id — a
    patient's, a schedule's — means the id is taken, whatever its type."""
    return _unused(load(stream_id, evolve), what)


def _unused(loaded, what):
    state, version = loaded
    if version:
        raise AlreadyExists(f"An id that is already in use cannot name a new {what}.", field="id")
    return state, version


def _existing(stream_id, evolve, what):
    state, version = load(stream_id, evolve)
    if state is None:
        raise NotFound(f"No {what} has this id.")
    return state, version


def _append_one(ctx, stream_id, stream_type, version, events, *, occurred_at=None):
    if not events:
        return Written(stream_id, store.stream_position(stream_id))
    position = store.append([store.StreamWrite(stream_id, stream_type, version, events)],
                            metadata=ctx.metadata(), occurred_at=occurred_at)
    return Written(stream_id, position)


# --- Doctors -------------------------------------------------------------

def register_doctor(ctx, *, name, specialty, doctor_id=None):
    doctor_id = doctor_id or uuid.uuid4()
    state, version = _fresh(doctor_id, doctor.evolve, "doctor")
    events = doctor.register(state, name=name, specialty=specialty)
    return _append_one(ctx, doctor_id, DOCTOR, version, events)


def arrive(ctx, doctor_id, *, at=None):
    at = at or ctx.now
    state, version = _existing(doctor_id, doctor.evolve, "doctor")
    events = doctor.arrive(state, at=at, now=ctx.now)
    return _append_one(ctx, doctor_id, DOCTOR, version, events, occurred_at=at)


def leave(ctx, doctor_id, *, at=None):
    at = at or ctx.now
    state, version = _existing(doctor_id, doctor.evolve, "doctor")
    events = doctor.leave(state, at=at, now=ctx.now)
    return _append_one(ctx, doctor_id, DOCTOR, version, events, occurred_at=at)


# --- Patients ------------------------------------------------------------

def register_patient(ctx, *, name, date_of_birth: date, patient_id=None):
    patient_id = patient_id or uuid.uuid4()
    state, version = _fresh(patient_id, patient.evolve, "patient")
    events = patient.register(state, name=name, date_of_birth=date_of_birth, today=timezone.localdate(ctx.now))
    return _append_one(ctx, patient_id, PATIENT, version, events)


def update_patient(ctx, patient_id, *, name=None, date_of_birth=None):
    state, version = _existing(patient_id, patient.evolve, "patient")
    events = patient.update(state, name=name, date_of_birth=date_of_birth, today=timezone.localdate(ctx.now))
    return _append_one(ctx, patient_id, PATIENT, version, events)


# --- Appointments --------------------------------------------------------

def book_appointment(ctx, *, doctor_id, patient_id, day: date, time: time, duration_minutes=30,
                     appointment_id=None):
    """Books against the doctor's schedule for the day (see ``domain.appointment``)."""
    appointment_id = appointment_id or uuid.uuid4()
    schedule_id = schedule.stream_id(doctor_id, day)

    def decide_and_append():
        (state, version), (day_schedule, schedule_version), (doc, _), (pat, _) = load_many(
            (appointment_id, appointment.evolve), (schedule_id, schedule.evolve),
            (doctor_id, doctor.evolve), (patient_id, patient.evolve))
        _unused((state, version), "appointment")
        booked, reserved = appointment.book(
            state, day_schedule, appointment_id=appointment_id, doctor=doc, patient=pat,
            doctor_id=doctor_id, patient_id=patient_id, day=day, time=time, duration_minutes=duration_minutes)
        return store.append([
            store.StreamWrite(appointment_id, APPOINTMENT, version, booked),
            store.StreamWrite(schedule_id, SCHEDULE, schedule_version, reserved),
        ], metadata=ctx.metadata())

    return Written(appointment_id, _retry_on_conflict(decide_and_append))


def cancel_appointment(ctx, appointment_id, *, reason=""):
    def decide_and_append():
        state, version = _existing(appointment_id, appointment.evolve, "appointment")
        schedule_id = schedule.stream_id(state.doctor_id, state.day)
        cancelled, released = appointment.cancel(state, appointment_id=appointment_id, reason=reason)
        return store.append([
            store.StreamWrite(appointment_id, APPOINTMENT, version, cancelled),
            store.StreamWrite(schedule_id, SCHEDULE, store.stream_version(schedule_id), released),
        ], metadata=ctx.metadata())

    return Written(appointment_id, _retry_on_conflict(decide_and_append))


def _retry_on_conflict(decide_and_append):
    """A version conflict means another command wrote the same stream meanwhile
    (say, a booking for the same doctor and day). Deciding again on the fresh
    state refuses a real overlap and accepts a free slot."""
    for attempt in range(CONFLICT_RETRIES):
        try:
            return decide_and_append()
        except store.ConcurrencyConflict:
            if attempt == CONFLICT_RETRIES - 1:
                raise
