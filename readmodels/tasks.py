"""Celery tasks. Scheduled after every append (on commit) and by beat as a
periodic catch-up, which covers a lost message or a broker that was away."""
from celery import shared_task

from . import runner


@shared_task(name="readmodels.tasks.project")
def project() -> dict[str, int]:
    return runner.run_all()
