"""How the API runs a command: one path for every write.

Dispatch the command in a transaction (with the Idempotency-Key claimed in it),
then wait, bounded, for the read side to reach the written position
(read-your-writes) and answer with the resource as projected — or 202 with the
id and position.
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
from events.domain.messages import Command

from . import idempotency

Show = Callable[[Any], "dict[str, Any] | None"]


def execute(request: Request, command: Command, *, show: Show, detail_url: str, created: bool = False) -> Response:
    """Run ``command``; ``show(id) -> dict or None`` renders the read model."""
    key = idempotency.key_of(request)
    if key:
        earlier = idempotency.earlier_answer(request, key)
        if earlier is not None:
            return earlier
    with transaction.atomic():
        written = handlers.dispatch(commands.context(request, "api"), command)
        if key:
            idempotency.record(request, key, written)
    response = answer(request, written, show=show, detail_url=detail_url, created=created)
    if key:
        idempotency.remember(request, key, response)
    return response


def answer(request: Request, written: handlers.Written, *, show: Show, detail_url: str, created: bool) -> Response:
    location = request.build_absolute_uri(reverse(detail_url, args=[written.id]))
    body = show(written.id) if commands.caught_up(written) else None
    if body is None:
        return Response({"id": str(written.id), "position": written.position}, status=status.HTTP_202_ACCEPTED,
                        headers={"Location": location})
    code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return Response({**body, "position": written.position}, status=code, headers={"Location": location})
