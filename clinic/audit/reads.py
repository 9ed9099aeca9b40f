"""Recording reads: the one way a view notes which patients it showed.

``record_reads`` runs inside the view, before the response leaves it, and raises
if the insert fails — the request then fails too, so no patient's data is ever
shown unrecorded. It writes one row per patient with a single bulk INSERT.
``RecordedRead`` is the API detail's way on PostgreSQL: the read of the row and
its audit record are one statement, so one round trip, and atomic — the row
comes back only if its record was written; ``record_reads`` then knows the
patient is recorded and writes nothing more for it.
``patients_in`` tells which patients a list of events is about, for the views
that show events (the API's feed and streams, the event log, time travel, the
dashboard's latest activity).
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from django.db import connection
from django.db.models import Field
from django.http import HttpRequest
from django.utils import timezone

from clinic import commands
from clinic.db.compiled import Compiled
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
    recorded = _recorded(request)
    shown = [pk for pk in dict.fromkeys(uuid.UUID(str(pk)) for pk in patient_ids if pk is not None)
             if pk not in recorded]
    if not shown:
        return
    reader = _reader(request)
    _insert([PatientRead(patient_id=pk, **reader) for pk in shown])
    recorded.update(shown)


def _reader(request: HttpRequest) -> dict[str, Any]:
    """Every field of this request's audit records but the patient."""
    view = request.resolver_match.view_name if request.resolver_match else request.path
    if request.method not in ("GET", "HEAD"):
        view = f"{view} {request.method}"
    user = request.user
    return {"user_id": user.pk, "username": user.get_username(), "view": view[:VIEW_LENGTH],
            "at": timezone.now(), "correlation_id": commands.correlation_id(request) or "",
            "refresh": getattr(request, "live_refresh", False)}  # set by clinic.web.access


def _recorded(request: HttpRequest) -> set[uuid.UUID]:
    """The patients this request has recorded already."""
    recorded: set[uuid.UUID] | None = getattr(request, "_clinic_reads_recorded", None)
    if recorded is None:
        recorded = set()
        request._clinic_reads_recorded = recorded  # type: ignore[attr-defined]
    return recorded


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


class RecordedRead:
    """A row read by its id (``Compiled``) that shows a patient — ``patient``, a
    field of the row's model, names them — and, on PostgreSQL, records the read
    in the same statement::

        WITH shown(c0, c1, …) AS (<the compiled read>),
             audited AS (INSERT INTO audit_patientread (…) SELECT …, shown.cN, … FROM shown)
        SELECT c0, c1, … FROM shown

    One round trip instead of two, on every detail answered (the INSERT alone
    was a third of the detail's time in the database), and one transaction: if
    the INSERT fails, no row comes back. A record is written for each row read,
    so only a read whose every row is shown may use it: the detail's, for a
    reader who may see the row (``clinic.roles.visible.one``). SQLite has no
    INSERT inside WITH: there the row is read alone and ``record_reads`` records
    it, as every other view's."""

    def __init__(self, compiled: Compiled, patient: Field[Any, Any]):
        self._compiled = compiled
        self._patient = patient
        self._statement: tuple[str, str] | None = None

    def __call__(self, request: HttpRequest, value: Any) -> list[Any]:
        if connection.vendor != "postgresql":
            return self._compiled(value)
        reader = _reader(request)
        params = [field.get_db_prep_save(reader[field.attname], connection)
                  for field in _FIELDS if field.attname != "patient_id"]
        rows = self._compiled(value, lambda sql, bound: (self._around(sql), [*bound, *params]))
        _recorded(request).update(uuid.UUID(str(getattr(row, self._patient.attname))) for row in rows)
        return rows

    def _around(self, sql: str) -> str:
        if self._statement is None:
            names = [f"c{n}" for n in range(self._compiled.columns)]
            patient = names[self._compiled.position(self._patient)]
            values = ", ".join(f"shown.{patient}" if field.attname == "patient_id" else "%s" for field in _FIELDS)
            insert = f"{_INSERT.removesuffix(' VALUES ')} SELECT {values} FROM shown"
            self._statement = (f"WITH shown({', '.join(names)}) AS (",
                               f"), audited AS ({insert}) SELECT {', '.join(names)} FROM shown")
        before, after = self._statement
        return before + sql + after


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
