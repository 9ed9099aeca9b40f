"""Live updates: the read side's advance becomes one Server-Sent Event on the
staff channel, which only staff may read, and pages connect from the id they
were rendered at."""
import datetime
import json
import logging

import pytest
from django.contrib.auth import get_user_model
from django_eventstream.storage import DjangoModelStorage

from clinic.web import live
from events import handlers, store
from events.domain.commands import RegisterDoctor, RegisterPatient
from readmodels import runner
from readmodels.models import Doctor


def sent():
    """The updates sent to the staff channel so far: [(id, data)]."""
    from django_eventstream.models import Event

    # Stored JSON-encoded twice: send_event encodes the data, the storage the text.
    return [(e.eid, json.loads(json.loads(e.data))) for e in Event.objects.filter(channel=live.CHANNEL, eid__gt=0)
            .order_by("eid")]


def test_each_projection_that_advances_sends_one_update_with_its_position(projection_stalled, ctx):
    handlers.dispatch(ctx, RegisterDoctor(name="Ada Lovelace", specialty="Cardiology"))
    handlers.dispatch(ctx, RegisterPatient(name="Grace Hopper", date_of_birth=datetime.date(1980, 12, 9)))
    assert sent() == []                 # recorded, not projected yet: nothing to tell
    runner.run_all()
    assert [data for _, data in sent()] == [{"position": store.head_position()}]


def test_a_catch_up_with_nothing_new_sends_nothing(projection_stalled, ctx):
    handlers.dispatch(ctx, RegisterDoctor(name="Ada Lovelace", specialty="Cardiology"))
    runner.run_all()
    before = sent()
    runner.run_all()
    assert sent() == before


def test_a_failing_announcement_does_not_fail_the_projection(projection_stalled, ctx, monkeypatch, caplog):
    written = handlers.dispatch(ctx, RegisterDoctor(name="Ada Lovelace", specialty="Cardiology"))

    def broken(*args, **kwargs):
        raise ConnectionError("no one listening")

    monkeypatch.setattr(live, "send_event", broken)
    with caplog.at_level(logging.ERROR):
        runner.run_all()
    assert Doctor.objects.filter(id=written.id).exists()
    assert "Could not announce projection" in caplog.text


def test_a_page_connects_from_the_update_it_was_rendered_after(projection_stalled, staff, ctx):
    handlers.dispatch(ctx, RegisterDoctor(name="Ada Lovelace", specialty="Cardiology"))
    runner.run_all()
    current = DjangoModelStorage().get_current_id(live.CHANNEL)
    assert current > 0
    body = staff.get("/doctors/").content.decode()
    assert f'data-live-last-id="clinic:{current}"' in body
    assert 'data-live-url="/live/"' in body
    assert 'data-live-page="/doctors/"' in body


def test_a_page_shown_after_a_refused_form_refreshes_from_its_own_address(staff, doctor):
    body = staff.post(f"/doctors/{doctor}/departure/", {"at": ""}).content.decode()
    assert f'data-live-page="/doctors/{doctor}/"' in body


def test_a_background_refresh_leaves_the_confirmation_for_the_page_the_user_loads(staff, doctor):
    staff.post(f"/doctors/{doctor}/arrival/", {"at": ""})
    refreshed = staff.get("/", headers={live.REFRESH_HEADER: "1"}).content.decode()
    assert "Arrival recorded." not in refreshed
    assert "Arrival recorded." in staff.get(f"/doctors/{doctor}/").content.decode()


def test_the_stream_refuses_visitors_who_are_not_signed_in(client, db):
    response = client.get("/live/")
    assert response.status_code == 403
    assert response.content == b"Live updates are for signed-in clinic staff."


def test_the_stream_refuses_accounts_that_are_not_staff(client, committed_db):
    client.force_login(get_user_model().objects.create_user("visitor", password="pw-not-for-real-3"))
    assert client.get("/live/").status_code == 403


def test_the_stream_opens_for_staff(staff):
    response = staff.get("/live/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    response.close()


@pytest.mark.parametrize("who, channel, allowed", [
    ("staff", "clinic", True),
    ("staff", "another", False),
    ("anonymous", "clinic", False),
])
def test_the_channel_manager_lets_only_staff_read_the_clinic_channel(staff_user, who, channel, allowed):
    user = staff_user if who == "staff" else None
    assert live.StaffChannelManager().can_read_channel(user, channel) is allowed
