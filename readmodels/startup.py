"""Projections catch up when a process that projects, or serves, starts.

Projection follows each commit (``readmodels.signals``) and, in production,
beat's periodic catch-up. Neither helps when a process dies between a commit and
its projection in the embedded mode, which has no beat: the booking stays
invisible until the next write, however long that is. So:

* **Web processes** call ``catch_up_in_background()`` as the application is
  loaded (``clinic.asgi``, ``clinic.wsgi``): once per process, before it serves.
* **Celery workers** schedule the catch-up task when they are ready to take
  it (Celery's ``worker_ready`` signal, connected below).

Not ``AppConfig.ready``: that runs in every process that sets Django up —
``migrate`` on a database that has no tables yet, ``makemigrations``, the test
runner before its test database exists, every shell — and in the embedded mode
the task runs right there, eagerly. Only the entry points of the processes that
serve or project know they are such a process.

The web catch-up runs in a daemon thread, for two reasons: an ASGI server loads
the application inside its event loop, where Django refuses synchronous database
access; and serving should not wait for it (in production it only publishes
the task, but a broker that is away holds that up to its timeouts). Concurrent
runs are harmless: the runner locks each projector's checkpoint. A failure is
logged in one line and never raised — a database not migrated yet, a broker
away: the next commit, or beat, catches up then.
"""
import logging
import threading

from celery.signals import worker_ready
from django.db import connections

logger = logging.getLogger(__name__)


def catch_up_in_background() -> threading.Thread:
    """Start the catch-up in a thread of its own; returns the thread."""
    thread = threading.Thread(target=catch_up, name="projection-catch-up", daemon=True)
    thread.start()
    return thread


def catch_up() -> None:
    """Schedule the projection task (in the embedded mode: run it, here)."""
    from .tasks import project

    try:
        project.delay()
    except Exception as error:
        logger.warning("Projections could not catch up at start-up (%s: %s); the next write, or beat in "
                       "production, catches up.", type(error).__name__, error)
    finally:
        connections.close_all()  # this thread's own connections


@worker_ready.connect
def catch_up_when_a_worker_is_ready(sender: object = None, **kwargs: object) -> None:
    catch_up()
