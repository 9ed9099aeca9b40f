"""The set-up the README promises: `make run`, `make test`, CI, and the API walk-through."""
import os
import re
import shutil
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

ROOT = Path(__file__).resolve().parent.parent
needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def make_dry_run(*args):
    result = subprocess.run(["make", "--no-print-directory", "-n", *args], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    return result.stdout


@needs_make
def test_make_run_sets_up_a_fresh_clone_then_serves(tmp_path):
    commands = make_dry_run("run", f"VENV={tmp_path / 'venv'}")
    steps = ["-m venv", "pip install", "manage.py migrate", "manage.py seed_demo",
             "manage.py demo_login --url http://127.0.0.1:8000/",
             "uvicorn clinic.asgi:application --host 127.0.0.1 --port 8000"]
    positions = [commands.find(step) for step in steps]
    assert -1 not in positions and positions == sorted(positions), commands


@needs_make
def test_make_run_port_is_used_everywhere(tmp_path):
    commands = make_dry_run("run", "PORT=8123", f"VENV={tmp_path / 'venv'}")
    assert "--url http://127.0.0.1:8123/" in commands and "--port 8123" in commands


@needs_make
def test_make_test_runs_the_whole_suite(tmp_path):
    venv = tmp_path / "venv"
    assert make_dry_run("test", f"VENV={venv}").strip().endswith(f"{venv}/bin/pytest")


def run_ci(tmp_path, make_exit_code):
    fake = tmp_path / "make"
    fake.write_text(f'#!/bin/sh\necho "fake make $*"\nexit {make_exit_code}\n')
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"}
    return subprocess.run([str(ROOT / ".ci" / "run")], env=env, capture_output=True, text=True)


def test_ci_runs_make_test_and_passes(tmp_path):
    result = run_ci(tmp_path, 0)
    assert result.returncode == 0, result.stderr
    assert "fake make test" in result.stdout and "==> " in result.stdout


def test_ci_fails_when_the_tests_fail(tmp_path):
    result = run_ci(tmp_path, 3)
    assert result.returncode != 0
    assert "All checks passed" not in result.stdout


def test_readme_gives_exactly_the_two_setup_commands():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Set up", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    assert [line.split("#")[0].strip() for line in block.strip().splitlines()] == ["make run", "make test"]


def test_readme_api_walk_through_works(committed_db):
    """What the README's curl example does, against a seeded clinic and the printed login."""
    call_command("seed_demo", doctors=2, patients=3, days=1, stdout=StringIO(), stderr=StringIO())
    out = StringIO()
    call_command("demo_login", stdout=out)
    password = re.search(r"password: (\S+)", out.getvalue()).group(1)

    client = APIClient()
    answer = client.post("/api/auth/token/", {"username": "reception", "password": password}, format="json")
    assert answer.status_code == 200, answer.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")

    doctors = client.get("/api/doctors/?page_size=3")
    assert doctors.status_code == 200 and doctors.json()["results"]
    doctor = client.get("/api/doctors/?page_size=1").json()["results"][0]["id"]
    patient = client.get("/api/patients/?page_size=1").json()["results"][0]["id"]
    free = client.get(f"/api/doctors/{doctor}/free-slots/?day=2031-03-03&durationMinutes=30")
    assert free.status_code == 200 and free.json()["slots"], free.content  # the seeded doctor works Mondays
    booking = {"doctorId": doctor, "patientId": patient, "day": "2031-03-03", "time": free.json()["slots"][0],
               "durationMinutes": 30}
    booked = client.post("/api/appointments/", booking, format="json")
    assert booked.status_code == 201, booked.content
    assert booked.json()["doctor"]["id"] == doctor and booked.json()["patient"]["id"] == patient
    assert client.post("/api/appointments/", booking, format="json").status_code == 409
    assert answer.json()["expiry"]

    assert client.post("/api/auth/logout/").status_code == 204
    assert client.get("/api/doctors/?page_size=3").status_code == 401
