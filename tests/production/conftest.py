import datetime
import json
import subprocess
import sys

import pytest

from events import handlers
from events.domain.commands import RegisterDoctor, RegisterPatient
from events.models import StoredEvent
from readmodels import rebuild, runner
from readmodels.models import Appointment, Doctor, Patient, TimesheetEntry

from . import services

pytestmark = pytest.mark.production


@pytest.fixture
def clinic(committed_db):
    """A few shared doctors and patients for writers to contend over."""
    ctx = handlers.Context(actor="tester", source="seed")
    doctors = [handlers.dispatch(ctx, RegisterDoctor(name=f"Dr {n}", specialty="GP")).id for n in range(3)]
    patients = [handlers.dispatch(ctx, RegisterPatient(name=f"P {n}", date_of_birth=datetime.date(1970, 1, 1))).id
                for n in range(5)]
    return {"doctors": ",".join(map(str, doctors)), "patients": ",".join(map(str, patients))}


@pytest.fixture
def writers(clinic):
    """``writers(n, seconds, env)`` starts n load processes; ``.finish()`` returns their reports."""

    class Writers:
        def __init__(self, n, seconds, env):
            self.processes = [subprocess.Popen(
                [sys.executable, "-m", "tests.production.load", "--seconds", str(seconds), "--seed", str(seed),
                 "--doctors", clinic["doctors"], "--patients", clinic["patients"]],
                cwd=services.ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for seed in range(n)]

        def running(self):
            return any(p.poll() is None for p in self.processes)

        def finish(self):
            reports = []
            for process in self.processes:
                out, err = process.communicate(timeout=120)
                assert process.returncode == 0, err
                reports.append(json.loads(out.strip().splitlines()[-1]))
            return reports

    started = []

    def start(n, seconds, env):
        started.append(Writers(n, seconds, env))
        return started[-1]

    yield start
    for group in started:
        for process in group.processes:
            if process.poll() is None:
                process.kill()


def wait_for_head(timeout=60):
    head = StoredEvent.objects.order_by("-position").values_list("position", flat=True).first()
    services.wait_until(lambda: runner.projected_position() >= head, timeout, what=f"projection of {head}")


def assert_projected_exactly_once(reports=()):
    """Every event is in the read models once: counts agree with the log, and a
    replay gives exactly the live tables."""
    count = StoredEvent.objects.filter
    assert Doctor.objects.count() == count(type="DOCTOR_CREATED").count()
    assert Patient.objects.count() == count(type="PATIENT_CREATED").count()
    assert TimesheetEntry.objects.count() == count(type="DOCTOR_ARRIVED").count()
    assert TimesheetEntry.objects.filter(left_at__isnull=False).count() == count(type="DOCTOR_LEFT").count()
    assert Appointment.objects.count() == count(type="APPOINTMENT_CREATED").count()
    assert Appointment.objects.filter(status="cancelled").count() == count(type="APPOINTMENT_CANCELLED").count()
    for kind, event_type in [("booked", "APPOINTMENT_CREATED"), ("cancelled", "APPOINTMENT_CANCELLED"),
                             ("arrived", "DOCTOR_ARRIVED"), ("left", "DOCTOR_LEFT")]:
        assert sum(r["accepted"].get(kind, 0) for r in reports) == count(type=event_type).count(), kind
    assert rebuild.verify() == {}
