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
from typing import Any, Protocol

from django.db import connection
from django.http import HttpRequest
from django.utils import timezone

from clinic import commands
from events import store
from events.domain import appointment, card, patient
from events.domain.catalogue import upcast

from .models import PatientRead

VIEW_LENGTH = PatientRead._meta.get_field("view").max_length or 60


def record_reads(request: HttpRequest, patient_ids: Iterable[uuid.UUID | str | None]) -> None:
    """Record that this request shows these patients' data. Each patient once;
    none, no query. The view is named by its URL name ("api:patient",
    "web:appointments", "admin:readmodels_patient_changelist"), stable across
    releases, with the method when it is not a GET: "api:patient PATCH" is a
    command's answer, not a look-up."""
    shown = list(dict.fromkeys(uuid.UUID(str(pk)) for pk in patient_ids if pk is not None))
    if not shown:
        return
    view = request.resolver_match.view_name if request.resolver_match else request.path
    if request.method not in ("GET", "HEAD"):
        view = f"{view} {request.method}"
    user = request.user
    reader = {"user_id": user.pk, "username": user.get_username(), "view": view[:VIEW_LENGTH],
              "at": timezone.now(), "correlation_id": commands.correlation_id(request) or "",
              "refresh": getattr(request, "live_refresh", False)}  # set by clinic.web.access
    _insert([PatientRead(patient_id=pk, **reader) for pk in shown])


def _insert(rows: list[PatientRead]) -> None:
    """One INSERT of all the rows, in SQL written here: every answer that shows a
    patient pays for it, and the ORM's insert compiler took as long again as the
    database (profiled on ``make bench``'s detail). ``bulk_create`` would also
    wrap it in a transaction of its own (on SQLite two more statements, BEGIN and
    COMMIT); a single INSERT is atomic by itself. Only a list longer than one
    statement may carry (SQLite's 999 parameters: 142 rows) takes several, in one
    transaction."""
    if len(rows) > connection.ops.bulk_batch_size(_FIELDS, rows):
        PatientRead.objects.bulk_create(rows)
        return
    params = [field.get_db_prep_save(getattr(row, field.attname), connection) for row in rows for field in _FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(_INSERT + ", ".join([_ROW] * len(rows)), params)


_FIELDS = [field for field in PatientRead._meta.concrete_fields if not field.primary_key]
_INSERT = (f"INSERT INTO {connection.ops.quote_name(PatientRead._meta.db_table)} "
           f"({', '.join(connection.ops.quote_name(field.column) for field in _FIELDS)}) VALUES ")
_ROW = "(" + ", ".join(["%s"] * len(_FIELDS)) + ")"


class ShownEvent(Protocol):
    """What ``patients_in`` reads of an event: a ``StoredEvent`` or the feed's
    ``store.FeedEvent``."""

    @property
    def stream_id(self) -> uuid.UUID: ...

    @property
    def stream_type(self) -> str: ...

    @property
    def current_data(self) -> dict[str, Any]: ...


def patients_in(events: Sequence[ShownEvent]) -> list[uuid.UUID]:
    """The patients these events are about: a patient's own events (name, date of
    birth), an appointment card's events that name the patient (the name and date
    of birth found), an appointment's booking (it names the patient), and an appointment's
    later events (a cancel reason may name them), whose patient the booking says —
    read from the log in one query when the booking is not among the events."""
    found: dict[uuid.UUID, None] = {}
    appointments: dict[uuid.UUID, None] = {}
    for event in events:
        if event.stream_type == patient.STREAM:
            found[event.stream_id] = None
        elif event.stream_type == appointment.STREAM:
            booked = _patient_named(event.current_data)
            if booked is not None:
                found[booked] = None
            else:
                appointments[event.stream_id] = None
        elif event.stream_type == card.STREAM:
            named = _patient_named(event.current_data)
            if named is not None:
                found[named] = None
    if appointments:
        booked_type = appointment.AppointmentCreated.type
        bookings = store.first_events(appointments, booked_type).values()
        found.update((pk, None) for pk in (_patient_named(upcast(booked_type, schema_version, data))
                                           for data, schema_version in bookings) if pk is not None)
    return list(found)


def _patient_named(data: dict[str, Any]) -> uuid.UUID | None:
    value = data.get("patient_id")
    return uuid.UUID(str(value)) if value else None
