"""Idempotency-Key: a retried write answers the first result and writes nothing."""
import datetime
import json
import threading
import urllib.error
import urllib.request
import uuid

import pytest
from rest_framework.test import APIClient

from clinic.api.models import IdempotentRequest
from clinic.roles.accounts import enrol
from clinic.roles.rules import Role
from clinic.signin import tokens
from events.models import StoredEvent
from readmodels.models import Appointment
from tests.production import services

BODY = {"name": "Ann Lee", "specialty": "Cardiology"}


def test_a_retry_answers_the_first_result_and_writes_nothing(api):
    first = api.post("/api/doctors/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201
    events = StoredEvent.objects.count()
    again = api.post("/api/doctors/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Location"] == first["Location"]
    assert StoredEvent.objects.count() == events
    assert api.get("/api/doctors/").json()["count"] == 1


def test_a_different_key_is_a_different_write(api):
    api.post("/api/doctors/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    api.post("/api/doctors/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert api.get("/api/doctors/").json()["count"] == 2


def test_reusing_a_key_for_another_request_is_refused(api):
    api.post("/api/doctors/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    response = api.post("/api/doctors/", {**BODY, "name": "Bo Ng"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["detail"]
    assert api.get("/api/doctors/").json()["count"] == 1


def test_a_failed_command_does_not_use_up_its_key(api, doctor):
    path = f"/api/doctors/{doctor}/departures/"
    assert api.post(path, {}, format="json", HTTP_IDEMPOTENCY_KEY="leave-1").status_code == 409
    api.post(f"/api/doctors/{doctor}/arrivals/", {}, format="json")
    assert api.post(path, {}, format="json", HTTP_IDEMPOTENCY_KEY="leave-1").status_code == 200


def test_an_overlong_key_is_400(api):
    response = api.post("/api/doctors/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k" * 300)
    assert response.status_code == 400
    assert StoredEvent.objects.count() == 0


def test_a_key_is_each_users_own(api):
    """Another integration that happens to pick the same key (and send the same
    body) gets its own doctor, not the first user's answer."""
    first = api.post("/api/doctors/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    colleague = enrol("night-desk", Role.MANAGER, "pw-not-for-real-3")[0]
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {tokens.issue(colleague)[0]}")

    second = other.post("/api/doctors/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json()["id"] != first.json()["id"]
    assert second["Location"] != first["Location"]
    assert api.get("/api/doctors/").json()["count"] == 2
    assert sorted(e.metadata["actor"] for e in StoredEvent.objects.all()) == ["night-desk", "reception"]
    # and each user's retry still answers that user's own first result
    assert other.post("/api/doctors/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1").json() == second.json()
    assert api.post("/api/doctors/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1").json() == first.json()
    assert StoredEvent.objects.count() == 2


# --- A retry after the first request's process died -------------------------------

BURST = 50
KILL_AFTER = 20  # records committed when the server is killed: mid-burst
CRASH_TIMEOUT = 60


def _keyed_post(port, token, key, body, timeout=CRASH_TIMEOUT):
    """(status, body) of a keyed POST, or (None, the error) if the connection died."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/appointments/", data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json", "Idempotency-Key": key})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")
    except OSError as error:
        return None, error


@pytest.fixture
def servers(tmp_path):
    started = []

    def start():
        port = services.free_port()
        process = services.web(services.environment(), port, tmp_path / f"web-{len(started)}.log")
        started.append(process)
        services.wait_until(lambda: services.serving(port), CRASH_TIMEOUT, interval=0.1, what="the web process")
        return process, port

    yield start
    for process in started:
        services.kill(process)


def test_keys_of_bookings_committed_when_the_server_was_killed_answer_their_booking(staff_user, doctor, patient,
                                                                                   servers):
    """kill -9 of the web server during a burst of keyed bookings: when it is back,
    a retry of every key answers its one booking (201, the same appointment each
    time) — none is "still being processed" for ever, none is booked twice."""
    token = tokens.issue(staff_user)[0]
    bodies = {f"burst-{n}": {"doctorId": str(doctor), "patientId": str(patient), "time": "09:00",
                             "day": (datetime.date(2031, 1, 6) + datetime.timedelta(weeks=n)).isoformat()}
              for n in range(BURST)}
    server, port = servers()
    start = threading.Barrier(BURST)

    def first_try(key):
        start.wait()
        _keyed_post(port, token, key, bodies[key])

    threads = [threading.Thread(target=first_try, args=(key,)) for key in bodies]
    for thread in threads:
        thread.start()
    services.wait_until(lambda: IdempotentRequest.objects.count() >= KILL_AFTER, CRASH_TIMEOUT, interval=0.005,
                        what=f"{KILL_AFTER} keyed bookings to commit")
    services.kill(server)
    for thread in threads:
        thread.join()
    committed = {r.key: r.resource_id for r in IdempotentRequest.objects.all()}
    unanswered = IdempotentRequest.objects.filter(response__isnull=True).count()
    assert KILL_AFTER <= len(committed) < BURST and unanswered, (
        f"the kill was meant to leave keys committed but unanswered ({len(committed)} committed, "
        f"{unanswered} unanswered)")

    _, port = servers()
    answers = {key: _keyed_post(port, token, key, body) for key, body in bodies.items()}
    assert {key: status for key, (status, _) in answers.items() if status != 201} == {}
    booked = {key: uuid.UUID(body["id"]) for key, (_, body) in answers.items()}
    assert {key: booked[key] for key in committed} == committed  # the booking made before the kill
    assert all(body["day"] == bodies[key]["day"] for key, (_, body) in answers.items())
    again = {key: _keyed_post(port, token, key, body) for key, body in bodies.items()}
    assert {key: (status, uuid.UUID(body["id"])) for key, (status, body) in again.items()} == {
        key: (201, booked[key]) for key in bodies}
    assert StoredEvent.objects.filter(type="APPOINTMENT_CREATED").count() == BURST
    assert Appointment.objects.count() == BURST and set(Appointment.objects.values_list("id", flat=True)) == set(
        booked.values())


def test_a_retry_after_the_answer_was_lost_answers_from_the_committed_write(api, doctor, monkeypatch):
    """The first request committed, then its process died before storing its answer:
    the retry answers as the first would have — 201 for a creation, 200 for an
    action, with the resource as projected — stores that, and writes nothing."""
    from clinic.api import idempotency

    monkeypatch.setattr(idempotency, "remember", lambda *args: None)  # dies before storing
    api.post("/api/doctors/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-new")
    api.post(f"/api/doctors/{doctor}/arrivals/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k-arrive")
    monkeypatch.undo()
    written = StoredEvent.objects.count()
    created = IdempotentRequest.objects.get(key="k-new")

    retry = api.post("/api/doctors/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-new")
    assert retry.status_code == 201
    assert retry.json() == {"id": str(created.resource_id), "name": "Ann Lee", "specialty": "Cardiology",
                            "onShift": False, "retired": False, "totalHoursWorked": 0,
                            "position": created.position}
    assert retry["Location"].endswith(f"/api/doctors/{created.resource_id}/")
    arrival = api.post(f"/api/doctors/{doctor}/arrivals/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k-arrive")
    assert arrival.status_code == 200 and arrival.json()["onShift"] is True
    assert StoredEvent.objects.count() == written
    assert IdempotentRequest.objects.filter(response__isnull=True).count() == 0  # stored now
    assert api.post("/api/doctors/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-new").json() == retry.json()


def test_a_retry_after_a_202_answers_the_resource_once_it_is_projected(api, projection_stalled, settings):
    from readmodels import runner

    settings.CLINIC_READ_YOUR_WRITES_TIMEOUT = 0.1
    first = api.post("/api/doctors/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-slow")
    assert first.status_code == 202
    runner.run_all()
    retry = api.post("/api/doctors/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-slow")
    assert retry.status_code == 201
    assert retry.json()["id"] == first.json()["id"] and retry.json()["name"] == "Ann Lee"
    assert retry.json()["position"] == first.json()["position"]
    assert StoredEvent.objects.count() == 1


TWINS = 8


def test_twins_sent_at_the_same_moment_all_answer_the_one_booking(live_server, staff_user, doctor, patient):
    """A client that retries before its first request has finished: every copy
    answers the one booking, none is refused as a double booking of itself."""
    token = tokens.issue(staff_user)[0]
    body = {"doctorId": str(doctor), "patientId": str(patient), "day": "2030-01-07", "time": "10:00"}
    port = int(live_server.url.rsplit(":", 1)[1])
    start = threading.Barrier(TWINS)
    answers = []

    def send():
        start.wait()
        answers.append(_keyed_post(port, token, "twin", body))

    threads = [threading.Thread(target=send) for _ in range(TWINS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [status for status, _ in answers] == [201] * TWINS, answers
    assert len({body["id"] for _, body in answers}) == 1
    assert StoredEvent.objects.filter(type="APPOINTMENT_CREATED").count() == 1
