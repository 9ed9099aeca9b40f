"""Bad input never becomes a 500 or a partial write."""
import re

import pytest

from events.models import StoredEvent

WRITES = ["/api/doctors/", "/api/patients/", "/api/appointments/"]


@pytest.fixture
def write_paths(api, doctor, patient, appointment):
    return WRITES + [f"/api/doctors/{doctor}/arrivals/", f"/api/doctors/{doctor}/departures/",
                     f"/api/appointments/{appointment}/cancel/"]


@pytest.mark.parametrize("body", [b"{", b"[]", b'"text"', b"null", b"42", b'{"name": ', b"\xff\xfe"])
def test_malformed_or_non_object_json_is_400(api, write_paths, body):
    before = StoredEvent.objects.count()
    for path in write_paths:
        response = api.post(path, body, content_type="application/json")
        assert response.status_code == 400, (path, body, response.status_code)
        assert set(response.json()) == {"detail"}, (path, body, response.json())
        assert re.match(r"JSON parse error - .|Invalid data\. Expected a dictionary, but got \w+\.$|No data provided$",
                        response.json()["detail"]), (path, body, response.json())
    assert StoredEvent.objects.count() == before


@pytest.mark.parametrize("body", [
    {"name": 42, "specialty": ["x"]}, {"name": {"a": 1}, "dateOfBirth": True},
    {"doctorId": 1, "patientId": None, "day": 5, "time": [], "durationMinutes": "x"},
    {"at": 12345}, {"at": "2026-01-01T99:00"}, {"reason": {"why": "no"}}, {"name": "x" * 5000},
])
def test_wrong_types_are_4xx_and_write_nothing(api, write_paths, body):
    before = StoredEvent.objects.count()
    for path in write_paths:
        response = api.post(path, body, format="json")
        assert 400 <= response.status_code < 500, (path, body, response.status_code)
    assert StoredEvent.objects.count() == before


def test_an_oversized_body_is_413(api):
    response = api.post("/api/patients/", {"name": "x" * 100_000, "dateOfBirth": "1990-01-01"}, format="json")
    assert response.status_code == 413
    assert "detail" in response.json()
    assert StoredEvent.objects.count() == 0


def test_other_content_types_are_415(api):
    response = api.post("/api/doctors/", "name=Ann&specialty=GP", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415


def test_unknown_api_paths_and_malformed_ids_are_json_404(api):
    for path in ["/api/nothing/", "/api/doctors/not-a-uuid/", "/api/appointments/123/cancel/"]:
        response = api.get(path)
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}
