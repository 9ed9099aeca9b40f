"""Only signed-in clinic staff see the staff pages; signing in and out works."""
import pytest
from django.contrib.auth import get_user_model

from .conftest import text

PAGES = ["/", "/doctors/", "/patients/", "/appointments/", "/events/"]


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


def test_signing_in_lands_on_the_dashboard(client, staff_user):
    page = client.get("/accounts/login/?next=/")
    assert "Sign in with your staff account" in text(page)
    response = client.post("/accounts/login/", {"username": "reception", "password": "pw-not-for-real-1",
                                                "next": "/"}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert "On shift now" in text(response)


def test_a_wrong_password_is_told_on_the_form(client, staff_user):
    response = client.post("/accounts/login/", {"username": "reception", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in text(response)


def test_signing_out_takes_a_post_and_ends_the_session(staff):
    assert staff.get("/accounts/logout/").status_code == 405   # a link cannot sign anyone out
    response = staff.post("/accounts/logout/")
    assert response["Location"] == "/accounts/login/"
    assert staff.get("/").status_code == 302


def test_an_account_that_is_not_staff_is_refused(client, committed_db):
    user = get_user_model().objects.create_user("visitor", password="pw-not-for-real-3")
    client.force_login(user)
    response = client.get("/doctors/")
    assert response.status_code == 403
    assert "not a clinic staff account" in text(response)


def test_every_page_links_to_the_others_and_offers_sign_out(staff):
    page = text(staff.get("/"))
    for label in ["Dashboard", "Doctors", "Patients", "Appointments", "Event log", "Sign out", "reception"]:
        assert label in page


def test_an_unknown_page_is_a_friendly_404(staff):
    response = staff.get("/doctors/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404
    assert "Not found" in text(response)
