"""The event feed and stream histories."""
from events.models import StoredEvent


def test_feed_pages_through_the_log_in_order(api, appointment):
    total = StoredEvent.objects.count()
    first = api.get("/api/events/?limit=2").json()
    assert [e["position"] for e in first["results"]] == sorted(e["position"] for e in first["results"])
    seen = first["results"]
    page = first
    while page["next"]:
        page = api.get(page["next"]).json()
        seen += page["results"]
    assert [e["position"] for e in seen] == list(StoredEvent.objects.values_list("position", flat=True))
    assert len(seen) == total


def test_feed_items_carry_the_contract_fields(api, appointment):
    event = api.get("/api/events/?after=0&limit=1000").json()["results"][-1]
    assert set(event) == {"position", "streamId", "streamType", "version", "type", "data", "metadata",
                          "occurredAt", "recordedAt"}
    assert set(event["metadata"]) >= {"actor", "correlation_id", "causation_id", "source"}


def test_api_writes_record_the_actor(api, doctor):
    api.post(f"/api/doctors/{doctor}/arrivals/", {}, format="json", HTTP_X_CORRELATION_ID="visit-42")
    event = api.get(f"/api/streams/{doctor}/events/").json()["results"][-1]
    assert event["type"] == "DOCTOR_ARRIVED"
    assert event["metadata"]["actor"] == "reception"
    assert event["metadata"]["source"] == "api"
    assert event["metadata"]["correlation_id"] == "visit-42"


def test_feed_after_the_head_is_empty(api, doctor):
    head = StoredEvent.objects.last().position
    assert api.get(f"/api/events/?after={head}").json() == {"results": [], "next": None}


def test_bad_feed_parameters_are_400(api):
    for query in ["after=-1", "after=x", "limit=0", "limit=100000"]:
        response = api.get(f"/api/events/?{query}")
        assert response.status_code == 400, query
        assert query.split("=")[0] in response.json()


def test_stream_history_in_version_order(api, appointment):
    events = api.get(f"/api/streams/{appointment}/events/").json()["results"]
    assert [e["type"] for e in events] == ["APPOINTMENT_CREATED"]
    api.post(f"/api/appointments/{appointment}/cancel/", {"reason": "ill"}, format="json")
    events = api.get(f"/api/streams/{appointment}/events/").json()["results"]
    assert [(e["version"], e["type"]) for e in events] == [(1, "APPOINTMENT_CREATED"), (2, "APPOINTMENT_CANCELLED")]
    assert events[1]["data"] == {"reason": "ill", "patient_id": events[1]["data"]["patient_id"]}


def test_unknown_stream_is_404(api, unknown_id):
    assert api.get(f"/api/streams/{unknown_id}/events/").status_code == 404
