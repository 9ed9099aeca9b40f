"""Every request observed: counted and timed for ``/metrics``, and told in one
JSON line (``clinic.requests``) with its correlation id and the user's id.

Written for both sync and async stacks, so under ASGI it costs no thread hop (a
plain ``MiddlewareMixin`` would run in a thread for every request). The route is
the URL pattern, never the path: ``api/patients/<uuid:pk>/``, not a patient's id;
the user is their id, not their name; nothing from the query or the body.

The correlation id — the caller's ``X-Correlation-ID``, or one made here — and
the user's id are set in a context variable for the whole request, so every log
line written meanwhile (a command's, say) carries them (``clinic.logs.RequestFields``).
"""
from __future__ import annotations

import contextvars
import logging
import time
import uuid

from asgiref.sync import iscoroutinefunction, markcoroutinefunction

from clinic.commands import MAX_CORRELATION_ID
from clinic.logs import current

from .metrics import REQUEST_SECONDS, REQUESTS

log = logging.getLogger("clinic.requests")


class ObserveRequests:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        # Decided once: asking on every request was a percent of the API detail's time.
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self._acall(request)
        started, token = _begin(request)
        try:
            response = self.get_response(request)
            _end(request, response, started)
        finally:
            current.reset(token)
        return response

    async def _acall(self, request):
        started, token = _begin(request)
        try:
            response = await self.get_response(request)
            _end(request, response, started)
        finally:
            current.reset(token)
        return response


def _begin(request) -> tuple[float, contextvars.Token]:
    correlation_id = request.headers.get("X-Correlation-ID", "")[:MAX_CORRELATION_ID] or uuid.uuid4().hex
    return time.perf_counter(), current.set((correlation_id, request))


def _end(request, response, started: float) -> None:
    seconds = time.perf_counter() - started
    match = getattr(request, "resolver_match", None)
    route = match.route if match is not None else "unmatched"
    REQUESTS.labels(request.method, route, str(response.status_code)).inc()
    REQUEST_SECONDS.labels(request.method, route).observe(seconds)
    log.info("request", extra={"method": request.method, "route": route, "status": response.status_code,
                               "duration_ms": round(seconds * 1000, 2)})
