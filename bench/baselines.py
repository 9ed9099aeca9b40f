"""The baselines Clinic is measured against, in the same run.

* **Fold per request** (``FoldedAppointmentDetail``): the answer of
  ``GET /api/appointments/{id}/`` built the way a system without read models
  would — read the appointment's, its doctor's and its patient's event streams
  and fold each into its current state, on every request, from the first event
  (``handlers.replay``: one light query per stream, no snapshot). Same view machinery
  (DRF, token authentication, staff permission, JSON rendering) as the real
  endpoint, so the difference is only where the answer comes from. The doctor's
  stream holds every arrival and departure ever recorded, so this gets slower
  as the clinic's history grows; that is the cost the seed question fears.
* **N+1 list** (``list_page(nplus1_page(day))``): 50 appointments of a day
  serialized with their doctor and patient, where each row fetches its doctor
  and its patient with a query of its own (1 + 50 + 50 queries), against
  ``join_page(day)``, the same rows through ``selectors.appointments()``
  (``select_related``: one query).
* **No read audit** (``UnauditedAppointmentDetail``): the real appointment detail
  view, with only the read audit's INSERT left out — what the audit costs a
  read. Only the benchmark serves it; the clinic has no switch that turns the
  audit off.
"""
from django.http import Http404
from django.utils import timezone
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.api.serializers import AppointmentSerializer
from clinic.api.views import AppointmentDetail, ShowsPatients
from clinic.roles.rules import Capability
from events import handlers
from events.domain import appointment, doctor, patient
from readmodels import selectors
from readmodels.models import Appointment

PAGE = 50


def folded_appointment(appointment_id, today):
    """The API's appointment body, from the three event streams alone."""
    booked, _ = handlers.replay(appointment_id, appointment.evolve)
    if booked is None:
        raise Http404
    doc, _ = handlers.replay(booked.doctor_id, doctor.evolve)
    pat, _ = handlers.replay(booked.patient_id, patient.evolve)
    return {
        "id": str(appointment_id),
        "day": booked.day.isoformat(),
        "time": booked.time.strftime("%H:%M"),
        "durationMinutes": booked.duration_minutes,
        "status": booked.status,
        "patient": {"id": str(booked.patient_id), "name": pat.name,
                    "age": patient.age(pat.date_of_birth, today)},
        "doctor": {"id": str(booked.doctor_id), "name": doc.name, "specialty": doc.specialty},
    }


class FoldedAppointmentDetail(APIView):
    """Same authentication and permission as the API (its defaults), and the
    same capability as the appointment detail it is compared with."""

    capabilities = {"GET": Capability.SEE_PATIENTS}

    def get(self, request, pk):
        return Response(folded_appointment(pk, timezone.localdate()))


def nplus1_page(day):
    return Appointment.objects.filter(day=day)[:PAGE]


def join_page(day):
    return selectors.appointments().filter(day=day)[:PAGE]


def list_page(queryset):
    """What a list page or the list API does with the rows: serialize them."""
    return AppointmentSerializer(list(queryset), many=True).data


class UnauditedAppointmentDetail(AppointmentDetail):
    """``GET /api/appointments/{id}/`` without recording the read."""

    def read_by_id(self, pk):
        # The row alone: on PostgreSQL the real view's read records it in the same statement.
        return self.by_id()(pk)

    def finalize_response(self, request, response, *args, **kwargs):
        return super(ShowsPatients, self).finalize_response(request, response, *args, **kwargs)
