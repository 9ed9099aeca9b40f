"""``manage.py seal_history``: the events written before crypto-shredding get
their personal fields sealed — once, under the append lock, audited — and read
exactly as before."""
import io
import json
import uuid
from datetime import datetime

import pytest
from django.core.management import call_command
from django.db import connection

from clinic.audit.models import HistoryRewrite
from events import importing, store
from events.models import DataKey, StoredEvent
from readmodels import rebuild, runner
from tests.events.test_stored_format import ROWS

PATIENT_NAMES = sorted({row["data"]["name"] for row in ROWS if row["stream_type"] == "patient" and
                        "name" in row["data"]})
REASONS = sorted({row["data"]["reason"] for row in ROWS if row["type"] == "APPOINTMENT_CANCELLED"
                  and row["data"].get("reason")})


@pytest.fixture
def log_written_before_sealing(committed_db, monkeypatch):
    """The fixture's events as the code before this change stored them: in plaintext."""
    with monkeypatch.context() as before:
        before.setattr(importing, "_sealed", lambda batch: batch)
        importing.import_events([
            importing.ImportedEvent(stream_id=uuid.UUID(row["stream_id"]), stream_type=row["stream_type"],
                                    version=row["version"], type=row["type"], data=row["data"],
                                    occurred_at=datetime.fromisoformat(row["occurred_at"]))
            for row in ROWS], metadata=store.metadata(actor="upgrade", source="seed"))
    runner.run_all()


def present(text, stored):
    """Whether ``text`` is in the stored JSON, as the database shows it (SQLite keeps
    non-ASCII letters escaped, PostgreSQL's jsonb does not)."""
    return text in stored or json.dumps(text)[1:-1] in stored


def stored_text():
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT data FROM {StoredEvent._meta.db_table}")
        return " ".join(data if isinstance(data, str) else json.dumps(data) for (data,) in cursor)


def seal(*args):
    out = io.StringIO()
    call_command("seal_history", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_old_log_is_sealed_and_reads_as_it_did(log_written_before_sealing):
    assert PATIENT_NAMES and REASONS and all(present(name, stored_text()) for name in PATIENT_NAMES)
    before = [(e.position, e.type, e.plain_data) for e in store.opened(list(store.read_all()))]

    dry = seal("--dry-run")
    assert "Dry run" in dry and "Nothing was changed" in dry
    assert all(present(name, stored_text()) for name in PATIENT_NAMES) and not HistoryRewrite.objects.exists()

    # The appointment cards' process (events.processes.card) ran over the old log as it caught up, and its
    # CARD_PATIENT_FOUND events, sealed, made their patients' keys: seal_history uses those.
    made_by_the_cards = DataKey.objects.count()
    done = seal("--actor", "ops-on-call")

    text = stored_text()
    assert not [name for name in PATIENT_NAMES + REASONS if present(name, text)]
    assert [(e.position, e.type, e.plain_data) for e in store.opened(list(store.read_all()))] == before
    assert rebuild.verify() == {}
    patients = {row["stream_id"] for row in ROWS if row["stream_type"] == "patient"}
    assert DataKey.objects.count() == len(patients)
    (record,) = HistoryRewrite.objects.all()
    assert (record.actor, record.patients, record.keys_created) == ("ops-on-call", len(patients),
                                                                     len(patients) - made_by_the_cards)
    assert f"in {record.events} events" in done
    assert record.keys_created + made_by_the_cards == record.patients
    # Twice is harmless: nothing is left to seal, and nothing more is recorded.
    assert "Nothing to seal" in seal()
    assert HistoryRewrite.objects.count() == 1


def test_after_sealing_an_old_patient_can_be_erased(log_written_before_sealing, api):
    cancelled = [row for row in ROWS if row["type"] == "APPOINTMENT_CANCELLED" and row["data"].get("reason")][0]
    booking = next(row for row in ROWS if row["stream_id"] == cancelled["stream_id"] and row["version"] == 1)
    patient = booking["data"]["patient_id"]
    for booked in api.get(f"/api/appointments/?patient={patient}&status=booked").json()["results"]:
        api.post(f"/api/appointments/{booked['id']}/cancel/", {}, format="json")  # those still to come go

    # Not before their old events are sealed: erasure would leave those readable.
    refused = api.post(f"/api/patients/{patient}/erasure/", {"reason": "Request 1"}, format="json")
    assert refused.status_code == 409 and "seal_history" in refused.json()["detail"]
    seal()

    assert api.post(f"/api/patients/{patient}/erasure/", {"reason": "Request 1"}, format="json").status_code == 200
    events = api.get(f"/api/streams/{cancelled['stream_id']}/events/").json()["results"]
    assert events[cancelled["version"] - 1]["data"]["reason"] == "[erased]"
