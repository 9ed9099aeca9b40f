"""Authentication: a token for a username and password; nothing without it."""
import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient


@pytest.fixture
def anonymous(committed_db):
    return APIClient()


def test_token_for_a_valid_login_opens_the_api(anonymous, staff_user):
    response = anonymous.post("/api/auth/token/", {"username": "reception", "password": "pw-not-for-real-1"},
                              format="json")
    assert response.status_code == 200
    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert anonymous.get("/api/doctors/").status_code == 200


def test_wrong_password_gets_no_token(anonymous, staff_user):
    response = anonymous.post("/api/auth/token/", {"username": "reception", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "Unable to log in with provided credentials."}


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


def test_a_bad_token_is_401(anonymous):
    anonymous.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert anonymous.get("/api/doctors/").status_code == 401


def test_writes_without_credentials_are_401_and_write_nothing(anonymous):
    from events.models import StoredEvent

    response = anonymous.post("/api/doctors/", {"name": "X", "specialty": "Y"}, format="json")
    assert response.status_code == 401
    assert StoredEvent.objects.count() == 0


def test_signed_in_non_staff_is_403(anonymous):
    get_user_model().objects.create_user("visitor", password="pw-not-for-real-2")
    token = anonymous.post("/api/auth/token/", {"username": "visitor", "password": "pw-not-for-real-2"},
                           format="json").json()["token"]
    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = anonymous.get("/api/doctors/")
    assert response.status_code == 403
    assert "detail" in response.json()


def test_session_login_works_and_writes_need_csrf(staff_user):
    client = APIClient(enforce_csrf_checks=True)
    client.login(username="reception", password="pw-not-for-real-1")
    assert client.get("/api/doctors/").status_code == 200
    response = client.post("/api/doctors/", {"name": "Ann", "specialty": "GP"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
