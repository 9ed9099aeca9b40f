from django.shortcuts import render
from django.utils import timezone

from clinic.audit.reads import patients_in, record_reads
from readmodels import selectors
from readmodels.models import Appointment

from .. import activity
from ..access import staff_page

LATEST_ACTIVITY = 12


@staff_page
def dashboard(request):
    """What the front desk needs at a glance: who is in, who is coming today, what just happened."""
    today = timezone.localdate()
    todays = list(selectors.appointments().filter(day=today).order_by("time", "doctor__name"))
    latest = activity.latest(LATEST_ACTIVITY)
    record_reads(request, [*(a.patient_id for a in todays), *patients_in([item.event for item in latest])])
    return render(request, "web/dashboard.html", {
        "today": today,
        "on_shift": selectors.doctors().filter(on_shift_since__isnull=False).order_by("on_shift_since"),
        "doctor_count": selectors.doctors().count(),
        "appointments": todays,
        "booked_count": sum(1 for a in todays if a.status == Appointment.BOOKED),
        "cancelled_count": sum(1 for a in todays if a.status == Appointment.CANCELLED),
        "activity": latest,
    })
