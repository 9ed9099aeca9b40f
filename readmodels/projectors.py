"""Projectors: plain classes whose methods, marked ``@on(EventClass)``, add and
change read-model rows in the batch's ``Rows`` (``rows.py``), which the runner
writes. They never read other projectors' tables, so each may run ahead of the
others; the runner (``runner.py``) gives each one its checkpoint."""
from __future__ import annotations

from collections.abc import Callable
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
from events.domain.doctor import (
    DoctorArrived,
    DoctorCreated,
    DoctorLeft,
    DoctorRetired,
    DoctorUpdated,
    WorkingHoursSet,
    worked_seconds,
)
from events.domain.messages import ERASED, Event
from events.domain.patient import PatientCreated, PatientErased, PatientUpdated
from events.store import Recorded

from .models import Appointment, Doctor, Patient, TimesheetEntry, WorkingHours
from .rows import Rows

Handler = Callable[..., None]


def on(event_class: type[Event]) -> Callable[[Handler], Handler]:
    """Mark a projector method as the handler of one event class."""
    def mark(method: Handler) -> Handler:
        method.projects = event_class  # type: ignore[attr-defined]
        return method
    return mark


class Projector:
    name: ClassVar[str] = ""
    tables: ClassVar[tuple[type[Model], ...]] = ()  # the models it owns, emptied before a rebuild (children first)
    _handlers: ClassVar[dict[type[Event], str]] = {}  # event class -> the name of the method projecting it

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = {method.projects: name for name, method in vars(cls).items() if hasattr(method, "projects")}
        cls._handlers = {**cls._handlers, **own}  # a subclass projects what its parent does, and more

    def handled_types(self) -> list[str]:
        """The stored type names this projector reads: the runner reads no others."""
        return sorted(event_class.type for event_class in self._handlers)

    def apply(self, recorded: Recorded, rows: Rows) -> None:
        """Project one event into ``rows`` (a ``readmodels.rows.Rows``), which the
        runner writes back once the whole batch has been applied."""
        name = self._handlers.get(type(recorded.event))
        if name is not None:
            getattr(self, name)(recorded, recorded.event, rows)


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


def _clock(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


PROJECTORS = (DoctorProjector(), PatientProjector(), AppointmentProjector())


def by_name(name: str) -> Projector:
    for projector in PROJECTORS:
        if projector.name == name:
            return projector
    raise LookupError(f"No projector named {name!r}; known: {', '.join(p.name for p in PROJECTORS)}.")
