"""No browser, proxy or shared cache keeps a copy of what the clinic answers.

Every response Django builds gets ``Cache-Control: no-store`` (with the rest of
Django's never-cache headers: ``no-cache, must-revalidate, private, max-age=0``
and an ``Expires`` in the past): the staff pages, the API, the admin, the live
stream, the schema and docs, the sign-in page, redirects and errors.

Why every response rather than a list of the ones with patient data: nearly every
page and endpoint shows a patient, an appointment that names one, or an event that
does (the dashboard, the lists, the event log and feed, the stream histories, the
admin), and a list of exceptions is one that a new page is forgotten from. What
is left — the sign-in page, redirects, errors, the doctors' pages — gains nothing
from a cache. A view's own caching headers are tightened, never loosened.

Static files keep their caching: WhiteNoise answers them above this middleware
(settings.MIDDLEWARE), so they never reach it.

``ContentSecurityPolicy`` is django-csp's middleware, the header built once
(settings.CONTENT_SECURITY_POLICY says what it allows, and why).
"""
from http import HTTPStatus

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.cache import add_never_cache_headers
from django.utils.deprecation import MiddlewareMixin


class NeverStore(MiddlewareMixin):
    def process_response(self, request, response):
        add_never_cache_headers(response)
        return response


class ContentSecurityPolicy(CSPMiddleware):
    """django-csp's middleware, with the policy put into words once.

    django-csp builds the header from ``CONTENT_SECURITY_POLICY`` on every
    response, and the report-only one too, though the settings do not change:
    about a twentieth of the API detail's own CPU time (profiled). Here a response
    that neither changes its policy (django-csp's decorators) nor used a nonce
    gets the same header, built the first time; any other goes django-csp's way.
    Exempt responses and excluded prefixes are django-csp's, as is the check that
    refuses a nonce asked for once the header is written."""

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(
                getattr(response, name, None) is not None for name in _CUSTOMISED):
            return super().process_response(request, response)
        if response.status_code in (HTTPStatus.INTERNAL_SERVER_ERROR, HTTPStatus.NOT_FOUND) and settings.DEBUG:
            return response
        for report_only, header, setting in ((False, HEADER, "CONTENT_SECURITY_POLICY"),
                                              (True, HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY")):
            policy = self._policy(report_only)
            exempt = getattr(response, "_csp_exempt_ro" if report_only else "_csp_exempt", False) is not False
            prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES", None) or ()
            if policy and header not in response and not exempt and not request.path_info.startswith(tuple(prefixes)):
                response[header] = policy
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response

    @classmethod
    def _policy(cls, report_only: bool) -> str:
        policy = _POLICIES.get(report_only)
        if policy is None:
            policy = _POLICIES[report_only] = build_policy(report_only=report_only)
        return policy


# The header's text, and the report-only one's, built on the first response.
_POLICIES: dict[bool, str] = {}
# What django-csp's decorators set on a response to change its policy.
_CUSTOMISED = ("_csp_config", "_csp_update", "_csp_replace", "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro")


@receiver(setting_changed)
def _forget_policies(setting, **kwargs):
    """Tests that change the policy's settings get the policy they set."""
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _POLICIES.clear()
