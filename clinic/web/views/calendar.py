"""The week calendar of one doctor, and the day sheet of every doctor (or one).

Both are one grid (clinic.web.calendar) read in a fixed number of queries: the
doctors with their working hours (two), the period's appointments with their
doctor and patient (one), whatever the number of doctors or bookings.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from clinic.audit.reads import record_reads
from clinic.dates import FIRST_DAY, LAST_DAY
from clinic.roles import visible, whose
from clinic.roles.rules import Capability, Reach, may, reach
from clinic.roles.staff import staff_of
from events import handlers
from events.domain.clinic import Clinic, day_words
from readmodels import selectors
from readmodels.models import Appointment

from .. import calendar
from ..access import staff_page
from ..forms import AttendanceForm, DaySheetForm, RescheduleForm, WeekForm

LENGTH = 30  # the booking a free slot offers, in minutes (the booking form's default)


def clinic_now(request) -> Clinic:
    return handlers.Context(actor=request.user.get_username(), source="web").clinic()


@staff_page(Capability.SEE_PATIENTS, for_doctor=whose.doctor_in_url)
def doctor_week(request, pk):
    """Monday to Sunday of one doctor: working hours, bookings, and the free
    slots as links that open the booking form for that slot."""
    doctor = selectors.doctors_with_hours().filter(pk=pk).first()
    if doctor is None:
        raise Http404("No doctor has this id.")
    asked = WeekForm(request.GET)
    monday = _monday((asked.cleaned_data.get("week") if asked.is_valid() else None) or timezone.localdate())
    days = [monday + timedelta(days=n) for n in range(7) if monday + timedelta(days=n) <= LAST_DAY]
    staff = staff_of(request.user)
    appointments = list(visible.appointments(staff, selectors.appointments_between(days[0], days[-1]))
                        .filter(doctor_id=pk).exclude(status=Appointment.CANCELLED))
    grid = calendar.grid([calendar.Column(doctor, day) for day in days], appointments, clinic_now(request), LENGTH)
    record_reads(request, [a.patient_id for a in appointments])
    return render(request, "web/calendar/week.html", {
        "doctor": doctor, "grid": grid, "monday": monday, "sunday": days[-1], "asked": asked,
        "this_week": _monday(timezone.localdate()), "may_book": may(staff, Capability.BOOK),
        "previous_week": (monday - timedelta(days=7)).isoformat() if monday - timedelta(days=7) >= FIRST_DAY else None,
        "next_week": (monday + timedelta(days=7)).isoformat() if monday + timedelta(days=7) <= LAST_DAY else None,
    }, status=400 if asked.errors else 200)


@staff_page(Capability.SEE_PATIENTS)
def day_sheet(request):
    """A day of every doctor, a column each, for the front desk (or one doctor's,
    ``?doctor=``), with a line at the clinic's now; prints on A4."""
    return render_day_sheet(request, request.GET)


def render_day_sheet(request, query, refused: tuple[Any, str, Any] | None = None, status: int = 200):
    """The day sheet for ``query`` (its day and doctor). ``refused``: the
    (appointment id, action, form) a refused command left, shown in that
    booking's cell, so the user stays on their day with the reason beside it."""
    asked = DaySheetForm(query)
    chosen = asked.cleaned_data if asked.is_valid() else {}
    day = chosen.get("day") or timezone.localdate()
    staff = staff_of(request.user)
    working = selectors.doctors_with_hours().filter(retired=False)
    if reach(staff, Capability.SEE_PATIENTS) is Reach.OWN:  # a clinician's sheet is their own day
        working = working.filter(pk=staff.doctor_id) if staff.doctor_id else working.none()
    if chosen.get("doctor"):
        working = working.filter(pk=chosen["doctor"].pk)
    doctors = list(working)
    appointments = list(visible.appointments(staff, selectors.appointments()).filter(
        day=day, doctor_id__in=[d.pk for d in doctors]).exclude(status=Appointment.CANCELLED))
    clinic = clinic_now(request)
    grid = calendar.grid([calendar.Column(doctor, day) for doctor in doctors], appointments, clinic, LENGTH)
    for cell in grid.bookings:
        cell.actions = _actions(staff, cell.appointment, day, clinic.today, refused)
    record_reads(request, [a.patient_id for a in appointments])
    return render(request, "web/calendar/day.html", {
        "live_page": f"{reverse('web:day')}?{urlencode(_sheet_query(day, chosen.get('doctor')))}",
        "grid": grid, "day": day, "day_words": day_words(day), "asked": asked, "doctor": chosen.get("doctor"),
        "now": clinic.now, "today": clinic.today, "may_book": may(staff, Capability.BOOK),
        "previous_day": (day - timedelta(days=1)).isoformat() if day > FIRST_DAY else None,
        "next_day": (day + timedelta(days=1)).isoformat() if day < LAST_DAY else None,
    }, status=400 if asked.errors else status)


def _sheet_query(day: date, doctor) -> dict[str, str]:
    return {"day": day.isoformat(), **({"doctor": str(doctor.pk)} if doctor else {})}


def _actions(staff, appointment, day: date, today: date, refused) -> dict[str, Any]:
    """The forms beside a booking the user may act on: check-in and no-show for
    who attends this doctor, reschedule for who books; a refused one as it was sent."""
    if appointment.status != appointment.BOOKED:
        return {}
    prefix = f"a{appointment.pk.hex}_%s"
    forms: dict[str, Any] = {}
    if may(staff, Capability.ATTEND, appointment.doctor_id) and appointment.day <= today:
        # Only where the clinic's rules could allow them: a check-in on the day, a no-show from then on.
        if appointment.day == today:
            forms["check_in"] = AttendanceForm(auto_id=prefix)
        forms["no_show"] = AttendanceForm(auto_id=prefix)
    if may(staff, Capability.BOOK):
        forms["reschedule"] = RescheduleForm(auto_id=prefix, initial={
            "day": day, "time": appointment.time, "duration_minutes": appointment.duration_minutes})
    if refused and refused[0] == appointment.pk:
        forms[refused[1]] = refused[2]
        forms["refused"] = refused[1]
    return forms


def _monday(day: date) -> date:
    return max(day - timedelta(days=day.weekday()), FIRST_DAY)
