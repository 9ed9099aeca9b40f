"""GET /metrics: Prometheus text, for staff or the metrics token only."""
import datetime

import pytest
from prometheus_client.parser import text_string_to_metric_families

from events import handlers
from events.domain.commands import Arrive, RegisterPatient
from events.domain.errors import DomainError


def samples(response):
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.content.decode()) for s in family.samples}


def value(found, name, **labels):
    return found.get((name, tuple(sorted(labels.items()))), 0)


@pytest.fixture
def scrape(client, settings):
    settings.CLINIC_METRICS_TOKEN = "metrics-token-for-tests"

    def get():
        response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer metrics-token-for-tests")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain")
        return samples(response)
    return get


def test_commands_are_counted_by_type_and_outcome(scrape, ctx, doctor):
    before = scrape()
    handlers.dispatch(ctx, RegisterPatient(name="Grace Hopper", date_of_birth=datetime.date(1980, 12, 9)))
    handlers.dispatch(ctx, Arrive(doctor_id=doctor))
    with pytest.raises(DomainError):
        handlers.dispatch(ctx, Arrive(doctor_id=doctor))  # already on shift

    after = scrape()

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("clinic_commands_total", command="RegisterPatient", outcome="written") == 1
    assert grew("clinic_commands_total", command="Arrive", outcome="written") == 1
    assert grew("clinic_commands_total", command="Arrive", outcome="refused") == 1
    assert grew("clinic_command_seconds_count", command="Arrive") == 2
    assert grew("clinic_events_appended_total") >= 2


def test_projection_lag_is_reported_per_projector(scrape, projection_stalled, ctx):
    handlers.dispatch(ctx, RegisterPatient(name="Grace Hopper", date_of_birth=datetime.date(1980, 12, 9)))

    found = scrape()

    assert value(found, "clinic_projection_lag_events", projector="patients") >= 1


def test_requests_are_counted_by_route_not_by_path(scrape, api, patient):
    api.get(f"/api/patients/{patient}/")

    found = scrape()

    assert value(found, "clinic_http_requests_total", method="GET", route="api/patients/<uuid:pk>/",
                 status="200") >= 1
    assert not any(str(patient) in str(labels) for _, labels in found)


def test_metrics_need_the_token_or_a_staff_member(client, committed_db, settings, api):
    settings.CLINIC_METRICS_TOKEN = "metrics-token-for-tests"

    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert api.get("/metrics").status_code == 200  # a staff API token


def test_without_a_metrics_token_configured_no_bearer_is_accepted(client, committed_db, settings):
    settings.CLINIC_METRICS_TOKEN = ""

    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 401
