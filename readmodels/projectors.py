"""Projectors: plain classes mapping event types to handlers that write read-model
rows. They never read other projectors' tables, so each may run ahead of the
others; the runner (``runner.py``) gives each one its checkpoint."""
from datetime import datetime

from django.db.models import F

from events.domain import appointment, doctor, patient

from .models import Appointment, Doctor, Patient, TimesheetEntry


class Projector:
    name = ""
    tables = ()  # the models it owns, emptied before a rebuild (children first)

    def handlers(self):
        """{event type: method(event)}."""
        raise NotImplementedError

    def apply(self, event):
        handler = self.handlers().get(event.type)
        if handler is not None:
            handler(event)


class DoctorProjector(Projector):
    name = "doctors"
    tables = (TimesheetEntry, Doctor)

    def handlers(self):
        return {
            doctor.DOCTOR_CREATED: self.registered,
            doctor.DOCTOR_ARRIVED: self.arrived,
            doctor.DOCTOR_LEFT: self.left,
        }

    def registered(self, event):
        Doctor.objects.create(id=event.stream_id, name=event.data["name"], specialty=event.data["specialty"],
                              version=event.version)

    def arrived(self, event):
        at = datetime.fromisoformat(event.data["at"])
        TimesheetEntry.objects.create(doctor_id=event.stream_id, arrived_at=at)
        Doctor.objects.filter(id=event.stream_id).update(on_shift_since=at, version=event.version)

    def left(self, event):
        at = datetime.fromisoformat(event.data["at"])
        shift = TimesheetEntry.objects.get(doctor_id=event.stream_id, left_at__isnull=True)
        seconds = doctor.worked_seconds(shift.arrived_at, at)
        TimesheetEntry.objects.filter(pk=shift.pk).update(left_at=at, seconds_worked=seconds)
        Doctor.objects.filter(id=event.stream_id).update(
            on_shift_since=None, total_seconds_worked=F("total_seconds_worked") + seconds, version=event.version)


class PatientProjector(Projector):
    name = "patients"
    tables = (Patient,)

    def handlers(self):
        return {patient.PATIENT_CREATED: self.registered, patient.PATIENT_UPDATED: self.updated}

    def registered(self, event):
        Patient.objects.create(id=event.stream_id, name=event.data["name"],
                               date_of_birth=event.data["date_of_birth"], version=event.version)

    def updated(self, event):
        Patient.objects.filter(id=event.stream_id).update(version=event.version, **event.data)


class AppointmentProjector(Projector):
    name = "appointments"
    tables = (Appointment,)

    def handlers(self):
        return {appointment.APPOINTMENT_CREATED: self.booked, appointment.APPOINTMENT_CANCELLED: self.cancelled}

    def booked(self, event):
        d = event.data
        Appointment.objects.create(
            id=event.stream_id, doctor_id=d["doctor_id"], patient_id=d["patient_id"], day=d["day"],
            time=d["time"], duration_minutes=d["duration_minutes"], status=Appointment.BOOKED, version=event.version)

    def cancelled(self, event):
        Appointment.objects.filter(id=event.stream_id).update(
            status=Appointment.CANCELLED, cancel_reason=event.data.get("reason", ""), version=event.version)


PROJECTORS = (DoctorProjector(), PatientProjector(), AppointmentProjector())


def by_name(name):
    for projector in PROJECTORS:
        if projector.name == name:
            return projector
    raise LookupError(f"No projector named {name!r}; known: {', '.join(p.name for p in PROJECTORS)}.")
