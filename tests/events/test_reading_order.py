"""Writers on PostgreSQL no longer wait for each other's commits, yet a reader never
steps over an event (``events.store``, module docstring).

The scenario is the one that loses events when positions are drawn at INSERT and
shown at COMMIT: writer A draws a position and has not committed yet; writer B
draws the next one and commits; a projector catches up. Reading "everything after
my checkpoint" then would take B, move the checkpoint past A's position, and
never see A once it commits. Two real connections, not an argument: A runs in a
thread of its own, with its own connection, and holds its transaction open.
"""
import datetime
import threading
import time

import pytest
from django.db import connections, transaction

from events import handlers, store
from events.domain.commands import RegisterPatient
from readmodels import runner
from readmodels.models import Patient
from readmodels.projectors import by_name

pytestmark = pytest.mark.postgresql

BORN = datetime.date(1980, 12, 9)
WAIT = 10  # seconds: far longer than any of these steps takes


class HeldOpen(threading.Thread):
    """Writer A: registers a patient in a transaction it keeps open until released."""

    def __init__(self, ctx, name):
        super().__init__(daemon=True)
        self.ctx, self.name = ctx, name
        self.appended, self.release = threading.Event(), threading.Event()
        self.position = None

    def run(self):
        try:
            with transaction.atomic():
                written = handlers.dispatch(self.ctx, RegisterPatient(name=self.name, date_of_birth=BORN))
                self.position = written.position
                self.appended.set()
                self.release.wait(WAIT)
        finally:
            self.appended.set()
            connections.close_all()


def register(ctx, name):
    return handlers.dispatch(ctx, RegisterPatient(name=name, date_of_birth=BORN))


def projected_names():
    runner.run(by_name("patients"))
    return sorted(Patient.objects.values_list("name", flat=True))


def race(ctx):
    """A appends and waits; B appends and commits (while A is open); returns both
    positions, with A still open. B's append must not wait for A's commit."""
    writer_a = HeldOpen(ctx, "Ann Early")
    writer_a.start()
    assert writer_a.appended.wait(WAIT) and writer_a.position is not None
    started = time.monotonic()
    b = register(ctx, "Bea Late")
    assert time.monotonic() - started < WAIT / 2, "B waited for A's commit: appends still serialize commits"
    assert b.position > writer_a.position  # B drew the later position, and committed first
    return writer_a, b.position


def test_a_reader_waits_for_an_earlier_position_to_commit_and_skips_nothing(projection_stalled, ctx):
    writer_a, position_b = race(ctx)
    try:
        assert store.head_position() < writer_a.position  # neither A nor B is readable yet
        assert [e.position for e in store.read_all(after=writer_a.position - 1)] == []
        assert store.read_feed(after=writer_a.position - 1, limit=10) == []  # the API's feed waits too
        assert projected_names() == []  # the projector waits rather than read B before A
    finally:
        writer_a.release.set()
        writer_a.join(WAIT)
    assert store.head_position() == position_b
    assert [e.position for e in store.read_all(after=writer_a.position - 1)] == [writer_a.position, position_b]
    assert [e.position for e in store.read_feed(after=writer_a.position - 1, limit=10)] == [writer_a.position,
                                                                                           position_b]
    assert projected_names() == ["Ann Early", "Bea Late"]


def test_without_the_readable_head_the_same_race_loses_an_event(projection_stalled, ctx, monkeypatch):
    """The guarantee switched off (every committed row readable, as before stamps
    with the lock let go at INSERT): the test above is the one that catches it."""
    monkeypatch.setattr(store, "_readable_head_sql", lambda: None)
    writer_a, position_b = race(ctx)
    try:
        assert projected_names() == ["Bea Late"]  # the checkpoint moves past A's position
    finally:
        writer_a.release.set()
        writer_a.join(WAIT)
    assert projected_names() == ["Bea Late"]  # ... and A, committed now, is never projected
    assert Patient.objects.count() == 1 and store.head_position() == position_b
