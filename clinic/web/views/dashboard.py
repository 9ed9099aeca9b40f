from django.shortcuts import render
from django.utils import timezone

from clinic.audit.reads import patients_in, record_reads
from clinic.roles import visible
from clinic.roles.rules import Capability, may
from clinic.roles.staff import staff_of
from readmodels import selectors
from readmodels.models import Appointment

from .. import activity
from ..access import staff_page

LATEST_ACTIVITY = 12


@staff_page(Capability.SEE_DOCTORS)
def dashboard(request):
    """What the front desk needs at a glance: who is in, who is coming today, what just happened.

    Today's appointments are those the user may see. The latest activity is the
    event log told in words — old names, every doctor's patients — so it is shown
    only to who may see the event log."""
    staff = staff_of(request.user)
    today = timezone.localdate()
    todays = list(visible.appointments(staff, selectors.appointments()).filter(day=today)
                  .order_by("time", "doctor__name"))
    latest = activity.latest(LATEST_ACTIVITY) if may(staff, Capability.SEE_HISTORY) else None
    record_reads(request, [*(a.patient_id for a in todays), *patients_in([item.event for item in latest or []])])
    return render(request, "web/dashboard.html", {
        "today": today,
        "on_shift": selectors.doctors().filter(on_shift_since__isnull=False).order_by("on_shift_since"),
        "doctor_count": selectors.doctors().count(),
        "appointments": todays,
        "booked_count": sum(1 for a in todays if a.status == Appointment.BOOKED),
        "cancelled_count": sum(1 for a in todays if a.status == Appointment.CANCELLED),
        "activity": latest,
    })
