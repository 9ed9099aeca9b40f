"""Appending schedules projection on commit. Once the events are committed the
command has happened: trouble on the read side (a failing projector, a broker
that is away) must not turn it into an error — the catch-up covers it later."""
import datetime
import logging

import pytest
from django.db import OperationalError

from events import handlers, store
from events.domain.commands import Arrive, BookAppointment, RegisterDoctor
from events.models import StoredEvent
from readmodels import runner
from readmodels.models import AppointmentCard, Doctor
from readmodels.projectors import DoctorProjector
from tests.conftest import every_subscriber_at_the_head


@pytest.mark.embedded
@pytest.mark.django_db  # the test's own transaction never commits: what would run at commit is captured
def test_projection_runs_only_after_the_append_commits(ctx, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        written = handlers.dispatch(ctx, RegisterDoctor(name="Ada Lovelace", specialty="Cardiology"))
    assert len(callbacks) == 1 and not Doctor.objects.exists()
    callbacks[0]()  # the commit
    assert Doctor.objects.get(id=written.id).name == "Ada Lovelace"


@pytest.mark.embedded  # the projector runs in this process, so it can be broken here
def test_a_failing_projector_does_not_fail_the_command(doctor, ctx, monkeypatch, caplog):
    def broken(self, recorded, event, rows):
        raise OperationalError("the database connection was lost")  # an error of the event's own is parked

    monkeypatch.setattr(DoctorProjector, "arrived", broken)
    with caplog.at_level(logging.ERROR):
        written = handlers.dispatch(ctx, Arrive(doctor))           # no exception: the arrival is recorded
    assert StoredEvent.objects.filter(type="DOCTOR_ARRIVED", position=written.position).exists()
    assert "the database connection was lost" in caplog.text
    assert not Doctor.objects.get(id=doctor).on_shift   # the read side lags ...
    assert runner.wait_for(written.position, 0.1) is False

    monkeypatch.undo()
    runner.run_all()                                     # ... until the catch-up
    assert Doctor.objects.get(id=doctor).on_shift
    assert runner.wait_for(written.position, 0.1) is True


def test_a_broker_that_is_away_does_not_fail_the_command(doctor, ctx, monkeypatch):
    from readmodels import tasks

    def away(*args, **kwargs):
        raise ConnectionRefusedError("broker away")

    monkeypatch.setattr(tasks.project, "delay", away)
    written = handlers.dispatch(ctx, Arrive(doctor))
    assert written.position == store.head_position()
    monkeypatch.undo()
    runner.run_all()
    assert Doctor.objects.get(id=doctor).on_shift


@pytest.mark.embedded  # eager: the catch-up runs inside the commit's announcement
def test_commits_made_by_a_catch_up_go_round_again_instead_of_nesting(ctx, doctor, patient, monkeypatch):
    """The card process appends while the catch-up runs; each of its commits used
    to start another catch-up inside the running one, one level deeper per
    commit, until a long import ended in RecursionError."""
    depth, deepest, rounds = 0, 0, 0
    run_all = runner.run_all

    def counted():
        nonlocal depth, deepest, rounds
        depth, rounds = depth + 1, rounds + 1
        deepest = max(deepest, depth)
        try:
            return run_all()
        finally:
            depth -= 1

    monkeypatch.setattr(runner, "run_all", counted)
    booked = handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=patient,
                                                    day=datetime.date(2030, 1, 7), time=datetime.time(9))).id
    assert deepest == 1
    assert rounds >= 2  # the card process's commits were projected in a round of their own
    assert AppointmentCard.objects.get(id=booked).complete
    assert every_subscriber_at_the_head()
