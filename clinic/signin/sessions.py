"""How long a staff session lasts: it ends after ``SESSION_COOKIE_AGE`` (30 minutes)
without the person doing anything, and ``CLINIC_SESSION_MAX_AGE`` (12 hours) after
signing in whatever they do.

Idle: Django ends a session ``SESSION_COOKIE_AGE`` after it was last saved (the
database row's expiry, and the cookie's). Saving it on every request
(``SESSION_SAVE_EVERY_REQUEST``) would cost a write per request, so it is saved for
activity at most once a minute (``ACTIVITY_STEP``): the session ends between 29 and
30 minutes after the person's last request. Requests a page makes by itself are
not activity: the live-update stream, and a page re-fetching itself on an update
(``X-Clinic-Live-Refresh``); otherwise a dashboard left open in a busy clinic would
stay signed in for good.

At most: the moment of signing in is kept in the session, and a request after the
limit signs the session out before the view runs (so a page sends the person to
sign in again, and says why).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.deprecation import MiddlewareMixin

from clinic.web.live import REFRESH_HEADER

SIGNED_IN_AT = "clinic_signed_in_at"
ACTIVE_AT = "clinic_active_at"
ACTIVITY_STEP = 60  # seconds between two saves of a session for activity


class SessionLimits(MiddlewareMixin):
    def __init__(self, get_response: Callable[..., Any]) -> None:
        super().__init__(get_response)
        self.live_stream = reverse("web:live")

    def process_request(self, request: HttpRequest) -> None:
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return  # no session to look at (an API call with a token, say): leave it unread
        session = request.session
        if SESSION_KEY not in session:
            return
        now = int(time.time())
        signed_in_at = session.get(SIGNED_IN_AT)
        if signed_in_at is not None and now - signed_in_at >= settings.CLINIC_SESSION_MAX_AGE:
            logout(request)
            if not self._automatic(request):
                hours = round(settings.CLINIC_SESSION_MAX_AGE / 3600)
                messages.info(request, f"You were signed out: a session lasts at most {hours} hours. "
                                       "Please sign in again.")
            return
        if signed_in_at is None:
            session[SIGNED_IN_AT] = now  # a session from before this rule: it counts from now
        if not self._automatic(request) and now - session.get(ACTIVE_AT, 0) >= ACTIVITY_STEP:
            session[ACTIVE_AT] = now  # saved at the end of the request, which moves its expiry

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and session.modified and SESSION_KEY in session and SIGNED_IN_AT not in session:
            # Signed in by this very request.
            session[SIGNED_IN_AT] = session[ACTIVE_AT] = int(time.time())
        return response

    def _automatic(self, request: HttpRequest) -> bool:
        return request.path == self.live_stream or request.headers.get(REFRESH_HEADER) == "1"
