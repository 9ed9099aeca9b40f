from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from clinic.audit.reads import record_reads
from clinic.dates import FIRST_DAY, LAST_DAY
from clinic.roles import visible, whose
from clinic.roles.rules import Capability, may
from clinic.roles.staff import staff_of
from events.domain import commands as c
from readmodels import selectors
from readmodels.models import Appointment

from .. import booking as book
from .. import commands
from ..access import staff_page
from ..forms import AppointmentFilterForm, AttendanceForm, CancelAppointmentForm, RescheduleForm
from . import calendar, query_with, shown_or_pending

SHEET_DAY = "sheet_day"  # posted by the day sheet's forms: the day to come back to


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
def reschedule_appointment(request, pk):
    """Move the appointment; from the day sheet, back to the user's day."""
    form = RescheduleForm(request.POST, auto_id=_form_ids(request, pk))
    written = commands.submit(request, form, lambda data: c.RescheduleAppointment(
        appointment_id=pk, day=data["day"], time=data["time"], duration_minutes=data["duration_minutes"]))
    if written:
        moved = form.cleaned_data
        messages.success(request, f"Appointment moved to {moved['day']:%A %-d %B %Y} at {moved['time']:%H:%M}.")
    return _after(request, pk, written, "reschedule", form)


@staff_page(write=Capability.ATTEND, for_doctor=whose.doctor_of_appointment)
@require_POST
def check_in(request, pk):
    """The patient has arrived (only on the appointment's day, while booked)."""
    return _attend(request, pk, "check_in", c.CheckIn, "Checked in.")


@staff_page(write=Capability.ATTEND, for_doctor=whose.doctor_of_appointment)
@require_POST
def no_show(request, pk):
    """The patient did not come (only after the start, while booked)."""
    return _attend(request, pk, "no_show", c.MarkNoShow, "Recorded as a no-show.")


def _attend(request, pk, action, record, done):
    form = AttendanceForm(request.POST, auto_id=_form_ids(request, pk))
    written = commands.submit(request, form, lambda data: record(appointment_id=pk))
    if written:
        messages.success(request, done)
    return _after(request, pk, written, action, form)


def _form_ids(request, pk):
    """From the day sheet, the ids its forms for this booking have (calendar views)."""
    return f"a{pk.hex}_%s" if SHEET_DAY in request.POST else "id_%s"


def _after(request, pk, written, action, form):
    """Where a command from the appointment page or the day sheet lands: on
    success the page it came from, showing the change (read-your-writes); on a
    refusal the same page, on the user's day, the reason beside the form."""
    sheet = {"day": request.POST.get(SHEET_DAY, ""), "doctor": request.POST.get("sheet_doctor", "")}
    if SHEET_DAY in request.POST:
        if written:
            return redirect(f"{reverse('web:day')}?{urlencode({k: v for k, v in sheet.items() if v})}")
        return calendar.render_day_sheet(request, sheet, refused=(pk, action, form), status=commands.status(form))
    if written:
        return redirect("web:appointment", pk)
    return _appointment_page(request, pk, CancelAppointmentForm(), **{action: form})


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


def _appointment_page(request, pk, cancel_form, reschedule=None, check_in=None, no_show=None):
    appointment, pending = shown_or_pending(request, selectors.appointments(), pk, "appointment",
                                            visible.appointments)
    if pending:
        return pending
    record_reads(request, [appointment.patient_id])
    staff = staff_of(request.user)
    booked = appointment.status == Appointment.BOOKED
    reschedule = reschedule or RescheduleForm(initial={
        "day": appointment.day, "time": appointment.time, "duration_minutes": appointment.duration_minutes})
    return render(request, "web/appointments/detail.html", {
        "live_page": reverse("web:appointment", args=[pk]),  # also after a refused POST
        "appointment": appointment, "cancel_form": cancel_form, "booked": booked,
        "reschedule_form": reschedule if may(staff, Capability.BOOK) and (booked or reschedule.errors) else None,
        "attendance": {"check_in": check_in or AttendanceForm(), "no_show": no_show or AttendanceForm()}
        if may(staff, Capability.ATTEND, appointment.doctor_id) and (booked or check_in or no_show) else None,
    }, status=commands.status(cancel_form, reschedule, check_in, no_show))
