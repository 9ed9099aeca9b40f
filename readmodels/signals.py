"""Projection follows new events: the store announces each commit, we schedule a
catch-up task. The write side never imports the read side.

By the time this runs the events are committed: the command has happened. If
scheduling fails (the broker is away) or, in the embedded mode where the task runs
right here, a projector fails, we log it and let the next catch-up cover it — an
exception here would reach the caller after the fact and turn a recorded command
into an error response (inviting a retry that writes it twice).

In the embedded mode the task runs in this call, and a catch-up commits events
of its own (the card process appends), which announce themselves here again,
inside the running catch-up. Starting another catch-up there would nest one per
commit — deep enough, over a long import, to end in ``RecursionError``. So a
commit announced during a catch-up in this thread only asks the running one to
go round once more, when it is done."""
import logging
import threading

from django.dispatch import receiver

from events.store import events_committed

logger = logging.getLogger(__name__)


class _Catching(threading.local):
    running = False
    again = False


_catching = _Catching()


@receiver(events_committed)
def project_new_events(sender: object, position: int, **kwargs: object) -> None:
    if _catching.running:
        _catching.again = True
        return
    _catching.running = True
    try:
        _catching.again = True
        while _catching.again:
            _catching.again = False
            _schedule(position)
    finally:
        _catching.running = False


def _schedule(position: int) -> None:
    from .tasks import project

    try:
        project.delay()
    except Exception:
        logger.exception("Projection after position %s failed; the next catch-up will retry.", position)
