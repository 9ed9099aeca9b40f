"""The one error format: ``{"detail": "..."}``, plus field names for validation
errors (``{"dateOfBirth": ["..."]}``). Domain errors carry their own status."""
from django.http import JsonResponse
from django.views import defaults
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from events.domain.errors import DomainError


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = {"detail": exc.message}
        if exc.field:
            body[exc.field] = [exc.message]
        return Response(body, status=exc.status)
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
