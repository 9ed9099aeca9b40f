"""A shadow rebuild of a long log while the site serves: how long it takes, and
what the people using the site meanwhile notice.

    python -m bench.shadow --database-url postgres://… --redis-url redis://… [--events 1000000] [--rate 10]
    (the URLs default to DATABASE_URL / BENCH_DATABASE_URL and CELERY_BROKER_URL / REDIS_URL)

What it runs, all on this machine, as production does: a database
``clinic_bench_shadow_<pid>`` on the given PostgreSQL server (dropped afterwards),
filled with ``--events`` events by the bulk importer (``bench.data.History``, the
history ``make bench`` rebuilds) and projected once, so the live tables are
current; uvicorn (``--web`` processes, 127.0.0.1 only), one Celery worker and beat
on a queue named for this run. Then an open-loop load of ``--rate`` requests per
second over HTTP with a staff token — half appointment details, a fifth patient
lists, a fifth bookings, a tenth renames — first alone for ``--warm`` seconds, then
while ``manage.py rebuild_readmodels --shadow`` runs in a process of its own, then
``--cool`` seconds after it.

Printed: the rebuild's wall time (the command's process, Django's start
included) and events per second; per phase, the requests' p50 / p99 / max in ms,
how many failed (5xx or no answer) and how many writes answered ``202`` (the read
side did not show them within the read-your-writes wait: the live projectors wait
for the swap); the projection lag after; and an excerpt of ``/metrics`` scraped
while the rebuild ran. ``--verify`` ends with ``verify_readmodels`` (a second full
replay): the swapped-in tables equal a replay of the log, writes made during the
rebuild included.

Nothing is asserted; it is a measurement, run by hand (not in the test suite).
"""
import argparse
import json
import os
import random
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from http.client import HTTPConnection
from pathlib import Path

from bench.lag import log, percentile

ROOT = Path(__file__).resolve().parent.parent
CLIENT_THREADS = 16
IMPORT_CHUNK = 100_000
# The /metrics lines worth quoting: what an operator watches during a rebuild.
METRICS_EXCERPT = re.compile(r"^(clinic_projection_lag_events|clinic_projection_position|clinic_dead_letters"
                             r"|clinic_events_appended_total|clinic_commands_total)\b")


class Load:
    """Open-loop requests at a fixed rate; each result is tagged with the phase it was sent in."""

    def __init__(self, port, token, ids, seed=7):
        self.port, self.token, self.ids = port, token, ids
        self.rng = random.Random(seed)
        self.local = threading.local()
        self.phase = "before"
        self.results = []  # (phase, kind, status, seconds)
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def request(self):
        roll, ids = self.rng.random(), self.ids
        if roll < 0.5:
            return "read", "GET", f"/api/appointments/{self.rng.choice(ids['appointments'])}/", None
        if roll < 0.7:
            return "read", "GET", f"/api/patients/?page_size=20&page={self.rng.randrange(1, 50)}", None
        if roll < 0.9:
            day = date(2040, 1, 1) + timedelta(days=self.rng.randrange(3650))
            return "write", "POST", "/api/appointments/", {
                "doctorId": self.rng.choice(ids["doctors"]), "patientId": self.rng.choice(ids["patients"]),
                "day": day.isoformat(), "time": f"{8 + self.rng.randrange(9):02d}:{self.rng.choice([0, 30]):02d}",
                "durationMinutes": 30}
        return "write", "PATCH", f"/api/patients/{self.rng.choice(ids['patients'])}/", {
            "name": f"Renamed {self.rng.randrange(10**6)}"}

    def send(self, phase, kind, method, path, body):
        started = time.monotonic()
        headers = {"Authorization": f"Token {self.token}", "Content-Type": "application/json"}
        status = 0
        for _retry in range(2):  # once more on a fresh connection if the kept one was closed
            if not hasattr(self.local, "connection"):
                self.local.connection = HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                self.local.connection.request(method, path, body=None if body is None else json.dumps(body),
                                              headers=headers)
                response = self.local.connection.getresponse()
                response.read()
                status = response.status
                break
            except (OSError, ConnectionError):
                self.local.connection.close()
                del self.local.connection
        with self.lock:
            self.results.append((phase, kind, status, time.monotonic() - started))

    def run(self, rate):
        start = time.monotonic()
        with ThreadPoolExecutor(CLIENT_THREADS) as pool:
            n = 0
            while not self.stopping.is_set():
                delay = start + n / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                pool.submit(self.send, self.phase, *self.request())
                n += 1


def scrape(port, token):
    connection = HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/metrics", headers={"Authorization": f"Token {token}"})
    return connection.getresponse().read().decode()


def summarize(results, phase):
    chosen = [r for r in results if r[0] == phase]
    seconds = [r[3] * 1000 for r in chosen if r[2]]
    return {
        f"{phase}_requests": len(chosen),
        f"{phase}_ms_p50": percentile(seconds, 50) if seconds else 0.0,
        f"{phase}_ms_p99": percentile(seconds, 99) if seconds else 0.0,
        f"{phase}_ms_max": max(seconds, default=0.0),
        f"{phase}_failed": sum(1 for r in chosen if r[2] == 0 or r[2] >= 500),
        f"{phase}_accepted_202": sum(1 for r in chosen if r[2] == 202),
        f"{phase}_refused_4xx": sum(1 for r in chosen if 400 <= r[2] < 500),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.shadow", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL server (default DATABASE_URL / BENCH_DATABASE_URL)")
    parser.add_argument("--redis-url", help="Redis (default CELERY_BROKER_URL / REDIS_URL)")
    parser.add_argument("--events", type=int, default=1_000_000, help="events in the log (default 1,000,000)")
    parser.add_argument("--rate", type=float, default=10.0, help="requests per second (default 10)")
    parser.add_argument("--warm", type=float, default=10.0, help="seconds of load before the rebuild (default 10)")
    parser.add_argument("--cool", type=float, default=10.0, help="seconds of load after it (default 10)")
    parser.add_argument("--web", type=int, default=2, help="uvicorn processes (default 2)")
    parser.add_argument("--verify", action="store_true", help="end with verify_readmodels (a second full replay)")
    args = parser.parse_args(argv)

    from bench.__main__ import _admin, machine, postgres_server, with_database

    server = postgres_server(args.database_url)
    redis_url = args.redis_url or os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL")
    if not server or not (redis_url or "").startswith("redis"):
        parser.error("needs a PostgreSQL server and Redis: --database-url postgres://… --redis-url redis://… "
                     "(or DATABASE_URL and CELERY_BROKER_URL)")
    database = f"clinic_bench_shadow_{os.getpid()}"
    database_url = with_database(server, database)
    workdir = Path(tempfile.mkdtemp(prefix="shadow-"))
    (workdir / "metrics").mkdir()
    env = dict(os.environ)
    env.update(DATABASE_URL=database_url, CELERY_BROKER_URL=redis_url, REDIS_URL=redis_url,
               CLINIC_QUEUE=f"clinic-bench-shadow-{os.getpid()}", DJANGO_SETTINGS_MODULE="clinic.settings",
               SECURE_SSL_REDIRECT="0", PYTHONPATH=str(ROOT), LOG_LEVEL="WARNING", CLINIC_CATCH_UP_SECONDS="5",
               CLINIC_REQUEST_LOG_LEVEL="WARNING", PROMETHEUS_MULTIPROC_DIR=str(workdir / "metrics"))
    os.environ.update(env)

    _admin(server, f'DROP DATABASE IF EXISTS "{database}"')
    _admin(server, f'CREATE DATABASE "{database}"')
    processes = []
    try:
        figures = run(args, env, processes, workdir)
    finally:
        from tests.production import services

        for process in processes:
            services.kill(process)
        from django.db import connections

        connections.close_all()
        _admin(server, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)
    report(args, figures, machine())


def run(args, env, processes, workdir):
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    import django

    django.setup()
    from django.core.management import call_command

    from bench.data import History
    from clinic.roles.accounts import enrol
    from clinic.roles.rules import Role
    from clinic.signin import tokens
    from events import importing, store
    from events.store import events_committed
    from readmodels.models import Appointment, Doctor, Patient
    from readmodels.signals import project_new_events
    from tests.production import services

    events_committed.disconnect(project_new_events)  # the set-up is projected below, in one replay
    log(f"importing {args.events:,} events")
    history, started = History(), time.perf_counter()
    meta = store.metadata(actor="bench-shadow", source="seed")
    while history.events < args.events:
        importing.import_events(history.take(min(IMPORT_CHUNK, args.events - history.events)), metadata=meta)
    figures = {"events": args.events, "import_s": time.perf_counter() - started}
    log(f"imported in {figures['import_s']:.1f} s; projecting once (a plain rebuild)")
    started = time.perf_counter()
    call_command("rebuild_readmodels", stdout=open(os.devnull, "w"), stderr=open(os.devnull, "w"))
    figures["first_projection_s"] = time.perf_counter() - started

    user, _ = enrol("bench-shadow", Role.MANAGER, secrets.token_urlsafe(16))
    token, _ = tokens.issue(user)
    ids = {"appointments": [str(pk) for pk in Appointment.objects.values_list("pk", flat=True)[:5000]],
           "patients": [str(pk) for pk in Patient.objects.values_list("pk", flat=True)[:2000]],
           "doctors": [str(pk) for pk in Doctor.objects.values_list("pk", flat=True)]}

    port = services.free_port()
    processes.append(services.start(
        [sys.executable, "-m", "uvicorn", "clinic.asgi:application", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(args.web), "--lifespan", "off", "--no-access-log"], env, workdir / "web.log"))
    processes.append(services.start(
        [sys.executable, "-m", "celery", "-A", "clinic", "worker", "-Q", env["CLINIC_QUEUE"], "-n",
         f"shadow-{os.getpid()}@%h", "--concurrency", "1", "--loglevel", "WARNING", "--without-gossip",
         "--without-mingle", "--without-heartbeat"], env, workdir / "worker.log"))
    processes.append(services.beat(env, workdir / "beat-schedule", workdir / "beat.log"))
    services.wait_until(lambda: services.serving(port), 60, what="the web server")

    load = Load(port, token, ids)
    runner_thread = threading.Thread(target=load.run, args=(args.rate,), daemon=True)
    log(f"{args.rate:g} requests/s for {args.warm:g} s before the rebuild")
    runner_thread.start()
    time.sleep(args.warm)

    load.phase = "during"
    scrapes = []
    rebuilding = threading.Event()
    rebuilding.set()

    def scraper():
        while rebuilding.is_set():
            try:
                scrapes.append(scrape(port, token))
            except OSError:
                pass
            time.sleep(2)

    threading.Thread(target=scraper, daemon=True).start()
    log("rebuild_readmodels --shadow, while the load goes on")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "manage.py", "rebuild_readmodels", "--shadow"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    figures["shadow_rebuild_s"] = time.perf_counter() - started
    rebuilding.clear()
    figures["shadow_rebuild_output"] = (done.stdout.strip().splitlines() or [""])[-1]
    if done.returncode:
        raise SystemExit(f"rebuild_readmodels --shadow failed:\n{done.stdout}\n{done.stderr}")
    load.phase = "after"
    log(f"rebuilt in {figures['shadow_rebuild_s']:.1f} s; {args.cool:g} s more load")
    time.sleep(args.cool)
    load.stopping.set()
    runner_thread.join()

    services.wait_until(lambda: _lag(port, token) == 0, 120, interval=0.5, what="the workers to catch up")
    figures["lag_after"] = 0
    for phase in ("before", "during", "after"):
        figures.update(summarize(load.results, phase))
    figures["max_lag_during"] = max((_lags(text) for text in scrapes), default=0)
    # The scrape taken closest to the end of the rebuild: the load's effect is in it.
    figures["metrics_excerpt"] = [line for line in (scrapes[-1] if scrapes else "").splitlines()
                                  if METRICS_EXCERPT.match(line)]
    if args.verify:
        log("verify_readmodels: a second full replay, compared with the swapped-in tables")
        checked = subprocess.run([sys.executable, "manage.py", "verify_readmodels"], cwd=ROOT, env=env,
                                 capture_output=True, text=True)
        figures["verify_exit"] = checked.returncode
        figures["verify_output"] = checked.stdout.strip().splitlines()[-3:]
    return figures


def _lag(port, token):
    """The largest projection lag /metrics reports now."""
    return _lags(scrape(port, token), missing=1)


def _lags(text, missing=0):
    """The largest ``clinic_projection_lag_events`` in a scrape (``missing`` if none)."""
    lags = [float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
            if line.startswith("clinic_projection_lag_events{")]
    return max(lags, default=missing)


def report(args, figures, about):
    print()
    print(f"Shadow rebuild of {figures['events']:,} events with the site serving ({about['date']}, "
          f"{os.cpu_count()} cores; {args.web} web processes, 1 worker, {args.rate:g} requests/s)")
    print(f"  import {figures['import_s']:.1f} s, first projection {figures['first_projection_s']:.1f} s")
    print(f"  rebuild_readmodels --shadow: {figures['shadow_rebuild_s']:.1f} s "
          f"({figures['events'] / figures['shadow_rebuild_s']:,.0f} events/s) — {figures['shadow_rebuild_output']}")
    header = f"  {'phase':<8}{'requests':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'failed':>8}{'202':>6}{'4xx':>6}"
    print(header)
    for phase in ("before", "during", "after"):
        print(f"  {phase:<8}{figures[f'{phase}_requests']:>9}{figures[f'{phase}_ms_p50']:>9.1f}"
              f"{figures[f'{phase}_ms_p99']:>9.1f}{figures[f'{phase}_ms_max']:>9.1f}{figures[f'{phase}_failed']:>8}"
              f"{figures[f'{phase}_accepted_202']:>6}{figures[f'{phase}_refused_4xx']:>6}")
    print(f"  live projection lag during the rebuild, largest scraped every 2 s: {figures['max_lag_during']:g} events")
    print("  /metrics during the rebuild (excerpt):")
    for line in figures["metrics_excerpt"]:
        print(f"    {line}")
    if "verify_exit" in figures:
        print(f"  verify_readmodels: exit {figures['verify_exit']}: {' / '.join(figures['verify_output'])}")


if __name__ == "__main__":
    main()
