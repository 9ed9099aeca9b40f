"""The benchmark harness runs (at a tiny size, SQLite only, no timing asserted).
The bulk import path it measures has its own tests in tests/events/test_importing.py."""
import json
import os
import subprocess
import sys

from bench.data import command_script
from tests.production import services

# --- The harness --------------------------------------------------------------

def test_the_harness_runs_at_a_tiny_size_and_writes_every_figure(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "CLINIC_QUEUE", "DJANGO_SETTINGS_MODULE",
                        "BENCH_DATABASE_URL")}
    out = tmp_path / "figures.json"
    result = subprocess.run([sys.executable, "-m", "bench", "--preset", "tiny", "--backend", "sqlite",
                             "--json", str(out)], cwd=services.ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    figures = json.loads(out.read_text())
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
    # Over the wire (bench.http): with no PostgreSQL in this run, on SQLite; every answer counted was a 200.
    for key in ["http_detail_rps", "http_detail_wsgi_rps", "http_floor_rps", "http_detail_vs_wsgi",
                "http_detail_vs_floor", "http_client_cpu_share"]:
        assert figures[f"{key}_sqlite"] > 0, key
    assert figures["http_detail_vs_wsgi_sqlite"] == figures["http_detail_rps_sqlite"] / figures[
        "http_detail_wsgi_rps_sqlite"]
    assert figures["http_web_processes_sqlite"] == 2
    assert "http_detail_vs_wsgi (deployed / gunicorn sync)" in result.stdout


def test_the_command_script_writes_what_it_plans():
    script = command_script(300, seed=5)
    kinds = {c.kind for c in script}
    assert {"doctor", "patient", "arrive", "book", "leave"} <= kinds
    assert sum(c.events for c in script) >= 300
