"""Browser tests: the staff pages as a person uses them, in Debian's Chromium
driven by Playwright, against a real ASGI server (uvicorn) — live updates are
Server-Sent Events, which need one.

The server runs ``clinic.asgi`` as ``make run`` does (embedded mode, DEBUG on) on
a SQLite file made for this run, seeded with a week of demo data, with a staff
login and a superuser. Nothing in this process touches that database: the tests
only talk to the server.

Where Chromium (``/usr/bin/chromium``) or Playwright is missing these tests skip,
saying so — except under CI (``CI`` set), where they fail: CI installs Chromium.
"""
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
STAFF = ("reception", "pw-not-for-real-1")
SUPERUSER = ("engineer", "pw-not-for-real-2")
LOCKABLE = ("night-desk", "pw-not-for-real-3")  # for the lockout test alone: a lock lasts 15 minutes
SERVER_START_TIMEOUT = 60


def unavailable(reason):
    if os.environ.get("CI"):
        pytest.fail(f"{reason} — CI must run the browser tests (.ci/run installs Chromium).", pytrace=False)
    pytest.skip(reason)


@dataclass(frozen=True)
class Server:
    url: str
    log: Path
    env: dict

    def read_log(self):
        return self.log.read_text(errors="replace")

    def shell(self, code):
        """Run Python in a ``manage.py shell`` on the server's database; its output."""
        done = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=120)
        if done.returncode:
            pytest.fail(f"manage.py shell failed:\n{done.stdout}\n{done.stderr}", pytrace=False)
        return done.stdout


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _manage(env, *args):
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    if done.returncode:
        pytest.fail(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}", pytrace=False)


CREATE_USERS = f"""
from django.contrib.auth import get_user_model
from clinic.roles.accounts import enrol
from clinic.roles.rules import Role
User = get_user_model()
enrol({STAFF[0]!r}, Role.MANAGER, {STAFF[1]!r})  # may do everything, as tests.conftest.staff_user
User.objects.create_superuser({SUPERUSER[0]!r}, password={SUPERUSER[1]!r})
User.objects.create_user({LOCKABLE[0]!r}, password={LOCKABLE[1]!r}, is_staff=True)
"""


@pytest.fixture(scope="package")
def server(tmp_path_factory):
    work = tmp_path_factory.mktemp("browser-server")
    env = {key: value for key, value in os.environ.items() if key not in {"CELERY_BROKER_URL", "REDIS_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="clinic.settings", DEBUG="1", PYTHONUNBUFFERED="1",
               DATABASE_URL=f"sqlite:///{work / 'clinic.sqlite3'}")
    _manage(env, "migrate", "--noinput")
    _manage(env, "shell", "-c", CREATE_USERS)
    _manage(env, "seed_demo", "--doctors", "5", "--patients", "30", "--days", "7")

    port = _free_port()
    log = work / "uvicorn.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "uvicorn"), "clinic.asgi:application", "--host", "127.0.0.1",
             "--port", str(port), "--lifespan", "off", "--timeout-graceful-shutdown", "1"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    running = Server(f"http://127.0.0.1:{port}", log, env)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            try:
                if requests.get(f"{running.url}/accounts/login/", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"uvicorn did not start:\n{running.read_log()}", pytrace=False)
            time.sleep(0.2)
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="package")
def chromium():
    """Playwright's entry point, once Chromium and Playwright are known to be there
    (checked before the server starts, so a skip costs nothing)."""
    if not os.path.exists(CHROMIUM):
        unavailable(f"Chromium not found at {CHROMIUM}; install it with `apt-get install chromium`")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright for Python is not installed (pip install -r requirements.txt)")
    return sync_playwright


@pytest.fixture(scope="module")
def browser(chromium):
    playwright = chromium().start()
    try:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
    finally:
        playwright.stop()


@pytest.fixture
def new_page(chromium, server, browser):
    """Open a page in a fresh browser profile (its own cookies): ``new_page(width=1280)``."""
    contexts = []

    def open_page(width=1280, height=900):
        context = browser.new_context(viewport={"width": width, "height": height}, base_url=server.url)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def sign_in(page, who=STAFF, path="/accounts/login/"):
    page.goto(path)
    page.get_by_label("Username").fill(who[0])
    page.get_by_label("Password").fill(who[1])
    page.get_by_role("button", name="Sign in" if path.startswith("/accounts/") else "Log in").click()


@pytest.fixture
def staff_page(new_page):
    """A page signed in as the reception staff user, on the dashboard."""
    page = new_page()
    sign_in(page)
    page.wait_for_url("**/")
    return page
