"""What the logs keep: one line per refused request, and no patient's name.

* ``OneLineRefusals`` filters ``django.request`` (configured in ``LOGGING``).
  Django logs a refused request — a 403 ``PermissionDenied``, a 404 ``Http404`` —
  with the exception's traceback, as if something had broken. A refusal is the
  application working: its one line (status, method, path) says all there is, and
  tracebacks stay the mark of a 5xx.
* ``RequestFields`` adds the request's correlation id and user id (set by
  ``clinic.operations.requests``) to every record of the JSON logs.
* ``RedactedQueries`` filters uvicorn's access log (installed by ``clinic.asgi``):
  it writes each request's path with its query string, and searches put what was
  typed there — a patient's name in the admin's ``?q=``. The query string is
  replaced by "...".
"""
import contextvars
import logging
from typing import Any

REDACTED = "..."  # ASCII: whatever reads the log


class OneLineRefusals(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if 400 <= getattr(record, "status_code", 0) < 500:
            record.exc_info = record.exc_text = record.stack_info = None
        return True


class RedactedQueries(logging.Filter):
    """uvicorn's access record: ``'%s - "%s %s HTTP/%s" %d'`` with (client, method,
    path with query, HTTP version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str) and "?" in args[2]:
            record.args = (args[0], args[1], redacted(args[2]), *args[3:])
        return True


def redacted(path: str) -> str:
    """``/patients/?q=Grace&page=2`` as ``/patients/?...``: any of the query could be
    what someone typed (even a parameter's name), so none of it is kept."""
    path, question, _ = path.partition("?")
    return f"{path}?{REDACTED}" if question else path


def redact_access_log() -> None:
    """Install ``RedactedQueries`` on uvicorn's access log (once)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactedQueries) for f in access.filters):
        access.addFilter(RedactedQueries())


# (correlation id, request) of the request being answered; set by clinic.operations.requests.
# The request, not its user: the API authenticates inside the view, after the middleware.
current: contextvars.ContextVar[tuple[str, Any]] = contextvars.ContextVar("clinic_request", default=("-", None))


class RequestFields(logging.Filter):
    """Adds the request's correlation id and user id to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id, request = current.get()
        user = getattr(request, "user", None)
        record.actor_id = user.pk if user is not None and user.is_authenticated else None
        return True
