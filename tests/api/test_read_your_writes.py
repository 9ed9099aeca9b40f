"""A write answers with the projected resource, or 202 when the read side lags."""
from django.test import override_settings

from events.models import StoredEvent


@override_settings(CLINIC_READ_YOUR_WRITES_TIMEOUT=0.2)
def test_a_lagging_read_side_gives_202_and_the_write_is_durable(api, projection_stalled):
    response = api.post("/api/doctors/", {"name": "Ann Lee", "specialty": "GP"}, format="json")
    assert response.status_code == 202
    body = response.json()
    assert set(body) == {"id", "position"}
    assert StoredEvent.objects.get(position=body["position"]).stream_id.hex == body["id"].replace("-", "")
    assert api.get(response["Location"]).status_code == 404  # not projected yet…

    from readmodels.runner import run_all
    run_all()  # …until a catch-up runs
    assert api.get(response["Location"]).json()["name"] == "Ann Lee"
