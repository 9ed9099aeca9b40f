"""Reads of the read models, shaped for the pages and the API.

Each selector answers in a fixed number of queries whatever the size of the
answer: joins (select_related) for to-one, one prefetch for to-many.
"""
import uuid

from django.db.models import Prefetch, QuerySet

from .models import Appointment, Doctor, Patient, TimesheetEntry


def doctors() -> QuerySet[Doctor]:
    return Doctor.objects.all()


def doctors_with_timesheet() -> QuerySet[Doctor]:
    return Doctor.objects.prefetch_related(
        Prefetch("timesheet", queryset=TimesheetEntry.objects.order_by("arrived_at")))


def patients() -> QuerySet[Patient]:
    return Patient.objects.all()


def appointments() -> QuerySet[Appointment]:
    """Appointments with their doctor and patient, in one query. The inner join
    leaves out an appointment whose doctor or patient row is not projected yet."""
    return Appointment.objects.select_related("doctor", "patient")


def booked_with(doctor_id: uuid.UUID, patients: QuerySet[Patient]) -> QuerySet[Patient]:
    """The patients who have an appointment with this doctor, whatever its status."""
    return patients.filter(id__in=Appointment.objects.filter(doctor_id=doctor_id).values("patient_id"))
