"""``/healthz`` (anyone: no personal data) and ``/metrics`` (staff or the metrics token)."""
import hmac

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST
from rest_framework.exceptions import AuthenticationFailed

from clinic.signin import tokens
from clinic.staff import is_clinic_staff

from . import health, metrics


@require_GET
def healthz(request):
    state = health.check()
    return JsonResponse(state.as_json(), status=200 if state.healthy else 503)


@require_GET
def metrics_page(request):
    if not _may_scrape(request):
        response = JsonResponse({"detail": "Send a staff API token (Authorization: Token …) or the metrics "
                                           "token (Authorization: Bearer …)."}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(metrics.exposition(), content_type=CONTENT_TYPE_LATEST)


def _may_scrape(request) -> bool:
    scheme, _, credential = request.headers.get("Authorization", "").partition(" ")
    if scheme == "Bearer":
        expected = settings.CLINIC_METRICS_TOKEN
        return bool(expected) and hmac.compare_digest(credential.encode(), expected.encode())
    if scheme == "Token":
        try:
            found = tokens.TokenAuthentication().authenticate(request)
        except AuthenticationFailed:
            return False
        return found is not None and is_clinic_staff(found[0])
    return is_clinic_staff(request.user)  # a signed-in staff member's browser
