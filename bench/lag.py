"""Projection lag under a steady load, with one and with two Celery workers.

    python -m bench.lag --database-url postgres://… --redis-url redis://… [--rate 20] [--seconds 20]
    (or make bench-lag; the URLs default to DATABASE_URL / BENCH_DATABASE_URL and
    CELERY_BROKER_URL / REDIS_URL)

What it runs, all on this machine: a database ``clinic_bench_lag_<pid>`` made on
the given PostgreSQL server (dropped afterwards), uvicorn serving Clinic
(``clinic.asgi``, production settings, ``--web`` processes, on 127.0.0.1 only),
Celery beat, and first one, then two Celery workers (``--concurrency 1`` each,
on a queue named for this run), all against the given Redis. Projection runs
only in the workers, as in production.

The load: ``--rate`` commands per second for ``--seconds`` per phase, sent over
HTTP to 127.0.0.1 on a fixed schedule (open loop: a slow answer does not slow
the next request), from a pool of client threads with a staff token: 70 %
bookings, 15 % new patients, 15 % renames. Only to the web server started here.

What is measured — **lag**: for each write the API accepted, the time from its
commit to its read-model rows being visible to a reader. A poller (its own
PostgreSQL connection, every ``--poll-ms``) reads the head of the event log
and the lowest projector checkpoint in one query. Positions become visible in
commit order (the store's append lock), so the first poll at which the head
reaches a write's position is when its commit became visible; the first poll
at which every checkpoint has reached it is when its rows are visible (a
checkpoint moves in the same transaction as the rows it covers). Lag = the
difference, so both ends are read by one clock and the resolution is the poll
interval. Printed and written as p50, p99 and max in milliseconds per phase:
``lag_ms_p50_1_worker`` … ``lag_ms_max_2_workers``. Also given:
``lag_recorded_ms_p50_*`` — the same end against the event's ``recorded_at``
(server clock, taken just before the insert), a cross-check that includes the
commit itself; and ``lag_http_ms_p50_*`` / ``_p99_*`` — the command's round
trip as the client sees it, which includes the API's own read-your-writes wait.
And **card lag** (``lag_card_ms_p50_*``, ``_p99_*``, ``_max_*``): for each booking
the API accepted, from its commit to its appointment card first seen complete by
the same poller — the card process's subscribers and the card projector, which the
workers run after the booking's own projection (docs/architecture.md, "The seed's
other answer").

Nothing is asserted; it is a measurement, run by hand (not in the test suite).
Figures are merged into ``bench/results/latest.json`` (keys ``lag_*``) and
written to ``--json PATH`` when given.
"""
import argparse
import json
import os
import random
import secrets
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
CLIENT_THREADS = 16


def percentile(values, p):
    ordered = sorted(values)
    return ordered[max(0, int(-(-p * len(ordered) // 100)) - 1)]


def log(message):
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", flush=True)


class Poller(threading.Thread):
    """Every ``interval`` seconds: (monotonic time, head of the log, lowest checkpoint),
    and the first time each appointment's card is seen complete (``cards_seen``)."""

    def __init__(self, dsn, projectors, interval):
        super().__init__(daemon=True)
        import psycopg

        self.connection = psycopg.connect(dsn, autocommit=True)
        self.projectors = list(projectors)
        self.interval = interval
        self.samples = []
        self.cards_seen = {}  # appointment id: monotonic time its card was first seen complete
        self.stopping = threading.Event()

    def read(self):
        row = self.connection.execute(
            "SELECT (SELECT COALESCE(MAX(position), 0) FROM events_storedevent),"
            " (SELECT CASE WHEN COUNT(*) = %s THEN MIN(position) ELSE 0 END"
            "  FROM readmodels_checkpoint WHERE projector = ANY(%s))",
            [len(self.projectors), self.projectors]).fetchone()
        return row[0], row[1]

    def run(self):
        next_at = time.monotonic()
        while not self.stopping.is_set():
            head, projected = self.read()
            now = time.monotonic()
            self.samples.append((now, time.time(), head, projected))
            for (appointment_id,) in self.connection.execute(
                    "SELECT id FROM readmodels_appointmentcard WHERE complete"):
                self.cards_seen.setdefault(appointment_id, now)
            next_at += self.interval
            delay = next_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            else:
                next_at = time.monotonic()

    def stop(self):
        self.stopping.set()
        self.join()
        self.connection.close()

    def first_seen(self, positions):
        """{position: (monotonic time committed, monotonic time projected, wall time projected)}."""
        wanted = sorted(set(positions))
        committed, projected = {}, {}
        i = j = 0
        for mono, wall, head, reached in self.samples:
            while i < len(wanted) and wanted[i] <= head:
                committed[wanted[i]] = mono
                i += 1
            while j < len(wanted) and wanted[j] <= reached:
                projected[wanted[j]] = (mono, wall)
                j += 1
        return {p: (committed[p], *projected[p]) for p in wanted if p in committed and p in projected}


class Load:
    """Open-loop commands over HTTP at a fixed rate."""

    def __init__(self, port, token, doctors, patients, seed):
        self.port, self.token = port, token
        self.doctors, self.patients = doctors, patients
        self.rng = random.Random(seed)
        self.local = threading.local()
        self.results = []  # (status, position or None, seconds)
        self.booked = []  # (position, appointment id) of each booking the API accepted
        self.lock = threading.Lock()

    def _connection(self):
        if not hasattr(self.local, "connection"):
            self.local.connection = HTTPConnection("127.0.0.1", self.port, timeout=30)
        return self.local.connection

    def command(self):
        roll = self.rng.random()
        if roll < 0.70:
            day = date(2031, 1, 1) + timedelta(days=self.rng.randrange(365))
            body = {"doctorId": self.rng.choice(self.doctors), "patientId": self.rng.choice(self.patients),
                    "day": day.isoformat(),
                    "time": f"{8 + self.rng.randrange(10):02d}:{self.rng.choice([0, 15, 30, 45]):02d}",
                    "durationMinutes": 15}
            return "POST", "/api/appointments/", body
        if roll < 0.85:
            return "POST", "/api/patients/", {"name": f"Load patient {self.rng.randrange(10**6)}",
                                              "dateOfBirth": "1985-05-05"}
        return "PATCH", f"/api/patients/{self.rng.choice(self.patients)}/", {
            "name": f"Renamed {self.rng.randrange(10**6)}"}

    def send(self, method, path, body):
        started = time.monotonic()
        headers = {"Authorization": f"Token {self.token}", "Content-Type": "application/json"}
        for attempt in range(2):
            connection = self._connection()
            try:
                connection.request(method, path, body=json.dumps(body), headers=headers)
                response = connection.getresponse()
                payload = response.read()
                break
            except (OSError, ConnectionError):
                connection.close()
                del self.local.connection
                if attempt:
                    with self.lock:
                        self.results.append((0, None, time.monotonic() - started))
                    return
        position = booked = None
        if response.status in (200, 201, 202):
            answer = json.loads(payload)
            position = answer.get("position")
            if path == "/api/appointments/" and answer.get("id"):
                booked = uuid.UUID(answer["id"])
        with self.lock:
            self.results.append((response.status, position, time.monotonic() - started))
            if booked and position:
                self.booked.append((position, booked))

    def run(self, rate, seconds):
        count = int(rate * seconds)
        start = time.monotonic() + 0.2
        with ThreadPoolExecutor(CLIENT_THREADS) as pool:
            for n in range(count):
                delay = start + n / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                pool.submit(self.send, *self.command())
        return self.results


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.lag", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL server (default DATABASE_URL / BENCH_DATABASE_URL)")
    parser.add_argument("--redis-url", help="Redis (default CELERY_BROKER_URL / REDIS_URL)")
    parser.add_argument("--rate", type=float, default=20.0, help="commands per second (default 20)")
    parser.add_argument("--seconds", type=float, default=20.0, help="load per phase (default 20)")
    parser.add_argument("--workers", default="1,2", help="worker counts, one phase each (default 1,2)")
    parser.add_argument("--web", type=int, default=2, help="uvicorn processes (default 2)")
    parser.add_argument("--poll-ms", type=float, default=5.0, help="poll interval (default 5)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)

    from bench.__main__ import _admin, machine, postgres_server, with_database, write_latest

    server = postgres_server(args.database_url)
    redis_url = args.redis_url or os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL")
    if not server or not (redis_url or "").startswith("redis"):
        parser.error("needs a PostgreSQL server and Redis: --database-url postgres://… --redis-url redis://… "
                     "(or DATABASE_URL and CELERY_BROKER_URL)")
    database = f"clinic_bench_lag_{os.getpid()}"
    database_url = with_database(server, database)
    queue = f"clinic-bench-lag-{os.getpid()}"
    env = dict(os.environ)
    env.update(DATABASE_URL=database_url, CELERY_BROKER_URL=redis_url, REDIS_URL=redis_url, CLINIC_QUEUE=queue,
               DJANGO_SETTINGS_MODULE="clinic.settings", SECURE_SSL_REDIRECT="0", PYTHONPATH=str(ROOT),
               LOG_LEVEL="WARNING", CLINIC_CATCH_UP_SECONDS="5")
    os.environ.update(env)  # this process: set-up, the poller's settings

    _admin(server, f'DROP DATABASE IF EXISTS "{database}"')
    _admin(server, f'CREATE DATABASE "{database}"')
    processes = []
    workdir = Path(tempfile.mkdtemp(prefix="lag-", dir=RESULTS if RESULTS.exists() else None))
    try:
        figures = run(args, env, processes, workdir, database_url)
    finally:
        from tests.production import services

        for process in processes:
            services.kill(process)
        from django.db import connections

        connections.close_all()
        _admin(server, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)
    flat = {"lag_date": machine()["date"], "lag_machine_cores": os.cpu_count(), **figures}
    print()
    print(f"Projection lag (commit → read model visible), {args.rate:g} commands/s for {args.seconds:g} s per "
          f"phase, {args.web} web processes, poll every {args.poll_ms:g} ms")
    header = (f"{'workers':>8}  {'writes':>6}  {'p50 ms':>8}  {'p99 ms':>8}  {'max ms':>8}  "
              f"{'recorded→visible p50':>21}  {'HTTP p50 ms':>11}  {'HTTP p99 ms':>11}  {'errors':>6}")
    print(header)
    print("-" * len(header))
    for n in [int(w) for w in args.workers.split(",")]:
        s = _suffix(n)
        print(f"{n:>8}  {flat[f'lag_writes_{s}']:>6}  {flat[f'lag_ms_p50_{s}']:>8.1f}  "
              f"{flat[f'lag_ms_p99_{s}']:>8.1f}  {flat[f'lag_ms_max_{s}']:>8.1f}  "
              f"{flat[f'lag_recorded_ms_p50_{s}']:>21.1f}  "
              f"{flat[f'lag_http_ms_p50_{s}']:>11.1f}  {flat[f'lag_http_ms_p99_{s}']:>11.1f}  "
              f"{flat[f'lag_errors_{s}']:>6}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    print("\nAppointment card lag (booking's commit → its card complete)")
    for n in [int(w) for w in args.workers.split(",")]:
        s = _suffix(n)
        if flat[f"lag_card_bookings_{s}"]:
            print(f"{n:>8} worker(s): {flat[f'lag_card_bookings_{s}']} bookings, "
                  f"p50 {flat[f'lag_card_ms_p50_{s}']:.1f} ms, p99 {flat[f'lag_card_ms_p99_{s}']:.1f} ms, "
                  f"max {flat[f'lag_card_ms_max_{s}']:.1f} ms, "
                  f"{flat[f'lag_card_unseen_{s}']} not seen")
    write_latest(RESULTS / "latest.json", flat, owned=lambda key: key.startswith("lag_"))
    print(f"\nMerged into {RESULTS / 'latest.json'}")
    if args.json:
        args.json.write_text(json.dumps(flat, indent=1, sort_keys=True) + "\n")
        print(f"Written: {args.json}")


def _suffix(workers):
    return f"{workers}_worker" + ("s" if workers != 1 else "")


def run(args, env, processes, workdir, database_url):
    import subprocess

    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    import django

    django.setup()
    from datetime import date as date_

    from clinic.roles.accounts import enrol
    from clinic.roles.rules import Role
    from clinic.signin import tokens
    from events import handlers
    from events.domain import commands as c
    from events.store import events_committed
    from readmodels.projectors import PROJECTORS
    from readmodels.signals import project_new_events
    from tests.production import services

    # Set-up writes are projected by the first worker's catch-up, not from here.
    events_committed.disconnect(project_new_events)
    user, _ = enrol("bench-lag", Role.MANAGER, secrets.token_urlsafe(16))  # may do every call it measures
    token, _ = tokens.issue(user)
    ctx = handlers.Context(actor="bench-lag", source="seed")
    doctors = [str(handlers.dispatch(ctx, c.RegisterDoctor(name=f"Dr Lag {n}", specialty="GP")).id)
               for n in range(20)]
    patients = [str(handlers.dispatch(ctx, c.RegisterPatient(name=f"Lag patient {n}",
                                                             date_of_birth=date_(1980, 1, 1))).id)
                for n in range(200)]

    port = services.free_port()
    processes.append(services.start(
        [sys.executable, "-m", "uvicorn", "clinic.asgi:application", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(args.web), "--lifespan", "off", "--no-access-log"], env, workdir / "web.log"))
    processes.append(services.beat(env, workdir / "beat-schedule", workdir / "beat.log"))
    services.wait_until(lambda: services.reachable("127.0.0.1", port), 30, what="the web server")

    poller_dsn = database_url.replace("postgres://", "postgresql://", 1)
    figures = {"lag_rate_per_s": args.rate, "lag_seconds_per_phase": args.seconds, "lag_web_processes": args.web,
               "lag_poll_ms": args.poll_ms}
    workers = []
    for phase, count in enumerate(int(w) for w in args.workers.split(",")):
        while len(workers) < count:
            n = len(workers)
            workers.append(services.start(
                [sys.executable, "-m", "celery", "-A", "clinic", "worker", "-Q", env["CLINIC_QUEUE"],
                 "-n", f"lag{n}-{os.getpid()}@%h", "--concurrency", "1", "--loglevel", "WARNING",
                 "--without-gossip", "--without-mingle", "--without-heartbeat"], env, workdir / f"worker{n}.log"))
            processes.append(workers[-1])
        while len(workers) > count:
            services.kill(workers.pop())
        poller = Poller(poller_dsn, [p.name for p in PROJECTORS], args.poll_ms / 1000)
        services.wait_until(lambda poller=poller: _caught_up(poller), 120, interval=0.2,
                            what="projection of the set-up")
        time.sleep(1.0)  # let the workers settle
        log(f"{count} worker(s): {args.rate:g} commands/s for {args.seconds:g} s")
        poller.start()
        load = Load(port, token, doctors, patients, seed=phase)
        results = load.run(args.rate, args.seconds)
        head = max((position for _, position, _ in results if position), default=0)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (not poller.samples or poller.samples[-1][3] < head
                                               or any(a not in poller.cards_seen for _, a in load.booked)):
            time.sleep(0.05)
        time.sleep(0.05)
        poller.stop()
        figures.update(summarize(results, poller, _suffix(count)))
        figures.update(summarize_cards(load.booked, poller, _suffix(count)))
        s = _suffix(count)
        log(f"lag p50 {figures[f'lag_ms_p50_{s}']:.1f} ms, p99 {figures[f'lag_ms_p99_{s}']:.1f} ms, "
            f"max {figures[f'lag_ms_max_{s}']:.1f} ms over {figures[f'lag_writes_{s}']} writes; "
            f"card lag p50 {figures[f'lag_card_ms_p50_{s}'] or 0:.1f} ms, "
            f"p99 {figures[f'lag_card_ms_p99_{s}'] or 0:.1f} ms over {figures[f'lag_card_bookings_{s}']} bookings")
    return figures


def _caught_up(poller):
    head, projected = poller.read()
    return projected >= head


def summarize_cards(booked, poller, suffix):
    """``lag_card_ms_*``: for each booking, from its commit (the first poll whose head
    reaches it) to its appointment card first seen complete — the card process's two
    subscribers and the card projector, on top of the booking's own projection."""
    committed = {p: times[0] for p, times in poller.first_seen([p for p, _ in booked]).items()}
    lags = [(poller.cards_seen[a] - committed[p]) * 1000 for p, a in booked
            if p in committed and a in poller.cards_seen]
    return {
        f"lag_card_bookings_{suffix}": len(lags),
        f"lag_card_unseen_{suffix}": len(booked) - len(lags),
        f"lag_card_ms_p50_{suffix}": percentile(lags, 50) if lags else None,
        f"lag_card_ms_p99_{suffix}": percentile(lags, 99) if lags else None,
        f"lag_card_ms_max_{suffix}": max(lags) if lags else None,
    }


def summarize(results, poller, suffix):
    from events.models import StoredEvent

    positions = [position for status, position, _ in results if position]
    seen = poller.first_seen(positions)
    lags = [(projected - committed) * 1000 for committed, projected, _ in seen.values()]
    recorded = dict(StoredEvent.objects.filter(position__in=list(seen)).values_list("position", "recorded_at"))
    recorded_lags = [(wall - recorded[p].timestamp()) * 1000 for p, (_, _, wall) in seen.items() if p in recorded]
    http = [seconds * 1000 for status, _, seconds in results if status]
    errors = sum(1 for status, _, _ in results if status == 0 or status >= 500)
    missing = len(set(positions)) - len(seen)
    return {
        f"lag_writes_{suffix}": len(seen),
        f"lag_unseen_{suffix}": missing,
        f"lag_ms_p50_{suffix}": percentile(lags, 50) if lags else None,
        f"lag_ms_p99_{suffix}": percentile(lags, 99) if lags else None,
        f"lag_ms_max_{suffix}": max(lags) if lags else None,
        f"lag_recorded_ms_p50_{suffix}": percentile(recorded_lags, 50) if recorded_lags else None,
        f"lag_http_ms_p50_{suffix}": percentile(http, 50) if http else None,
        f"lag_http_ms_p99_{suffix}": percentile(http, 99) if http else None,
        f"lag_errors_{suffix}": errors,
        f"lag_statuses_{suffix}": ",".join(f"{code}:{n}"
                                           for code, n in sorted(_count(s for s, _, _ in results).items())),
    }


def _count(items):
    counts = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return counts


if __name__ == "__main__":
    main()
