"""Real services for production-mode tests: PostgreSQL, Redis, Celery processes.

Each helper starts a real process (its own session, so a SIGKILL to its group
takes its children too) and knows how to stop it.
"""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent.parent


def production_mode():
    """Production mode: PostgreSQL and a real broker (docs/architecture.md, "Two modes")."""
    return (settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
            and not settings.CELERY_TASK_ALWAYS_EAGER)


def test_database_url(**query):
    """A URL for the database this test run uses (pytest-django's test_… database;
    on SQLite, the test run's file)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    url = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def environment(**overrides):
    """The environment of a child process: this run's database, broker and queue.
    In the embedded mode, no broker: the child runs its tasks in-process, as
    ``make run`` does."""
    env = dict(os.environ)
    env.update(DATABASE_URL=test_database_url(), DJANGO_SETTINGS_MODULE="tests.settings", PYTHONPATH=str(ROOT))
    if production_mode():
        env.update(CELERY_BROKER_URL=settings.CELERY_BROKER_URL, CLINIC_QUEUE=settings.CELERY_TASK_DEFAULT_QUEUE)
    else:
        for name in ("CELERY_BROKER_URL", "REDIS_URL"):
            env.pop(name, None)
    env.update({k: str(v) for k, v in overrides.items()})
    return env


def start(args, env, log_path=None):
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def kill(process, sig=signal.SIGKILL):
    """Signal the whole process group (a Celery worker and its pool children)."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def worker(env, log_path=None, concurrency=2):
    return start([sys.executable, "-m", "celery", "-A", "clinic", "worker", "-Q", env["CLINIC_QUEUE"],
                  "--concurrency", str(concurrency), "--loglevel", "INFO", "--without-gossip", "--without-mingle"],
                 env, log_path)


def beat(env, schedule_path, log_path=None):
    return start([sys.executable, "-m", "celery", "-A", "clinic", "beat", "-s", str(schedule_path),
                  "--loglevel", "INFO"], env, log_path)


def web(env, port, log_path=None):
    """The ASGI web process as ``make run`` and ``make prod`` start it."""
    return start([sys.executable, "-m", "uvicorn", "clinic.asgi:application", "--host", "127.0.0.1",
                  "--port", str(port), "--lifespan", "off"], env, log_path)


def serving(port, path="/accounts/login/"):
    """Whether a web process answers on ``port`` (any HTTP status counts)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
            return s.recv(12).startswith(b"HTTP/")
    except OSError:
        return False


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition, timeout, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def reachable(host, port):
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def quiesce(timeout=30):
    """Drop this run's queued projection tasks and wait until no other session on
    the test database is inside a transaction, so the test's cleanup can run."""
    from clinic.celery import app

    app.control.purge()

    def others_in_transaction():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL")
            return cursor.fetchone()[0]

    quiet_checks = []

    def quiet():
        quiet_checks.append(others_in_transaction() == 0)
        return quiet_checks[-3:] == [True] * 3

    wait_until(quiet, timeout, interval=0.05, what="the worker to finish its batch")
