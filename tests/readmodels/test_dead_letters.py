"""A projector that meets an event it cannot apply parks it and goes on: the
rest of the read side stays current (docs/operations.md, "Dead letters")."""
import datetime
import io
import uuid

import pytest
from django.core.management import call_command
from django.utils import timezone

from events import handlers
from events.domain.commands import RegisterPatient
from events.models import StoredEvent
from readmodels import runner
from readmodels.models import DeadLetter, Patient
from readmodels.projectors import PatientProjector


def poison(data):
    """A PATIENT_CREATED event whose stored data its class cannot read — as an
    event written by other code, or damaged, would be."""
    now = timezone.now()
    return StoredEvent.objects.create(event_id=uuid.uuid4(), stream_id=uuid.uuid4(), stream_type="patient",
                                      version=1, type="PATIENT_CREATED", data=data, metadata={},
                                      occurred_at=now, recorded_at=now)


def register(ctx, name):
    return handlers.dispatch(ctx, RegisterPatient(name=name, date_of_birth=datetime.date(1990, 1, 1))).id


def test_an_unreadable_event_is_parked_and_later_events_are_projected(committed_db, ctx, client):
    bad = poison({"name": "Half Written"})  # no date of birth
    runner.run_all()
    after = register(ctx, "Grace Hopper")

    assert Patient.objects.filter(id=after).exists()
    letter = DeadLetter.objects.get()
    assert (letter.projector, letter.position, letter.event_type) == ("patients", bad.position, "PATIENT_CREATED")
    assert "Half Written" not in letter.error + letter.traceback  # its values stay out of the operator's view
    assert runner.checkpoint_positions()["patients"] == runner.store.head_position()
    assert client.get("/healthz").json()["deadLetters"] == 1


@pytest.mark.embedded  # the bug is patched into this process; a worker would not have it
def test_a_projector_failing_on_one_event_retries_it_then_parks_it(committed_db, ctx, monkeypatch, settings):
    settings.CLINIC_PROJECTOR_RETRIES = 3
    calls = []
    original = PatientProjector.registered

    def fails_for_ada(self, recorded, event, rows):
        if event.name == "Ada Lovelace":
            calls.append(recorded.position)
            raise ValueError("a projector's bug")
        original(self, recorded, event, rows)

    monkeypatch.setattr(PatientProjector, "registered", fails_for_ada)

    ada = register(ctx, "Ada Lovelace")
    grace = register(ctx, "Grace Hopper")

    assert Patient.objects.filter(id=grace).exists()
    assert not Patient.objects.filter(id=ada).exists()
    letter = DeadLetter.objects.get()
    assert letter.attempts == 3
    assert len(calls) == 1 + 3  # once with its batch, then three times alone
    assert letter.error == "ValueError: a projector's bug"

    # The bug is fixed: the operator replays what was parked.
    monkeypatch.setattr(PatientProjector, "registered", original)
    out = io.StringIO()
    call_command("retry_dead_letters", stdout=out)

    assert Patient.objects.filter(id=ada).exists()
    assert not DeadLetter.objects.exists()
    assert "1 applied, 0 still parked" in out.getvalue()


def test_retry_keeps_what_still_fails(committed_db, ctx):
    poison({"name": "Half Written"})
    runner.run_all()

    with pytest.raises(SystemExit):
        call_command("retry_dead_letters", stdout=io.StringIO())

    assert DeadLetter.objects.get().attempts == 2


def test_verify_reports_dead_letters_and_fails(committed_db, ctx):
    bad = poison({"name": "Half Written"})
    runner.run_all()
    out = io.StringIO()

    with pytest.raises(SystemExit) as exit:
        call_command("verify_readmodels", stdout=out)

    assert exit.value.code == 1
    assert f"patients parked the PATIENT_CREATED event at position {bad.position}" in out.getvalue()


def test_a_rebuild_parks_the_same_event_and_builds_the_rest(committed_db, ctx):
    poison({"name": "Half Written"})
    grace = register(ctx, "Grace Hopper")
    runner.run_all()

    call_command("rebuild_readmodels", stdout=io.StringIO(), stderr=io.StringIO())

    assert Patient.objects.filter(id=grace).exists()
    assert DeadLetter.objects.count() == 1
