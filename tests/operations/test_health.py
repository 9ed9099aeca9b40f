"""GET /healthz: what a load balancer or monitor asks, without signing in."""
import datetime

import pytest
from django.db import DatabaseError

from events import handlers
from events.domain.commands import BookAppointment, RegisterPatient
from readmodels import runner
from readmodels.projectors import PROJECTORS


@pytest.mark.embedded
def test_a_healthy_clinic_answers_ok_to_anyone(client, patient):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["broker"] == "absent"  # embedded mode has no broker
    assert set(body["projections"]) == {p.name for p in PROJECTORS} | {"card-tracker", "card-finder"}
    assert all(p["lag"] == 0 and p["position"] > 0 for p in body["projections"].values())
    assert "Grace" not in response.content.decode()  # no personal data


def test_a_projection_far_behind_makes_the_clinic_degraded(client, projection_stalled, ctx, settings):
    settings.CLINIC_HEALTH_MAX_LAG = 2
    for n in range(3):
        handlers.dispatch(ctx, RegisterPatient(name=f"Patient {n}", date_of_birth=datetime.date(1990, 1, 1)))

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert max(p["lag"] for p in body["projections"].values()) >= 3

    runner.run_all()
    assert client.get("/healthz").status_code == 200


def test_a_card_process_behind_is_reported_like_a_projector(client, projection_stalled, ctx, doctor, patient):
    """The card process's subscribers are caught up by the same runner: a stalled one
    shows its lag, and the projectors' catch-up alone does not hide it."""
    handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=patient, day=datetime.date(2030, 1, 7),
                                           time=datetime.time(9), duration_minutes=30))
    for projector in PROJECTORS:
        runner.run(projector)
    lag = {name: p["lag"] for name, p in client.get("/healthz").json()["projections"].items()}
    assert lag["card-tracker"] >= 1 and lag["card-finder"] >= 1
    assert all(lag[p.name] == 0 for p in PROJECTORS)
    for _ in range(3):  # the process's own appends need a round more, as each commit asks for in production
        runner.run_all()
    assert all(p["lag"] == 0 for p in client.get("/healthz").json()["projections"].values())


def test_an_unreachable_database_is_reported(client, committed_db, monkeypatch):
    def unreachable():
        raise DatabaseError("connection refused")

    monkeypatch.setattr("events.store.head_position", unreachable)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_healthz_is_reachable_over_plain_http_in_production_settings(client, committed_db, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

    assert client.get("/healthz").status_code == 200
    assert client.get("/api/doctors/").status_code == 301
