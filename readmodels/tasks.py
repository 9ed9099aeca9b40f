"""Celery tasks. Scheduled after every append (on commit) and by beat as a
periodic catch-up, which covers a lost message or a broker that was away."""
from celery import Task, shared_task

from events import store

from . import runner

# How soon to look again when committed events are not readable yet.
NOT_YET_READABLE_RETRY_SECONDS = 0.2


@shared_task(name="readmodels.tasks.project", bind=True)
def project(self: Task) -> dict[str, int]:
    reached = runner.run_all()
    if not self.request.is_eager and min(reached.values(), default=0) < store.last_position():
        # Committed events this run did not reach: not readable yet when it read
        # (an older transaction was still running, events.store). Their own
        # commit's task may have found nothing to read either, so look again
        # shortly rather than leave them to the next commit or beat.
        self.apply_async(countdown=NOT_YET_READABLE_RETRY_SECONDS)
    return reached
