"""Read-model tables. Only projectors write them; everything people read comes
from here, joined, never by folding events on a request."""
from datetime import date

from django.db import models
from django.utils import timezone

from events.domain.messages import ERASED
from events.domain.patient import age


class Doctor(models.Model):
    id = models.UUIDField(primary_key=True)
    name = models.CharField(max_length=200)
    specialty = models.CharField(max_length=100)
    on_shift_since = models.DateTimeField(null=True, blank=True)
    total_seconds_worked = models.BigIntegerField(default=0)
    retired = models.BooleanField(default=False)
    hours_set = models.BooleanField(default=False, help_text="False: works the clinic's default week.")
    version = models.PositiveIntegerField(help_text="Stream version this row reflects.")

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def on_shift(self) -> bool:
        return self.on_shift_since is not None

    @property
    def total_hours_worked(self) -> int | float:
        return hours(self.total_seconds_worked)


class TimesheetEntry(models.Model):
    """One shift: from arrival to departure; open while the doctor is on shift."""

    doctor = models.ForeignKey(Doctor, on_delete=models.CASCADE, related_name="timesheet")
    arrived_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)
    seconds_worked = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["arrived_at"]
        verbose_name_plural = "timesheet entries"
        constraints = [models.UniqueConstraint(fields=["doctor", "arrived_at"], name="one_shift_per_arrival")]

    @property
    def hours_worked(self) -> int | float | None:
        return None if self.seconds_worked is None else hours(self.seconds_worked)


class WorkingHours(models.Model):
    """One block of a doctor's week (clinic local times). A doctor with
    ``hours_set`` False has none here and works CLINIC_DEFAULT_HOURS."""

    doctor = models.ForeignKey(Doctor, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(help_text="Monday 0 … Sunday 6")
    start = models.TimeField()
    end = models.TimeField(help_text="00:00 for the end of the day.")

    class Meta:
        ordering = ["weekday", "start"]
        verbose_name_plural = "working hours"
        constraints = [models.UniqueConstraint(fields=["doctor", "weekday", "start"], name="one_block_per_start")]


class Patient(models.Model):
    id = models.UUIDField(primary_key=True)
    # Both None once the patient is erased; the row stays, for the appointments that point at it.
    name = models.CharField(max_length=200, db_index=True, null=True)
    date_of_birth = models.DateField(null=True)
    phone = models.CharField(max_length=16, blank=True, db_index=True)
    email = models.CharField(max_length=254, blank=True)
    erased = models.BooleanField(default=False)
    version = models.PositiveIntegerField()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name or ERASED

    @property
    def age(self) -> int | None:
        return None if self.date_of_birth is None else age(self.date_of_birth, timezone.localdate())


class Appointment(models.Model):
    """Holds its doctor and patient by key, not by copy: renaming a patient changes
    one row. The keys carry no database constraint because the appointment
    projector may run ahead of the doctor and patient projectors; the join
    shows an appointment once all three rows are there."""

    # Stored as the API and the domain name them (events.domain.appointment).
    BOOKED, CHECKED_IN, NO_SHOW, CANCELLED = "booked", "checkedIn", "noShow", "cancelled"
    STATUSES = [(BOOKED, "booked"), (CHECKED_IN, "checked in"), (NO_SHOW, "no-show"), (CANCELLED, "cancelled")]
    id = models.UUIDField(primary_key=True)
    doctor = models.ForeignKey(Doctor, on_delete=models.DO_NOTHING, db_constraint=False, related_name="appointments")
    patient = models.ForeignKey(Patient, on_delete=models.DO_NOTHING, db_constraint=False, related_name="appointments")
    day = models.DateField()
    time = models.TimeField()
    duration_minutes = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=16, choices=STATUSES)
    cancel_reason = models.CharField(max_length=500, blank=True)
    version = models.PositiveIntegerField()

    class Meta:
        ordering = ["day", "time", "id"]
        indexes = [
            models.Index(fields=["day", "time"], name="appointment_day_time"),
            models.Index(fields=["doctor", "day"], name="appointment_doctor_day"),
            models.Index(fields=["patient", "day"], name="appointment_patient_day"),
        ]


class AppointmentCard(models.Model):
    """The seed's other answer: an appointment with its patient's name and age and
    its doctor's name and specialty, stored whole in one row, read with one query
    and no join. Projected from the card process's events
    (``events.domain.card``); ``document`` is::

        {"id", "day", "time", "status",
         "patient": {"id", "name", "dateOfBirth", "erased"},
         "doctor": {"id", "name", "specialty", "retired"}}

    The age is not stored (it changes on a birthday, with no event): the API
    computes it from ``dateOfBirth`` as it reads. ``doctor_id`` and
    ``patient_id`` are kept as columns for need-to-know and erasure.
    ``complete``: the process has found the doctor the appointment now has and
    its patient; until then the card is not shown."""

    id = models.UUIDField(primary_key=True, help_text="The appointment's id.")
    card_id = models.UUIDField(unique=True, help_text="The card process's stream.")
    doctor_id = models.UUIDField(db_index=True)
    patient_id = models.UUIDField(db_index=True)
    complete = models.BooleanField(default=False)
    document = models.JSONField()
    version = models.PositiveIntegerField(help_text="Card stream version this row reflects.")

    class Meta:
        ordering = ["id"]

    @property
    def age(self) -> int | None:
        born = self.document["patient"].get("dateOfBirth")
        return None if born is None else age(date.fromisoformat(born), timezone.localdate())


class Checkpoint(models.Model):
    """How far one projector has read the event log. Advanced in the same
    transaction as the rows it projected, and row-locked while it runs."""

    projector = models.CharField(max_length=64, primary_key=True)
    position = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.projector} @ {self.position}"


def hours(seconds: int) -> int | float:
    """Hours as a JSON-friendly number: 5, 8.5, 7.25."""
    value = round(seconds / 3600, 2)
    return int(value) if value == int(value) else value


class DeadLetter(models.Model):
    """An event a projector could not apply, ``CLINIC_PROJECTOR_RETRIES`` times in a
    row: parked here so the projector goes on with the rest of the log instead of
    failing the same batch for ever. ``manage.py retry_dead_letters`` applies it
    again once the cause is fixed, and deletes the row when it succeeds."""

    projector = models.CharField(max_length=64)
    position = models.BigIntegerField(help_text="The event's position in the log.")
    event_type = models.CharField(max_length=64)
    error = models.TextField(help_text="The last error, in one line: the event's type and position, no values.")
    traceback = models.TextField()
    attempts = models.PositiveSmallIntegerField()
    parked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["projector", "position"]
        constraints = [models.UniqueConstraint(fields=["projector", "position"], name="one_dead_letter_per_event")]

    def __str__(self) -> str:
        return f"{self.projector} @ {self.position} ({self.event_type})"
