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
from events.domain import hours
from readmodels import selectors
from readmodels.models import Appointment

from .. import charts, commands
from ..access import staff_page
from ..forms import EditDoctorForm, RegisterDoctorForm, RetireDoctorForm, ShiftForm, WorkingHoursForm
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
    return _doctor_page(request, pk)


@staff_page(write=Capability.MANAGE_DOCTORS)
@require_POST
def edit_doctor(request, pk):
    return _send(request, pk, "edit_form", EditDoctorForm(request.POST), lambda data: c.UpdateDoctor(
        doctor_id=pk, name=data["name"], specialty=data["specialty"]), lambda data: f"Dr {data['name']} saved.")


@staff_page(write=Capability.MANAGE_DOCTORS)
@require_POST
def set_working_hours(request, pk):
    return _send(request, pk, "hours_form", WorkingHoursForm(request.POST),
                 lambda data: c.SetWorkingHours(doctor_id=pk, weekly=data["weekly"]), "Working hours saved.")


@staff_page(write=Capability.MANAGE_DOCTORS)
@require_POST
def retire_doctor(request, pk):
    return _send(request, pk, "retire_form", RetireDoctorForm(request.POST),
                 lambda data: c.RetireDoctor(doctor_id=pk, reason=data["reason"]),
                 "Retired: no longer booked, no longer arriving; the history is kept.")


@staff_page(write=Capability.RECORD_ATTENDANCE, for_doctor=whose.doctor_in_url)
@require_POST
def record_arrival(request, pk):
    return _send(request, pk, "shift_form", ShiftForm(request.POST),
                 lambda data: c.Arrive(doctor_id=pk, at=data["at"]), "Arrival recorded.")


@staff_page(write=Capability.RECORD_ATTENDANCE, for_doctor=whose.doctor_in_url)
@require_POST
def record_departure(request, pk):
    return _send(request, pk, "shift_form", ShiftForm(request.POST),
                 lambda data: c.Leave(doctor_id=pk, at=data["at"]), "Departure recorded.")


def _send(request, pk, name, form, command, done):
    """One of the doctor page's forms as a command: back to the page, which
    already shows the change; or the page again with this form (``name``, as
    the template calls it) refused, its errors in place."""
    if commands.submit(request, form, command):
        messages.success(request, done(form.cleaned_data) if callable(done) else done)
        return redirect("web:doctor", pk)
    return _doctor_page(request, pk, **{name: form})


def _doctor_page(request, pk, **refused):
    """The doctor's page; ``refused`` is the one form (by its name on the page)
    that was just sent and refused, shown with its errors in place of a fresh one."""
    doctor, pending = shown_or_pending(request, selectors.doctors_with_timesheet().prefetch_related("working_hours"),
                                       pk, "doctor")
    if pending:
        return pending
    staff = staff_of(request.user)
    week = selectors.week_of(doctor)
    forms = {"shift_form": ShiftForm(),
             "edit_form": EditDoctorForm(initial={"name": doctor.name, "specialty": doctor.specialty}),
             "hours_form": WorkingHoursForm(initial=WorkingHoursForm.initial_of(week)),
             "retire_form": RetireDoctorForm(), **refused}
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
        "chart_weeks": charts.WEEKS,
        "upcoming": upcoming,
        "manages_doctors": may(staff, Capability.MANAGE_DOCTORS),
        "week": [(day, hours.describe(week, weekday)) for weekday, day in enumerate(hours.WEEKDAYS)],
        **forms,
    }, status=commands.status(*forms.values()))
