"""Reads of the read models, shaped for the pages and the API.

Each selector answers in a fixed number of queries whatever the size of the
answer: joins (select_related) for to-one, one prefetch for to-many.
"""
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from uuid import UUID

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from events.domain import hours, schedule
from events.domain.clinic import Clinic

from .models import Appointment, AppointmentCard, Doctor, Patient, TimesheetEntry
from .models import hours as hours_of


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


def appointment_cards() -> QuerySet[AppointmentCard]:
    """Appointment cards the process has completed: each row holds the whole
    document, so one is read with one query and no join."""
    return AppointmentCard.objects.filter(complete=True)


def upcoming_count(patient_id: UUID, now: datetime) -> int:
    """How many of a patient's appointments are booked and still to come."""
    local = timezone.localtime(now)
    return Appointment.objects.filter(patient_id=patient_id, status=Appointment.BOOKED).filter(
        Q(day__gt=local.date()) | Q(day=local.date(), time__gt=local.time())).count()


def booked_with(doctor_id: UUID, patients: QuerySet[Patient]) -> QuerySet[Patient]:
    """The patients who have an appointment with this doctor, whatever its status."""
    return patients.filter(id__in=Appointment.objects.filter(doctor_id=doctor_id).values("patient_id"))


def appointments_between(first: date, last: date) -> QuerySet[Appointment]:
    """Appointments from ``first`` to ``last``, both included, with their doctor and patient."""
    return appointments().filter(day__gte=first, day__lte=last)


def week_of(doctor: Doctor) -> hours.Week:
    """The doctor's working week as the domain reads it: their own blocks, or the
    clinic's default week. Reads ``doctor.working_hours`` (prefetch it)."""
    if not doctor.hours_set:
        return hours.week(settings.CLINIC_DEFAULT_HOURS, field="CLINIC_DEFAULT_HOURS")
    return tuple(hours.Block(block.weekday, hours.minutes_of(block.start),
                             hours.minutes_of(block.end) or hours.END_OF_DAY)
                 for block in doctor.working_hours.all())


def free_slots(doctor: Doctor, day: date, duration_minutes: int, clinic: Clinic) -> list[time]:
    """The starts on the clinic's grid where ``doctor`` could be booked for
    ``duration_minutes`` on ``day``: inside a working-hours block, overlapping
    none of the doctor's appointments that hold their time (all but the
    cancelled), and still to come at ``clinic.now``. One query for the day's
    appointments (and the working hours, unless prefetched)."""
    if doctor.retired:
        return []
    held = Appointment.objects.filter(doctor_id=doctor.pk, day=day).exclude(status=Appointment.CANCELLED)
    taken = [held_slot(at, minutes) for at, minutes in held.values_list("time", "duration_minutes")]
    return open_starts(week_of(doctor), day, taken, duration_minutes, clinic)


def held_slot(at: time, duration_minutes: int) -> schedule.Slot:
    """The minutes of the day an appointment at ``at`` holds."""
    return schedule.Slot(at.hour * 60 + at.minute, at.hour * 60 + at.minute + duration_minutes)


def open_starts(week: hours.Week, day: date, taken: list[schedule.Slot], duration_minutes: int,
                clinic: Clinic) -> list[time]:
    """``free_slots`` without the database: the calendar pages read a week's or a
    day's appointments in one query and ask this for each doctor and day."""
    starts = []
    for block in hours.on(week, day.weekday()):
        first = -(-block.start // clinic.slot_minutes) * clinic.slot_minutes  # the grid's first start in the block
        for start in range(first, block.end - duration_minutes + 1, clinic.slot_minutes):
            wanted = schedule.Slot(start, start + duration_minutes)
            at = time(start // 60, start % 60)
            if clinic.start_of(day, at) > clinic.now and not any(wanted.overlaps(slot) for slot in taken):
                starts.append(at)
    return starts


@dataclass(frozen=True)
class Timesheet:
    first: date
    last: date
    entries: list[TimesheetEntry]

    @property
    def total_seconds_worked(self) -> int:
        """The finished shifts' seconds (a shift still open counts once it ends)."""
        return sum(entry.seconds_worked or 0 for entry in self.entries)

    @property
    def total_hours_worked(self) -> int | float:
        return hours_of(self.total_seconds_worked)


def timesheet(doctor_id: UUID, first: date, last: date) -> Timesheet:
    """The doctor's shifts that began on the clinic's local days ``first`` to
    ``last``, both included, in one query."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(first, time(0, 0), tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time(0, 0), tzinfo=zone)
    entries = list(TimesheetEntry.objects.filter(doctor_id=doctor_id, arrived_at__gte=start, arrived_at__lt=end)
                   .order_by("arrived_at"))
    return Timesheet(first, last, entries)


def doctors_with_hours() -> QuerySet[Doctor]:
    """Doctors with their own working-hours blocks, in one more query for any number of them."""
    return Doctor.objects.prefetch_related("working_hours")


def same_patient(name: str, date_of_birth: date) -> Patient | None:
    """A registered patient with this name (any case, spaces trimmed) and date of birth, if any."""
    return patients().filter(name__iexact=" ".join(name.split()), date_of_birth=date_of_birth).first()
