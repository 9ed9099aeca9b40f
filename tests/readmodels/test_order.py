"""Each projector keeps its own checkpoint, so the appointment projector may run
ahead of the doctor and patient projectors (or behind them). The joined view is
right whichever order they ran in; an appointment whose doctor or patient row is
not there yet is left out of the join rather than shown half-empty."""
import datetime
import itertools

import pytest

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
from readmodels.models import Appointment, Checkpoint, Doctor, Patient
from readmodels.projectors import by_name
from readmodels.rebuild import snapshot

DAY = datetime.date(2030, 1, 7)
NAMES = ("doctors", "patients", "appointments")


@pytest.fixture
def history(projection_stalled, fixed_ctx, at):
    """Doctor and patients registered, two appointments (one cancelled), a patient renamed,
    a shift worked — all committed, none projected."""
    ctx = fixed_ctx
    ada = handlers.dispatch(ctx, RegisterDoctor(name="Ada Lovelace", specialty="Cardiology")).id
    grace = handlers.dispatch(ctx, RegisterPatient(name="Grace Hopper", date_of_birth=datetime.date(1980, 12, 9))).id
    alan = handlers.dispatch(ctx, RegisterPatient(name="Alan Turing", date_of_birth=datetime.date(1954, 6, 7))).id
    kept = handlers.dispatch(ctx, BookAppointment(doctor_id=ada, patient_id=grace, day=DAY,
                                                  time=datetime.time(9, 0))).id
    dropped = handlers.dispatch(ctx, BookAppointment(doctor_id=ada, patient_id=alan, day=DAY,
                                        time=datetime.time(10, 0))).id
    handlers.dispatch(ctx, CancelAppointment(dropped, reason="moved away"))
    handlers.dispatch(ctx, UpdatePatient(grace, name="Grace B. Hopper"))
    handlers.dispatch(ctx, Arrive(ada, at=at(8)))
    handlers.dispatch(ctx, Leave(ada, at=at(12)))
    assert not Appointment.objects.exists() and not Doctor.objects.exists()  # nothing projected yet
    return {"kept": kept, "dropped": dropped}


def joined_view():
    return {
        a.id: (a.doctor.name, a.doctor.total_hours_worked, a.patient.name, a.status, a.cancel_reason)
        for a in Appointment.objects.select_related("doctor", "patient")
    }


def expected(history):
    return {
        history["kept"]: ("Ada Lovelace", 4, "Grace B. Hopper", "booked", ""),
        history["dropped"]: ("Ada Lovelace", 4, "Alan Turing", "cancelled", "moved away"),
    }


def test_appointments_projected_first_are_hidden_until_their_doctor_and_patient_arrive(history):
    runner.run(by_name("appointments"))
    assert Appointment.objects.count() == 2           # the rows are there ...
    assert joined_view() == {}                        # ... but not shown without doctor and patient
    runner.run(by_name("doctors"))
    assert joined_view() == {}                        # still no patients
    runner.run(by_name("patients"))
    assert joined_view() == expected(history)


def test_doctors_and_patients_first_then_appointments(history):
    runner.run(by_name("doctors"))
    runner.run(by_name("patients"))
    assert Doctor.objects.count() == 1 and Patient.objects.count() == 2
    assert joined_view() == {}
    runner.run(by_name("appointments"))
    assert joined_view() == expected(history)


@pytest.mark.parametrize("order", list(itertools.permutations(NAMES)), ids="-".join)
def test_any_order_gives_the_same_tables(history, order):
    for name in order:
        runner.run(by_name(name))
    runner.run(by_name("cards"))  # no card to project: the card process has not run (tests/readmodels/test_cards.py)
    assert joined_view() == expected(history)
    head = store.head_position()
    assert {c.projector: c.position for c in Checkpoint.objects.filter(projector__in=NAMES)} == dict.fromkeys(
        NAMES, head)
    assert runner.projected_position() == head


def test_interleaved_partial_runs_end_where_a_straight_run_ends(history):
    """Like Celery tasks arriving late and out of order: each projector catches up
    from its own checkpoint, in steps, in a shuffled order."""
    positions = [e.position for e in store.read_all()]
    steps = [("appointments", positions[5]), ("patients", positions[1]), ("doctors", positions[8]),
             ("appointments", None), ("patients", positions[9]), ("doctors", None), ("patients", None)]
    for name, up_to in steps:
        runner.run(by_name(name), up_to=up_to, batch_size=2)
    assert joined_view() == expected(history)
    interleaved = snapshot([by_name(name) for name in NAMES])

    for name in NAMES:  # start again, straight through
        Checkpoint.objects.filter(projector=name).update(position=0)
    for projector in reversed(runner.PROJECTORS):
        for model in projector.tables:
            model.objects.all().delete()
    runner.run_all()  # the card process too, this time: its cards are not what this test compares
    assert snapshot([by_name(name) for name in NAMES]) == interleaved
