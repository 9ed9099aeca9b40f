"""PostgreSQL stops: /healthz says so within seconds (503, "degraded") and says
"ok" again once it is back, with no restart of the web process."""
import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from . import services

pytestmark = pytest.mark.production

PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), None)


def as_postgres(*args):
    """PostgreSQL refuses to run as root; its tools run as the postgres account."""
    return subprocess.run(["runuser", "-u", "postgres", "--", *map(str, args)], check=True,
                          capture_output=True, text=True)


@pytest.fixture
def own_postgres():
    """A PostgreSQL server of this test's own, so stopping it disturbs nobody else."""
    if PG_BIN is None:
        pytest.fail("PostgreSQL's server binaries are not in /usr/lib/postgresql/*/bin; install postgresql.")
    data = Path(tempfile.mkdtemp(prefix="clinic-own-pg-"))
    shutil.chown(data, "postgres")
    port = services.free_port()
    as_postgres(PG_BIN / "initdb", "-D", data / "db", "-A", "trust", "-U", "postgres")
    options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off"

    def start():
        as_postgres(PG_BIN / "pg_ctl", "-D", data / "db", "-o", options, "-l", data / "server.log", "-w", "start")

    def stop():
        as_postgres(PG_BIN / "pg_ctl", "-D", data / "db", "-m", "fast", "-w", "stop")

    start()
    yield {"url": f"postgres://postgres@127.0.0.1:{port}/postgres", "start": start, "stop": stop}
    subprocess.run(["runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"), "-D", str(data / "db"),
                    "-m", "immediate", "stop"], capture_output=True)
    shutil.rmtree(data, ignore_errors=True)


def healthz(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_healthz_reports_a_stopped_database_within_five_seconds_and_recovers(own_postgres, tmp_path):
    env = services.environment(DATABASE_URL=own_postgres["url"], SECURE_SSL_REDIRECT=0)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=services.ROOT, env=env,
                   check=True)
    port = services.free_port()
    web = services.web(env, port, tmp_path / "web.log")
    try:
        services.wait_until(lambda: services.serving(port, "/healthz"), 30, interval=0.2, what="the web process")
        status, body = healthz(port)
        assert status == 200 and body["database"] == "ok"

        own_postgres["stop"]()
        stopped = time.monotonic()
        status, body = healthz(port)
        assert time.monotonic() - stopped < 5
        assert status == 503 and body["status"] == "degraded" and body["database"] == "unreachable"

        own_postgres["start"]()
        services.wait_until(lambda: healthz(port)[0] == 200, 30, interval=0.5, what="healthz to recover")
        assert healthz(port)[1]["status"] == "ok"
    finally:
        services.kill(web)
