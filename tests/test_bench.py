"""The benchmark harness runs (at a tiny size, SQLite only, no timing asserted),
and the bulk import path it measures keeps the store's guarantees."""
import dataclasses
import datetime
import json
import os
import subprocess
import sys
import uuid

import pytest
from django.db import DatabaseError, connection, transaction

from bench.data import History, command_script
from events import handlers, importing, store
from events.domain import doctor as doctor_domain
from events.importing import ImportedEvent, InvalidImport
from events.models import StoredEvent
from readmodels import rebuild, runner
from readmodels.models import Appointment, Doctor, Patient
from tests.production import services
from events.domain.commands import RegisterPatient, UpdatePatient

UTC = datetime.timezone.utc
WHEN = datetime.datetime(2030, 1, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
def meta():
    return store.metadata(actor="importer", source="seed")


def registered_patient(stream_id, version=1, name="Imported Person"):
    data = {"name": name, "date_of_birth": "1970-01-01"} if version == 1 else {"name": name}
    return ImportedEvent(stream_id=stream_id, stream_type="patient", version=version,
                         type="PATIENT_CREATED" if version == 1 else "PATIENT_UPDATED", data=data, occurred_at=WHEN)


# --- The harness --------------------------------------------------------------

def test_the_harness_runs_at_a_tiny_size_and_writes_every_figure(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "CLINIC_QUEUE", "DJANGO_SETTINGS_MODULE",
                        "BENCH_DATABASE_URL")}
    out = tmp_path / "figures.json"
    result = subprocess.run([sys.executable, "-m", "bench", "--preset", "tiny", "--backend", "sqlite",
                             "--json", str(out)], cwd=services.ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    figures = json.loads(out.read_text())
    for key in ["append_events_per_s", "import_events_per_s", "rebuild_events_per_s", "rebuild_peak_rss_mb",
                "rebuild_small_peak_rss_mb", "detail_ms_p50", "detail_ms_p99", "fold_detail_ms_p50",
                "nplus1_list_ms_p50", "join_list_ms_p50", "readall_events_per_s", "detail_vs_fold",
                "join_vs_nplus1"]:
        assert figures[f"{key}_sqlite"] > 0, key
    assert figures["detail_queries_sqlite"] == 1  # the appointment, its doctor and patient: one join
    assert figures["join_list_queries_sqlite"] == 1
    assert figures["nplus1_list_queries_sqlite"] == 101
    peer = figures.get("peer_append_events_per_s_sqlite")
    assert peer is None or peer > 0  # the peer library is optional (bench/requirements.txt)
    assert figures["machine_cores"] and figures["machine_python"] and figures["db_version_sqlite"]
    assert "appointments in the read model" in result.stdout  # the printed table


def test_the_command_script_writes_what_it_plans():
    script = command_script(300, seed=5)
    kinds = {c.kind for c in script}
    assert {"doctor", "patient", "arrive", "book", "leave"} <= kinds
    assert sum(c.events for c in script) >= 300


# --- The import path ----------------------------------------------------------

def test_an_import_appends_in_order_with_the_versions_given(db, meta):
    first, second = uuid.uuid4(), uuid.uuid4()
    events = [registered_patient(first), registered_patient(second), registered_patient(first, 2, "Renamed")]
    result = importing.import_events(events, metadata=meta, batch_size=2)

    assert (result.count, result.batches) == (3, 2)
    stored = list(store.read_all())
    assert [(e.stream_id, e.version) for e in stored] == [(first, 1), (second, 1), (first, 2)]
    assert result.position == stored[-1].position == store.head_position()
    assert stored[0].metadata == meta and stored[0].occurred_at == WHEN
    assert stored[2].data == {"name": "Renamed"}
    assert len({e.event_id for e in stored}) == 3 and {e.event_id.version for e in stored} == {4}
    # Commands carry on from the imported version.
    handlers.dispatch(handlers.Context(actor="t", source="seed"), UpdatePatient(first, name="Third Name"))
    assert store.stream_version(first) == 3


@pytest.mark.parametrize("version", [1, 3])
def test_an_import_refuses_a_version_that_does_not_follow_the_stored_one(db, meta, version):
    patient = handlers.dispatch(handlers.Context(actor="t", source="seed"), RegisterPatient(name="Already Here",
                                        date_of_birth=datetime.date(1980, 1, 1))).id
    other = uuid.uuid4()
    with pytest.raises(store.ConcurrencyConflict):
        importing.import_events([registered_patient(other), registered_patient(patient, version)], metadata=meta)
    assert not StoredEvent.objects.filter(stream_id=other).exists()  # the whole batch, or nothing
    assert store.stream_version(patient) == 1


def test_an_import_refuses_a_gap_within_the_batch(db, meta):
    stream = uuid.uuid4()
    with pytest.raises(store.ConcurrencyConflict):
        importing.import_events([registered_patient(stream), registered_patient(stream, 3)], metadata=meta)
    assert not StoredEvent.objects.exists()


@pytest.mark.parametrize("change", [
    {"type": "PATIENT_DELETED"},
    {"stream_type": "doctor"},
    {"data": ["not", "an", "object"]},
    {"occurred_at": datetime.datetime(2030, 1, 7, 9, 0)},
    {"version": 0},
])
def test_an_import_refuses_malformed_events(db, meta, change):
    event = registered_patient(uuid.uuid4())
    with pytest.raises(InvalidImport):
        importing.import_events([dataclasses.replace(event, **change)], metadata=meta)
    assert not StoredEvent.objects.exists()


def test_imported_events_stay_immutable_in_the_database(db, meta):
    importing.import_events([registered_patient(uuid.uuid4())], metadata=meta)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {StoredEvent._meta.db_table} SET type = 'CHANGED'")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {StoredEvent._meta.db_table}")
    assert StoredEvent.objects.get().type == "PATIENT_CREATED"


def test_an_imported_history_projects_like_any_other(db, meta):
    """The benchmark's generated history is valid for the projectors, and the
    import stores values (UUIDs, times, JSON) exactly as the ORM would."""
    history = History(seed=4, doctors=3, first_patients=20)
    importing.import_events(history.take(700), metadata=meta, batch_size=250)
    runner.run_all()

    assert Doctor.objects.count() == 3
    assert Patient.objects.count() == StoredEvent.objects.filter(type="PATIENT_CREATED").count()
    assert Appointment.objects.count() == history.appointments > 0
    assert rebuild.verify() == {}
    doctor = history.doctor_ids[0]
    state, version = handlers.load(doctor, doctor_domain.evolve)
    assert state.name and not state.on_shift and version == store.stream_version(doctor) > 1
