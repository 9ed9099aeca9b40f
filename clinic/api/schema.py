"""What the OpenAPI schema declares beyond each view's own answers.

Integrators generate typed clients from the schema, and such a client can only
parse what is declared: an undeclared status is an exception, an error without a
body schema is parsed as nothing, an undeclared header has no parameter. So every
operation declares, besides its own answers, those that come with what it is:

* behind a permission (every operation but the token exchange): 401 (with
  WWW-Authenticate); behind the staff-only ones (all but the token exchange and the
  logout, which any signed-in user may use on their own token), 403 too: a role
  that may not (clinic.api.permissions.RoleAllows);
* with a JSON body: 400, 413 and 415;
* a command (a write with a body, behind the permission; each runs through
  commands.execute):
  202, 409 and 422 of the Idempotency-Key, the Idempotency-Key and
  X-Correlation-ID request headers, and Location on every success;
* at a resource's URL (``{id}``): 404; a page of a list: 404 past the last page;
* a list with filters: 400 for a filter value that is not valid.

Every 4xx has the one error body, ``Error``. The rules read the view itself
(permissions, method, path, pagination, filters), so a new endpoint is declared
as it behaves without anyone remembering to.
"""
import functools

from django.conf import settings
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.mixins import ListModelMixin

from clinic.commands import MAX_CORRELATION_ID

from .idempotency import MAX_KEY_LENGTH
from .permissions import IsClinicStaff
from .serializers import Accepted


class Error(serializers.Serializer):
    """Every error. Invalid input also names each field at fault, with its messages
    (``{"detail": "...", "dateOfBirth": ["..."]}``)."""

    detail = serializers.CharField(help_text="What went wrong, as a sentence a person can read.")
    duplicateOf = serializers.UUIDField(required=False, help_text=(
        "Only when a patient's registration is refused as a likely duplicate (409 on POST /api/patients/): the "
        "id of the patient with the same name and date of birth."))


class ErrorSchema(OpenApiSerializerExtension):
    """Any other key of an error is a field name, and its value that field's messages."""

    target_class = Error

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        schema["additionalProperties"] = {"type": "array", "items": {"type": "string"}}
        return schema


class ClinicTokenScheme(KnoxTokenScheme):
    """The security scheme of clinic.signin.tokens.TokenAuthentication, which is
    knox's (drf-spectacular describes knox's class only, not its subclasses)."""

    target_class = "clinic.signin.tokens.TokenAuthentication"


def refused(description):
    """An error answer (any 4xx): the one error body, and when it is given."""
    return OpenApiResponse(Error, description=description)


@functools.cache
def written(serializer_class):
    """The answer to a command: the resource as the read side shows it, plus the
    position of the command's last event in the log. Cached: one class, so one
    schema component, per resource."""
    name = serializer_class.__name__.removesuffix("Serializer")
    meta = type("Meta", (serializer_class.Meta,), {"fields": [*serializer_class.Meta.fields, "position"]})
    return type(f"{name}Written", (serializer_class,), {
        "__module__": __name__,
        "__doc__": f"The {name.lower()} as written, and the position of the write in the event log.",
        "Meta": meta,
        "position": serializers.IntegerField(help_text="Position of the write in the event log "
                                                       "(GET /api/events/?after= reads what follows)."),
    })


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": r"\S"},
    OpenApiParameter.HEADER,
    description=f"Optional, 1 to {MAX_KEY_LENGTH} characters (surrounding spaces ignored). A retry with the "
                "same key answers the first result and writes nothing; the same key for a different request is "
                "422; while the first request is still running, 409.")
CORRELATION_ID = OpenApiParameter(
    "X-Correlation-ID", str, OpenApiParameter.HEADER,
    description=f"Optional. Its first {MAX_CORRELATION_ID} characters become the correlation_id in the "
                "metadata of the events the command writes (default: the causation_id).")
LOCATION = OpenApiParameter(
    "Location", OpenApiTypes.URI, OpenApiParameter.HEADER, required=True, response=[200, 201, 202],
    description="The URL of the resource written.")
RETRY_AFTER = OpenApiParameter(
    "Retry-After", {"type": "integer", "minimum": 1}, OpenApiParameter.HEADER, required=True, response=[429],
    description="Seconds until this username may sign in again.")
AUTHENTICATE = OpenApiParameter(
    "WWW-Authenticate", str, OpenApiParameter.HEADER, required=True, response=[401],
    description='"Token": send Authorization: Token <key> (POST /api/auth/token/ gives one).')


CSV_FORMAT = OpenApiParameter(
    "format", {"type": "string", "enum": ["json", "csv"]}, OpenApiParameter.QUERY,
    description="csv: the answer as text/csv, a header row first, instead of JSON.")


def csv_answer(description):
    """A CSV answer (``text/csv``): declared as text, with what its rows are."""
    return OpenApiResponse(OpenApiTypes.STR, description=description)


class ClinicSchema(AutoSchema):
    """drf-spectacular's schema of a view, with the answers and headers of the
    module docstring added to what the view declares (the view's own win)."""

    def get_override_parameters(self):
        shared = []
        if self._guarded():
            shared.append(AUTHENTICATE)
        if self._is_command():
            shared += [IDEMPOTENCY_KEY, CORRELATION_ID, LOCATION]
        return [*super().get_override_parameters(), *shared]

    def _get_response_bodies(self, direction="response"):
        # drf-spectacular's (private) hook that sees the responses after
        # @extend_schema; get_response_serializers is replaced by the decorator.
        responses = super()._get_response_bodies(direction)
        for code, answer in self._shared_answers().items():
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(answer, str(code), direction=direction)
        return dict(sorted(responses.items()))

    def _shared_answers(self):
        answers = {}
        if self._filters():
            answers[400] = refused("A filter's value is not valid; the filter is named with its messages.")
        if self._reads_body():
            answers[400] = refused("The body is not a JSON object of this operation's fields, or a value is "
                                   "not valid; each field at fault is named with its messages.")
            answers[413] = refused(f"The body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.")
            answers[415] = refused("The body is not JSON (application/json, UTF-8).")
        if self._guarded():
            answers[401] = refused("No credentials, or a token that is not valid (or has expired, or was revoked).")
        if self._staff_only():
            answers[403] = refused("This account's role may not do this (or not for this doctor, or this "
                                   "record is out of its reach); a staff account without a role; not a clinic "
                                   "staff account; or, signed in with a session, a write without its CSRF token.")
        if self._is_command():
            answers[202] = OpenApiResponse(Accepted, description=(
                "Written, but the read side did not catch up in time: the id and position; the resource "
                "will be at Location."))
            answers[409] = refused("The command contradicts the current state, or another command wrote to "
                                   "the same records at that moment (retry).")
            answers[422] = refused("This Idempotency-Key was used for a different request.")
        not_found = [reason for applies, reason in [(self._at_a_resource(), "Nothing has this id."),
                                                    (self._paged(), "No such page.")] if applies]
        if not_found:
            answers[404] = refused(" ".join(not_found))
        return answers

    def _guarded(self):
        """Behind a permission: every operation but the token exchange."""
        return bool(self.view.get_permissions())

    def _staff_only(self):
        return any(isinstance(permission, IsClinicStaff) for permission in self.view.get_permissions())

    def _reads_body(self):
        """A write that takes a body (the logout takes none)."""
        return self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None

    def _is_command(self):
        """Every guarded write with a body is a command, run by commands.execute."""
        return self._reads_body() and self._guarded()

    def _at_a_resource(self):
        return "{" in self.path

    def _paged(self):
        return self.method == "GET" and isinstance(self.view, ListModelMixin) and bool(self.view.pagination_class)

    def _filters(self):
        return self.method == "GET" and getattr(self.view, "filterset_class", None) is not None
