"""The read models' selectors: each answers in a fixed number of queries, however
many rows it returns, and an appointment shows once its doctor and patient do."""
import datetime

import pytest

from events import handlers
from events.domain.commands import Arrive, BookAppointment, Leave, RegisterDoctor, RegisterPatient
from readmodels import runner, selectors
from readmodels.models import Appointment
from readmodels.projectors import by_name

UTC = datetime.timezone.utc
DAY = datetime.date(2030, 1, 7)
MONDAY = datetime.datetime(2026, 1, 5, 7, 0, tzinfo=UTC)


@pytest.fixture
def clinic(committed_db, ctx):
    """``clinic(n)``: n doctors with two shifts each, n patients, n appointments."""

    def build(n):
        for i in range(n):
            doctor = handlers.dispatch(ctx, RegisterDoctor(name=f"Doctor {i}", specialty="General practice")).id
            patient = handlers.dispatch(ctx, RegisterPatient(name=f"Patient {i}",
                                                             date_of_birth=datetime.date(1990, 1, 1))).id
            for day in (0, 1):
                start = MONDAY + datetime.timedelta(days=day)
                handlers.dispatch(ctx, Arrive(doctor, at=start))
                handlers.dispatch(ctx, Leave(doctor, at=start + datetime.timedelta(hours=8)))
            handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=patient, day=DAY,
                                                   time=datetime.time(9 + i // 4, i % 4 * 15)))

    return build


@pytest.mark.parametrize("size", [1, 4])
def test_doctors_and_patients_are_one_query_each(clinic, size, django_assert_num_queries):
    clinic(size)
    with django_assert_num_queries(1):
        assert [d.name for d in selectors.doctors()] == [f"Doctor {i}" for i in range(size)]
    with django_assert_num_queries(1):
        assert [p.name for p in selectors.patients()] == [f"Patient {i}" for i in range(size)]


@pytest.mark.parametrize("size", [1, 4])
def test_doctors_with_their_timesheets_are_two_queries(clinic, size, django_assert_num_queries):
    clinic(size)
    with django_assert_num_queries(2):
        timesheets = {d.name: [(e.arrived_at, e.hours_worked) for e in d.timesheet.all()]
                      for d in selectors.doctors_with_timesheet()}
    assert timesheets == {f"Doctor {i}": [(MONDAY, 8), (MONDAY + datetime.timedelta(days=1), 8)]
                          for i in range(size)}


@pytest.mark.parametrize("size", [1, 4])
def test_appointments_with_their_doctor_and_patient_are_one_query(clinic, size, django_assert_num_queries):
    clinic(size)
    with django_assert_num_queries(1):
        listed = [(a.time, a.doctor.name, a.patient.name) for a in selectors.appointments()]
    assert listed == [(datetime.time(9 + i // 4, i % 4 * 15), f"Doctor {i}", f"Patient {i}") for i in range(size)]


def test_an_appointment_is_left_out_until_its_doctor_and_patient_rows_are_projected(projection_stalled, ctx):
    doctor = handlers.dispatch(ctx, RegisterDoctor(name="Ada Lovelace", specialty="Cardiology")).id
    patient = handlers.dispatch(ctx, RegisterPatient(name="Grace Hopper", date_of_birth=datetime.date(1980, 12, 9))).id
    booking = handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=patient, day=DAY,
                                        time=datetime.time(9, 0))).id

    runner.run(by_name("appointments"))
    assert Appointment.objects.filter(id=booking).exists()  # the row is there…
    assert list(selectors.appointments()) == []  # …but not shown without its doctor and patient
    runner.run(by_name("doctors"))
    assert list(selectors.appointments()) == []  # the patient's row is still missing
    runner.run(by_name("patients"))
    (shown,) = selectors.appointments()
    assert (shown.id, shown.doctor.name, shown.patient.name) == (booking, "Ada Lovelace", "Grace Hopper")


def test_an_appointment_is_left_out_while_only_its_doctor_row_is_missing(projection_stalled, ctx):
    doctor = handlers.dispatch(ctx, RegisterDoctor(name="Ada Lovelace", specialty="Cardiology")).id
    patient = handlers.dispatch(ctx, RegisterPatient(name="Grace Hopper", date_of_birth=datetime.date(1980, 12, 9))).id
    handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=patient, day=DAY, time=datetime.time(9, 0)))

    runner.run(by_name("patients"))
    runner.run(by_name("appointments"))
    assert Appointment.objects.count() == 1
    assert list(selectors.appointments()) == []
