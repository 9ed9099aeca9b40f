"""The web as ``make prod`` deploys it (``scripts/serve-web``: ``clinic.serving``
under uvicorn, 2 processes): the API with a token, pages, and the live-update
stream, all on one port. The first test runs in both modes; the live update
arriving end to end needs Redis and a real worker (production mode)."""
import json
import sys
import threading

import pytest
import requests
from django.conf import settings
from django.test import Client

from clinic.signin import tokens
from events import handlers
from events.domain.commands import RegisterDoctor
from readmodels.models import Appointment

from . import services

SERVE_WEB = services.ROOT / "scripts" / "serve-web"


@pytest.fixture
def web(tmp_path):
    """``scripts/serve-web`` on a free port: (base URL, log path)."""
    port = services.free_port()
    log = tmp_path / "web.log"
    env = services.environment(SECURE_SSL_REDIRECT=0, WEB_PROCESSES=2, VENV=sys.prefix)
    if services.production_mode():
        env["REDIS_URL"] = settings.CELERY_BROKER_URL  # live updates from the worker reach every web process
    process = services.start([str(SERVE_WEB), "127.0.0.1", str(port)], env, log)
    try:
        services.wait_until(lambda: process.poll() is None and services.serving(port, "/healthz"), 60,
                            what=f"scripts/serve-web to serve (see {log})")
        yield f"http://127.0.0.1:{port}", log
    finally:
        services.kill(process)


def session_cookie(user):
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def test_make_prod_serves_the_web_with_scripts_serve_web():
    script = (services.ROOT / "scripts" / "serve-production").read_text()
    assert "scripts/serve-web" in script and "uvicorn" not in script
    assert "clinic.serving:application" in SERVE_WEB.read_text()


def test_the_deployed_web_answers_the_api_pages_and_the_stream_on_one_port(web, appointment, staff_user):
    url, log = web
    token = tokens.issue(staff_user)[0]
    answer = requests.get(f"{url}/api/appointments/{appointment}/", headers={"Authorization": f"Token {token}"},
                          timeout=10)
    assert answer.status_code == 200, log.read_text()[-3000:]
    assert answer.json()["id"] == str(appointment)
    assert answer.json()["doctor"]["id"] == str(Appointment.objects.get(pk=appointment).doctor_id)
    assert requests.get(f"{url}/api/appointments/{appointment}/", timeout=10).status_code == 401
    cookie = session_cookie(staff_user)
    page = requests.get(f"{url}/appointments/{appointment}/", headers={"Cookie": cookie}, timeout=10)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    with requests.get(f"{url}/live/", headers={"Cookie": cookie}, stream=True, timeout=10) as stream:
        assert stream.status_code == 200
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        # While the stream stays open, the same port goes on answering.
        again = requests.get(f"{url}/api/appointments/{appointment}/",
                             headers={"Authorization": f"Token {token}"}, timeout=10)
        assert again.status_code == 200 and again.content == answer.content
    assert requests.get(f"{url}/live/", timeout=10).status_code == 403


@pytest.mark.production
def test_a_live_update_arrives_through_the_deployed_web(web, staff_user, ctx):
    """A commit here; the worker projects it and announces it through Redis; the
    stream opened on the deployed web's one port carries it."""
    url, log = web
    lines, opened = [], threading.Event()

    def listen():
        with requests.get(f"{url}/live/", headers={"Cookie": session_cookie(staff_user)}, stream=True,
                          timeout=30) as stream:
            opened.set()
            for line in stream.iter_lines(decode_unicode=True):
                lines.append(line)
                if line.startswith("data:") and "event: projected" in lines:
                    return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert opened.wait(30), log.read_text()[-3000:]
    doctor = handlers.dispatch(ctx, RegisterDoctor(name="Dr Live", specialty="GP"))
    listener.join(30)
    assert "event: projected" in lines, (lines, log.read_text()[-3000:])
    data = json.loads(next(line for line in lines[lines.index("event: projected"):]
                           if line.startswith("data:")).removeprefix("data:"))
    assert data["position"] >= 1 and str(doctor.id) not in json.dumps(data)


@pytest.mark.production
def test_streams_that_come_and_go_leave_no_database_connection_behind(web, staff_user):
    """The web keeps database connections for CONN_MAX_AGE on its WSGI threads; a
    stream's, on the ASGI side, is closed when the stream ends (clinic.serving)."""
    from django.db import connection

    url, log = web
    cookie = session_cookie(staff_user)

    def stream_once():
        with requests.get(f"{url}/live/", headers={"Cookie": cookie}, stream=True, timeout=10) as stream:
            assert stream.status_code == 200, log.read_text()[-3000:]
            next(stream.iter_lines())

    def others():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND pid <> pg_backend_pid()")
            return cursor.fetchone()[0]

    stream_once()
    before = others()
    for _ in range(20):
        stream_once()
    services.wait_until(lambda: others() <= before + 1, 10, interval=0.2,
                        what=f"the streams' connections to close ({others()} open, {before} before)")
