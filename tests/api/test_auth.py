"""Authentication: a token for a username and password, which expires, can be
revoked, and dies with the password; nothing without one (docs/api.md, "Signing in")."""
import datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from clinic.roles.accounts import enrol
from clinic.roles.rules import Role
from clinic.signin import tokens

PASSWORD = "pw-not-for-real-1"


@pytest.fixture
def anonymous(committed_db):
    return APIClient()


def sign_in(client, username="reception", password=PASSWORD):
    return client.post("/api/auth/token/", {"username": username, "password": password}, format="json")


def using(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_token_for_a_valid_login_opens_the_api(anonymous, staff_user):
    response = sign_in(anonymous)
    assert response.status_code == 200
    assert set(response.json()) == {"token", "expiry"}
    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert anonymous.get("/api/doctors/").status_code == 200


def test_each_sign_in_gets_its_own_token(anonymous, staff_user):
    first, second = sign_in(anonymous).json()["token"], sign_in(anonymous).json()["token"]
    assert first != second
    assert using(first).get("/api/doctors/").status_code == 200
    assert using(second).get("/api/doctors/").status_code == 200


def test_wrong_password_gets_no_token(anonymous, staff_user):
    response = sign_in(anonymous, password="nope")
    assert response.status_code == 400
    assert response.json() == {"detail": "Unable to log in with provided credentials."}
    assert not AuthToken.objects.exists()


def test_a_missing_username_is_named_with_a_detail_sentence(anonymous):
    response = anonymous.post("/api/auth/token/", {"password": "nope"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "username: This field is required.",
                               "username": ["This field is required."]}


@pytest.mark.parametrize("path", ["/api/doctors/", "/api/patients/", "/api/appointments/", "/api/events/"])
def test_no_credentials_is_401(anonymous, path):
    response = anonymous.get(path)
    assert response.status_code == 401
    assert "detail" in response.json()


# The last two are no UTF-8, and a NUL that PostgreSQL would refuse in a query.
@pytest.mark.parametrize("token", ["not-a-token", "0" * 64, "\xff\xfe", "abc\x00def"])
def test_a_bad_token_is_401(anonymous, token):
    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = anonymous.get("/api/doctors/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_writes_without_credentials_are_401_and_write_nothing(anonymous):
    from events.models import StoredEvent

    response = anonymous.post("/api/doctors/", {"name": "X", "specialty": "Y"}, format="json")
    assert response.status_code == 401
    assert StoredEvent.objects.count() == 0


def test_signed_in_non_staff_is_403(anonymous):
    get_user_model().objects.create_user("visitor", password="pw-not-for-real-2")
    token = sign_in(anonymous, "visitor", "pw-not-for-real-2").json()["token"]
    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = anonymous.get("/api/doctors/")
    assert response.status_code == 403
    assert "detail" in response.json()


def test_session_login_works_and_writes_need_csrf(staff_user):
    client = APIClient(enforce_csrf_checks=True)
    client.get("/accounts/login/")
    signed_in = client.post("/accounts/login/", {"username": "reception", "password": PASSWORD,
                                                 "csrfmiddlewaretoken": client.cookies["csrftoken"].value})
    assert signed_in.status_code == 302
    assert client.get("/api/doctors/").status_code == 200
    response = client.post("/api/doctors/", {"name": "Ann", "specialty": "GP"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


# --- Stored hashed --------------------------------------------------------------

def _every_stored_text():
    """Every value of every column of every table, as text."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                yield from (bytes(value).hex() if isinstance(value, bytes | memoryview) else str(value)
                            for value in row if value is not None)


def test_the_database_holds_no_token_that_could_be_sent(anonymous, staff_user):
    token = sign_in(anonymous).json()["token"]
    secret = token[15:]  # knox keeps the first 15 characters to find the digest by
    assert len(secret) >= 48
    assert [text for text in _every_stored_text() if secret in text] == [], "a token is readable in the database"
    assert AuthToken.objects.filter(user=staff_user).count() == 1  # it is there, as a digest


# --- Expiry ------------------------------------------------------------------------

def test_a_token_expires_after_the_configured_hours(anonymous, staff_user, settings):
    with time_machine.travel(datetime.datetime(2031, 3, 3, 9, 0, tzinfo=datetime.timezone.utc), tick=False) as clock:
        answer = sign_in(anonymous).json()
        assert answer["expiry"] == "2031-03-03T21:00:00Z"  # CLINIC_TOKEN_TTL_HOURS, 12 by default
        client = using(answer["token"])
        clock.move_to(datetime.datetime(2031, 3, 3, 20, 59, 59, tzinfo=datetime.timezone.utc))
        assert client.get("/api/doctors/").status_code == 200
        clock.move_to(datetime.datetime(2031, 3, 3, 21, 0, 1, tzinfo=datetime.timezone.utc))
        refused = client.get("/api/doctors/")
        assert refused.status_code == 401 and refused.json() == {"detail": "Invalid token."}
        assert not AuthToken.objects.exists()  # the expired token is gone


def test_using_a_token_does_not_extend_it(anonymous, staff_user):
    start = datetime.datetime(2031, 3, 3, 9, 0, tzinfo=datetime.timezone.utc)
    with time_machine.travel(start, tick=False) as clock:
        client = using(sign_in(anonymous).json()["token"])
        for hours in range(1, 12):
            clock.move_to(start + datetime.timedelta(hours=hours))
            assert client.get("/api/doctors/").status_code == 200
        clock.move_to(start + datetime.timedelta(hours=12, seconds=1))
        assert client.get("/api/doctors/").status_code == 401


def test_a_short_lifetime_from_the_settings(anonymous, staff_user, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": datetime.timedelta(minutes=5)}
    with time_machine.travel(datetime.datetime(2031, 3, 3, 9, 0, tzinfo=datetime.timezone.utc), tick=False) as clock:
        answer = sign_in(anonymous).json()
        assert answer["expiry"] == "2031-03-03T09:05:00Z"
        clock.shift(datetime.timedelta(minutes=5, seconds=1))
        assert using(answer["token"]).get("/api/doctors/").status_code == 401


def test_signing_in_clears_the_users_expired_tokens(anonymous, staff_user):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        sign_in(anonymous)
        sign_in(anonymous)
        clock.shift(datetime.timedelta(hours=13))
        sign_in(anonymous)
        assert AuthToken.objects.filter(user=staff_user).count() == 1


# --- Logout ------------------------------------------------------------------------

def test_logout_revokes_the_token_that_calls_it_and_no_other(anonymous, staff_user):
    kept, revoked = sign_in(anonymous).json()["token"], sign_in(anonymous).json()["token"]
    client = using(revoked)
    response = client.post("/api/auth/logout/")
    assert response.status_code == 204 and response.content == b""
    refused = client.get("/api/doctors/")
    assert refused.status_code == 401 and refused.json() == {"detail": "Invalid token."}
    assert client.post("/api/auth/logout/").status_code == 401
    assert using(kept).get("/api/doctors/").status_code == 200


def test_logout_needs_a_token(anonymous, staff_user):
    assert anonymous.post("/api/auth/logout/").status_code == 401
    session = APIClient()
    session.force_login(staff_user)
    response = session.post("/api/auth/logout/")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"


def test_a_non_staff_account_may_revoke_its_own_token(anonymous):
    get_user_model().objects.create_user("visitor", password="pw-not-for-real-2")
    client = using(sign_in(anonymous, "visitor", "pw-not-for-real-2").json()["token"])
    assert client.post("/api/auth/logout/").status_code == 204
    assert not AuthToken.objects.exists()


# --- A new password revokes every token ----------------------------------------------

@pytest.fixture
def admin_client(committed_db):
    client = APIClient()
    client.force_login(get_user_model().objects.create_superuser("engineer", password="pw-not-for-real-4"))
    return client


@pytest.fixture
def two_tokens_each(anonymous, staff_user):
    enrol("night-desk", Role.MANAGER, "pw-not-for-real-3")[0]
    return {name: [sign_in(anonymous, name, password).json()["token"] for _ in range(2)]
            for name, password in [("reception", PASSWORD), ("night-desk", "pw-not-for-real-3")]}


def _working(tokens_):
    return [using(token).get("/api/doctors/").status_code == 200 for token in tokens_]


def test_a_new_password_revokes_all_of_that_users_tokens(two_tokens_each, staff_user):
    staff_user.set_password("a-new-pw-not-for-real")
    staff_user.save()
    assert _working(two_tokens_each["reception"]) == [False, False]
    assert _working(two_tokens_each["night-desk"]) == [True, True]
    assert sign_in(APIClient(), password="a-new-pw-not-for-real").status_code == 200


def test_saving_a_user_without_a_new_password_revokes_nothing(two_tokens_each, staff_user):
    staff_user.first_name = "Rita"
    staff_user.save()
    sign_in(APIClient())  # a sign-in saves last_login
    assert _working(two_tokens_each["reception"]) == [True, True]


def test_a_password_changed_in_the_admin_revokes_that_users_tokens(two_tokens_each, staff_user, admin_client):
    new = "a-new-pw-not-for-real"
    response = admin_client.post(f"/admin/auth/user/{staff_user.pk}/password/",
                                 {"usable_password": "true", "password1": new, "password2": new})
    assert response.status_code == 302, response.content
    staff_user.refresh_from_db()
    assert staff_user.check_password(new)
    assert _working(two_tokens_each["reception"]) == [False, False]
    assert _working(two_tokens_each["night-desk"]) == [True, True]


def test_a_password_disabled_in_the_admin_revokes_that_users_tokens(two_tokens_each, staff_user, admin_client):
    response = admin_client.post(f"/admin/auth/user/{staff_user.pk}/password/", {
        "usable_password": "false", "unset-password": "Disable password-based authentication"})
    assert response.status_code == 302, response.content
    staff_user.refresh_from_db()
    assert not staff_user.has_usable_password()
    assert _working(two_tokens_each["reception"]) == [False, False]
    assert _working(two_tokens_each["night-desk"]) == [True, True]


# --- DRF's plaintext tokens, from before -------------------------------------------------

def test_drf_plaintext_tokens_are_dropped_by_the_migration(transactional_db, staff_user):
    """A database from before knox held DRF's tokens in plain text (authtoken_token);
    the migration drops them, so such a token opens nothing."""
    from django.db.migrations.executor import MigrationExecutor

    old_key = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"
    MigrationExecutor(connection).migrate([("signin", None)])
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp, "
                       "user_id integer NOT NULL)")
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, %s, %s)", [old_key, timezone.now(), staff_user.pk])
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("signin"))
    assert "authtoken_token" not in connection.introspection.table_names()
    assert using(old_key).get("/api/doctors/").status_code == 401


def test_a_token_issued_in_code_works_like_one_from_the_api(committed_db, staff_user):
    token, expiry = tokens.issue(staff_user)
    assert using(token).get("/api/doctors/").status_code == 200
    assert expiry > timezone.now() + datetime.timedelta(hours=11, minutes=59)


@pytest.mark.parametrize("value, answer", [
    ("0.5", "0:30:00"), ("24", "1 day, 0:00:00"),
    ("abc", "CLINIC_TOKEN_TTL_HOURS must be a positive number, not 'abc'."),
    ("0", "CLINIC_TOKEN_TTL_HOURS must be a positive number, not '0'."),
    ("-3", "CLINIC_TOKEN_TTL_HOURS must be a positive number, not '-3'."),
])
def test_the_token_lifetime_comes_from_the_environment(value, answer):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "CLINIC_TOKEN_TTL_HOURS": value}
    done = subprocess.run([sys.executable, "manage.py", "shell", "-c",
                           "from django.conf import settings; print(settings.REST_KNOX['TOKEN_TTL'])"],
                          cwd=Path(__file__).resolve().parents[2], env=env, capture_output=True, text=True)
    assert answer in done.stdout + done.stderr
    assert (done.returncode == 0) == answer[0].isdigit()
