"""Reads of the read models, shaped for the pages and the API.

Each selector answers in a fixed number of queries whatever the size of the
answer: joins (select_related) for to-one, one prefetch for to-many.
"""
import re

from django.db.models import Prefetch, Q, QuerySet

from .models import Appointment, Doctor, Patient, TimesheetEntry


def doctors() -> QuerySet[Doctor]:
    return Doctor.objects.all()


def doctors_with_timesheet() -> QuerySet[Doctor]:
    return Doctor.objects.prefetch_related(
        Prefetch("timesheet", queryset=TimesheetEntry.objects.order_by("arrived_at")))


def patients() -> QuerySet[Patient]:
    return Patient.objects.all()


def find_patients(patients_: QuerySet[Patient], search: str) -> QuerySet[Patient]:
    """Patients whose name contains ``search`` (any case), or whose phone starts
    with its digits (phones are kept as digits, with an optional +)."""
    digits = re.sub(r"[\s.()-]", "", search)
    by_phone = Q(phone__startswith=digits) if re.fullmatch(r"\+?[0-9]{3,}", digits) else Q(pk__in=[])
    return patients_.filter(Q(name__icontains=search.strip()) | by_phone)


def appointments() -> QuerySet[Appointment]:
    """Appointments with their doctor and patient, in one query. The inner join
    leaves out an appointment whose doctor or patient row is not projected yet."""
    return Appointment.objects.select_related("doctor", "patient")
