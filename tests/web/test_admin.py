"""The Django admin: events strictly read-only (superusers included), read
models read-only with links to their events, checkpoints with their lag and a
rebuild action."""
import datetime
import re
from html import unescape

from events import handlers, store
from events.domain.commands import Arrive, RegisterPatient
from events.models import StoredEvent
from readmodels.models import Checkpoint, Doctor

from .conftest import text

EVENTS = "/admin/events/storedevent/"


def rows(response):
    """The change list's rows, each as the text of its cells."""
    table = response.content.decode().split('id="result_list"', 1)[1].split("</table>", 1)[0]
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", row)).split())
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, flags=re.S)[1:]]


def test_a_superuser_cannot_add_change_or_delete_an_event(admin_client, doctor):
    event = StoredEvent.objects.get()
    assert admin_client.get(f"{EVENTS}add/").status_code == 403
    assert admin_client.get(f"{EVENTS}{event.pk}/delete/").status_code == 403
    response = admin_client.post(f"{EVENTS}{event.pk}/change/", {"type": "DOCTOR_LEFT", "data": "{}"})
    assert response.status_code == 403
    assert StoredEvent.objects.get().type == "DOCTOR_CREATED"


def test_an_event_opens_read_only_with_its_json_readable(admin_client, doctor):
    event = StoredEvent.objects.get()
    response = admin_client.get(f"{EVENTS}{event.pk}/change/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="_save"' not in body and 'name="_continue"' not in body
    assert "&quot;name&quot;: &quot;Ada Lovelace&quot;,\n  &quot;specialty&quot;: &quot;Cardiology&quot;" in body
    assert "&quot;actor&quot;: &quot;tester&quot;" in body


def test_the_event_list_offers_no_bulk_delete(admin_client, doctor):
    body = admin_client.get(EVENTS).content.decode()
    assert "delete_selected" not in body
    assert "Add stored event" not in body


def test_events_can_be_found_by_actor_and_by_stream_id(admin_client, ctx, doctor):
    handlers.dispatch(handlers.Context(actor="frontdesk", source="web"), RegisterPatient(name="Grace Hopper",
                              date_of_birth=datetime.date(1980, 12, 9)))
    by_actor = rows(admin_client.get(f"{EVENTS}?q=frontdesk"))
    assert len(by_actor) == 1 and "PATIENT_CREATED" in by_actor[0] and "frontdesk" in by_actor[0]
    by_stream = rows(admin_client.get(f"{EVENTS}?q={doctor}"))
    assert len(by_stream) == 1 and "DOCTOR_CREATED" in by_stream[0]


def test_events_are_filtered_by_type_stream_type_and_date(admin_client, doctor, patient):
    page = text(admin_client.get(EVENTS))
    for heading in ["By type", "By stream type", "By occurred at", "By recorded at"]:
        assert heading in page
    only_patients = rows(admin_client.get(f"{EVENTS}?stream_type=patient"))
    assert len(only_patients) == 1 and "PATIENT_CREATED" in only_patients[0]
    assert len(rows(admin_client.get(f"{EVENTS}?type=DOCTOR_CREATED"))) == 1


def test_read_models_are_read_only_and_link_to_their_events(admin_client, doctor):
    assert admin_client.get("/admin/readmodels/doctor/add/").status_code == 403
    assert admin_client.post(f"/admin/readmodels/doctor/{doctor}/change/", {"name": "Eve"}).status_code == 403
    assert admin_client.get(f"/admin/readmodels/doctor/{doctor}/delete/").status_code == 403
    body = admin_client.get("/admin/readmodels/doctor/").content.decode()
    assert f'href="{EVENTS}?stream_id={doctor}"' in body
    linked = rows(admin_client.get(f"{EVENTS}?stream_id={doctor}"))
    assert len(linked) == 1 and "DOCTOR_CREATED" in linked[0]
    assert Doctor.objects.get().name == "Ada Lovelace"


def test_checkpoints_show_head_position_and_lag(admin_client, doctor, projection_stalled, ctx):
    handlers.dispatch(ctx, Arrive(doctor))   # recorded, not projected: the projectors lag one event
    head = store.head_position()
    checkpoints = rows(admin_client.get("/admin/readmodels/checkpoint/"))
    assert any(row.startswith(f"doctors {head - 1} {head} 1 ") for row in checkpoints), checkpoints
    assert any(row.startswith(f"patients {head - 1} {head} 1 ") for row in checkpoints), checkpoints


def test_a_superuser_can_rebuild_a_projector(admin_client, doctor):
    Doctor.objects.all().delete()   # a read model gone wrong
    response = admin_client.post("/admin/readmodels/checkpoint/", {
        "action": "rebuild_projectors", "_selected_action": ["doctors"], "index": 0}, follow=True)
    head = store.head_position()
    assert f"Rebuilt doctors from the event log, up to position {head}." in text(response)
    assert Doctor.objects.get().name == "Ada Lovelace"
    assert Checkpoint.objects.get(projector="doctors").position == head
