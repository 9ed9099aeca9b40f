"""Appending schedules projection on commit. Once the events are committed the
command has happened: trouble on the read side (a failing projector, a broker
that is away) must not turn it into an error — the catch-up covers it later."""
import logging

import pytest
from django.db import OperationalError

from events import handlers, store
from events.domain.commands import Arrive, RegisterDoctor
from events.models import StoredEvent
from readmodels import runner
from readmodels.models import Doctor
from readmodels.projectors import DoctorProjector


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
