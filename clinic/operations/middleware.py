"""Counts and times every request for ``/metrics``.

Written for both sync and async stacks, so under ASGI it costs no thread hop
(a plain ``MiddlewareMixin`` would run in a thread for every request). The route
label is the URL pattern, never the path: ``api/patients/<uuid:pk>/``, not a
patient's id.
"""
import time

from asgiref.sync import iscoroutinefunction, markcoroutinefunction

from .metrics import REQUEST_SECONDS, REQUESTS


class RequestMetrics:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self._acall(request)
        started = time.perf_counter()
        response = self.get_response(request)
        _observe(request, response, time.perf_counter() - started)
        return response

    async def _acall(self, request):
        started = time.perf_counter()
        response = await self.get_response(request)
        _observe(request, response, time.perf_counter() - started)
        return response


def _observe(request, response, seconds: float) -> None:
    match = getattr(request, "resolver_match", None)
    route = match.route if match is not None else "unmatched"
    REQUESTS.labels(request.method, route, str(response.status_code)).inc()
    REQUEST_SECONDS.labels(request.method, route).observe(seconds)
