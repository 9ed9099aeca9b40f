"""The GraphQL schema: appointments with their patient and doctor, read from the
read models through the selectors the REST API uses (readmodels.selectors), with
the same need-to-know narrowing (clinic.roles.visible) and the same shapes
(clinic.api.serializers: the time as HH:MM, an erased patient's name).

Each root field is one SQL query whatever it selects: the selector joins the
doctor and the patient (select_related), and the answer is built from that one
row set. The fields below the root read only the rows already fetched, so a
list costs the same for 1 appointment or 100 — there is no N+1 to fall into.

Every appointment a root field returns is noted on the context (``Context.shown``)
and the view records the read audit for those patients once, after execution.

Errors a caller can cause are GraphQL errors with a ``code`` in their
``extensions``: NOT_FOUND (REST's 404), FORBIDDEN (REST's 403 for a row out of
the user's reach), BAD_USER_INPUT (REST's 400). Anything else is masked as
"Unexpected error." and logged with its traceback.
"""
from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import strawberry
from django.core.exceptions import PermissionDenied
from graphql import GraphQLError
from strawberry.extensions import MaskErrors, MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter, SchemaExtension
from strawberry.types import ExecutionContext, Info

from clinic.api.serializers import ERASED_PATIENT
from clinic.dates import FIRST_DAY, LAST_DAY, OUTSIDE_CALENDAR
from clinic.roles import visible
from clinic.roles.rules import Staff
from readmodels import models as rows
from readmodels import selectors

# The limits (docs/api.md, "GraphQL"). The deepest useful query, appointment →
# patient → name, is 3 levels; the seed query is 23 tokens. Each root field costs
# one SQL query, and a root field can be repeated only under an alias, so the
# alias limit bounds a request's SQL: at most MAX_ALIASES + 2 data queries.
MAX_DEPTH = 5
MAX_ALIASES = 10
MAX_TOKENS = 1000  # the standard introspection query (an IDE's, codegen's) is 163

NOT_FOUND = "Nothing has this id."  # REST's 404 for /api/appointments/{id}/


class ClinicError(GraphQLError):
    """An error the caller caused, shown as it is (never masked), with its code."""

    code = "BAD_USER_INPUT"

    def __init__(self, message: str) -> None:
        super().__init__(message, extensions={"code": self.code})


class NotFound(ClinicError):
    code = "NOT_FOUND"


class Forbidden(ClinicError):
    code = "FORBIDDEN"


@dataclass
class Context:
    """What the resolvers know of the request: who asks, and which patients the answer shows."""

    staff: Staff
    patients: list[uuid.UUID] = field(default_factory=list)

    def shown(self, appointments: Iterable[rows.Appointment]) -> None:
        """These appointments are in the answer: their patients' reads are recorded."""
        self.patients.extend(a.patient_id for a in appointments)


@strawberry.type(name="Patient", description="The patient of an appointment, as the REST API's appointment shows them.")
class PatientNode:
    id: strawberry.ID
    name: str = strawberry.field(description=f'The patient\'s name; "{ERASED_PATIENT}" once erased.')
    age: int | None = strawberry.field(description="Whole years today (clinic time); null once erased.")

    @classmethod
    def of(cls, patient: rows.Patient) -> PatientNode:
        return cls(id=strawberry.ID(str(patient.pk)), name=ERASED_PATIENT if patient.erased else patient.name or "",
                   age=patient.age)


@strawberry.type(name="Doctor")
class DoctorNode:
    id: strawberry.ID
    name: str
    specialty: str

    @classmethod
    def of(cls, doctor: rows.Doctor) -> DoctorNode:
        return cls(id=strawberry.ID(str(doctor.pk)), name=doctor.name, specialty=doctor.specialty)


@strawberry.type(name="Appointment")
class AppointmentNode:
    id: strawberry.ID
    day: datetime.date = strawberry.field(description="YYYY-MM-DD, the clinic's local day.")
    time: str = strawberry.field(description="HH:MM, the clinic's local time.")
    duration_minutes: int
    status: str = strawberry.field(description="booked, checkedIn, noShow or cancelled.")
    patient: PatientNode
    doctor: DoctorNode

    @classmethod
    def of(cls, appointment: rows.Appointment) -> AppointmentNode:
        return cls(id=strawberry.ID(str(appointment.pk)), day=appointment.day, time=f"{appointment.time:%H:%M}",
                   duration_minutes=appointment.duration_minutes, status=appointment.status,
                   patient=PatientNode.of(appointment.patient), doctor=DoctorNode.of(appointment.doctor))


def _id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound(NOT_FOUND) from None  # REST's URL takes only a UUID: anything else is its 404


@strawberry.type
class Query:
    @strawberry.field(description="One appointment, as GET /api/appointments/{id}/ shows it: one SQL query.")
    def appointment(self, info: Info[Context, None], id: strawberry.ID) -> AppointmentNode | None:
        context = info.context
        try:
            row = visible.one(context.staff, visible.appointments, selectors.appointments(), _id(id))
        except PermissionDenied as refused:
            raise Forbidden(str(refused)) from None
        if row is None:
            raise NotFound(NOT_FOUND)
        context.shown([row])
        return AppointmentNode.of(row)

    @strawberry.field(description="A day's appointments in the user's reach, by time, as GET "
                                  "/api/appointments/?day= lists them (unpaged): one SQL query.")
    def appointments(self, info: Info[Context, None], day: datetime.date) -> list[AppointmentNode]:
        if not FIRST_DAY <= day <= LAST_DAY:
            raise ClinicError(OUTSIDE_CALENDAR)
        context = info.context
        found = list(visible.appointments(context.staff, selectors.appointments().filter(day=day)))
        context.shown(found)
        return [AppointmentNode.of(row) for row in found]


def _unexpected(error: GraphQLError) -> bool:
    """Mask what the caller did not cause (a bug, the database): its text is not theirs to read.
    Syntax and validation errors (the limits') have no original error and are shown."""
    return error.original_error is not None and not isinstance(error.original_error, ClinicError)


class ClinicSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Log only what is unexpected: a refusal or a bad document is the caller's, not ours."""
        super().process_errors([error for error in errors if _unexpected(error)], execution_context)


# Factories, so that each request gets extensions of its own (strawberry's advice).
EXTENSIONS: list[Callable[[], SchemaExtension]] = [
    lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
    lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
    lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
    lambda: MaskErrors(should_mask_error=_unexpected),
]

schema = ClinicSchema(query=Query, extensions=EXTENSIONS)
