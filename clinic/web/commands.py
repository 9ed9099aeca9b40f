"""How a form runs a command: one path for every staff-page write.

The form checks the shape of the input; the command handler (the domain) decides.
The handler runs in a transaction, then we wait, bounded, until the read side has
reached the written position (read-your-writes), so the redirect that follows
shows the new state at once — as the API does (``clinic.api.commands``).

A refusal (``DomainError``) becomes an error on the form: beside the field it is
about, or as the form's message (double booking, already on shift, ...). Never a 500.
"""
from django.conf import settings
from django.contrib import messages
from django.db import transaction

from events import handlers
from events.domain.errors import DomainError
from readmodels import runner

# The domain names fields as the API does; our forms use Python names.
FORM_FIELDS = {
    "dateOfBirth": "date_of_birth",
    "doctorId": "doctor",
    "patientId": "patient",
    "durationMinutes": "duration_minutes",
}


def context(request):
    return handlers.Context(actor=request.user.get_username(), source="web")


def submit(request, form, command):
    """Run ``command(ctx, cleaned_data) -> Written`` if the form is valid.

    Returns the ``Written``, or None when the form now carries the errors to show.
    """
    if not form.is_valid():
        return None
    try:
        with transaction.atomic():
            written = command(context(request), form.cleaned_data)
    except DomainError as refusal:
        field = FORM_FIELDS.get(refusal.field, refusal.field)
        form.add_error(field if field in form.fields else None, refusal.message)
        form.refusal_status = refusal.status
        return None
    if not runner.wait_for(written.position, settings.CLINIC_READ_YOUR_WRITES_TIMEOUT):
        messages.info(request, "Saved. It may take a moment to show on every page.")
    return written


def status(*forms):
    """The HTTP status of a page showing these forms: 200, or why one was refused."""
    for form in forms:
        if form is not None and form.is_bound and form.errors:
            return getattr(form, "refusal_status", 400)
    return 200
