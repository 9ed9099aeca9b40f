"""The appointment card's process (``events.domain.card``), as two subscribers.

* ``CardTracker`` follows appointments: for each appointment event it folds the
  appointment's own stream and tells the card how the appointment is now
  (``TrackAppointmentCard``): the first time that starts the card.
* ``CardFinder`` follows cards, doctors and patients: when a card starts (or
  moves to another doctor) it replays the doctor's and the patient's streams
  from the event store (``handlers.load_many``) and sends what it found
  (``RecordCardDoctor``, ``RecordCardPatient``); when a doctor or a patient
  changes later — renamed, updated, retired, erased — it sends the same to every
  card that names them (``events.CardLink``, its own index of ids).

Why it converges, whatever the order and whatever crashes:

* both always send the *current* state of the streams they read, not the
  triggering event's data, and every decision is idempotent (the card records
  only what differs from what it already says): handling an event twice, or an
  older event after a newer one, appends nothing wrong;
* the runner applies a batch and moves the checkpoint in one transaction, and
  the commands' appends and the finder's index rows are in that transaction;
* neither reacts to what it writes itself (the tracker writes ``CARD_STARTED`` and
  ``CARD_APPOINTMENT_CHANGED``, which only the finder reads; the finder writes
  ``CARD_*_FOUND``/``ERASED``/``COMPLETED``, which only the read side reads), so the
  catch-up their commits trigger ends after at most two more rounds.
"""
from __future__ import annotations

import uuid
from typing import Any

from .. import handlers
from ..domain import appointment, doctor, patient
from ..domain.appointment import (
    AppointmentCancelled,
    AppointmentCreated,
    AppointmentNoShow,
    AppointmentRescheduled,
    PatientCheckedIn,
)
from ..domain.card import CardAppointmentChanged, CardStarted
from ..domain.commands import RecordCardDoctor, RecordCardPatient, TrackAppointmentCard
from ..domain.doctor import DoctorRetired, DoctorUpdated
from ..domain.patient import ErasedPatient, PatientErased, PatientUpdated
from ..models import CardLink
from ..store import Recorded
from ..subscribers import Subscriber, on

ACTOR, SOURCE = "card-process", "process"


def _context() -> handlers.Context:
    """Who sends the process's commands: the process itself, stored as each event's metadata."""
    return handlers.Context(actor=ACTOR, source=SOURCE)


BATCH_SIZE = 50  # see Subscriber.batch_size


class CardTracker(Subscriber):
    name = "card-tracker"
    batch_size = BATCH_SIZE
    appends = True

    @on(AppointmentCreated)
    def booked(self, recorded: Recorded, event: Any, rows: Any) -> None:
        self.track(recorded.stream_id)

    @on(AppointmentRescheduled)
    def moved(self, recorded: Recorded, event: Any, rows: Any) -> None:
        self.track(recorded.stream_id)

    @on(AppointmentCancelled)
    def cancelled(self, recorded: Recorded, event: Any, rows: Any) -> None:
        self.track(recorded.stream_id)

    @on(PatientCheckedIn)
    def checked_in(self, recorded: Recorded, event: Any, rows: Any) -> None:
        self.track(recorded.stream_id)

    @on(AppointmentNoShow)
    def no_show(self, recorded: Recorded, event: Any, rows: Any) -> None:
        self.track(recorded.stream_id)

    @staticmethod
    def track(appointment_id: uuid.UUID) -> None:
        state, _ = handlers.load(appointment_id, appointment.evolve)
        if state is None:
            return
        handlers.dispatch(_context(), TrackAppointmentCard(
            appointment_id=appointment_id, doctor_id=state.doctor_id, patient_id=state.patient_id, day=state.day,
            time=state.time, status=state.status))


class CardFinder(Subscriber):
    name = "card-finder"
    batch_size = BATCH_SIZE
    appends = True

    @on(CardStarted)
    def started(self, recorded: Recorded, event: CardStarted, rows: Any) -> None:
        link, _ = CardLink.objects.get_or_create(card_id=recorded.stream_id, defaults={
            "appointment_id": event.appointment_id, "doctor_id": event.doctor_id, "patient_id": event.patient_id})
        (doc, _), (pat, _) = handlers.load_many((link.doctor_id, doctor.evolve), (link.patient_id, patient.evolve))
        _send_doctor(link.appointment_id, link.doctor_id, doc)
        _send_patient(link.appointment_id, link.patient_id, pat)

    @on(CardAppointmentChanged)
    def changed(self, recorded: Recorded, event: CardAppointmentChanged, rows: Any) -> None:
        link = CardLink.objects.filter(pk=recorded.stream_id).first()
        if link is None:  # not started: impossible in log order, harmless if so
            return
        if link.doctor_id != event.doctor_id:
            link.doctor_id = event.doctor_id
            link.save(update_fields=["doctor_id"])
        _send_doctor(link.appointment_id, event.doctor_id, handlers.load(event.doctor_id, doctor.evolve)[0])

    @on(DoctorUpdated)
    def doctor_updated(self, recorded: Recorded, event: Any, rows: Any) -> None:
        self.doctor_changed(recorded.stream_id)

    @on(DoctorRetired)
    def doctor_retired(self, recorded: Recorded, event: Any, rows: Any) -> None:
        self.doctor_changed(recorded.stream_id)

    @on(PatientUpdated)
    def patient_updated(self, recorded: Recorded, event: Any, rows: Any) -> None:
        self.patient_changed(recorded.stream_id)

    @on(PatientErased)
    def patient_erased(self, recorded: Recorded, event: Any, rows: Any) -> None:
        self.patient_changed(recorded.stream_id)

    @staticmethod
    def doctor_changed(doctor_id: uuid.UUID) -> None:
        cards = list(CardLink.objects.filter(doctor_id=doctor_id).values_list("appointment_id", flat=True))
        if cards:
            state, _ = handlers.load(doctor_id, doctor.evolve)
            for appointment_id in cards:
                _send_doctor(appointment_id, doctor_id, state)

    @staticmethod
    def patient_changed(patient_id: uuid.UUID) -> None:
        cards = list(CardLink.objects.filter(patient_id=patient_id).values_list("appointment_id", flat=True))
        if cards:
            state, _ = handlers.load(patient_id, patient.evolve)
            for appointment_id in cards:
                _send_patient(appointment_id, patient_id, state)


def _send_doctor(appointment_id: uuid.UUID, doctor_id: uuid.UUID, state: doctor.Doctor | None) -> None:
    if state is None:  # a booking names a registered doctor: nothing to find otherwise
        return
    handlers.dispatch(_context(), RecordCardDoctor(appointment_id=appointment_id, doctor_id=doctor_id,
                                                   name=state.name, specialty=state.specialty,
                                                   retired=state.retired))


def _send_patient(appointment_id: uuid.UUID, patient_id: uuid.UUID, state: patient.Patient | None) -> None:
    if state is None:
        return
    if state.erased:
        handlers.dispatch(_context(), RecordCardPatient(appointment_id=appointment_id, patient_id=patient_id,
                                                        erased=True))
        return
    try:
        handlers.dispatch(_context(), RecordCardPatient(appointment_id=appointment_id, patient_id=patient_id,
                                                        name=state.name, date_of_birth=state.date_of_birth))
    except ErasedPatient:  # erased since we read the stream (its key is gone): the card says so
        handlers.dispatch(_context(), RecordCardPatient(appointment_id=appointment_id, patient_id=patient_id,
                                                        erased=True))
