"""Idempotency-Key: a retried write answers the first result and writes nothing."""
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from clinic.signin import tokens
from events.models import StoredEvent

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
    colleague = get_user_model().objects.create_user("night-desk", password="pw-not-for-real-3", is_staff=True)
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
