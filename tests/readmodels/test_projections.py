"""What staff see after their commands: projected as each append commits."""
import datetime

import pytest
from django.utils import timezone

from events import handlers, store
from events.domain.commands import (
    Arrive,
    BookAppointment,
    CancelAppointment,
    Leave,
    RegisterDoctor,
    RegisterPatient,
    UpdatePatient,
)
from readmodels import runner
from readmodels.models import Appointment, Doctor, Patient, TimesheetEntry, hours

DAY = datetime.date(2030, 1, 7)


@pytest.fixture
def ada(committed_db, fixed_ctx):
    return handlers.dispatch(fixed_ctx, RegisterDoctor(name="Ada Lovelace", specialty="Cardiology")).id


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def test_registered_doctor_is_listed_off_shift(ada):
    row = Doctor.objects.get(id=ada)
    assert (row.name, row.specialty, row.on_shift, row.total_hours_worked, row.version) == (
        "Ada Lovelace", "Cardiology", False, 0, 1)


def test_arrival_opens_a_shift_and_departure_closes_it_with_hours(ada, fixed_ctx, at):
    handlers.dispatch(fixed_ctx, Arrive(ada, at=at(8)))
    doctor = Doctor.objects.get(id=ada)
    assert doctor.on_shift and doctor.on_shift_since == at(8)
    (shift,) = TimesheetEntry.objects.filter(doctor=ada)
    assert (shift.arrived_at, shift.left_at, shift.hours_worked) == (at(8), None, None)

    handlers.dispatch(fixed_ctx, Leave(ada, at=at(16, 30)))
    doctor = Doctor.objects.get(id=ada)
    assert not doctor.on_shift
    (shift,) = TimesheetEntry.objects.filter(doctor=ada)
    assert (shift.arrived_at, shift.left_at) == (at(8), at(16, 30))
    assert shift.hours_worked == 8.5 and is_number(shift.hours_worked)
    assert doctor.total_hours_worked == 8.5 and is_number(doctor.total_hours_worked)
    assert doctor.version == 3


def test_total_hours_add_up_over_shifts(ada, fixed_ctx, at):
    handlers.dispatch(fixed_ctx, Arrive(ada, at=at(0, 30)))
    handlers.dispatch(fixed_ctx, Leave(ada, at=at(8, 30)))      # 8 h
    handlers.dispatch(fixed_ctx, Arrive(ada, at=at(9, 0)))
    handlers.dispatch(fixed_ctx, Leave(ada, at=at(16, 15)))     # 7.25 h
    handlers.dispatch(fixed_ctx, Arrive(ada, at=at(17, 0)))     # still on shift
    doctor = Doctor.objects.get(id=ada)
    assert doctor.total_hours_worked == 15.25
    assert [s.hours_worked for s in doctor.timesheet.all()] == [8, 7.25, None]
    assert doctor.on_shift_since == at(17)


def test_other_doctors_are_untouched(ada, fixed_ctx, at):
    other = handlers.dispatch(fixed_ctx, RegisterDoctor(name="Bob Other", specialty="Surgery")).id
    handlers.dispatch(fixed_ctx, Arrive(ada, at=at(8)))
    handlers.dispatch(fixed_ctx, Leave(ada, at=at(12)))
    bob = Doctor.objects.get(id=other)
    assert (bob.on_shift, bob.total_seconds_worked, bob.timesheet.count()) == (False, 0, 0)


@pytest.mark.parametrize("seconds, shown", [(0, 0), (3600, 1), (5 * 3600, 5), (8.5 * 3600, 8.5),
                                            (7 * 3600 + 15 * 60, 7.25), (20 * 60, 0.33)])
def test_hours_are_plain_numbers(seconds, shown):
    value = hours(int(seconds))
    assert value == shown and is_number(value)


def test_patient_is_listed_with_age(patient):
    row = Patient.objects.get(id=patient)
    assert (row.name, row.date_of_birth, row.version) == ("Grace Hopper", datetime.date(1980, 12, 9), 1)
    today = timezone.localdate()
    birthday_passed = (today.month, today.day) >= (12, 9)
    assert row.age == today.year - 1980 - (0 if birthday_passed else 1)


def test_renaming_a_patient_changes_one_row_and_the_appointments_show_the_new_name(
        committed_db, ctx, doctor, patient, django_assert_num_queries):
    other = handlers.dispatch(ctx, RegisterPatient(name="Alan Turing", date_of_birth=datetime.date(1954, 6, 7))).id
    first = handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=patient, day=DAY,
                                      time=datetime.time(9, 0))).id
    second = handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=patient, day=DAY,
                                       time=datetime.time(10, 0))).id
    handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=other, day=DAY, time=datetime.time(11, 0)))
    appointments_before = set(Appointment.objects.values_list("id", "patient_id", "version", "status"))
    others_before = list(Patient.objects.exclude(id=patient).values())

    handlers.dispatch(ctx, UpdatePatient(patient, name="Grace Brewster Hopper"))

    renamed = Patient.objects.get(id=patient)
    assert (renamed.name, renamed.version, renamed.date_of_birth) == (
        "Grace Brewster Hopper", 2, datetime.date(1980, 12, 9))
    assert list(Patient.objects.exclude(id=patient).values()) == others_before
    assert set(Appointment.objects.values_list("id", "patient_id", "version", "status")) == appointments_before

    with django_assert_num_queries(1):
        view = {a.id: (a.patient.name, a.doctor.name)
                for a in Appointment.objects.select_related("doctor", "patient")}
    assert view[first] == view[second] == ("Grace Brewster Hopper", "Ada Lovelace")
    assert len(view) == 3 and "Alan Turing" in {name for name, _ in view.values()}


def test_correcting_the_date_of_birth(committed_db, ctx, patient):
    handlers.dispatch(ctx, UpdatePatient(patient, date_of_birth=datetime.date(1981, 1, 2)))
    row = Patient.objects.get(id=patient)
    assert (row.name, row.date_of_birth, row.version) == ("Grace Hopper", datetime.date(1981, 1, 2), 2)


def test_booked_and_cancelled_appointment(appointment, ctx, doctor, patient):
    row = Appointment.objects.select_related("doctor", "patient").get(id=appointment)
    assert (row.day, row.time, row.duration_minutes, row.status, row.doctor_id, row.patient_id) == (
        DAY, datetime.time(9, 0), 30, "booked", doctor, patient)
    handlers.dispatch(ctx, CancelAppointment(appointment, reason="  Patient is ill "))
    row = Appointment.objects.get(id=appointment)
    assert (row.status, row.cancel_reason, row.version) == ("cancelled", "Patient is ill", 2)


def test_every_projector_has_reached_the_head_after_each_command(appointment, ctx, patient):
    handlers.dispatch(ctx, UpdatePatient(patient, name="G. Hopper"))
    head = store.head_position()
    assert runner.projected_position() == head
    assert runner.run_all() == {subscriber.name: head for subscriber in runner.SUBSCRIBERS}
