from django.conf import settings
from django.db import models


class Clinician(models.Model):
    """Links a clinician's user account to the doctor they are: what they may see
    and do on their own is that doctor's."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True,
                                related_name="clinician")
    doctor_id = models.UUIDField(help_text="The doctor this user is (a doctor's stream id).")

    def __str__(self) -> str:
        return f"{self.user} is doctor {self.doctor_id}"
