"""What may be forgotten: records kept for a while, never for ever.

* Idempotency records: a retried write is answered from its record for
  ``CLINIC_IDEMPOTENCY_TTL_HOURS`` (default 24); after that the key may be used
  afresh, as clients of such APIs expect.
* The live-update buffer: django-eventstream keeps each update so that a page
  reconnecting with ``Last-Event-ID`` catches up; after its replay window a page
  that old reloads whole anyway, so the rows serve nobody.

Stored events and the audit are never pruned.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django_eventstream import storage
from django_eventstream.models import Event as LiveUpdate

from clinic.api.models import IdempotentRequest


def prune(now: datetime) -> dict[str, int]:
    """Delete what has outlived its use; return how many rows of each kind went."""
    idempotency_cutoff = now - timedelta(hours=settings.CLINIC_IDEMPOTENCY_TTL_HOURS)
    live_cutoff = now - timedelta(minutes=storage.EVENT_TIMEOUT)
    idempotency, _ = IdempotentRequest.objects.filter(created_at__lt=idempotency_cutoff).delete()
    live_updates, _ = LiveUpdate.objects.filter(created__lt=live_cutoff).delete()
    return {"idempotency records": idempotency, "live updates": live_updates}
