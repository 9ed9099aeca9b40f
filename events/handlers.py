"""Command handlers: load the streams a decision needs, let the pure domain
decide, append what it decided. This is the only way events are written.

Every command (``events.domain.commands``) has one handler here, listed in
``COMMAND_HANDLERS``; ``dispatch`` is how the outer layers run one. A handler
takes a ``Context`` (who, from where, when) and the command, and returns a
``Written`` (the resource id and the last position), which the outer layers use
to wait for the read side and to answer.
"""
from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from . import shredding, snapshots, store
from .domain import appointment, card, doctor, fold, hours, patient, schedule
from .domain.clinic import Clinic, day_words
from .domain.commands import (
    Arrive,
    BookAppointment,
    CancelAppointment,
    CheckIn,
    ErasePatient,
    Leave,
    MarkNoShow,
    RecordCardDoctor,
    RecordCardPatient,
    RegisterDoctor,
    RegisterPatient,
    RescheduleAppointment,
    RetireDoctor,
    SetWorkingHours,
    TrackAppointmentCard,
    UpdateDoctor,
    UpdatePatient,
)
from .domain.errors import AlreadyExists, Conflict, DomainError, NotFound
from .domain.messages import Command, Event

CONFLICT_RETRIES = 10

# Sent after every dispatch (sender: the command's class) with ``ctx`` and ``outcome`` —
# "written", "refused" (the domain said no) or "failed" — and ``seconds``: what
# the operations layer counts, without this module knowing who listens.
command_dispatched = Signal()
Evolve = Callable[[Any, Event], Any]


@dataclass(frozen=True)
class Context:
    actor: str
    source: str  # api, web, admin, seed
    correlation_id: str | None = None
    now: datetime = field(default_factory=timezone.now)

    def metadata(self) -> dict[str, str]:
        return store.metadata(actor=self.actor, source=self.source, correlation_id=self.correlation_id)

    def clinic(self) -> Clinic:
        """The clinic's rules at this context's moment: its local time, slot grid and default week."""
        return Clinic(now=timezone.localtime(self.now), slot_minutes=settings.CLINIC_SLOT_MINUTES,
                      default_hours=hours.week(settings.CLINIC_DEFAULT_HOURS, field="CLINIC_DEFAULT_HOURS"))


@dataclass(frozen=True)
class Written:
    id: uuid.UUID
    position: int  # the last event written, or the stream's latest when nothing changed


def dispatch(ctx: Context, command: Command) -> Written:
    """Run a command through its handler: the one way in for every writer."""
    try:
        handler = COMMAND_HANDLERS[type(command)]
    except KeyError:
        raise TypeError(f"No handler for {type(command).__name__}; add it to COMMAND_HANDLERS.") from None
    started, outcome = time.perf_counter(), "failed"
    try:
        written = handler(ctx, command)
        outcome = "written"
        return written
    except DomainError:
        outcome = "refused"
        raise
    finally:
        command_dispatched.send(sender=type(command), ctx=ctx, outcome=outcome,
                                seconds=time.perf_counter() - started)


def load(stream_id: uuid.UUID, evolve: Evolve) -> tuple[Any, int]:
    """Fold a stream into its current state; return (state, version)."""
    return load_many((stream_id, evolve))[0]


def load_many(*streams: tuple[uuid.UUID, Evolve]) -> list[tuple[Any, int]]:
    """``load`` for several (stream id, evolve) pairs. A doctor's stream starts
    from its snapshot, if it has a usable one, and only the events after it are
    read (``events.snapshots``): one query for the snapshots, one for the events
    of every stream. A load that folded more than ``snapshots.EVERY`` events of a
    snapshotted stream leaves a snapshot of what it folded."""
    kinds = {stream_id: kind for stream_id, evolve in streams if (kind := snapshots.kind_of(evolve))}
    taken = snapshots.read(list(kinds)) if kinds else {}
    starts = [taken.get(stream_id, snapshots.Taken(0, None)) for stream_id, _ in streams]
    histories = store.read_histories([stream_id for stream_id, _ in streams], [start.version for start in starts])
    loaded = []
    for (stream_id, evolve), start, events in zip(streams, starts, histories, strict=True):
        state, version = fold(evolve, events, start.state), (events[-1].version if events else start.version)
        kind = kinds.get(stream_id)
        if kind is not None and state is not None and version - start.version > snapshots.EVERY:
            snapshots.keep_after_commit(stream_id, kind, version, state)
        loaded.append((state, version))
    return loaded


def replay(stream_id: uuid.UUID, evolve: Evolve) -> tuple[Any, int]:
    """A stream folded from its first event, no snapshot: what a decision on a
    snapshot must equal, and what the bench's fold baseline measures."""
    events = store.read_histories([stream_id])[0]
    return fold(evolve, events), (events[-1].version if events else 0)


def _unused(loaded: tuple[Any, int], what: str) -> tuple[Any, int]:
    """Any event at all under an id a command wants to create — a patient's, a
    schedule's — means the id is taken, whatever its type."""
    state, version = loaded
    if version:
        raise AlreadyExists(f"An id that is already in use cannot name a new {what}.", field="id")
    return state, version


def _register(ctx: Context, stream_id: uuid.UUID, stream_type: str, evolve: Evolve, what: str,
              decide: Callable[[Any], list[Event]]) -> Written:
    """A new stream's first events, decided on no history and appended without
    reading the stream first: a registration's id is new but for a mistaken or
    repeated request, and then the append finds it taken and writes nothing (the
    stream's first version is there already). Only then is the stream read, to
    refuse as ``_unused`` does — so every registration costs one round trip fewer."""
    try:
        return _append_one(ctx, stream_id, stream_type, 0, decide(None))
    except Conflict:
        state, version = _unused(load(stream_id, evolve), what)
        return _append_one(ctx, stream_id, stream_type, version, decide(state))


def _existing(stream_id: uuid.UUID, evolve: Evolve, what: str) -> tuple[Any, int]:
    state, version = load(stream_id, evolve)
    if state is None:
        raise NotFound(f"No {what} has this id.")
    return state, version


def _append_one(ctx: Context, stream_id: uuid.UUID, stream_type: str, version: int, events: list[Event], *,
                occurred_at: datetime | None = None) -> Written:
    if not events:
        return Written(stream_id, store.stream_position(stream_id))
    position = store.append([store.StreamWrite(stream_id, stream_type, version, events)],
                            metadata=ctx.metadata(), occurred_at=occurred_at)
    return Written(stream_id, position)


def _id(value: uuid.UUID | str | None) -> uuid.UUID:
    """A command's id as a UUID; a new one where the command brings none."""
    if value is None:
        return uuid.uuid4()
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


# --- Doctors -------------------------------------------------------------

def register_doctor(ctx: Context, command: RegisterDoctor) -> Written:
    return _register(ctx, _id(command.doctor_id), doctor.STREAM, doctor.evolve, "doctor",
                     lambda state: doctor.register(state, name=command.name, specialty=command.specialty))


def update_doctor(ctx: Context, command: UpdateDoctor) -> Written:
    doctor_id = _id(command.doctor_id)
    state, version = _existing(doctor_id, doctor.evolve, "doctor")
    return _append_one(ctx, doctor_id, doctor.STREAM, version,
                       doctor.update(state, name=command.name, specialty=command.specialty))


def retire_doctor(ctx: Context, command: RetireDoctor) -> Written:
    doctor_id = _id(command.doctor_id)
    state, version = _existing(doctor_id, doctor.evolve, "doctor")
    return _append_one(ctx, doctor_id, doctor.STREAM, version, doctor.retire(state, reason=command.reason))


def set_working_hours(ctx: Context, command: SetWorkingHours) -> Written:
    doctor_id = _id(command.doctor_id)
    state, version = _existing(doctor_id, doctor.evolve, "doctor")
    return _append_one(ctx, doctor_id, doctor.STREAM, version, doctor.set_hours(state, weekly=list(command.weekly)))


def arrive(ctx: Context, command: Arrive) -> Written:
    return _record_shift(ctx, command, doctor.arrive)


def leave(ctx: Context, command: Leave) -> Written:
    return _record_shift(ctx, command, doctor.leave)


def _record_shift(ctx: Context, command: Arrive | Leave, decide: Callable[..., list[Event]]) -> Written:
    """An arrival or a departure: at the time given, or now; the event occurred then."""
    doctor_id, at = _id(command.doctor_id), command.at or ctx.now
    state, version = _existing(doctor_id, doctor.evolve, "doctor")
    return _append_one(ctx, doctor_id, doctor.STREAM, version, decide(state, at=at, now=ctx.clinic().now),
                       occurred_at=at)


# --- Patients ------------------------------------------------------------

def register_patient(ctx: Context, command: RegisterPatient) -> Written:
    return _register(ctx, _id(command.patient_id), patient.STREAM, patient.evolve, "patient",
                     lambda state: patient.register(state, name=command.name, date_of_birth=command.date_of_birth,
                                                    today=timezone.localdate(ctx.now), phone=command.phone,
                                                    email=command.email))


def update_patient(ctx: Context, command: UpdatePatient) -> Written:
    patient_id = _id(command.patient_id)
    state, version = _existing(patient_id, patient.evolve, "patient")
    events = patient.update(state, name=command.name, date_of_birth=command.date_of_birth,
                            today=timezone.localdate(ctx.now), phone=command.phone, email=command.email)
    return _append_one(ctx, patient_id, patient.STREAM, version, events)


# --- Appointments --------------------------------------------------------

def erase_patient(ctx: Context, command: ErasePatient) -> Written:
    """PATIENT_ERASED and the key's deletion in one transaction: the event is never
    there without the erasure, nor the erasure without the event. Whatever keeps
    a copy of the patient's data outside the log hears ``shredding.erased`` inside
    that transaction and scrubs it."""
    patient_id = _id(command.patient_id)
    state, version = _existing(patient_id, patient.evolve, "patient")
    events = patient.erase(state, reason=command.reason)
    if shredding.holds_plaintext(patient_id):
        raise Conflict("Some of this patient's data was stored before it was encrypted, and erasure cannot reach "
                       "it: an administrator runs `manage.py seal_history` first. Nothing was erased.")
    with transaction.atomic():
        # The append lock until the key is gone for good: a write about this
        # patient waits, then finds no key and is refused, rather than sealing its
        # data under a key about to vanish (appends let go at their INSERT).
        store.serialize_appends()
        written = _append_one(ctx, patient_id, patient.STREAM, version, events)
        shredding.destroy_key(patient_id)
        shredding.erased.send(sender=ErasePatient, patient_id=patient_id)
    return written


def book_appointment(ctx: Context, command: BookAppointment) -> Written:
    """Books against the doctor's and the patient's schedules for the day (see
    ``domain.appointment``), both written in the appointment's append."""
    appointment_id, doctor_id, patient_id = _id(command.appointment_id), _id(command.doctor_id), \
        _id(command.patient_id)
    schedule_id = schedule.stream_id(doctor_id, command.day)
    patient_day_id = schedule.patient_stream_id(patient_id, command.day)
    clinic = ctx.clinic()

    def decide_and_append() -> int:
        (state, version), (day_schedule, schedule_version), (patient_day, patient_day_version), (doc, _), \
            (pat, _) = load_many(
                (appointment_id, appointment.evolve), (schedule_id, schedule.evolve),
                (patient_day_id, schedule.evolve), (doctor_id, doctor.evolve), (patient_id, patient.evolve))
        _unused((state, version), "appointment")
        booked, reserved = appointment.book(
            state, day_schedule, appointment_id=appointment_id, doctor=doc, patient=pat,
            doctor_id=doctor_id, patient_id=patient_id, day=command.day, time=command.time,
            duration_minutes=command.duration_minutes, clinic=clinic, patient_schedule=patient_day)
        return store.append([
            store.StreamWrite(appointment_id, appointment.STREAM, version, booked),
            store.StreamWrite(schedule_id, schedule.STREAM, schedule_version, reserved),
            store.StreamWrite(patient_day_id, schedule.STREAM, patient_day_version, reserved),
        ], metadata=ctx.metadata())

    with _schedules_told_in_words(command.day):
        return Written(appointment_id, _retry_on_conflict(decide_and_append))


@contextmanager
def _schedules_told_in_words(day: date) -> Iterator[None]:
    """A schedule's id is derived from a doctor or patient and a day, so a client
    may have chosen it earlier for a patient, doctor or appointment. The store
    refuses to add schedule events to that stream; the refusal is told here in
    the booking's own terms."""
    try:
        yield
    except store.StreamTypeConflict as refused:
        if refused.written != schedule.STREAM:
            raise
        raise Conflict(f"The schedule for {day_words(day)} cannot be recorded: its id is already "
                       f"taken by a {refused.stored} record ({refused.stream_id}). Book another day, and ask the "
                       "clinic's administrator to look into that record.", field="day") from refused


def cancel_appointment(ctx: Context, command: CancelAppointment) -> Written:
    appointment_id, clinic = _id(command.appointment_id), ctx.clinic()

    def decide_and_append() -> int:
        state, version = _existing(appointment_id, appointment.evolve, "appointment")
        cancelled, released = appointment.cancel(state, appointment_id=appointment_id, reason=command.reason,
                                                 clinic=clinic)
        return store.append([store.StreamWrite(appointment_id, appointment.STREAM, version, cancelled),
                             *_released(appointment_id, state, released)], metadata=ctx.metadata())

    return Written(appointment_id, _retry_on_conflict(decide_and_append))


def reschedule_appointment(ctx: Context, command: RescheduleAppointment) -> Written:
    """Frees the old slot and takes the new one in one append: the appointment,
    the old and the new doctor's and patient's days, each at the version decided
    on. Where an old day is also the new one, its release and booking are one write."""
    appointment_id, clinic = _id(command.appointment_id), ctx.clinic()

    def decide_and_append() -> int:
        state, version = _existing(appointment_id, appointment.evolve, "appointment")
        to = appointment.Request(
            _id(command.doctor_id or state.doctor_id), command.day, command.time,
            state.duration_minutes if command.duration_minutes is None else command.duration_minutes)
        new_doctor_day, new_patient_day = schedule.stream_id(to.doctor_id, to.day), \
            schedule.patient_stream_id(state.patient_id, to.day)
        (doctor_day, doctor_day_version), (patient_day, patient_day_version), (doc, _), (pat, _) = load_many(
            (new_doctor_day, schedule.evolve), (new_patient_day, schedule.evolve), (to.doctor_id, doctor.evolve),
            (state.patient_id, patient.evolve))
        moved, released, booked = appointment.reschedule(
            state, appointment_id=appointment_id, doctor=doc, patient=pat, doctor_schedule=doctor_day,
            patient_schedule=patient_day, to=to, clinic=clinic)
        writes = [store.StreamWrite(appointment_id, appointment.STREAM, version, moved),
                  *_released(appointment_id, state, released)]
        writes = _merged([*writes, store.StreamWrite(new_doctor_day, schedule.STREAM, doctor_day_version, booked),
                          store.StreamWrite(new_patient_day, schedule.STREAM, patient_day_version, booked)])
        return store.append(writes, metadata=ctx.metadata())

    with _schedules_told_in_words(command.day):
        return Written(appointment_id, _retry_on_conflict(decide_and_append))


def check_in(ctx: Context, command: CheckIn) -> Written:
    appointment_id = _id(command.appointment_id)
    state, version = _existing(appointment_id, appointment.evolve, "appointment")
    return _append_one(ctx, appointment_id, appointment.STREAM, version,
                       appointment.check_in(state, clinic=ctx.clinic()))


def mark_no_show(ctx: Context, command: MarkNoShow) -> Written:
    appointment_id = _id(command.appointment_id)
    state, version = _existing(appointment_id, appointment.evolve, "appointment")
    return _append_one(ctx, appointment_id, appointment.STREAM, version,
                       appointment.no_show(state, clinic=ctx.clinic()))


def _released(appointment_id: uuid.UUID, state: appointment.Appointment,
              released: list[Event]) -> list[store.StreamWrite]:
    """The writes that free an appointment's slot in its doctor's and its
    patient's day. A patient's day holds only bookings made since patients'
    days were kept; it is released only if it holds this one."""
    doctor_day, patient_day = schedule.stream_id(state.doctor_id, state.day), \
        schedule.patient_stream_id(state.patient_id, state.day)
    (_, doctor_version), (held, patient_version) = load_many((doctor_day, schedule.evolve),
                                                             (patient_day, schedule.evolve))
    writes = [store.StreamWrite(doctor_day, schedule.STREAM, doctor_version, released)]
    if appointment_id in (held or {}):
        writes.append(store.StreamWrite(patient_day, schedule.STREAM, patient_version, released))
    return writes


def _merged(writes: list[store.StreamWrite]) -> list[store.StreamWrite]:
    """Writes to the same stream as one write, their events in order, at the first one's version."""
    by_stream: dict[uuid.UUID, store.StreamWrite] = {}
    for write in writes:
        earlier = by_stream.get(write.stream_id)
        by_stream[write.stream_id] = write if earlier is None else store.StreamWrite(
            write.stream_id, write.stream_type, earlier.expected_version, [*earlier.events, *write.events])
    return list(by_stream.values())


def _retry_on_conflict(decide_and_append: Callable[[], int]) -> int:
    """A version conflict means another command wrote the same stream meanwhile
    (say, a booking for the same doctor and day). Deciding again on the fresh
    state refuses a real overlap and accepts a free slot."""
    for attempt in range(CONFLICT_RETRIES):
        try:
            return decide_and_append()
        except store.ConcurrencyConflict:
            if attempt == CONFLICT_RETRIES - 1:
                raise
    raise AssertionError("unreachable")


# --- The appointment card (events.domain.card) ------------------------------
# Sent by the card's process (events.processes.card). Two of its subscribers
# write the same card streams, perhaps at once in two workers: a version
# conflict is decided again on the fresh card, and an idempotent decision
# writes nothing the card already says.

def track_appointment_card(ctx: Context, command: TrackAppointmentCard) -> Written:
    return _decide_on_card(ctx, command.appointment_id, lambda state: card.track(
        state, appointment_id=_id(command.appointment_id), doctor_id=_id(command.doctor_id),
        patient_id=_id(command.patient_id), day=command.day, time=command.time, status=command.status))


def record_card_doctor(ctx: Context, command: RecordCardDoctor) -> Written:
    return _decide_on_card(ctx, command.appointment_id, lambda state: card.find_doctor(
        state, doctor_id=_id(command.doctor_id), name=command.name, specialty=command.specialty,
        retired=command.retired))


def record_card_patient(ctx: Context, command: RecordCardPatient) -> Written:
    return _decide_on_card(ctx, command.appointment_id, lambda state: card.find_patient(
        state, patient_id=_id(command.patient_id), name=command.name, date_of_birth=command.date_of_birth,
        erased=command.erased))


def _decide_on_card(ctx: Context, appointment_id: uuid.UUID, decide: Callable[[Any], list[Event]]) -> Written:
    card_id = card.stream_id(appointment_id)

    def decide_and_append() -> int:
        state, version = load(card_id, card.evolve)
        events = decide(state)
        if not events:
            return store.stream_position(card_id)
        return store.append([store.StreamWrite(card_id, card.STREAM, version, events)], metadata=ctx.metadata())

    return Written(card_id, _retry_on_conflict(decide_and_append))


COMMAND_HANDLERS: dict[type[Command], Callable[[Context, Any], Written]] = {
    RegisterDoctor: register_doctor,
    UpdateDoctor: update_doctor,
    RetireDoctor: retire_doctor,
    SetWorkingHours: set_working_hours,
    Arrive: arrive,
    Leave: leave,
    RegisterPatient: register_patient,
    UpdatePatient: update_patient,
    ErasePatient: erase_patient,
    BookAppointment: book_appointment,
    CancelAppointment: cancel_appointment,
    RescheduleAppointment: reschedule_appointment,
    CheckIn: check_in,
    MarkNoShow: mark_no_show,
    TrackAppointmentCard: track_appointment_card,
    RecordCardDoctor: record_card_doctor,
    RecordCardPatient: record_card_patient,
}
