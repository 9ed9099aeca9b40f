"""How the API runs a command: one path for every write.

Run the handler in a transaction (with the Idempotency-Key claimed in it), then
wait, bounded, for the read side to reach the written position (read-your-writes)
and answer with the resource as projected — or 202 with the id and position.
"""
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from rest_framework import status
from rest_framework.response import Response

from events import handlers
from readmodels import runner

from . import idempotency

MAX_CORRELATION_ID = 100


def context(request):
    correlation_id = request.headers.get("X-Correlation-ID", "")[:MAX_CORRELATION_ID] or None
    return handlers.Context(actor=request.user.get_username(), source="api", correlation_id=correlation_id)


def execute(request, command, *, show, detail_url, created=False):
    """``command(ctx) -> Written``; ``show(id) -> dict or None`` renders the read model."""
    key = idempotency.key_of(request)
    if key:
        earlier = idempotency.earlier_answer(request, key)
        if earlier is not None:
            return earlier
    with transaction.atomic():
        written = command(context(request))
        if key:
            idempotency.record(request, key, written)
    response = answer(request, written, show=show, detail_url=detail_url, created=created)
    if key:
        idempotency.remember(request, key, response)
    return response


def answer(request, written, *, show, detail_url, created):
    location = request.build_absolute_uri(reverse(detail_url, args=[written.id]))
    position = written.position
    body = None
    if runner.wait_for(position, settings.CLINIC_READ_YOUR_WRITES_TIMEOUT):
        body = show(written.id)
    if body is None:
        return Response({"id": str(written.id), "position": position}, status=status.HTTP_202_ACCEPTED,
                        headers={"Location": location})
    code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return Response({**body, "position": position}, status=code, headers={"Location": location})
