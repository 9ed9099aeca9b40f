"""``/healthz`` (anyone: no personal data) and ``/metrics`` (staff with a role, or the metrics token)."""
import hmac

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST
from rest_framework.exceptions import AuthenticationFailed

from clinic.roles.staff import staff_of
from clinic.signin import tokens

from . import health, metrics


@require_GET
def healthz(request):
    state = health.check()
    return JsonResponse(state.as_json(), status=200 if state.healthy else 503)


@require_GET
def metrics_page(request):
    caller = _scraper(request)
    if caller is None:
        response = JsonResponse({"detail": "Send a staff API token (Authorization: Token …) or the metrics "
                                           "token (Authorization: Bearer …)."}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    if caller is not METRICS_TOKEN and not staff_of(caller).has_role:
        return JsonResponse({"detail": "This account has no clinic role, so it may not read the metrics."},
                            status=403)
    return HttpResponse(metrics.exposition(), content_type=CONTENT_TYPE_LATEST)


METRICS_TOKEN = object()  # the caller showed CLINIC_METRICS_TOKEN


def _scraper(request):
    """Who scrapes: ``METRICS_TOKEN``, a user (by API token or signed in), or None."""
    scheme, _, credential = request.headers.get("Authorization", "").partition(" ")
    if scheme == "Bearer":
        expected = settings.CLINIC_METRICS_TOKEN
        valid = bool(expected) and hmac.compare_digest(credential.encode(), expected.encode())
        return METRICS_TOKEN if valid else None
    if scheme == "Token":
        try:
            found = tokens.TokenAuthentication().authenticate(request)
        except AuthenticationFailed:
            return None
        return found[0] if found is not None else None
    return request.user if request.user.is_authenticated else None
