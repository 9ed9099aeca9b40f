"""How the API runs a command: one path for every write.

Dispatch the command in a transaction (with the Idempotency-Key claimed in it),
then wait, bounded, for the read side to reach the written position
(read-your-writes) and answer with the resource as projected — or 202 with the
id and position. A request whose key is already recorded answers from that
record instead (``idempotency`` tells how).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.urls import reverse
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from clinic import commands
from events import handlers
from events.domain.errors import DomainError
from events.domain.messages import Command

from . import idempotency
from .models import IdempotentRequest

Show = Callable[[Any], "dict[str, Any] | None"]


def execute(request: Request, command: Command, *, show: Show, detail_url: str, created: bool = False,
            check: Callable[[], None] | None = None) -> Response:
    """Run ``command``; ``show(id) -> dict or None`` renders the read model.
    ``check``, if given, may refuse the request (by raising) before the command
    runs — but not a retry of one already done, which answers as before."""
    code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    key = idempotency.key_of(request)
    if key:
        earlier = idempotency.earlier(request, key)
        if earlier is not None:
            return again(request, key, earlier, show=show, detail_url=detail_url, code=code)
    if check is not None:
        check()
    try:
        with transaction.atomic():
            written = handlers.dispatch(commands.context(request, "api"), command)
            if key:
                idempotency.record(request, key, written, code)
    except (DomainError, idempotency.Claimed):
        # A twin with this key may have committed while this one ran, and so
        # refused it: the twin's result is the answer.
        earlier = idempotency.earlier(request, key) if key else None
        if earlier is None:
            raise
        return again(request, key, earlier, show=show, detail_url=detail_url, code=code)
    response = answer(request, written, show=show, detail_url=detail_url, code=code)
    if key:
        idempotency.remember(request, key, response)
    return response


def again(request: Request, key: str, earlier: IdempotentRequest, *, show: Show, detail_url: str,
          code: int) -> Response:
    """The answer to a retry: the stored one, or else one made from the committed
    record, as the first request would have answered (its status, its position),
    with the resource as projected now."""
    stored = idempotency.stored_answer(earlier)
    if stored is not None:
        return stored
    if earlier.resource_id is None:  # no record is written without one; a hand-made row might be
        raise idempotency.StillRunning()
    written = handlers.Written(earlier.resource_id, earlier.position)
    # Records made before the status was noted: the same endpoint (the key's
    # fingerprint names it) answers the same status.
    response = answer(request, written, show=show, detail_url=detail_url, code=earlier.status_code or code)
    idempotency.remember(request, key, response)
    return response


def answer(request: Request, written: handlers.Written, *, show: Show, detail_url: str, code: int) -> Response:
    location = request.build_absolute_uri(reverse(detail_url, args=[written.id]))
    body = show(written.id) if commands.caught_up(written) else None
    if body is None:
        return Response({"id": str(written.id), "position": written.position}, status=status.HTTP_202_ACCEPTED,
                        headers={"Location": location})
    return Response({**body, "position": written.position}, status=code, headers={"Location": location})
