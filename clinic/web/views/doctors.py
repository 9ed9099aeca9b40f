from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from clinic.audit.reads import record_reads
from events.domain import commands as c
from readmodels import selectors
from readmodels.models import Appointment

from .. import charts, commands
from ..access import staff_page
from ..forms import RegisterDoctorForm, ShiftForm
from . import shown_or_pending

UPCOMING = 10


@staff_page
@require_http_methods(["GET", "POST"])
def doctor_list(request):
    form = RegisterDoctorForm(request.POST if request.method == "POST" else None)
    if form.is_bound:
        written = commands.submit(request, form, lambda data: c.RegisterDoctor(
            name=data["name"], specialty=data["specialty"]))
        if written:
            messages.success(request, f"Dr {form.cleaned_data['name']} registered.")
            return redirect("web:doctor", written.id)
    return render(request, "web/doctors/list.html", {"doctors": selectors.doctors(), "form": form},
                  status=commands.status(form))


@staff_page
def doctor_page(request, pk):
    return _doctor_page(request, pk, ShiftForm())


@staff_page
@require_POST
def record_arrival(request, pk):
    return _record_shift(request, pk, c.Arrive, "arrival")


@staff_page
@require_POST
def record_departure(request, pk):
    return _record_shift(request, pk, c.Leave, "departure")


def _record_shift(request, pk, record, what):
    form = ShiftForm(request.POST)
    written = commands.submit(request, form, lambda data: record(doctor_id=pk, at=data["at"]))
    if written:
        messages.success(request, f"{what.capitalize()} recorded.")
        return redirect("web:doctor", pk)
    return _doctor_page(request, pk, form)


def _doctor_page(request, pk, shift_form):
    doctor, pending = shown_or_pending(request, selectors.doctors_with_timesheet(), pk, "doctor")
    if pending:
        return pending
    shifts = list(doctor.timesheet.all())
    now = timezone.localtime()
    upcoming = list(selectors.appointments().filter(doctor_id=pk, status=Appointment.BOOKED).filter(
        Q(day__gt=now.date()) | Q(day=now.date(), time__gte=now.time())).order_by("day", "time")[:UPCOMING])
    record_reads(request, [appointment.patient_id for appointment in upcoming])
    return render(request, "web/doctors/detail.html", {
        "live_page": reverse("web:doctor", args=[pk]),  # also after a refused POST
        "doctor": doctor,
        "shifts": shifts[::-1],
        "chart": charts.bar_chart(charts.weekly_hours(shifts, now.date())),
        "upcoming": upcoming,
        "shift_form": shift_form,
    }, status=commands.status(shift_form))
