"""manage.py prune: old idempotency records and live-update buffer rows go; the rest stays."""
import datetime
import io

import time_machine
from django.core.management import call_command
from django.utils import timezone
from django_eventstream.models import Event as LiveUpdate

from clinic.api.models import IdempotentRequest
from events.models import StoredEvent


def keyed_update(api, patient_id, key):
    response = api.patch(f"/api/patients/{patient_id}/", {"name": f"Grace {key}"}, format="json",
                         HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 200


def test_prune_drops_what_outlived_its_window_and_keeps_the_rest(api, patient, settings):
    settings.CLINIC_IDEMPOTENCY_TTL_HOURS = 24
    with time_machine.travel(timezone.now() - datetime.timedelta(hours=25)):
        keyed_update(api, patient, "old-key")
        LiveUpdate.objects.create(channel="test-old", type="message", data="{}", eid=1)
    keyed_update(api, patient, "new-key")
    LiveUpdate.objects.create(channel="test-new", type="message", data="{}", eid=1)
    events = StoredEvent.objects.count()
    out = io.StringIO()

    call_command("prune", stdout=out)

    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["new-key"]
    assert not LiveUpdate.objects.filter(channel="test-old").exists()
    assert LiveUpdate.objects.filter(channel="test-new").exists()
    assert StoredEvent.objects.count() == events  # the log is never pruned
    assert "1 idempotency records" in out.getvalue()

    # The key may now be used afresh: a new write, not the old answer.
    keyed_update(api, patient, "old-key")
    assert IdempotentRequest.objects.filter(key="old-key").exists()

