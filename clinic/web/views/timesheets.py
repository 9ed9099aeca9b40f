"""A doctor's timesheet by month: what payroll reads, on a page and as CSV.

The page and the API's export read the same selector (``selectors.timesheet``)
over the same period, so the page's total is the CSV's total row; the download
link is the API's own ``?format=csv`` (a signed-in session may call it).
"""
import calendar
from datetime import date
from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from clinic.dates import FIRST_DAY, LAST_DAY
from clinic.roles import whose
from clinic.roles.rules import Capability
from readmodels import selectors

from ..access import staff_page
from ..forms import TimesheetMonthForm
from . import query_with, shown_or_pending


@staff_page(Capability.SEE_HOURS, for_doctor=whose.doctor_in_url)
def doctor_timesheet(request, pk):
    doctor, pending = shown_or_pending(request, selectors.doctors(), pk, "doctor")
    if pending:
        return pending
    chosen = TimesheetMonthForm(request.GET)
    first = (chosen.is_valid() and chosen.cleaned_data["month"]) or timezone.localdate().replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    period = selectors.timesheet(pk, first, last)
    csv = reverse("api:doctor-timesheet", args=[pk]) + "?" + urlencode(
        {"from": first.isoformat(), "to": last.isoformat(), "format": "csv"})
    return render(request, "web/doctors/timesheet.html", {
        "doctor": doctor, "period": period, "month": first, "chosen": chosen, "csv_url": csv,
        "previous_month": _month_link(request, _shift(first, -1)),
        "next_month": _month_link(request, _shift(first, +1)),
        "this_month": first != timezone.localdate().replace(day=1),
    }, status=400 if chosen.errors else 200)


def _shift(first: date, months: int) -> date | None:
    """The first day of the month ``months`` away, or None outside the clinic's calendar."""
    index = first.year * 12 + first.month - 1 + months
    month = date(index // 12, index % 12 + 1, 1)  # the calendar's years are far from date's limits
    return month if FIRST_DAY <= month <= LAST_DAY else None


def _month_link(request, month: date | None) -> str | None:
    return None if month is None else query_with(request, month=f"{month:%Y-%m}")
