"""How a form runs a command: one path for every staff-page write.

The form checks the shape of the input and builds the command; the command
handler (the domain) decides. It runs in a transaction, then we wait, bounded,
until the read side has reached the written position (read-your-writes), so the
redirect that follows shows the new state at once — as the API does.

A refusal (``DomainError``) becomes an error on the form: beside the field it is
about, or as the form's message (double booking, already on shift, ...). Never a 500.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest

from clinic import commands
from events import handlers
from events.domain.errors import DomainError
from events.domain.messages import Command

# The commands' field names that our forms call otherwise (a form picks a doctor,
# the command carries the doctor's id).
FORM_FIELDS = {"doctor_id": "doctor", "patient_id": "patient"}


def submit(request: HttpRequest, form: forms.Form,
           command: Callable[[dict[str, Any]], Command]) -> handlers.Written | None:
    """Dispatch ``command(cleaned_data)`` if the form is valid.

    Returns the ``Written``, or None when the form now carries the errors to show.
    """
    if not form.is_valid():
        return None
    try:
        with transaction.atomic():
            written = handlers.dispatch(commands.context(request, "web"), command(form.cleaned_data))
    except DomainError as refusal:
        field = FORM_FIELDS.get(refusal.field or "", refusal.field)
        form.add_error(field if field in form.fields else None, refusal.message)
        form.refusal_status = commands.status_of(refusal)  # type: ignore[attr-defined]
        return None
    if not commands.caught_up(written):
        messages.info(request, "Saved. It may take a moment to show on every page.")
    return written


def status(*forms_shown: forms.Form | None) -> int:
    """The HTTP status of a page showing these forms: 200, or why one was refused."""
    for form in forms_shown:
        if form is not None and form.is_bound and form.errors:
            return getattr(form, "refusal_status", 400)
    return 200
