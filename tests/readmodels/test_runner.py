"""A batch of events and the checkpoint that covers it are committed together: a
projector that fails mid-batch leaves nothing behind, and a rerun applies every
event exactly once."""
import datetime

import pytest
from django.db import OperationalError

from events import handlers, store
from events.domain.commands import Arrive, BookAppointment, Leave, RegisterDoctor, RegisterPatient
from readmodels import runner
from readmodels.models import Appointment, Checkpoint, Doctor, Patient, TimesheetEntry
from readmodels.projectors import AppointmentProjector, DoctorProjector, by_name
from readmodels.rebuild import snapshot

DAY = datetime.date(2030, 1, 7)


class Boom(OperationalError):
    """The process or its database connection dying mid-batch. (An error of the
    projector's own on one event is retried and parked: test_dead_letters.py.)"""


class FailingDoctorProjector(DoctorProjector):
    """The doctor projector (same name, same checkpoint, same tables) with a fault:
    it dies on the n-th event it is given, after it has applied the ones before."""

    def __init__(self, fail_on):
        self.fail_on, self.seen = fail_on, 0

    def apply(self, event, rows):
        self.seen += 1
        if self.seen == self.fail_on:
            raise Boom(f"crashed at position {event.position}")
        super().apply(event, rows)


@pytest.fixture
def shifts(projection_stalled, fixed_ctx, at):
    """Two doctors, three closed shifts, one open: 9 events, none projected."""
    ctx = fixed_ctx
    ada = handlers.dispatch(ctx, RegisterDoctor(name="Ada Lovelace", specialty="Cardiology")).id
    bob = handlers.dispatch(ctx, RegisterDoctor(name="Bob Builder", specialty="Surgery")).id
    handlers.dispatch(ctx, Arrive(ada, at=at(6)))
    handlers.dispatch(ctx, Leave(ada, at=at(8, 30)))     # 2.5 h
    handlers.dispatch(ctx, Arrive(bob, at=at(7)))
    handlers.dispatch(ctx, Leave(bob, at=at(15)))        # 8 h
    handlers.dispatch(ctx, Arrive(ada, at=at(9)))
    handlers.dispatch(ctx, Leave(ada, at=at(10)))        # 1 h
    handlers.dispatch(ctx, Arrive(bob, at=at(16)))       # open
    assert store.read_all().count() == 9
    return {"ada": ada, "bob": bob}


def checkpoint(name="doctors"):
    row = Checkpoint.objects.filter(projector=name).first()
    return row.position if row else 0


def doctor_tables():
    return dict(snapshot([by_name("doctors")]))


def assert_projected_exactly_once(shifts):
    log = list(store.read_all())
    assert Doctor.objects.count() == sum(e.type == "DOCTOR_CREATED" for e in log) == 2
    assert TimesheetEntry.objects.count() == sum(e.type == "DOCTOR_ARRIVED" for e in log) == 4
    assert TimesheetEntry.objects.filter(left_at__isnull=False).count() == \
        sum(e.type == "DOCTOR_LEFT" for e in log) == 3
    ada, bob = Doctor.objects.get(id=shifts["ada"]), Doctor.objects.get(id=shifts["bob"])
    assert (ada.total_hours_worked, ada.on_shift, ada.version) == (3.5, False, 5)
    assert (bob.total_hours_worked, bob.on_shift, bob.version) == (8, True, 4)
    assert checkpoint() == log[-1].position


def test_a_crash_mid_batch_leaves_rows_and_checkpoint_as_they_were(shifts):
    positions = [e.position for e in store.read_all()]
    runner.run(by_name("doctors"), up_to=positions[2])       # registered both, Ada arrived
    before, at_before = doctor_tables(), checkpoint()
    assert at_before == positions[2] and TimesheetEntry.objects.count() == 1

    with pytest.raises(Boom):
        runner.run(FailingDoctorProjector(fail_on=4))          # after applying three more events
    assert checkpoint() == at_before
    assert doctor_tables() == before

    assert runner.run(by_name("doctors")) == positions[-1]
    assert_projected_exactly_once(shifts)


def test_rows_written_before_the_checkpoint_fails_to_save_are_rolled_back(shifts, monkeypatch):
    """The batch's rows are written first, then the checkpoint: both or neither."""
    def fail(*args, **kwargs):
        raise Boom("checkpoint lost")

    monkeypatch.setattr(Checkpoint, "save", fail)
    with pytest.raises(Boom):
        runner.run(by_name("doctors"))
    assert (Doctor.objects.count(), TimesheetEntry.objects.count()) == (0, 0)
    monkeypatch.undo()
    assert checkpoint() == 0
    runner.run(by_name("doctors"))
    assert_projected_exactly_once(shifts)


def test_batches_before_the_crash_stay_committed_and_the_rest_is_applied_once(shifts):
    positions = [e.position for e in store.read_all()]
    with pytest.raises(Boom):
        runner.run(FailingDoctorProjector(fail_on=6), batch_size=2)   # dies in the third batch
    assert checkpoint() == positions[3]                                 # two whole batches kept
    assert (Doctor.objects.count(), TimesheetEntry.objects.count()) == (2, 1)   # Ada's first shift ...
    assert Doctor.objects.get(id=shifts["ada"]).total_hours_worked == 2.5        # ... closed

    runner.run(by_name("doctors"), batch_size=2)
    assert_projected_exactly_once(shifts)


def test_running_again_and_again_changes_nothing(shifts):
    runner.run_all()
    projected = snapshot()
    checkpoints = {c.projector: c.position for c in Checkpoint.objects.all()}
    for _ in range(3):
        assert runner.run_all() == checkpoints
    assert snapshot() == projected
    assert_projected_exactly_once(shifts)


def test_the_real_path_projects_each_commit_exactly_once(committed_db, fixed_ctx, at):
    """Eager Celery: every append schedules a catch-up; duplicates are harmless."""
    ada = handlers.dispatch(fixed_ctx, RegisterDoctor(name="Ada Lovelace", specialty="Cardiology")).id
    handlers.dispatch(fixed_ctx, Arrive(ada, at=at(8)))
    handlers.dispatch(fixed_ctx, Leave(ada, at=at(16, 30)))
    runner.run_all()  # a duplicate task
    from readmodels.tasks import project
    project.delay()   # and another
    assert Doctor.objects.get(id=ada).total_hours_worked == 8.5
    assert TimesheetEntry.objects.count() == 1


def test_a_failing_projector_does_not_hold_back_the_others(shifts, fixed_ctx):
    with pytest.raises(Boom):
        runner.run(FailingDoctorProjector(fail_on=1))
    runner.run(by_name("patients"))
    runner.run(by_name("appointments"))
    head = store.head_position()
    assert (checkpoint("doctors"), checkpoint("patients"), checkpoint("appointments")) == (0, head, head)
    assert runner.projected_position() == 0  # the read side as a whole is not there yet


def test_a_projector_error_rolls_back_appointments_too(projection_stalled, fixed_ctx):
    ctx = fixed_ctx
    ada = handlers.dispatch(ctx, RegisterDoctor(name="Ada Lovelace", specialty="Cardiology")).id
    grace = handlers.dispatch(ctx, RegisterPatient(name="Grace Hopper", date_of_birth=datetime.date(1980, 12, 9))).id
    first = handlers.dispatch(ctx, BookAppointment(doctor_id=ada, patient_id=grace, day=DAY, time=datetime.time(9))).id
    handlers.dispatch(ctx, BookAppointment(doctor_id=ada, patient_id=grace, day=DAY, time=datetime.time(10)))

    class FailingAppointments(AppointmentProjector):
        def booked(self, recorded, event, rows):
            super().booked(recorded, event, rows)
            if recorded.stream_id != first:
                raise Boom("second booking")

    with pytest.raises(Boom):
        runner.run(FailingAppointments())
    assert not Appointment.objects.exists() and checkpoint("appointments") == 0
    runner.run(by_name("appointments"))
    assert Appointment.objects.count() == 2
    assert Patient.objects.count() == 0  # the patient projector has not run: separate checkpoints


def test_a_bound_beyond_the_head_does_not_skip_events_written_later(shifts, fixed_ctx):
    head = store.head_position()
    assert runner.run(by_name("doctors"), up_to=head + 1000) == head
    late = handlers.dispatch(fixed_ctx, RegisterDoctor(name="Late Comer", specialty="Radiology")).id
    runner.run(by_name("doctors"))
    assert Doctor.objects.filter(id=late).exists()
