"""Read-your-writes: a write's position tells the reader what to wait for, and the
wait is bounded."""
import time

import pytest

from events import handlers, store
from events.domain.commands import Arrive, RegisterDoctor
from readmodels import runner
from readmodels.models import Doctor
from readmodels.projectors import by_name


def timed(function, *args):
    start = time.monotonic()
    result = function(*args)
    return result, time.monotonic() - start


def test_a_projected_write_is_there_at_once(doctor, ctx):
    written = handlers.dispatch(ctx, Arrive(doctor))
    ok, took = timed(runner.wait_for, written.position, 5)
    assert ok is True and took < 1
    assert Doctor.objects.get(id=doctor).on_shift


def test_a_position_beyond_the_head_times_out_with_false(doctor):
    beyond = store.head_position() + 1
    ok, took = timed(runner.wait_for, beyond, 0.3)
    assert ok is False
    assert 0.3 <= took < 2


def test_zero_timeout_answers_at_once(doctor):
    assert runner.wait_for(store.head_position(), 0) is True
    assert timed(runner.wait_for, store.head_position() + 1, 0) == (False, pytest.approx(0, abs=0.5))


def test_waits_until_every_projector_has_reached_the_position(projection_stalled, ctx):
    written = handlers.dispatch(ctx, RegisterDoctor(name="Ada Lovelace", specialty="Cardiology"))
    assert runner.wait_for(written.position, 0.1) is False         # not projected
    runner.run(by_name("doctors"))
    runner.run(by_name("patients"))
    assert runner.wait_for(written.position, 0.1) is False         # one projector still behind
    runner.run(by_name("appointments"))
    runner.run(by_name("cards"))
    assert runner.wait_for(written.position, 0.1) is True
    assert runner.wait_for(written.position - 1, 0) is True        # earlier positions too


def test_projected_position_is_the_slowest_projector(projection_stalled, ctx):
    assert runner.projected_position() == 0
    first = handlers.dispatch(ctx, RegisterDoctor(name="Ada Lovelace", specialty="Cardiology")).position
    runner.run_all()
    second = handlers.dispatch(ctx, RegisterDoctor(name="Bob Builder", specialty="Surgery")).position
    runner.run(by_name("doctors"))
    assert runner.projected_position() == first
    runner.run_all()
    assert runner.projected_position() == second
