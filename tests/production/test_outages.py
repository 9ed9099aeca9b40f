"""The broker or the workers go away: commands still succeed (the events are
durable; the API answers 202 when the read side cannot catch up in time), and
when they come back the projections catch up with no manual step."""
import json
import sys
import time
import urllib.error
import urllib.request

import pytest

from clinic.signin import tokens
from events.models import StoredEvent
from readmodels.models import Patient

from . import services

pytestmark = pytest.mark.production


class Clinic:
    """A web process, a worker and beat, as deployed, on a broker of the test's choosing."""

    def __init__(self, tmp_path, broker_url, queue):
        self.tmp_path = tmp_path
        self.port = services.free_port()
        self.env = services.environment(CELERY_BROKER_URL=broker_url, CLINIC_QUEUE=queue, CLINIC_CATCH_UP_SECONDS=1,
                                        SECURE_SSL_REDIRECT=0, REDIS_URL=broker_url)
        self.web = services.start([sys.executable, "-m", "uvicorn", "clinic.asgi:application", "--port",
                                   str(self.port), "--lifespan", "off"], self.env, tmp_path / "web.log")
        self.worker = self.start_worker()
        self.beat = services.beat(self.env, tmp_path / "beat-schedule", tmp_path / "beat.log")
        self.token = None

    def start_worker(self):
        return services.worker(self.env, self.tmp_path / "worker.log")

    def post(self, path, body, timeout=30):
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", data=json.dumps(body).encode(), method="POST",
            headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def wait_until_serving(self):
        def serving():
            try:
                return self.post("/api/doctors/", {"name": "Warm Up", "specialty": "GP"}, timeout=5)[0] == 201
            except OSError:
                return False
        services.wait_until(serving, 30, interval=0.2, what="the web process and worker to serve")

    def stop(self):
        for process in (self.web, self.worker, self.beat):
            services.kill(process)


@pytest.fixture
def clinic_processes(committed_db, staff_user, tmp_path, settings):
    started = []

    def start(broker_url):
        clinic = Clinic(tmp_path, broker_url, f"{settings.CELERY_TASK_DEFAULT_QUEUE}-outage")
        clinic.token = tokens.issue(staff_user)[0]
        clinic.wait_until_serving()
        started.append(clinic)
        return clinic

    yield start
    for clinic in started:
        clinic.stop()


@pytest.fixture
def own_redis(tmp_path):
    """A Redis of this test's own, so stopping it disturbs nobody else."""
    port = services.free_port()
    args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    server = {"process": services.start(args, {}, tmp_path / "redis.log"), "url": f"redis://127.0.0.1:{port}/0"}
    services.wait_until(lambda: services.reachable("127.0.0.1", port), 10, what="redis to start")

    def restart():
        server["process"] = services.start(args, {}, tmp_path / "redis.log")
        services.wait_until(lambda: services.reachable("127.0.0.1", port), 10, what="redis to restart")

    server["stop"] = lambda: services.kill(server["process"])
    server["restart"] = restart
    yield server
    services.kill(server["process"])


def register_patient(clinic, name):
    started = time.monotonic()
    status, body = clinic.post("/api/patients/", {"name": name, "dateOfBirth": "1990-01-01"})
    return status, body, time.monotonic() - started


def test_commands_succeed_while_the_broker_is_down_and_project_when_it_returns(clinic_processes, own_redis):
    clinic = clinic_processes(own_redis["url"])
    own_redis["stop"]()
    time.sleep(2)  # a catch-up task received before the outage may still run; let it finish

    status, body, took = register_patient(clinic, "During Outage")
    assert status == 202, body
    assert took < 10
    assert StoredEvent.objects.filter(stream_id=body["id"], type="PATIENT_CREATED").exists()  # durable
    assert not Patient.objects.filter(id=body["id"]).exists()

    own_redis["restart"]()
    services.wait_until(lambda: Patient.objects.filter(id=body["id"]).exists(), 60, interval=0.2,
                        what="projection after the broker returned")
    status, _, _ = register_patient(clinic, "After Outage")
    assert status == 201


def test_a_worker_that_was_down_catches_up_when_it_returns(clinic_processes, settings):
    clinic = clinic_processes(settings.CELERY_BROKER_URL)
    services.kill(clinic.worker)

    written = [register_patient(clinic, f"While Away {n}") for n in range(3)]
    assert [status for status, _, _ in written] == [202] * 3
    time.sleep(2)
    assert not Patient.objects.filter(name__startswith="While Away").exists()

    clinic.worker = clinic.start_worker()
    services.wait_until(lambda: Patient.objects.filter(name__startswith="While Away").count() == 3, 60,
                        interval=0.2, what="projection after the worker returned")
