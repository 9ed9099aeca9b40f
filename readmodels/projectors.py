"""Projectors: plain classes whose methods, marked ``@on(EventClass)``, add and
change read-model rows in the batch's ``Rows`` (``rows.py``), which the runner
writes. They never read other projectors' tables, so each may run ahead of the
others; the runner (``runner.py``) gives each one its checkpoint."""
from __future__ import annotations

import uuid
from datetime import time
from typing import Any, ClassVar

from django.db.models import Model

from events.domain import hours
from events.domain.appointment import (
    CHECKED_IN,
    NO_SHOW,
    AppointmentCancelled,
    AppointmentCreated,
    AppointmentNoShow,
    AppointmentRescheduled,
    PatientCheckedIn,
)
from events.domain.card import (
    CardAppointmentChanged,
    CardDoctorFound,
    CardPatientErased,
    CardPatientFound,
    CardStarted,
)
from events.domain.doctor import (
    DoctorArrived,
    DoctorCreated,
    DoctorLeft,
    DoctorRetired,
    DoctorUpdated,
    WorkingHoursSet,
    worked_seconds,
)
from events.domain.messages import ERASED
from events.domain.patient import PatientCreated, PatientErased, PatientUpdated
from events.processes import PROCESSES
from events.store import Recorded
from events.subscribers import Subscriber, on

from .models import Appointment, AppointmentCard, Doctor, Patient, TimesheetEntry, WorkingHours
from .rows import Rows


class Projector(Subscriber):
    """A read-side subscriber: it changes rows of the tables it owns."""

    tables: ClassVar[tuple[type[Model], ...]] = ()  # the models it owns, emptied before a rebuild (children first)


class DoctorProjector(Projector):
    name = "doctors"
    tables = (TimesheetEntry, WorkingHours, Doctor)

    @on(DoctorCreated)
    def registered(self, recorded: Recorded, event: DoctorCreated, rows: Rows) -> None:
        rows.add(Doctor(id=recorded.stream_id, name=event.name, specialty=event.specialty, version=recorded.version))

    @on(DoctorArrived)
    def arrived(self, recorded: Recorded, event: DoctorArrived, rows: Rows) -> None:
        rows.add(TimesheetEntry(doctor_id=recorded.stream_id, arrived_at=event.at))
        on_shift = rows.get(Doctor, recorded.stream_id)
        on_shift.on_shift_since, on_shift.version = event.at, recorded.version

    @on(DoctorLeft)
    def left(self, recorded: Recorded, event: DoctorLeft, rows: Rows) -> None:
        gone = rows.get(Doctor, recorded.stream_id)
        shift = rows.get(TimesheetEntry, recorded.stream_id, gone.on_shift_since)
        shift.left_at, shift.seconds_worked = event.at, worked_seconds(shift.arrived_at, event.at)
        gone.on_shift_since, gone.version = None, recorded.version
        gone.total_seconds_worked += shift.seconds_worked

    @on(DoctorUpdated)
    def updated(self, recorded: Recorded, event: DoctorUpdated, rows: Rows) -> None:
        changed = rows.get(Doctor, recorded.stream_id)
        changed.name = changed.name if event.name is None else event.name
        changed.specialty = changed.specialty if event.specialty is None else event.specialty
        changed.version = recorded.version

    @on(DoctorRetired)
    def retired(self, recorded: Recorded, event: DoctorRetired, rows: Rows) -> None:
        gone = rows.get(Doctor, recorded.stream_id)
        gone.retired, gone.version = True, recorded.version

    @on(WorkingHoursSet)
    def hours_set(self, recorded: Recorded, event: WorkingHoursSet, rows: Rows) -> None:
        rows.delete(WorkingHours, doctor_id=recorded.stream_id)
        for block in hours.week(event.weekly):
            rows.add(WorkingHours(doctor_id=recorded.stream_id, weekday=block.weekday, start=_clock(block.start),
                                  end=_clock(block.end % (24 * 60))))
        doctor = rows.get(Doctor, recorded.stream_id)
        doctor.hours_set, doctor.version = True, recorded.version


class PatientProjector(Projector):
    name = "patients"
    tables = (Patient,)

    @on(PatientCreated)
    def registered(self, recorded: Recorded, event: PatientCreated, rows: Rows) -> None:
        # A patient whose key is gone reads "[erased]", no date of birth (see events.shredding).
        rows.add(Patient(id=recorded.stream_id, name=event.name, date_of_birth=event.date_of_birth,
                         phone=event.phone or "", email=event.email or "", version=recorded.version))

    @on(PatientUpdated)
    def updated(self, recorded: Recorded, event: PatientUpdated, rows: Rows) -> None:
        changed = rows.get(Patient, recorded.stream_id)
        if event.name is not None:
            changed.name = event.name
        if event.date_of_birth is not None:
            changed.date_of_birth = event.date_of_birth
        if event.phone is not None:
            changed.phone = event.phone
        if event.email is not None:
            changed.email = event.email
        changed.version = recorded.version

    @on(PatientErased)
    def erased(self, recorded: Recorded, event: PatientErased, rows: Rows) -> None:
        """The erased shape: the id stays (appointments still point at it), nothing personal does."""
        gone = rows.get(Patient, recorded.stream_id)
        gone.name, gone.date_of_birth, gone.phone, gone.email = None, None, "", ""
        gone.erased, gone.version = True, recorded.version


class AppointmentProjector(Projector):
    name = "appointments"
    tables = (Appointment,)

    @on(AppointmentCreated)
    def booked(self, recorded: Recorded, event: AppointmentCreated, rows: Rows) -> None:
        rows.add(Appointment(
            id=recorded.stream_id, doctor_id=event.doctor_id, patient_id=event.patient_id, day=event.day,
            time=event.time, duration_minutes=event.duration_minutes, status=Appointment.BOOKED,
            version=recorded.version))

    @on(AppointmentCancelled)
    def cancelled(self, recorded: Recorded, event: AppointmentCancelled, rows: Rows) -> None:
        cancelled = rows.get(Appointment, recorded.stream_id)
        cancelled.status, cancelled.cancel_reason = Appointment.CANCELLED, event.reason
        cancelled.version = recorded.version

    @on(PatientErased)
    def patient_erased(self, recorded: Recorded, event: PatientErased, rows: Rows) -> None:
        """Cancel reasons may name the patient; they read as erased, as a rebuild reads them."""
        for cancelled in rows.matching(Appointment, patient_id=recorded.stream_id):
            if cancelled.cancel_reason:
                cancelled.cancel_reason = ERASED

    @on(AppointmentRescheduled)
    def rescheduled(self, recorded: Recorded, event: AppointmentRescheduled, rows: Rows) -> None:
        moved = rows.get(Appointment, recorded.stream_id)
        moved.doctor_id, moved.day, moved.time = event.doctor_id, event.day, event.time
        moved.duration_minutes, moved.version = event.duration_minutes, recorded.version

    @on(PatientCheckedIn)
    def checked_in(self, recorded: Recorded, event: PatientCheckedIn, rows: Rows) -> None:
        here = rows.get(Appointment, recorded.stream_id)
        here.status, here.version = CHECKED_IN, recorded.version

    @on(AppointmentNoShow)
    def no_show(self, recorded: Recorded, event: AppointmentNoShow, rows: Rows) -> None:
        missed = rows.get(Appointment, recorded.stream_id)
        missed.status, missed.version = NO_SHOW, recorded.version


class CardProjector(Projector):
    """The card process's events (``events.domain.card``) as one row per
    appointment holding the whole document (``AppointmentCard``)."""

    name = "cards"
    tables = (AppointmentCard,)

    @on(CardStarted)
    def started(self, recorded: Recorded, event: CardStarted, rows: Rows) -> None:
        rows.add(AppointmentCard(
            id=event.appointment_id, card_id=recorded.stream_id, doctor_id=event.doctor_id,
            patient_id=event.patient_id, complete=False, version=recorded.version, document={
                "id": str(event.appointment_id), "day": event.day.isoformat(), "time": f"{event.time:%H:%M}",
                "status": Appointment.BOOKED, "patient": _unknown_patient(event.patient_id),
                "doctor": _unknown_doctor(event.doctor_id)}))

    @on(CardAppointmentChanged)
    def changed(self, recorded: Recorded, event: CardAppointmentChanged, rows: Rows) -> None:
        card = _card(rows, recorded)
        document = {**card.document, "day": event.day.isoformat(), "time": f"{event.time:%H:%M}",
                    "status": event.status}
        if event.doctor_id != card.doctor_id:  # another doctor: unknown until the process finds them
            card.doctor_id, document["doctor"] = event.doctor_id, _unknown_doctor(event.doctor_id)
        _write(card, document, recorded)

    @on(CardDoctorFound)
    def doctor_found(self, recorded: Recorded, event: CardDoctorFound, rows: Rows) -> None:
        card = _card(rows, recorded)
        if event.doctor_id == card.doctor_id:
            _write(card, {**card.document, "doctor": {"id": str(event.doctor_id), "name": event.name,
                                                      "specialty": event.specialty, "retired": event.retired}},
                   recorded)

    @on(CardPatientFound)
    def patient_found(self, recorded: Recorded, event: CardPatientFound, rows: Rows) -> None:
        card = _card(rows, recorded)
        if event.name == ERASED:  # its key is gone: a replay after erasure reads it so
            patient = _erased_patient(event.patient_id)
        else:
            patient = {"id": str(event.patient_id), "name": event.name, "erased": False,
                       "dateOfBirth": None if event.date_of_birth is None else event.date_of_birth.isoformat()}
        _write(card, {**card.document, "patient": patient}, recorded)

    @on(CardPatientErased)
    def card_patient_erased(self, recorded: Recorded, event: CardPatientErased, rows: Rows) -> None:
        card = _card(rows, recorded)
        _write(card, {**card.document, "patient": _erased_patient(event.patient_id)}, recorded)

    @on(PatientErased)
    def patient_erased(self, recorded: Recorded, event: PatientErased, rows: Rows) -> None:
        """The patient's own erasure scrubs their cards at once, as it does their
        row, without waiting for the process to say so on each card."""
        for card in rows.matching(AppointmentCard, patient_id=recorded.stream_id):
            card.document = {**card.document, "patient": _erased_patient(recorded.stream_id)}


def _card(rows: Rows, recorded: Recorded) -> AppointmentCard:
    (card,) = rows.matching(AppointmentCard, card_id=recorded.stream_id)
    return card


def _write(card: AppointmentCard, document: dict[str, Any], recorded: Recorded) -> None:
    patient, doctor = document["patient"], document["doctor"]
    card.document, card.version = document, recorded.version
    card.complete = doctor["name"] is not None and (patient["name"] is not None or patient["erased"])


def _unknown_patient(patient_id: uuid.UUID) -> dict[str, Any]:
    return {"id": str(patient_id), "name": None, "dateOfBirth": None, "erased": False}


def _erased_patient(patient_id: uuid.UUID) -> dict[str, Any]:
    return {"id": str(patient_id), "name": None, "dateOfBirth": None, "erased": True}


def _unknown_doctor(doctor_id: uuid.UUID) -> dict[str, Any]:
    return {"id": str(doctor_id), "name": None, "specialty": None, "retired": False}


def _clock(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


PROJECTORS = (DoctorProjector(), PatientProjector(), AppointmentProjector(), CardProjector())


def by_name(name: str) -> Projector:
    for projector in PROJECTORS:
        if projector.name == name:
            return projector
    raise LookupError(f"No projector named {name!r}; known: {', '.join(p.name for p in PROJECTORS)}.")


def subscriber_by_name(name: str) -> Subscriber:
    """A projector, or a write-side process (whose dead letters are parked alike), by its name."""
    for subscriber in (*PROCESSES, *PROJECTORS):
        if subscriber.name == name:
            return subscriber
    raise LookupError(f"No subscriber named {name!r}.")
