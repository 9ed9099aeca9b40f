"""How long a staff session lasts (clinic.signin.sessions): it ends after 30 minutes
without the person doing anything, and 12 hours after signing in whatever they do."""
import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .conftest import text

START = datetime.datetime(2031, 3, 3, 7, 0, tzinfo=datetime.timezone.utc)
LIVE_REFRESH = {"HTTP_X_CLINIC_LIVE_REFRESH": "1"}


@pytest.fixture
def clock(committed_db):
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def sign_in(client):
    response = client.post("/accounts/login/", {"username": "reception", "password": "pw-not-for-real-1"})
    assert response.status_code == 302
    return client


@pytest.fixture
def signed_in(client, clock, staff_user):
    """Signed in through the sign-in page at START."""
    return sign_in(client)


def at(clock, minutes):
    clock.move_to(START + datetime.timedelta(minutes=minutes))


def still_signed_in(client):
    response = client.get("/patients/")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    return False


def test_a_session_ends_after_thirty_idle_minutes(signed_in, clock):
    at(clock, 30)
    assert not still_signed_in(signed_in)


def test_a_session_idle_for_less_survives(signed_in, clock):
    at(clock, 29)
    assert still_signed_in(signed_in)


def test_each_request_starts_the_thirty_minutes_again(signed_in, clock):
    for minutes in [20, 40, 60, 80]:
        at(clock, minutes)
        assert still_signed_in(signed_in)
    at(clock, 80 + 30)
    assert not still_signed_in(signed_in)


def test_requests_a_page_makes_by_itself_are_not_activity(signed_in, clock):
    """An open page keeps its live-update stream open, reconnects it, and re-fetches
    itself on every update; none of that keeps the session of someone who walked away."""
    for minutes in [10, 20, 29]:
        at(clock, minutes)
        assert signed_in.get("/", **LIVE_REFRESH).status_code == 200
        stream = signed_in.get("/live/")
        assert stream.status_code == 200
        stream.close()
    at(clock, 30)
    assert not still_signed_in(signed_in)


def test_a_session_ends_twelve_hours_after_signing_in_however_busy(signed_in, clock):
    for minutes in range(20, 12 * 60, 20):
        at(clock, minutes)
        assert still_signed_in(signed_in), f"signed out after {minutes} minutes"
    at(clock, 12 * 60)
    page = signed_in.get("/patients/", follow=True)
    assert page.redirect_chain[-1][0].startswith("/accounts/login/")
    assert "You were signed out: a session lasts at most 12 hours. Please sign in again." in text(page)


def test_signing_in_again_gives_another_twelve_hours(signed_in, clock, client):
    at(clock, 12 * 60)
    assert not still_signed_in(signed_in)
    sign_in(client)
    at(clock, 12 * 60 + 20)
    assert still_signed_in(client)


def test_a_session_is_saved_for_activity_at_most_once_a_minute(signed_in, clock):
    """Saving the session on every request would cost a database write each time."""
    def session_writes():
        with CaptureQueriesContext(connection) as queries:
            assert still_signed_in(signed_in)
        return [q["sql"] for q in queries.captured_queries
                if "django_session" in q["sql"] and not q["sql"].lstrip().upper().startswith("SELECT")]

    at(clock, 5)
    assert len(session_writes()) == 1
    clock.shift(datetime.timedelta(seconds=30))
    assert session_writes() == []
    clock.shift(datetime.timedelta(seconds=30))
    assert len(session_writes()) == 1
