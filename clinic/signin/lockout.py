"""Sign-in throttling, by django-axes (settings: ``AXES_*``).

Every door signs in through ``django.contrib.auth.authenticate`` with the request:
the staff pages' and the admin's login forms, and the API's token exchange
(``AuthTokenSerializer``). axes' backend, first in ``AUTHENTICATION_BACKENDS``,
refuses a locked username before the password is even checked, and axes' signal
handler records each failure in its database table (``AccessAttempt``), by username
only. Five failures lock the username for fifteen minutes from the fifth, whatever
is tried meanwhile (a refused attempt does not extend the lock); a success before
then clears the count.

axes counts a username's failures as long as each came within fifteen minutes of
the one after it, so five failures within fifteen minutes always lock, and so do
five spread more thinly without a quiet quarter of an hour between them.

How a lockout is answered:

* the pages (``/accounts/login/``, ``/admin/login/``): axes' middleware hands the
  request to ``lockout_response`` (``AXES_LOCKOUT_CALLABLE``), a page that says why
  and for how long, status 429;
* the API: ``clinic.api.views.ObtainToken`` raises ``SignInLocked``, which the API's
  exception handler answers as every error, ``{"detail": ...}``, with 429 and
  ``Retry-After``. (axes marks the DRF request it was given, not the Django request
  its middleware sees, so the view answers for itself.)
"""
from __future__ import annotations

import math
from typing import Any

from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from rest_framework import status
from rest_framework.exceptions import APIException


def seconds_left(username: str | None) -> int:
    """Seconds until ``username`` may sign in again; 0 if it is not locked.

    axes holds a username locked while its failures recorded in the last cool-off
    period add up to the limit. Failures are recorded per (username, address,
    browser), each row stamped with its latest failure, and rows leave the count
    oldest first; so the lock ends one cool-off period after the row that brings
    the count, newest first, to the limit.
    """
    cool_off = settings.AXES_COOLOFF_TIME
    now = timezone.now()
    rows = (AccessAttempt.objects.filter(username=username, attempt_time__gte=now - cool_off)
            .order_by("-attempt_time").values_list("failures_since_start", "attempt_time"))
    failures = 0
    for count, at in rows:
        failures += count
        if failures >= settings.AXES_FAILURE_LIMIT:
            return max(1, math.ceil((at + cool_off - now).total_seconds()))
    return 0


def message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    lock = round(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    return (f"Too many failed sign-in attempts for this username: it is locked for {lock} minutes. "
            f"Try again in {minutes} minute{'s' if minutes != 1 else ''}.")


def locked_username(request: Any) -> str | None:
    """The username axes refused or locked in this request (the handler keeps the
    credentials it was given on the request)."""
    return get_client_username(request, getattr(request, "axes_credentials", None))


class SignInLocked(APIException):
    """The API's answer to a locked username: 429 with ``Retry-After`` (DRF's
    exception handler sends ``wait`` as that header)."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"

    def __init__(self, wait: int) -> None:
        self.wait = wait
        super().__init__(message(wait))

    @classmethod
    def of(cls, request: Any) -> SignInLocked:
        return cls(max(1, seconds_left(locked_username(request))))


def lockout_response(request: HttpRequest, *args: Any) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: the sign-in pages' answer to a locked username.

    axes' middleware passes (request, response, credentials) when it runs
    synchronously and (request, credentials) under ASGI; neither is needed, the
    credentials being on the request."""
    wait = max(1, seconds_left(locked_username(request)))
    response = render(request, "registration/locked_out.html", {
        "message": message(wait), "sign_in": request.get_full_path(),
    }, status=status.HTTP_429_TOO_MANY_REQUESTS)
    response["Retry-After"] = str(wait)
    return response
