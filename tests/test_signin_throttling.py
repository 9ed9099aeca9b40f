"""Sign-in throttling at every door (clinic.signin.lockout): five failed sign-ins
for one username lock it for fifteen minutes, even against the right password, on
the staff pages, the admin and the API alike; a success before then resets the count."""
import datetime
import json

import pytest
import time_machine
from asgiref.sync import async_to_sync
from django.contrib.auth import get_user_model
from django.test import AsyncClient, Client
from knox.models import AuthToken

from tests.web.conftest import text

PASSWORD = "pw-not-for-real-1"
DOORS = ["pages", "admin", "api"]
PATHS = {"pages": "/accounts/login/", "admin": "/admin/login/", "api": "/api/auth/token/"}
START = datetime.datetime(2031, 3, 3, 9, 0, tzinfo=datetime.timezone.utc)
LOCKED = "Too many failed sign-in attempts for this username: it is locked for 15 minutes."


@pytest.fixture
def clock(committed_db):
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def attempt(door, password, username="reception", browser="Mozilla/5.0 (X11; Linux x86_64)"):
    """One sign-in, from a browser or a script of its own, as an attacker's would be."""
    client = Client(HTTP_USER_AGENT=browser)
    if door == "api":
        return client.post(PATHS[door], json.dumps({"username": username, "password": password}),
                           content_type="application/json")
    return client.post(PATHS[door], {"username": username, "password": password})


def refused(door, response):
    """The ordinary answer to a wrong password."""
    if door == "api":
        return response.status_code == 400 and response.json() == {
            "detail": "Unable to log in with provided credentials."}
    return response.status_code == 200 and "correct username and password" in text(response)


def signed_in(door, response):
    if door == "api":
        return response.status_code == 200 and AuthToken.objects.exists()
    return response.status_code == 302 and "_auth_user_id" in response.wsgi_request.session


def locked(door, response):
    if response.status_code != 429 or not response["Retry-After"].isdigit():
        return False
    if door == "api":
        return set(response.json()) == {"detail"} and response.json()["detail"].startswith(LOCKED)
    return LOCKED in text(response)


def fail(door, times, username="reception"):
    return [attempt(door, "wrong password", username) for _ in range(times)]


@pytest.mark.parametrize("door", DOORS)
def test_five_failures_lock_the_username_even_for_the_right_password(clock, staff_user, door):
    assert all(refused(door, response) for response in fail(door, 4))
    fifth = attempt(door, "wrong password")
    assert locked(door, fifth)
    right = attempt(door, PASSWORD)
    assert locked(door, right)
    assert not signed_in(door, right)
    assert not AuthToken.objects.exists()


def test_the_count_and_the_lock_are_the_same_at_every_door(clock, staff_user):
    fail("pages", 2)
    fail("admin", 2)
    assert locked("api", attempt("api", "wrong password"))
    assert all(locked(door, attempt(door, PASSWORD)) for door in DOORS)


@pytest.mark.parametrize("door", DOORS)
def test_a_success_before_the_limit_resets_the_count(clock, staff_user, door):
    fail(door, 4)
    assert signed_in(door, attempt(door, PASSWORD))
    assert all(refused(door, response) for response in fail(door, 4))
    assert signed_in(door, attempt(door, PASSWORD))


@pytest.mark.parametrize("door", DOORS)
def test_the_lock_ends_fifteen_minutes_after_the_fifth_failure(clock, staff_user, door):
    fail(door, 5)
    clock.shift(datetime.timedelta(minutes=10))
    assert locked(door, attempt(door, PASSWORD))  # tried during the lock: does not extend it
    clock.move_to(START + datetime.timedelta(minutes=14, seconds=59))
    last = attempt(door, PASSWORD)
    assert locked(door, last) and last["Retry-After"] == "1"
    clock.move_to(START + datetime.timedelta(minutes=15, seconds=1))
    assert signed_in(door, attempt(door, PASSWORD))


def test_failures_further_apart_than_the_cool_off_do_not_add_up(clock, staff_user):
    fail("pages", 4)
    clock.shift(datetime.timedelta(minutes=15, seconds=1))
    assert refused("pages", attempt("pages", "wrong password"))
    assert signed_in("pages", attempt("pages", PASSWORD))


def test_failures_from_several_browsers_add_up_and_the_oldest_expire_first(clock, staff_user):
    """axes keeps a row per username and browser, stamped with its latest failure:
    the lock lasts as long as the newest rows still add up to five."""
    for _ in range(4):
        attempt("api", "wrong password", browser="curl/8.5.0")
    clock.shift(datetime.timedelta(minutes=5))
    fifth = attempt("api", "wrong password", browser="python-requests/2.32")
    assert locked("api", fifth) and fifth["Retry-After"] == "600"  # when curl's four leave the count
    clock.move_to(START + datetime.timedelta(minutes=15, seconds=1))
    assert signed_in("api", attempt("api", PASSWORD))


def test_only_that_username_is_locked(clock, staff_user):
    get_user_model().objects.create_user("night-desk", password="pw-not-for-real-3", is_staff=True)
    fail("api", 5)
    assert all(signed_in(door, attempt(door, "pw-not-for-real-3", "night-desk")) for door in DOORS)


def test_the_api_says_how_long_to_wait(clock, staff_user):
    fail("api", 5)
    clock.shift(datetime.timedelta(minutes=10, seconds=30))
    response = attempt("api", PASSWORD)
    assert response.status_code == 429
    assert response["Retry-After"] == "270"
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": f"{LOCKED} Try again in 5 minutes."}


@pytest.mark.parametrize("door", ["pages", "admin"])
def test_the_pages_say_why_and_for_how_long(clock, staff_user, door):
    fail(door, 4)
    response = attempt(door, "wrong password")
    assert response.status_code == 429 and response["Retry-After"] == "900"
    assert f"{LOCKED} Try again in 15 minutes." in text(response)
    assert "even with the right password" in text(response)
    assert f'href="{PATHS[door]}"' in response.content.decode()  # back to the sign-in it came from


def test_the_lockout_page_under_asgi(clock, staff_user):
    """uvicorn runs the ASGI handler, where axes' middleware takes another path
    (it calls the lockout callable with other arguments)."""
    client = AsyncClient()
    answers = [async_to_sync(client.post)("/accounts/login/", {"username": "reception", "password": password})
               for password in ["wrong"] * 5 + [PASSWORD]]
    assert [answer.status_code for answer in answers] == [200] * 4 + [429, 429]
    assert f"{LOCKED} Try again in 15 minutes." in text(answers[-1])
