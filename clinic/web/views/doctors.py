from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from clinic.audit.reads import record_reads
from clinic.roles import visible, whose
from clinic.roles.rules import Capability, may
from clinic.roles.staff import staff_of
from events.domain import commands as c
from readmodels import selectors
from readmodels.models import Appointment

from .. import charts, commands
from ..access import staff_page
from ..forms import RegisterDoctorForm, ShiftForm
from . import shown_or_pending

UPCOMING = 10


@staff_page(Capability.SEE_DOCTORS, write=Capability.MANAGE_DOCTORS)
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


@staff_page(Capability.SEE_DOCTORS)
def doctor_page(request, pk):
    return _doctor_page(request, pk, ShiftForm())


@staff_page(write=Capability.RECORD_ATTENDANCE, for_doctor=whose.doctor_in_url)
@require_POST
def record_arrival(request, pk):
    return _record_shift(request, pk, c.Arrive, "arrival")


@staff_page(write=Capability.RECORD_ATTENDANCE, for_doctor=whose.doctor_in_url)
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
    staff = staff_of(request.user)
    hours_shown = may(staff, Capability.SEE_HOURS, doctor.id)
    shifts = list(doctor.timesheet.all()) if hours_shown else []
    now = timezone.localtime()
    upcoming = list(visible.appointments(staff, selectors.appointments()).filter(
        doctor_id=pk, status=Appointment.BOOKED).filter(
        Q(day__gt=now.date()) | Q(day=now.date(), time__gte=now.time())).order_by("day", "time")[:UPCOMING])
    record_reads(request, [appointment.patient_id for appointment in upcoming])
    return render(request, "web/doctors/detail.html", {
        "live_page": reverse("web:doctor", args=[pk]),  # also after a refused POST
        "doctor": doctor,
        "hours_shown": hours_shown,
        "records_attendance": may(staff, Capability.RECORD_ATTENDANCE, doctor.id),
        "shifts": shifts[::-1],
        "chart": charts.bar_chart(charts.weekly_hours(shifts, now.date())) if hours_shown else None,
        "upcoming": upcoming,
        "shift_form": shift_form,
    }, status=commands.status(shift_form))
