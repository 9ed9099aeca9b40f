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
