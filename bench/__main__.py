"""Clinic's benchmarks: one command, one run, both databases side by side.

    python -m bench [--preset quick|full|tiny] [--backend sqlite|pg|both]
                    [--database-url postgres://…] [--json PATH] [--no-peer]

Each backend runs in a process of its own (``bench.suite``) on a database made
for the run and removed after it: a SQLite file under ``bench/results/``, and —
when a PostgreSQL server is given (``--database-url``, else ``BENCH_DATABASE_URL``
or ``DATABASE_URL`` if it is a postgres:// URL) — a database
``clinic_bench_<pid>`` created on that server (the database named in the URL
is only used to connect; nothing in it is touched). Celery runs eagerly in the
suite; no broker is needed.

The figures are printed as a table and written as one flat JSON object (keys
with a ``_sqlite`` / ``_pg`` suffix, the ratios, and the machine) to
``bench/results/latest.json`` (not for the ``tiny`` preset, which only checks the
harness) and to ``--json PATH``. ``make bench`` runs this; ``make bench
SIZE=full`` the full preset, whose results are also kept as
``bench/results/full-<date>-<HHMM>-<backends>.json`` (its UTC time of day, so a
second run on one day keeps the first).
"""
import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SUFFIX = {"sqlite": "sqlite", "pg": "pg"}

# (key, label, target as (comparison, value[, only this backend]) or None, format).
# The targets are issue 5's (the history ratios issue 13's), for the full preset; quick runs show them for orientation.
ROWS = [
    ("append_events_per_s", "append: commands through the command layer (events/s)", None, "{:,.0f}"),
    ("peer_append_events_per_s", "peer append: one save per command (events/s)", None, "{:,.0f}"),
    ("append_vs_peer", "append_vs_peer", (">=", 1.0), "{:.2f}"),
    *[(f"{kind}_ms_p50_history_{n}", f"{label} p50, {n:,} events in the doctor's stream (ms)", None, "{:.2f}")
      for kind, label in (("booking", "booking"), ("arrival", "arrive or leave")) for n in (0, 2_000, 20_000)],
    ("booking_history_ratio", "booking p50 at 20,000 events / at 0", ("<=", 1.5), "{:.2f}"),
    ("arrival_history_ratio", "arrive or leave p50 at 20,000 events / at 0", ("<=", 1.5), "{:.2f}"),
    ("peer_batch_append_events_per_s", "peer append: 100 commands per save (events/s)", None, "{:,.0f}"),
    ("import_events_per_s", "bulk import (events/s)", (">=", 50_000, "pg"), "{:,.0f}"),
    ("rebuild_events", "rebuild: events in the log", None, "{:,.0f}"),
    ("rebuild_events_per_s", "rebuild_readmodels (events/s)", (">=", 20_000, "pg"), "{:,.0f}"),
    ("rebuild_small_events", "rebuild (small): events in the log", None, "{:,.0f}"),
    ("rebuild_small_peak_rss_mb", "rebuild peak RSS, small log (MB)", None, "{:,.0f}"),
    ("rebuild_peak_rss_mb", "rebuild peak RSS, large log (MB)", None, "{:,.0f}"),
    ("rebuild_rss_ratio", "rebuild RSS large / small", ("<=", 1.2, "pg"), "{:.2f}"),
    ("catchup_events_per_s", "incremental catch-up (events/s)", None, "{:,.0f}"),
    ("detail_appointments", "appointments in the read model", None, "{:,.0f}"),
    ("detail_ms_p50", "GET appointment detail p50 (ms)", ("<=", 3.0), "{:.2f}"),
    ("detail_ms_p99", "GET appointment detail p99 (ms)", None, "{:.2f}"),
    ("detail_queries", "detail: read-model queries", ("<=", 1), "{:.0f}"),
    ("audited_detail_ms_p50", "detail with the read audit p50 (ms), paired", None, "{:.2f}"),
    ("unaudited_detail_ms_p50", "detail without the read audit p50 (ms), paired", None, "{:.2f}"),
    ("audit_ms_p50", "read audit's cost per detail p50 (ms)", None, "{:.2f}"),
    ("fold_detail_ms_p50", "same answer by folding 3 streams p50 (ms)", None, "{:.2f}"),
    ("fold_events_per_request", "events folded per request (median)", None, "{:,.0f}"),
    ("detail_vs_fold", "detail_vs_fold (fold / detail)", (">=", 50), "{:.1f}"),
    ("card_appointments", "appointment cards started for the bench", None, "{:,.0f}"),
    ("card_ms_p50", "GET appointment card p50 (ms), stored whole", None, "{:.2f}"),
    ("card_ms_p99", "GET appointment card p99 (ms)", None, "{:.2f}"),
    ("card_queries", "card: read-model queries (no join)", ("<=", 1), "{:.0f}"),
    ("card_rename_cards", "cards a doctor's rename reaches", None, "{:,.0f}"),
    ("card_rename_ms", "rename fan-out to those cards (ms)", None, "{:.1f}"),
    ("card_rename_ms_per_card", "rename fan-out per card (ms)", None, "{:.2f}"),
    *[row for n, whose in ((1, "patient with 1 appointment"), (100, "patient with 100 appointments"),
                           (1_000, "patient with 1,000 appointments")) for row in (
        (f"rename_join_ms_{n}", f"{whose} renamed: join shows it (ms)", None, "{:.1f}"),
        (f"rename_fanout_ms_{n}", f"{whose} renamed: every card shows it (ms)", None, "{:.1f}"),
        (f"rename_events_{n}", f"{whose} renamed: events appended (join: 1)", None, "{:,.0f}"))],
    ("nplus1_list_ms_p50", "50-row list, N+1 queries p50 (ms)", None, "{:.2f}"),
    ("join_list_ms_p50", "50-row list, select_related p50 (ms)", None, "{:.2f}"),
    ("join_vs_nplus1", "join_vs_nplus1 (n+1 / join)", (">=", 5), "{:.1f}"),
    ("readall_events_per_s", "read the global log in order (events/s)", None, "{:,.0f}"),
    ("peer_log_read_events_per_s", "peer: read its notification log (events/s)", None, "{:,.0f}"),
    ("readall_vs_peer", "readall_vs_peer (feed's reader / peer's)", (">=", 1.0), "{:.2f}"),
    # --- Concurrent appends (bench.concurrent; PostgreSQL only, "—" on SQLite: one writer at a time) ---
    *[row for n, writers in ((1, "1 writer process"), (2, "2 writer processes"), (4, "4 writer processes"),
                             (8, "8 writer processes")) for row in (
        (f"concurrent_append_events_per_s_{n}", f"append by {writers}, new streams (events/s)", None, "{:,.0f}"),
        (f"peer_concurrent_append_events_per_s_{n}", f"peer append by {writers} (events/s)", None, "{:,.0f}"))],
    ("concurrent_append_scaling", "concurrent append: 8 writers / 1", (">=", 2.0, "pg"), "{:.2f}"),
    ("concurrent_append_vs_peer_8", "concurrent append vs peer, 8 writers each", (">=", 1.5, "pg"), "{:.2f}"),
    # --- end of concurrent appends ---
]
RATIOS = {
    "append_vs_peer": ("append_events_per_s", "peer_append_events_per_s"),
    "detail_vs_fold": ("fold_detail_ms_p50", "detail_ms_p50"),
    "join_vs_nplus1": ("nplus1_list_ms_p50", "join_list_ms_p50"),
    "readall_vs_peer": ("readall_events_per_s", "peer_log_read_events_per_s"),
    "booking_history_ratio": ("booking_ms_p50_history_20000", "booking_ms_p50_history_0"),
    "arrival_history_ratio": ("arrival_ms_p50_history_20000", "arrival_ms_p50_history_0"),
    # Concurrent appends (bench.concurrent): issue 13's scaling, and against the peer at 8 writers.
    "concurrent_append_scaling": ("concurrent_append_events_per_s_8", "concurrent_append_events_per_s_1"),
    "concurrent_append_vs_peer_8": ("concurrent_append_events_per_s_8", "peer_concurrent_append_events_per_s_8"),
}


# --- Over the wire (bench.http, issue 13): its rows and ratios, kept together. ---
# Measured on one backend per run: PostgreSQL when it runs, else SQLite (http_backend).
ROWS += [
    ("http_detail_rps", "HTTP detail, deployed stack (answers/s)", None, "{:,.0f}"),
    ("http_detail_wsgi_rps", "HTTP detail, gunicorn sync workers (answers/s)", None, "{:,.0f}"),
    ("http_floor_rps", "HTTP floor: bare Django view, gunicorn sync (answers/s)", None, "{:,.0f}"),
    ("http_detail_vs_wsgi", "http_detail_vs_wsgi (deployed / gunicorn sync)", (">=", 0.9), "{:.2f}"),
    ("http_detail_vs_floor", "http_detail_vs_floor (deployed / floor)", (">=", 0.4), "{:.2f}"),
    ("http_client_cpu_share", "HTTP load generator's CPU (share of one core)", None, "{:.0%}"),
]
RATIOS.update({
    "http_detail_vs_wsgi": ("http_detail_rps", "http_detail_wsgi_rps"),
    "http_detail_vs_floor": ("http_detail_rps", "http_floor_rps"),
})


def http_backend(backends):
    return "pg" if "pg" in backends else "sqlite"


def run_http(preset, env, workdir):
    """``bench.http`` in a process of its own, on the backend's database as
    ``bench.suite`` left it; its figures."""
    out = workdir / "http.json"
    subprocess.run([sys.executable, "-m", "bench.http", "--preset", preset, "--out", str(out)], cwd=ROOT, env=env,
                   check=True)
    return json.loads(out.read_text())
# --- End of bench.http's block. ---

def postgres_server(explicit):
    for url in (explicit, os.environ.get("BENCH_DATABASE_URL"), os.environ.get("DATABASE_URL")):
        if url and urlparse(url).scheme in ("postgres", "postgresql", "pgsql"):
            return url
    return None


def reachable(url):
    import socket

    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 5432), timeout=2):
            return True
    except OSError:
        return False


def with_database(url, name):
    parsed = urlparse(url)
    return urlunparse(parsed._replace(path=f"/{name}", query=""))


def _admin(url, statement):
    import psycopg

    parsed = urlparse(url)
    with psycopg.connect(host=parsed.hostname or "127.0.0.1", port=parsed.port or 5432,
                         user=parsed.username or None, password=parsed.password or None,
                         dbname=(parsed.path.lstrip("/") or "postgres"), autocommit=True) as conn:
        conn.execute(statement)


def child_environment(database_url):
    env = dict(os.environ)
    for name in ("CELERY_BROKER_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)  # eager Celery; the bench settings
    # A log line per command and request would bury the run's progress and table.
    env.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="bench.settings", PYTHONPATH=str(ROOT),
               LOG_LEVEL="ERROR", CLINIC_REQUEST_LOG_LEVEL="WARNING")
    return env


def run_backend(backend, preset, server, no_peer, http=False):
    """Run ``bench.suite`` for one backend on a database of its own — then
    ``bench.http`` on it if ``http`` — and return its figures."""
    workdir = Path(tempfile.mkdtemp(prefix=f"run-{os.getpid()}-", dir=RESULTS))
    database = f"clinic_bench_{os.getpid()}"
    try:
        if backend == "sqlite":
            url = f"sqlite:///{workdir / 'bench.sqlite3'}"
        else:
            _admin(server, f'DROP DATABASE IF EXISTS "{database}"')
            _admin(server, f'CREATE DATABASE "{database}"')
            url = with_database(server, database)
        out = workdir / "figures.json"
        args = [sys.executable, "-m", "bench.suite", "--preset", preset, "--out", str(out)]
        if no_peer:
            args.append("--no-peer")
        started = time.monotonic()
        subprocess.run(args, cwd=ROOT, env=child_environment(url), check=True)
        figures = json.loads(out.read_text())
        figures["seconds"] = time.monotonic() - started
        if http:
            figures.update(run_http(preset, child_environment(url), workdir))
        return figures
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if backend == "pg":
            _admin(server, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def machine():
    import sqlite3

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True)
    memory = None
    try:
        with open("/proc/meminfo") as meminfo:
            memory = round(int(meminfo.readline().split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), cpu)
    except OSError:
        pass
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine_cores": os.cpu_count(),
        "machine_memory_gib": memory,
        "machine_cpu": cpu,
        "machine_os": f"{platform.system()} {platform.release()}",
        "machine_python": platform.python_version(),
        "machine_sqlite_library": sqlite3.sqlite_version,
        "git_commit": (commit.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")) or None,
    }


def flatten(per_backend):
    flat = {}
    for backend, figures in per_backend.items():
        for key, value in figures.items():
            flat[f"{key}_{SUFFIX[backend]}"] = value
        for ratio, (top, bottom) in RATIOS.items():
            a, b = figures.get(top), figures.get(bottom)
            flat[f"{ratio}_{SUFFIX[backend]}"] = (a / b) if a and b else None
    return flat


def table(flat, backends):
    def cell(key, fmt):
        value = flat.get(key)
        if value is None:
            return "—"
        return fmt.format(value) if isinstance(value, (int, float)) else str(value)

    def verdict(value, target, backend):
        if target is None or not isinstance(value, (int, float)) or target[2:] not in ((), (backend,)):
            return ""
        op, bound = target[:2]
        return "ok" if (value >= bound if op == ">=" else value <= bound) else "MISSED"

    header = ["figure", *(("SQLite" if b == "sqlite" else "PostgreSQL") for b in backends), "target (full preset)"]
    lines = []
    for key, label, target, fmt in ROWS:
        cells = [label]
        verdicts = []
        for backend in backends:
            full = f"{key}_{SUFFIX[backend]}"
            cells.append(cell(full, fmt))
            verdicts.append(verdict(flat.get(full), target, backend))
        target_text = f"{target[0]} {target[1]:,}" + (" (PostgreSQL)" if target[2:] else "") if target else ""
        if target and any(verdicts):
            target_text += "  (" + ", ".join(v or "—" for v in verdicts) + ")"
        cells.append(target_text)
        lines.append(cells)
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header))]
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)),
           "  ".join("-" * w for w in widths)]
    for row in lines:
        out.append("  ".join([row[0].ljust(widths[0]),
                              *(c.rjust(w) for c, w in zip(row[1:-1], widths[1:-1], strict=True)),
                              row[-1]]))
    return "\n".join(out)


def write_latest(path, figures, owned):
    """Replace the keys this benchmark owns in ``path``, keep the others'
    (``bench.lag`` and this harness share latest.json)."""
    existing = {}
    if path.exists():
        try:
            existing = json.loads(path.read_text())
        except ValueError:
            existing = {}
    merged = {k: v for k, v in existing.items() if not owned(k)}
    merged.update(figures)
    path.write_text(json.dumps(merged, indent=1, sort_keys=True) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--preset", "--size", choices=["tiny", "quick", "full"], default="quick")
    parser.add_argument("--backend", choices=["sqlite", "pg", "both"], default="both",
                        help="both (default): SQLite, and PostgreSQL when a server is given")
    parser.add_argument("--database-url", help="a PostgreSQL server to create the bench database on")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--no-peer", action="store_true", help="leave out the eventsourcing peer")
    args = parser.parse_args(argv)

    RESULTS.mkdir(parents=True, exist_ok=True)
    server = postgres_server(args.database_url)
    backends = ["sqlite", "pg"] if args.backend == "both" else [args.backend]
    if "pg" in backends and not (server and reachable(server)):
        why = (f"not reachable at {urlparse(server).hostname}:{urlparse(server).port or 5432}" if server
               else "no server given (--database-url or DATABASE_URL=postgres://…)")
        if args.backend == "pg":
            parser.error(f"PostgreSQL: {why}")
        print(f"PostgreSQL: skipped, {why}")
        backends.remove("pg")

    load_at_start = round(os.getloadavg()[0], 2)
    per_backend, failed = {}, []
    for backend in backends:
        print(f"== {backend}: preset {args.preset}", flush=True)
        try:
            per_backend[backend] = run_backend(backend, args.preset, server, args.no_peer,
                                               http=backend == http_backend(backends))
        except subprocess.CalledProcessError:
            print(f"== {backend}: FAILED (see the traceback above); its figures are left out", flush=True)
            failed.append(backend)
    backends = [b for b in backends if b in per_backend]
    # Other work on the machine skews every figure: the 1-minute load average tells.
    flat = {"preset": args.preset, **machine(), "machine_load_at_start": load_at_start,
            "machine_load_at_end": round(os.getloadavg()[0], 2), **flatten(per_backend)}

    print()
    print(f"Clinic benchmarks — preset {args.preset}, {flat['date']}, {flat['machine_cores']} cores, "
          f"Python {flat['machine_python']}, commit {flat['git_commit']}, load average "
          f"{flat['machine_load_at_start']} → {flat['machine_load_at_end']}")
    for backend in backends:
        suffix = SUFFIX[backend]
        print(f"  {backend}: {flat.get('db_version_' + suffix)}, peer: "
              f"{flat.get('peer_version_' + suffix) or flat.get('peer_note_' + suffix)}")
    print()
    print(table(flat, backends))

    if args.preset != "tiny":
        write_latest(RESULTS / "latest.json", flat, owned=lambda key: not key.startswith("lag_"))
        print(f"\nWritten: {RESULTS / 'latest.json'}")
        if args.preset == "full":
            written = flat["date"]  # e.g. 2026-12-02T06:17:49Z
            dated = RESULTS / f"full-{written[:10]}-{written[11:13]}{written[14:16]}-{'-'.join(backends)}.json"
            dated.write_text(json.dumps(flat, indent=1, sort_keys=True) + "\n")
            print(f"Written: {dated}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(flat, indent=1, sort_keys=True) + "\n")
        print(f"Written: {args.json}")
    if failed:
        raise SystemExit(f"Failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
