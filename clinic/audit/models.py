from django.db import models
from django.utils import timezone


class PatientRead(models.Model):
    """One patient's data shown to one user by one request.

    The user is an id and the username as they were, not a foreign key: the audit
    must outlive the account, and a cascade would try to delete records, which
    the triggers refuse."""

    at = models.DateTimeField(default=timezone.now)
    user_id = models.IntegerField(null=True, help_text="The reader's user id.")
    username = models.CharField(max_length=150)
    view = models.CharField(max_length=60, help_text='Where it was shown, e.g. "api:patient", "web:appointments".')
    patient_id = models.UUIDField()
    correlation_id = models.CharField(max_length=100, blank=True, default="",
                                      help_text="The request's X-Correlation-ID, if it sent one.")
    refresh = models.BooleanField(default=False, help_text="A page re-read in the background (live updates).")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["patient_id", "at"], name="audit_patient_at")]

    def __str__(self) -> str:
        return f"{self.username} read patient {self.patient_id} via {self.view} at {self.at:%Y-%m-%d %H:%M:%S}"


class HistoryRewrite(models.Model):
    """A run of ``manage.py seal_history``: the one operation that changes stored
    events (it seals the plaintext personal fields of events written before
    crypto-shredding). Who ran it, when, and what it changed."""

    at = models.DateTimeField(default=timezone.now)
    actor = models.CharField(max_length=150, help_text="Who ran it: --actor, or the operating system's user.")
    events = models.PositiveIntegerField(help_text="Events whose personal fields were sealed.")
    fields = models.PositiveIntegerField()
    patients = models.PositiveIntegerField()
    keys_created = models.PositiveIntegerField()

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.actor} sealed {self.events} events at {self.at:%Y-%m-%d %H:%M:%S}"
