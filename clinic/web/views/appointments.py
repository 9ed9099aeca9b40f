from datetime import timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from clinic.audit.reads import record_reads
from clinic.dates import FIRST_DAY, LAST_DAY
from clinic.roles import visible
from clinic.roles.rules import Capability, may
from clinic.roles.staff import staff_of
from events.domain import commands as c
from readmodels import selectors
from readmodels.models import Appointment

from .. import booking as book
from .. import commands
from ..access import staff_page
from ..forms import AppointmentFilterForm, CancelAppointmentForm
from . import query_with, shown_or_pending


@staff_page(Capability.SEE_PATIENTS, write=Capability.BOOK)
@require_http_methods(["GET", "POST"])
def appointment_list(request):
    """One day's appointments (today unless asked), and the booking form."""
    query = request.GET.copy()
    if not query.get("day"):
        query["day"] = timezone.localdate().isoformat()
    filters = AppointmentFilterForm(query)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    day = chosen.get("day") or timezone.localdate()

    booking, offered = book.form_for(
        request, {"day": day, "doctor": chosen.get("doctor"), "patient": request.GET.get("patient")})
    if booking.is_bound:
        written = book.book(request, booking)
        if written:
            messages.success(request, "Appointment booked.")
            return redirect("web:appointment", written.id)
        asked = getattr(booking, "cleaned_data", {}).get("day")
        if asked and asked != day and FIRST_DAY <= asked <= LAST_DAY:
            # A refused booking stays on the day it asked for, so the clash is on screen.
            query["day"] = asked.isoformat()
            filters = AppointmentFilterForm(query)
            chosen = filters.cleaned_data if filters.is_valid() else {}
            day = asked
    staff = staff_of(request.user)
    appointments = visible.appointments(staff, selectors.appointments()).filter(
        day=day).order_by("time", "doctor__name")
    if chosen.get("doctor"):
        appointments = appointments.filter(doctor_id=chosen["doctor"].pk)
    if chosen.get("status"):
        appointments = appointments.filter(status=chosen["status"])
    appointments = list(appointments)
    shown = [a.patient_id for a in appointments]
    if may(staff, Capability.BOOK):
        # The booking form (shown to who may book) names the patients its search found.
        shown += [patient.pk for patient in offered]
    record_reads(request, shown)
    return render(request, "web/appointments/list.html", {
        "day": day, "day_iso": day.isoformat(), "today": timezone.localdate(), "appointments": appointments,
        "filters": filters, "booking": booking,
        "previous_day": query_with(request, day=(day - timedelta(days=1)).isoformat()) if day > FIRST_DAY else None,
        "next_day": query_with(request, day=(day + timedelta(days=1)).isoformat()) if day < LAST_DAY else None,
    }, status=commands.status(booking, filters))


@staff_page(Capability.SEE_PATIENTS)
def appointment_page(request, pk):
    return _appointment_page(request, pk, CancelAppointmentForm())


@staff_page(write=Capability.BOOK)
@require_POST
def cancel_appointment(request, pk):
    form = CancelAppointmentForm(request.POST)
    written = commands.submit(request, form, lambda data: c.CancelAppointment(appointment_id=pk,
                                                                              reason=data["reason"]))
    if written:
        messages.success(request, "Appointment cancelled; the slot is free again.")
        return redirect("web:appointment", pk)
    return _appointment_page(request, pk, form)


def _appointment_page(request, pk, cancel_form):
    appointment, pending = shown_or_pending(request, selectors.appointments(), pk, "appointment",
                                            visible.appointments)
    if pending:
        return pending
    record_reads(request, [appointment.patient_id])
    return render(request, "web/appointments/detail.html", {
        "live_page": reverse("web:appointment", args=[pk]),  # also after a refused POST
        "appointment": appointment, "cancel_form": cancel_form, "booked": appointment.status == Appointment.BOOKED,
    }, status=commands.status(cancel_form))
