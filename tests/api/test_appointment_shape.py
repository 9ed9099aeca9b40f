"""``AppointmentSerializer`` writes its answer out by hand, for speed; its declared
fields (what the schema publishes) must give the very same answer, for every
shape an appointment takes: booked, cancelled with a reason, its patient erased
(no name, no age)."""
import datetime

import pytest
from rest_framework import serializers as drf

from clinic.api.serializers import AppointmentSerializer
from events import handlers
from events.domain.commands import BookAppointment, CancelAppointment, RegisterPatient
from readmodels import selectors


def by_fields(appointment):
    """The answer DRF's declared fields give."""
    return drf.ModelSerializer.to_representation(AppointmentSerializer(), appointment)


@pytest.fixture
def shapes(ctx, doctor, patient, appointment, api):
    """Every appointment shape, projected."""
    unborn = handlers.dispatch(ctx, RegisterPatient(name="Ann Other", date_of_birth=datetime.date(2001, 4, 5))).id
    later = handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=unborn, day=datetime.date(2030, 1, 8),
                                                   time=datetime.time(10, 30))).id
    handlers.dispatch(ctx, CancelAppointment(appointment_id=later, reason="Ann Other is travelling"))
    erased = handlers.dispatch(ctx, RegisterPatient(name="Eve Erased", date_of_birth=datetime.date(1990, 2, 3))).id
    gone = handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=erased, day=datetime.date(2030, 1, 9),
                                                  time=datetime.time(11))).id
    handlers.dispatch(ctx, CancelAppointment(appointment_id=gone, reason="moving away"))  # erasure asks for it
    assert api.post(f"/api/patients/{erased}/erasure/", {"reason": "asked"}, format="json").status_code == 200
    return list(selectors.appointments().order_by("day"))


def test_the_written_out_answer_is_the_declared_fields_answer(shapes):
    assert len(shapes) == 3
    assert {a.status for a in shapes} >= {"booked", "cancelled"}
    assert any(a.patient.erased for a in shapes) and any(a.patient.age is None for a in shapes)
    for appointment in shapes:
        assert AppointmentSerializer(appointment).data == by_fields(appointment)
