"""The one error format: ``{"detail": "..."}``, plus field names for validation
errors (``{"dateOfBirth": ["..."]}``). A domain refusal gets the status of its
kind (``clinic.commands.status_of``) and the API's name for its field."""
from django.http import JsonResponse
from django.views import defaults
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from clinic.commands import status_of
from events.domain.errors import DomainError

# The commands' field names that the API spells in camelCase.
API_FIELDS = {
    "doctor_id": "doctorId",
    "patient_id": "patientId",
    "date_of_birth": "dateOfBirth",
    "duration_minutes": "durationMinutes",
}


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = {"detail": exc.message}
        if exc.field:
            body[API_FIELDS.get(exc.field, exc.field)] = [exc.message]
        return Response(body, status=status_of(exc))
    return drf_exception_handler(exc, context)


def not_found(request, exception=None):
    return _json_page(request, {"detail": "Not found."}, status.HTTP_404_NOT_FOUND)


def server_error(request):
    return _json_page(request, {"detail": "Server error; the request may be retried."},
                      status.HTTP_500_INTERNAL_SERVER_ERROR)


def _json_page(request, body, code):
    if request.path.startswith("/api/"):
        return JsonResponse(body, status=code)
    if code == 404:
        return defaults.page_not_found(request, None)
    return defaults.server_error(request)
