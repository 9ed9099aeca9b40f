"""The booking page: a free slot's link opens it with the doctor, day and time
filled in; the patient is found with the picker (clinic.web.booking)."""
from datetime import date

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from clinic.audit.reads import record_reads
from clinic.roles.rules import Capability

from .. import booking, commands
from ..access import staff_page
from ..forms import BookAppointmentForm

SLOT_FIELDS = ("doctor", "day", "time", "duration_minutes", "patient")


@staff_page(Capability.BOOK, write=Capability.BOOK)
@require_http_methods(["GET", "POST"])
def book_page(request):
    """GET ``?doctor=&day=&time=`` (a free slot) starts the form; the Find button
    posts the search and comes back with the patients found; Book books. A
    refused booking comes back with the reason beside its field and every
    value as typed, the asked day included."""
    initial = {name: request.GET[name] for name in SLOT_FIELDS if request.GET.get(name)}
    form, offered = booking.form_for(request, initial)
    if form.is_bound:
        written = booking.book(request, form)
        if written:
            messages.success(request, "Appointment booked.")
            return redirect("web:appointment", written.id)
    record_reads(request, [patient.pk for patient in offered])
    asked = form.data if form.is_bound else {**form.initial, **request.POST.dict()}
    return render(request, "web/booking.html", {
        "form": form, "day": _day(asked.get("day")), "doctor": booking.as_id(asked.get("doctor")),
    }, status=commands.status(form))


def _day(value):
    """The day the form is about, for the heading and the day-sheet link; None if not a date yet."""
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


@staff_page(write=Capability.BOOK)
@require_POST
def patient_picker(request):
    """The type-ahead's answer: the patients the search finds, as the picker
    lists them. Posted, so the name typed stays out of every URL and log."""
    found = booking.found(request, request.POST.get("find", ""))
    record_reads(request, [patient.pk for patient in found])
    label = BookAppointmentForm.base_fields["patient"].label_from_instance
    return JsonResponse({"patients": [{"id": str(p.pk), "label": label(p)} for p in found]})
