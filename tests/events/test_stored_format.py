"""Events written before the message catalogue existed still read, project and
take new commands: the typed classes changed the code, not the stored format.

The fixture is the event table of a small demo clinic (seed_demo plus a rename
and a change of birth date) dumped by the code as it was before event classes:
every type of event the clinic had then, with its data exactly as stored."""
import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from events import handlers, importing, store
from events.domain import catalogue
from events.domain.commands import Arrive, CancelAppointment, UpdatePatient
from readmodels import rebuild, runner
from readmodels.models import Appointment, Doctor, Patient

FIXTURE = Path(__file__).parent.parent / "fixtures" / "events_written_before_the_catalogue.json"
ROWS = json.loads(FIXTURE.read_text())


# Added after the fixture was written; their stored examples are in tests/domain/test_messages.py.
NEWER = {"DOCTOR_UPDATED", "DOCTOR_RETIRED", "WORKING_HOURS_SET", "APPOINTMENT_RESCHEDULED", "PATIENT_CHECKED_IN",
         "APPOINTMENT_NO_SHOW", "PATIENT_ERASED", "CARD_STARTED", "CARD_APPOINTMENT_CHANGED", "CARD_DOCTOR_FOUND",
         "CARD_PATIENT_FOUND", "CARD_PATIENT_ERASED", "CARD_COMPLETED"}


def test_the_fixture_holds_every_event_type_the_clinic_had_then():
    assert {row["type"] for row in ROWS} == set(catalogue.event_types()) - NEWER


@pytest.mark.parametrize("row", ROWS, ids=lambda row: f"{row['type']}-v{row['version']}")
def test_every_stored_event_decodes_into_its_class_and_encodes_back_unchanged(row):
    """Unchanged, or changed only as its type's new version says: the fixture's rows
    have no schema version (as stored before there was one), so they read as 1."""
    event = catalogue.decode(row["type"], row["data"], None)
    assert type(event).type == row["type"] and event.stream_type == row["stream_type"]
    if type(event).schema_version == 1:
        assert event.to_data() == row["data"]
    else:  # PATIENT_CREATED 2 says "no contact given" where version 1 said nothing
        assert event.to_data() == {**row["data"], "phone": None, "email": None}


@pytest.fixture
def old_clinic(committed_db):
    importing.import_events([
        importing.ImportedEvent(stream_id=uuid.UUID(row["stream_id"]), stream_type=row["stream_type"],
                                version=row["version"], type=row["type"], data=row["data"],
                                occurred_at=datetime.fromisoformat(row["occurred_at"]))
        for row in ROWS], metadata=store.metadata(actor="upgrade", source="seed"))
    runner.run_all()


def test_an_old_log_projects_into_the_read_models_and_replays_to_the_same(old_clinic):
    assert Doctor.objects.count() == sum(row["type"] == "DOCTOR_CREATED" for row in ROWS)
    assert Patient.objects.count() == sum(row["type"] == "PATIENT_CREATED" for row in ROWS)
    assert Appointment.objects.filter(status="cancelled").count() == \
        sum(row["type"] == "APPOINTMENT_CANCELLED" for row in ROWS)
    assert Patient.objects.filter(name="Renamed Person").count() == 1
    assert rebuild.verify() == {}


def test_commands_go_on_from_old_streams(old_clinic, ctx):
    booked = Appointment.objects.filter(status="booked").first()
    # The fixture's appointments are past now; cancelling is decided as before the first of them.
    before_it = replace(ctx, now=datetime.combine(booked.day, booked.time, tzinfo=UTC) - timedelta(days=1))
    handlers.dispatch(before_it, CancelAppointment(booked.id, reason="After the upgrade"))
    renamed = Patient.objects.get(name="Renamed Person")
    handlers.dispatch(ctx, UpdatePatient(renamed.id, name="Renamed Again"))
    off_shift = Doctor.objects.filter(on_shift_since__isnull=True).first()
    handlers.dispatch(ctx, Arrive(off_shift.id))

    booked.refresh_from_db()
    assert (booked.status, booked.cancel_reason) == ("cancelled", "After the upgrade")
    assert Patient.objects.filter(name="Renamed Again").exists()
    assert Doctor.objects.get(pk=off_shift.pk).on_shift
    assert rebuild.verify() == {}
