"""Projection follows new events: the store announces each commit, we schedule a
catch-up task. The write side never imports the read side.

By the time this runs the events are committed: the command has happened. If
scheduling fails (the broker is away) or, in the embedded mode where the task runs
right here, a projector fails, we log it and let the next catch-up cover it — an
exception here would reach the caller after the fact and turn a recorded command
into an error response (inviting a retry that writes it twice)."""
import logging

from django.dispatch import receiver

from events.store import events_committed

logger = logging.getLogger(__name__)


@receiver(events_committed)
def project_new_events(sender: object, position: int, **kwargs: object) -> None:
    from .tasks import project

    try:
        project.delay()
    except Exception:
        logger.exception("Projection after position %s failed; the next catch-up will retry.", position)
