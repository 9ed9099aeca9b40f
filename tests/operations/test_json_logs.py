"""One JSON line per request and per command: ids, outcome, duration — no names."""
import io
import json
import logging

import pytest


@pytest.fixture
def json_lines():
    """What the configured JSON handler writes for clinic.requests and clinic.commands."""
    out = io.StringIO()
    loggers = [logging.getLogger("clinic.requests"), logging.getLogger("clinic.commands")]
    configured = loggers[0].handlers[0]
    handler = logging.StreamHandler(out)
    handler.setFormatter(configured.formatter)
    for f in configured.filters:
        handler.addFilter(f)
    for logger in loggers:
        logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in out.getvalue().splitlines()]
    for logger in loggers:
        logger.removeHandler(handler)


def test_a_command_and_its_request_are_told_with_ids_and_no_names(api, staff_user, json_lines):
    response = api.post("/api/patients/", {"name": "Grace Hopper", "dateOfBirth": "1980-12-09"}, format="json",
                        HTTP_X_CORRELATION_ID="trace-42")
    assert response.status_code == 201

    lines = json_lines()
    command = next(line for line in lines if line["message"] == "command")
    request = next(line for line in lines if line["message"] == "request")
    assert command["command"] == "RegisterPatient" and command["outcome"] == "written"
    assert command["correlation_id"] == request["correlation_id"] == "trace-42"
    assert command["actor_id"] == request["actor_id"] == staff_user.pk
    assert request["route"] == "api/patients/" and request["status"] == 201 and request["duration_ms"] > 0
    text = json.dumps(lines)
    assert "Grace" not in text and staff_user.username not in text and "1980" not in text


def test_a_request_without_a_correlation_id_gets_one(client, committed_db, json_lines):
    client.get("/healthz")

    request = json_lines()[-1]
    assert request["route"] == "healthz" and len(request["correlation_id"]) == 32
    assert request["actor_id"] is None


def test_a_refused_command_is_told_as_refused(api, doctor, json_lines):
    api.post(f"/api/doctors/{doctor}/departures/", {}, format="json")  # not on shift: 409

    command = next(line for line in json_lines() if line["message"] == "command")
    assert command["command"] == "Leave" and command["outcome"] == "refused"
