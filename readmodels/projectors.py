"""Projectors: plain classes mapping event types to handlers that add and change
read-model rows in the batch's ``Rows`` (``rows.py``), which the runner writes.
They never read other projectors' tables, so each may run ahead of the others;
the runner (``runner.py``) gives each one its checkpoint."""
import uuid
from datetime import date, datetime, time

from events.domain import appointment, doctor, patient

from .models import Appointment, Doctor, Patient, TimesheetEntry


class Projector:
    name = ""
    tables = ()  # the models it owns, emptied before a rebuild (children first)

    def handlers(self):
        """{event type: method(event, rows)}."""
        raise NotImplementedError

    def apply(self, event, rows):
        """Project one event into ``rows`` (a ``readmodels.rows.Rows``), which the
        runner writes back once the whole batch has been applied."""
        handler = self.handlers().get(event.type)
        if handler is not None:
            handler(event, rows)


class DoctorProjector(Projector):
    name = "doctors"
    tables = (TimesheetEntry, Doctor)

    def handlers(self):
        return {
            doctor.DOCTOR_CREATED: self.registered,
            doctor.DOCTOR_ARRIVED: self.arrived,
            doctor.DOCTOR_LEFT: self.left,
        }

    def registered(self, event, rows):
        rows.add(Doctor(id=event.stream_id, name=event.data["name"], specialty=event.data["specialty"],
                        version=event.version))

    def arrived(self, event, rows):
        at = datetime.fromisoformat(event.data["at"])
        rows.add(TimesheetEntry(doctor_id=event.stream_id, arrived_at=at))
        on_shift = rows.get(Doctor, event.stream_id)
        on_shift.on_shift_since, on_shift.version = at, event.version

    def left(self, event, rows):
        at = datetime.fromisoformat(event.data["at"])
        gone = rows.get(Doctor, event.stream_id)
        shift = rows.get(TimesheetEntry, event.stream_id, gone.on_shift_since)
        shift.left_at, shift.seconds_worked = at, doctor.worked_seconds(shift.arrived_at, at)
        gone.on_shift_since, gone.version = None, event.version
        gone.total_seconds_worked += shift.seconds_worked


class PatientProjector(Projector):
    name = "patients"
    tables = (Patient,)

    def handlers(self):
        return {patient.PATIENT_CREATED: self.registered, patient.PATIENT_UPDATED: self.updated}

    def registered(self, event, rows):
        rows.add(Patient(id=event.stream_id, name=event.data["name"],
                         date_of_birth=date.fromisoformat(event.data["date_of_birth"]), version=event.version))

    def updated(self, event, rows):
        changed = rows.get(Patient, event.stream_id)
        if "name" in event.data:
            changed.name = event.data["name"]
        if "date_of_birth" in event.data:
            changed.date_of_birth = date.fromisoformat(event.data["date_of_birth"])
        changed.version = event.version


class AppointmentProjector(Projector):
    name = "appointments"
    tables = (Appointment,)

    def handlers(self):
        return {appointment.APPOINTMENT_CREATED: self.booked, appointment.APPOINTMENT_CANCELLED: self.cancelled}

    def booked(self, event, rows):
        d = event.data
        rows.add(Appointment(
            id=event.stream_id, doctor_id=uuid.UUID(d["doctor_id"]), patient_id=uuid.UUID(d["patient_id"]),
            day=date.fromisoformat(d["day"]), time=time.fromisoformat(d["time"]),
            duration_minutes=d["duration_minutes"], status=Appointment.BOOKED, version=event.version))

    def cancelled(self, event, rows):
        cancelled = rows.get(Appointment, event.stream_id)
        cancelled.status, cancelled.cancel_reason = Appointment.CANCELLED, event.data.get("reason", "")
        cancelled.version = event.version


PROJECTORS = (DoctorProjector(), PatientProjector(), AppointmentProjector())


def by_name(name):
    for projector in PROJECTORS:
        if projector.name == name:
            return projector
    raise LookupError(f"No projector named {name!r}; known: {', '.join(p.name for p in PROJECTORS)}.")
