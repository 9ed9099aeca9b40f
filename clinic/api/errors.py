"""The one error format: ``{"detail": "a sentence"}``, and for invalid input
also one key per field at fault with its messages
(``{"detail": "...", "dateOfBirth": ["..."]}``). Integrators generate clients
from the schema, which declares this one shape (``schema.Error``) on every 4xx;
so every error the API answers, whoever raised it, is put in this shape here.
A command the domain refused gets the status of its kind
(``clinic.commands.status_of``) and the API's name for its field."""
from django.http import JsonResponse
from django.views import defaults
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from clinic.commands import status_of
from events.domain.catalogue import UnreadableVersion
from events.domain.errors import DomainError

# The commands' field names that the API spells in camelCase.
API_FIELDS = {
    "doctor_id": "doctorId",
    "patient_id": "patientId",
    "date_of_birth": "dateOfBirth",
    "duration_minutes": "durationMinutes",
}


class DuplicatePatient(APIException):
    """409 ``{"detail", "duplicateOf"}``: a patient with this name and date of birth exists."""

    status_code = status.HTTP_409_CONFLICT

    def __init__(self, twin):
        born = twin.date_of_birth
        super().__init__({
            "detail": (f"{twin.name}, born {born.day} {born:%B %Y}, is already registered. Send "
                       "allowDuplicate: true to register another patient with the same name and date of birth."),
            "duplicateOf": str(twin.pk)})


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return _refusal(exc)
    if isinstance(exc, UnreadableVersion):
        # An event in a schema version this process cannot read: during a deploy,
        # one written by newer code. Not the caller's fault, and over once every
        # process runs that code; the message names the type and the versions only.
        return Response({"detail": f"{exc} Try again shortly."}, status=status.HTTP_503_SERVICE_UNAVAILABLE,
                        headers={"Retry-After": "30"})
    response = drf_exception_handler(exc, context)
    if response is not None:
        response.data = error_body(response.data)
    return response


def _refusal(exc):
    """A command the domain refused: its message, and the field it is about, in
    the API's name. The only place that reads a DomainError's field."""
    body = {"detail": exc.message}
    if exc.field:
        body[API_FIELDS.get(exc.field, exc.field)] = [exc.message]
    return Response(body, status=status_of(exc))


def error_body(data):
    """DRF's error data in the one shape. DRF gives ``{"detail": ...}`` for most
    errors, but only field lists for invalid input, ``non_field_errors`` for input
    wrong as a whole (the token exchange's wrong password), and a bare list for a
    ValidationError raised outside a serializer."""
    if isinstance(data, list):
        return {"detail": " ".join(_messages(data))}
    if isinstance(data.get("detail"), str):
        return data
    general = _messages(data.get(api_settings.NON_FIELD_ERRORS_KEY, []))
    fields = {name: _messages(value) for name, value in data.items() if name != api_settings.NON_FIELD_ERRORS_KEY}
    detail = " ".join(general) or _summary(fields)
    # A field named "detail" (an unknown field, say) gives way to the sentence, which names it.
    return {"detail": detail, **{name: messages for name, messages in fields.items() if name != "detail"}}


def _messages(value):
    """A field's messages as a flat list of strings (a nested field's named by its key)."""
    if isinstance(value, dict):
        return [f"{key}: {message}" for key, inner in value.items() for message in _messages(inner)]
    if isinstance(value, list):
        return [message for item in value for message in _messages(item)]
    return [str(value)]


def _summary(fields):
    """The sentence for field errors: the one message, or which fields to look at."""
    if not fields:
        return "Invalid input."
    if len(fields) == 1:
        [(name, messages)] = fields.items()
        return f"{name}: {messages[0]}" if messages else f"Check {name}."
    return f"Check the fields {', '.join(fields)}: each lists what is wrong."


def bad_request(request, exception=None):
    """Django's own 400 (too many query parameters, a disallowed host), before DRF."""
    return _json_page(request, {"detail": "The request could not be read (too many parameters, or a malformed "
                                          "request)."}, status.HTTP_400_BAD_REQUEST,
                      lambda: defaults.bad_request(request, exception))


def not_found(request, exception=None):
    return _json_page(request, {"detail": "Not found."}, status.HTTP_404_NOT_FOUND,
                      lambda: defaults.page_not_found(request, None))


def server_error(request):
    return _json_page(request, {"detail": "Server error; the request may be retried."},
                      status.HTTP_500_INTERNAL_SERVER_ERROR, lambda: defaults.server_error(request))


def _json_page(request, body, code, html_page):
    """JSON under /api/, Django's page elsewhere (the staff pages)."""
    if request.path.startswith("/api/"):
        return JsonResponse(body, status=code)
    return html_page()
