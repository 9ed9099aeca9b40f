"""The benchmark harness runs (at a tiny size, SQLite only, no timing asserted).
The bulk import path it measures has its own tests in tests/events/test_importing.py."""
import json
import os
import queue
import subprocess
import sys

import pytest

from bench import __main__ as bench_main
from bench import concurrent
from bench.data import command_script
from tests.production import services

# --- The harness --------------------------------------------------------------

def run_tiny_bench(tmp_path, *args, timeout):
    """``python -m bench --preset tiny`` with ``args``, this run's services left out;
    (the finished process, its figures)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "CLINIC_QUEUE", "DJANGO_SETTINGS_MODULE",
                        "BENCH_DATABASE_URL")}
    out = tmp_path / "figures.json"
    result = subprocess.run([sys.executable, "-m", "bench", "--preset", "tiny", *args, "--json", str(out)],
                            cwd=services.ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return result, json.loads(out.read_text())


def test_the_harness_runs_at_a_tiny_size_and_writes_every_figure(tmp_path):
    result, figures = run_tiny_bench(tmp_path, "--backend", "sqlite", timeout=300)
    for key in ["append_events_per_s", "import_events_per_s", "rebuild_events_per_s", "rebuild_peak_rss_mb",
                "rebuild_small_peak_rss_mb", "detail_ms_p50", "detail_ms_p99", "fold_detail_ms_p50",
                "nplus1_list_ms_p50", "join_list_ms_p50", "readall_events_per_s", "detail_vs_fold",
                "join_vs_nplus1", "audited_detail_ms_p50", "unaudited_detail_ms_p50",
                *[f"{kind}_ms_p50_history_{n}" for kind in ("booking", "arrival") for n in (0, 2000, 20000)],
                "booking_history_ratio", "arrival_history_ratio", "card_ms_p50", "rename_join_ms_1",
                "rename_fanout_ms_10"]:
        assert figures[f"{key}_sqlite"] > 0, key
    assert figures["detail_queries_sqlite"] == 1  # the appointment, its doctor and patient: one join
    assert figures["join_list_queries_sqlite"] == 1
    assert figures["nplus1_list_queries_sqlite"] == 101
    # A rename reaches each of a patient's cards with an event of its own; the join needs the rename only.
    assert figures["rename_events_10_sqlite"] == 1 + 10 and figures["rename_events_1_sqlite"] == 1 + 1
    peer = figures.get("peer_append_events_per_s_sqlite")
    assert peer is None or peer > 0  # the peer library is optional (bench/requirements.txt)
    assert figures["machine_cores"] and figures["machine_python"] and figures["db_version_sqlite"]
    assert "appointments in the read model" in result.stdout  # the printed table
    assert "booking p50, 20,000 events in the doctor's stream (ms)" in result.stdout
    # Concurrent appends run on PostgreSQL only: SQLite has one writer at a time.
    assert figures.get("concurrent_append_events_per_s_1_sqlite") is None
    assert figures["concurrent_append_scaling_sqlite"] is None

    # Over the wire (bench.http): with no PostgreSQL in this run, on SQLite; every answer counted was a 200.
    for key in ["http_detail_rps", "http_detail_wsgi_rps", "http_floor_rps", "http_detail_vs_wsgi",
                "http_detail_vs_floor", "http_client_cpu_share"]:
        assert figures[f"{key}_sqlite"] > 0, key
    assert figures["http_detail_vs_wsgi_sqlite"] == figures["http_detail_rps_sqlite"] / figures[
        "http_detail_wsgi_rps_sqlite"]
    assert figures["http_web_processes_sqlite"] == 2
    assert "http_detail_vs_wsgi (deployed / gunicorn sync)" in result.stdout


# The server ``make bench`` uses by default; the bench makes a database of its own there and drops it.
BENCH_SERVER = os.environ.get("BENCH_DATABASE_URL") or "postgres://127.0.0.1:5432/postgres"


@pytest.mark.skipif(not bench_main.reachable(BENCH_SERVER), reason=f"no PostgreSQL server at {BENCH_SERVER}")
def test_the_harness_measures_concurrent_appends_on_postgresql(tmp_path):
    result, figures = run_tiny_bench(tmp_path, "--backend", "pg", "--database-url", BENCH_SERVER, timeout=900)
    for n in concurrent.WRITERS:
        assert figures[f"concurrent_append_events_per_s_{n}_pg"] > 0, n
        assert figures[f"concurrent_append_events_{n}_pg"] >= n  # every writer wrote
        peer = figures.get(f"peer_concurrent_append_events_per_s_{n}_pg")
        assert peer is None or peer > 0
    assert figures["concurrent_append_scaling_pg"] > 0
    assert "append by 8 writer processes, new streams (events/s)" in result.stdout


def test_concurrent_writers_open_new_streams_only():
    commands = concurrent.registrations()
    first = [next(commands) for _ in range(3 * concurrent.REGISTRATIONS_PER_ROUND)]
    ids = [c.args.get("doctor_id") or c.args["patient_id"] for c in first]
    assert {c.kind for c in first} == {"doctor", "patient"}
    assert len(set(ids)) == len(ids)  # each command a stream of its own, round after round
    assert all(c.events == 1 for c in first)


class _Finished:
    exitcode = 0


def test_a_failing_or_silent_writer_stops_the_measure():
    said = queue.Queue()
    said.put(("failed", 0, "Traceback: boom"))
    with pytest.raises(RuntimeError, match="boom"):
        concurrent._collect([_Finished()], said, "ready", timeout=5)
    with pytest.raises(RuntimeError, match="exited"):  # ended without a word
        concurrent._collect([_Finished()], queue.Queue(), "ready", timeout=5)


def test_the_command_script_writes_what_it_plans():
    script = command_script(300, seed=5)
    kinds = {c.kind for c in script}
    assert {"doctor", "patient", "arrive", "book", "leave"} <= kinds
    assert sum(c.events for c in script) >= 300


def test_the_unaudited_baseline_records_no_read(api, appointment, settings):
    """What the audit costs is measured against the same detail without it: on
    PostgreSQL the real detail records in its own read's statement, which the
    baseline must leave out too."""
    from clinic.audit.models import PatientRead

    settings.ROOT_URLCONF = "bench.urls"
    assert api.get(f"/bench/unaudited/appointments/{appointment}/").status_code == 200
    assert not PatientRead.objects.exists()
    assert api.get(f"/api/appointments/{appointment}/").status_code == 200
    assert PatientRead.objects.count() == 1
