"""Booking from the staff pages: the form, its patient picker and the command.

The picker lists only the patients a search found, a few at a time, and the
patient already chosen: never every patient, since each patient a page shows is
a read the audit records (clinic.audit.reads). The search is posted — the
form's Find button, or the type-ahead (static/clinic/picker.js) — so a
patient's name never reaches a URL, as with the patients list's search.
"""
from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest

from clinic.roles import visible
from clinic.roles.staff import staff_of
from events.domain import commands as c
from readmodels import selectors
from readmodels.models import Patient

from . import commands
from .forms import BookAppointmentForm, PatientChoiceField

FOUND = 10  # patients a search offers; a longer list asks for a longer search
FIND = "find-patient"  # the name of the Find button


def form_for(request: HttpRequest, initial: dict[str, Any]) -> tuple[BookAppointmentForm, list[Patient]]:
    """The booking form this request asks for, with the patients it offers.

    A POST by the Find button searches: the form comes back unbound, with what
    was typed, so nothing is refused for a patient not chosen yet. Any other
    POST is a booking; a GET starts from ``initial`` (a free slot's doctor, day
    and time, or a patient's page's patient)."""
    if request.method == "POST" and FIND in request.POST:
        typed = {name: request.POST.get(name) for name in BookAppointmentForm.base_fields}
        form = BookAppointmentForm(initial={**initial, **{k: v for k, v in typed.items() if v}})
        offered = offer(request, form, typed.get("find") or "", typed.get("patient"))
    elif request.method == "POST":
        form = BookAppointmentForm(request.POST, initial=initial)
        offered = offer(request, form, request.POST.get("find") or "", request.POST.get("patient"))
    else:
        form = BookAppointmentForm(initial=initial)
        offered = offer(request, form, "", initial.get("patient"))
    return form, offered


def found(request: HttpRequest, search: str) -> list[Patient]:
    """The first patients in the user's reach whose name or phone matches."""
    search = " ".join(search.split())
    if not search:
        return []
    reachable = visible.patients(staff_of(request.user), selectors.patients())
    return list(selectors.find_patients(reachable, search)[:FOUND])


def offer(request: HttpRequest, form: BookAppointmentForm, search: str, chosen: Any) -> list[Patient]:
    """Put the search's patients, and the one chosen, in the form's picker."""
    patients = found(request, search)
    chosen_id = as_id(chosen)
    if chosen_id and not any(p.pk == chosen_id for p in patients):
        patients = [*visible.patients(staff_of(request.user), selectors.patients()).filter(pk=chosen_id),
                    *patients]
    form.searched, form.offered = " ".join(search.split()), patients
    field = form.fields["patient"]
    assert isinstance(field, PatientChoiceField)
    field.choices = [("", "Choose a patient" if patients else "Find a patient first"),
                     *[(p.pk, field.label_from_instance(p)) for p in patients]]
    return patients


def as_id(value: Any) -> uuid.UUID | None:
    """A chosen patient's (or doctor's) id, or None for nothing or not an id (the form says so)."""
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def book(request: HttpRequest, form: BookAppointmentForm):
    """Give the booking command; the ``Written`` or None (the form has the refusal)."""
    return commands.submit(request, form, lambda data: c.BookAppointment(
        doctor_id=data["doctor"].pk, patient_id=data["patient"].pk, day=data["day"], time=data["time"],
        duration_minutes=data["duration_minutes"]))
