"""Over-the-wire figures: ``GET /api/appointments/{id}/`` served by real web
servers on 127.0.0.1, measured by a bounded load generator (``bench.wire``).

    python -m bench.http [--preset quick] [--stacks deployed,wsgi,floor] [--out figures.json]
                         [--database-url postgres://…]
    (``python -m bench`` runs this on the PostgreSQL bench database after
    ``bench.suite``, which fills it; ``make bench-http`` on a database of its own,
    with a few appointments; else DATABASE_URL names a migrated database)

Every stack is started at once, each as fresh processes of its own (2 web
processes, as deployed) on a port of its own, checked to answer the API's
bytes, and warmed up; then the stacks are loaded in turn, ``rounds`` times (the
preset), each time by ``CONCURRENCY`` keep-alive connections for a fixed time,
with a staff token (``Authorization: Token …``), cycling over random
appointments — so whatever else the machine is doing falls on all of them alike.
The figure is answers per second over a stack's rounds. Every answer counted
must be a 200: a stack that answers anything else fails the run.

* ``http_detail_rps`` — the deployed stack: the web command ``make prod`` runs
  (``scripts/serve-web``).
* ``http_detail_wsgi_rps`` — the same code under gunicorn's sync workers
  (``clinic.wsgi``), the plain WSGI reference.
* ``http_floor_rps`` — the floor: a bare Django view (``bench.urls``,
  ``bench/floor/…``) that answers the same JSON bytes, with no DRF, no
  authentication and no query, under the same gunicorn; what the server, Django's
  URL routing and the middleware cost at least.

``http_detail_vs_wsgi`` and ``http_detail_vs_floor`` are the ratios
(``bench.__main__.RATIOS``). ``http_client_cpu_share`` is the load generator's
own CPU time over the wall time of the deployed stack's rounds (a share of one
core): it runs on the same cores as the servers.
"""
import argparse
import json
import os
import random
import secrets
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEB_PROCESSES = 2
CONCURRENCY = 8
FLOOR_BODY_ENV = "BENCH_FLOOR_BODY"  # a file holding the floor view's answer


@dataclass(frozen=True)
class Preset:
    rounds: int  # each stack is loaded once per round, the stacks in turn
    seconds: float  # loaded and counted, per stack and round
    warmup: float  # loaded but not counted, before each stack's first round


PRESETS = {
    "tiny": Preset(rounds=1, seconds=1.0, warmup=0.5),
    "quick": Preset(rounds=4, seconds=3.0, warmup=2.0),
    "full": Preset(rounds=8, seconds=5.0, warmup=3.0),
}


def _gunicorn(app, port, extra=()):
    return [sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}", "--workers",
            str(WEB_PROCESSES), *extra]


# name: (argv for a port, the path of the detail for an appointment id)
DETAIL = "/api/appointments/{}/"
FLOOR = "/bench/floor/appointments/{}/"
STACKS = {
    # The web server's access log is left out, as the app's own request log is (bench.__main__).
    "deployed": (lambda port: [str(ROOT / "scripts" / "serve-web"), "127.0.0.1", str(port), "--no-access-log"],
                 DETAIL),
    "wsgi": (lambda port: _gunicorn("clinic.wsgi:application", port, ["--worker-class", "sync"]), DETAIL),
    "floor": (lambda port: _gunicorn("clinic.wsgi:application", port, ["--worker-class", "sync"]), FLOOR),
    # Candidates measured when the stack was chosen (README, "Benchmarks"); --stacks runs them.
    # The granian ones need `pip install granian==2.8.9` (not pinned: not deployed).
    "uvicorn-asgi-h11": (lambda port: [sys.executable, "-m", "uvicorn", "clinic.asgi:application", "--host",
                                       "127.0.0.1", "--port", str(port), "--workers", str(WEB_PROCESSES),
                                       "--lifespan", "off", "--no-access-log", "--loop", "asyncio",
                                       "--http", "h11"], DETAIL),
    "uvicorn-asgi": (lambda port: [sys.executable, "-m", "uvicorn", "clinic.asgi:application", "--host",
                                   "127.0.0.1", "--port", str(port), "--workers", str(WEB_PROCESSES),
                                   "--lifespan", "off", "--no-access-log"], DETAIL),
    "gthread": (lambda port: _gunicorn("clinic.wsgi:application", port,
                                       ["--worker-class", "gthread", "--threads", "4"]), DETAIL),
    "gthread-8": (lambda port: _gunicorn("clinic.wsgi:application", port,
                                         ["--worker-class", "gthread", "--threads", "8"]), DETAIL),
    "granian-wsgi": (lambda port: [sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1",
                                   "--port", str(port), "--workers", str(WEB_PROCESSES),
                                   "clinic.wsgi:application"], DETAIL),
    "granian-wsgi-8": (lambda port: [sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1",
                                     "--port", str(port), "--workers", str(WEB_PROCESSES), "--blocking-threads", "8",
                                     "clinic.wsgi:application"], DETAIL),
    "granian-asgi": (lambda port: [sys.executable, "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1",
                                   "--port", str(port), "--workers", str(WEB_PROCESSES),
                                   "clinic.asgi:application"], DETAIL),
    "floor-deployed": (lambda port: [str(ROOT / "scripts" / "serve-web"), "127.0.0.1", str(port),
                                     "--no-access-log"], FLOOR),
    "floor-uvicorn-asgi": (lambda port: [sys.executable, "-m", "uvicorn", "clinic.asgi:application", "--host",
                                         "127.0.0.1", "--port", str(port), "--workers", str(WEB_PROCESSES),
                                         "--lifespan", "off", "--no-access-log"], FLOOR),
    "uvicorn-split": (lambda port: [sys.executable, "-m", "uvicorn", "clinic.serving:application", "--host",
                                    "127.0.0.1", "--port", str(port), "--workers", str(WEB_PROCESSES),
                                    "--lifespan", "off", "--no-access-log"], DETAIL),
    "granian-split": (lambda port: [sys.executable, "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1",
                                    "--port", str(port), "--workers", str(WEB_PROCESSES),
                                    "clinic.serving:application"], DETAIL),
}
# Django's ASGI handler gives each request a thread of its own, whose database
# connection is never reused: persistent connections would pile up there.
ENV = {"uvicorn-asgi-h11": {"CONN_MAX_AGE": "0"}, "uvicorn-asgi": {"CONN_MAX_AGE": "0"},
       "granian-asgi": {"CONN_MAX_AGE": "0"}}
FIGURES = {"deployed": "http_detail_rps", "wsgi": "http_detail_wsgi_rps", "floor": "http_floor_rps"}


def log(message):
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", flush=True)


def fixture(count=200):
    """(token, appointment ids): a staff token, and up to ``count`` random
    appointments, booking a few first if the database has none."""
    from datetime import date
    from datetime import time as clock

    from clinic.roles.accounts import enrol
    from clinic.roles.rules import Role
    from clinic.signin import tokens
    from events import handlers
    from events.domain import commands as c
    from readmodels.models import Appointment

    if not Appointment.objects.exists():
        ctx = handlers.Context(actor="bench-http", source="seed")
        doctor = handlers.dispatch(ctx, c.RegisterDoctor(name="Dr Wire", specialty="GP")).id
        patients = [handlers.dispatch(ctx, c.RegisterPatient(name=f"Wire patient {n}",
                                                             date_of_birth=date(1980, 1, 1))).id for n in range(10)]
        for n in range(40):
            handlers.dispatch(ctx, c.BookAppointment(doctor_id=doctor, patient_id=patients[n % 10],
                                                     day=date(2031, 1, 6), time=clock(8 + n // 4, 15 * (n % 4)),
                                                     duration_minutes=15))
    user, _ = enrol(f"bench-http-{os.getpid()}", Role.MANAGER, secrets.token_urlsafe(16))
    token, _ = tokens.issue(user)
    ids = list(Appointment.objects.values_list("id", flat=True)[:20_000])
    random.Random(11).shuffle(ids)
    return token, [str(i) for i in ids[:count]]


def _get(port, path, token):
    from http.client import HTTPConnection

    connection = HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Authorization": f"Token {token}"} if token else {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


class Stack:
    """One stack's web processes, started on a port of their own."""

    def __init__(self, name, env, workdir):
        from tests.production import services

        argv, self.path = STACKS[name]
        self.name, self.log = name, workdir / f"{name}.log"
        self.port = services.free_port()
        self.process = services.start(argv(self.port), {**env, **ENV.get(name, {})}, self.log)
        self.answers = 0
        self.seconds = self.client_cpu_seconds = 0.0

    def ready(self):
        from tests.production import services

        if self.process.poll() is not None:
            raise AssertionError(f"{self.name} exited with {self.process.returncode}; see {self.log}")
        return services.serving(self.port, "/healthz")

    def requests(self, token, ids):
        from . import wire

        headers = [f"Authorization: Token {token}"] if self.path == DETAIL else []
        return [wire.request_bytes(self.path.format(i), headers=headers) for i in ids]

    def check(self, token, appointment_id, expected):
        status, body = _get(self.port, self.path.format(appointment_id), token if self.path == DETAIL else None)
        if status != 200 or body != expected:
            raise AssertionError(f"{self.name}: {status} {body[:300]!r}, expected {expected[:300]!r}")

    def load(self, requests, seconds, warmup):
        from . import wire

        result = wire.load(self.port, requests, CONCURRENCY, seconds, warmup)
        if result.ok != result.answers or not result.answers:
            raise AssertionError(f"{self.name}: answers {result.statuses}, errors {result.errors}; see {self.log}")
        self.answers += result.answers
        self.seconds += result.seconds
        self.client_cpu_seconds += result.client_cpu_seconds
        return result

    def warm(self, requests, seconds):
        from . import wire

        result = wire.load(self.port, requests, CONCURRENCY, seconds, 0)
        if result.ok != result.answers:
            raise AssertionError(f"{self.name}: answers {result.statuses}, errors {result.errors}; see {self.log}")

    @property
    def per_second(self):
        return self.answers / self.seconds

    def stop(self):
        from tests.production import services

        services.kill(self.process)


def run(preset, names):
    """Start every stack, check each answers the API's bytes, then load them in
    turn, ``preset.rounds`` times, so that whatever else the machine is doing
    falls on all of them alike."""
    import django

    django.setup()
    from django.test import Client

    from tests.production import services

    token, ids = fixture()
    workdir = Path(tempfile.mkdtemp(prefix="http-"))
    env = dict(os.environ)
    env.update(DJANGO_SETTINGS_MODULE=os.environ["DJANGO_SETTINGS_MODULE"], PYTHONPATH=str(ROOT),
               WEB_PROCESSES=str(WEB_PROCESSES), VENV=sys.prefix)
    env.setdefault("CONN_MAX_AGE", "60")  # as scripts/serve-web serves
    api = Client(HTTP_AUTHORIZATION=f"Token {token}").get(DETAIL.format(ids[0]))
    assert api.status_code == 200, api.content[:300]
    (workdir / "floor-body.json").write_bytes(api.content)  # the floor answers the API's bytes
    env[FLOOR_BODY_ENV] = str(workdir / "floor-body.json")

    stacks = []
    try:
        for name in names:
            stacks.append(Stack(name, env, workdir))
        for stack in stacks:
            services.wait_until(stack.ready, 60, what=f"the {stack.name} stack")
            stack.check(token, ids[0], api.content)
        requests = {stack.name: stack.requests(token, ids) for stack in stacks}
        for stack in stacks:
            stack.warm(requests[stack.name], preset.warmup)
        for n in range(preset.rounds):
            turn = stacks[n % len(stacks):] + stacks[:n % len(stacks)]
            for stack in turn:
                stack.load(requests[stack.name], preset.seconds, 0.2)
    finally:
        for stack in stacks:
            stack.stop()
    figures = {"http_web_processes": WEB_PROCESSES, "http_connections": CONCURRENCY,
               "http_seconds": preset.rounds * preset.seconds}
    for stack in stacks:
        figures[FIGURES.get(stack.name, f"http_{stack.name.replace('-', '_')}_rps")] = stack.per_second
        log(f"{stack.name}: {stack.per_second:,.0f} answers/s ({stack.answers} in {stack.seconds:g} s, "
            f"{CONCURRENCY} connections; client CPU {stack.client_cpu_seconds / stack.seconds:.0%} of one core)")
    if "deployed" in names:
        deployed = next(stack for stack in stacks if stack.name == "deployed")
        figures["http_client_cpu_share"] = deployed.client_cpu_seconds / deployed.seconds
    return figures


def on_a_database_of_its_own(server, args):
    """``make bench-http``: a database ``clinic_bench_http_<pid>`` on ``server``,
    migrated and given a few appointments, measured, then dropped."""
    import subprocess

    from bench.__main__ import _admin, child_environment, with_database

    database = f"clinic_bench_http_{os.getpid()}"
    _admin(server, f'DROP DATABASE IF EXISTS "{database}"')
    _admin(server, f'CREATE DATABASE "{database}"')
    try:
        env = child_environment(with_database(server, database))
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env,
                       check=True)
        out = Path(tempfile.mkdtemp(prefix="http-")) / "figures.json"
        subprocess.run([sys.executable, "-m", "bench.http", "--preset", args.preset, "--stacks", args.stacks,
                        "--out", str(out)], cwd=ROOT, env=env, check=True)
        return json.loads(out.read_text())
    finally:
        _admin(server, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.http", description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), default="quick")
    parser.add_argument("--stacks", default="deployed,wsgi,floor",
                        help=f"comma-separated, of: {', '.join(STACKS)}")
    parser.add_argument("--database-url", help="a PostgreSQL server: measure on a database made there for the run "
                                               "(else DATABASE_URL names a migrated database)")
    parser.add_argument("--out", type=Path, help="write the figures here (JSON)")
    args = parser.parse_args(argv)
    if args.database_url:
        figures = on_a_database_of_its_own(args.database_url, args)
    else:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
        figures = run(PRESETS[args.preset], [s.strip() for s in args.stacks.split(",") if s.strip()])
    if args.out:
        args.out.write_text(json.dumps(figures, indent=1, sort_keys=True) + "\n")
    else:
        print(json.dumps(figures, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
