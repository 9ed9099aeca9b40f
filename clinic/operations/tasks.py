from celery import shared_task
from django.utils import timezone

from . import housekeeping


@shared_task(name="clinic.operations.tasks.prune")
def prune() -> dict[str, int]:
    return housekeeping.prune(timezone.now())
