"""What the API and the staff pages share when they run a command.

Both build a ``Context`` from the request, dispatch the command in a
transaction, then wait, bounded, for the read side to reach the written position
(read-your-writes) so that the answer or the page after the redirect shows the
new state. A refusal is answered with the status its kind calls for.
"""
from __future__ import annotations

import uuid

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from events import handlers
from events.domain.errors import Conflict, DomainError, NotFound
from readmodels import runner, selectors

MAX_CORRELATION_ID = 100


def context(request: HttpRequest, source: str) -> handlers.Context:
    """Who asks, and the caller's correlation id, if any."""
    return handlers.Context(actor=request.user.get_username(), source=source,
                            correlation_id=correlation_id(request))


def correlation_id(request: HttpRequest) -> str | None:
    """The caller's ``X-Correlation-ID`` (its first characters), or None: what ties
    a request's events and audit records to the caller's own logs."""
    return request.headers.get("X-Correlation-ID", "")[:MAX_CORRELATION_ID] or None


def ensure_erasable(patient_id: uuid.UUID) -> None:
    """Erasure waits until the patient's upcoming appointments are cancelled: an
    erased patient's booking could be neither attended in their name nor cancelled
    with a reason. Read side, at the edge, like the duplicate-patient guard."""
    upcoming = selectors.upcoming_count(patient_id, timezone.now())
    if upcoming:
        raise Conflict(f"This patient has {upcoming} appointment{'s' if upcoming > 1 else ''} still to come; "
                       "cancel {0} first, then erase.".format("them" if upcoming > 1 else "it"))


def caught_up(written: handlers.Written) -> bool:
    """Whether the read side shows ``written`` yet, after waiting a bounded time."""
    return runner.wait_for(written.position, settings.CLINIC_READ_YOUR_WRITES_TIMEOUT)


def status_of(refusal: DomainError) -> int:
    """The HTTP status of a refused command: 404 unknown, 409 contradicts the
    current state, 400 anything else about the input."""
    if isinstance(refusal, NotFound):
        return 404
    if isinstance(refusal, Conflict):
        return 409
    return 400
