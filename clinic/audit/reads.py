"""Recording reads: the one way a view notes which patients it showed.

``record_reads`` runs inside the view, before the response leaves it, and raises
if the insert fails — the request then fails too, so no patient's data is ever
shown unrecorded. It writes one row per patient with a single bulk INSERT.
``patients_in`` tells which patients a list of events is about, for the views
that show events (the API's feed and streams, the event log, time travel, the
dashboard's latest activity).
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from clinic import commands
from events import store
from events.domain import appointment, patient
from events.models import StoredEvent

from .models import PatientRead


def record_reads(request: HttpRequest, view: str, patient_ids: Iterable[uuid.UUID | str | None]) -> None:
    """Record that this request shows these patients' data through ``view`` (a
    stable name: "api:patient", "web:appointments"). Each patient once; none, no
    query."""
    shown = list(dict.fromkeys(uuid.UUID(str(pk)) for pk in patient_ids if pk is not None))
    if not shown:
        return
    user = request.user
    at = timezone.now()
    reader = {"user_id": user.pk, "username": user.get_username(), "view": view, "at": at,
              "correlation_id": commands.correlation_id(request) or "",
              "refresh": getattr(request, "live_refresh", False)}  # set by clinic.web.access
    PatientRead.objects.bulk_create([PatientRead(patient_id=pk, **reader) for pk in shown])


def patients_in(events: Sequence[StoredEvent]) -> list[uuid.UUID]:
    """The patients these events are about: a patient's own events (name, date of
    birth), an appointment's booking (it names the patient), and an appointment's
    later events (a cancel reason may name them), whose patient the booking says —
    read from the log in one query when the booking is not among the events."""
    found: dict[uuid.UUID, None] = {}
    appointments: dict[uuid.UUID, None] = {}
    for event in events:
        if event.stream_type == patient.STREAM:
            found[event.stream_id] = None
        elif event.stream_type == appointment.STREAM:
            booked = _patient_named(event.data)
            if booked is not None:
                found[booked] = None
            else:
                appointments[event.stream_id] = None
    if appointments:
        bookings = store.read_all(types=[appointment.AppointmentCreated.type]).filter(
            stream_id__in=list(appointments), version=1).values_list("data", flat=True)
        found.update((pk, None) for pk in (_patient_named(data) for data in bookings) if pk is not None)
    return list(found)


def _patient_named(data: dict[str, Any]) -> uuid.UUID | None:
    value = data.get("patient_id")
    return uuid.UUID(str(value)) if value else None
