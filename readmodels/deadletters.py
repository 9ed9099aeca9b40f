"""Dead letters: events a projector could not apply and went on without.

The runner parks them (``park``); an operator fixes the cause (a projector's bug,
or an event's shape — an upcaster), then replays them with
``manage.py retry_dead_letters`` (``retry``). A replayed event is applied where the
projector now stands, not where it stood: ``verify_readmodels`` then tells whether
the tables equal a full replay, and ``rebuild_readmodels`` makes them so.
"""
import logging
import traceback

from django.db import transaction

from events import store

from .models import DeadLetter
from .projectors import subscriber_by_name
from .rows import Rows

log = logging.getLogger(__name__)


def park(projector_name: str, position: int, event_type: str, error: BaseException, *, attempts: int) -> None:
    log.error("Projector %s parked the %s event at position %s as a dead letter after %s attempt(s): %s",
              projector_name, event_type, position, attempts, type(error).__name__)
    DeadLetter.objects.update_or_create(
        projector=projector_name, position=position,
        defaults={"event_type": event_type, "error": f"{type(error).__name__}: {error}"[:2000],
                  "traceback": "".join(traceback.format_exception(error)), "attempts": attempts})


def retry(letter: DeadLetter) -> bool:
    """Apply the parked event once more; on success the dead letter is gone.
    Runs under the projector's checkpoint lock, like the runner."""
    from .runner import locked_checkpoint

    projector = subscriber_by_name(letter.projector)
    try:
        with transaction.atomic():
            locked_checkpoint(projector.name)
            events = store.read_log(after=letter.position - 1, up_to=letter.position,
                                    types=projector.handled_types(), limit=1)
            rows = Rows()
            for event in events:
                projector.apply(event, rows)
            rows.write()
            DeadLetter.objects.filter(pk=letter.pk).delete()
    except Exception as error:
        park(letter.projector, letter.position, letter.event_type, error, attempts=letter.attempts + 1)
        return False
    return True
