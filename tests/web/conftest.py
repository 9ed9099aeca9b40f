"""Fixtures for the staff pages: a signed-in browser session (Django's test
client) on a committed database, since every command projects on commit."""
import pytest
from django.contrib.auth import get_user_model


@pytest.fixture
def staff(client, staff_user):
    """The test client, signed in as the reception staff user."""
    client.force_login(staff_user)
    return client


@pytest.fixture
def superuser(committed_db):
    return get_user_model().objects.create_superuser("engineer", password="pw-not-for-real-2")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def text(response):
    """The page as a person reads it: markup gone, whitespace collapsed."""
    import re
    from html import unescape

    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    words = " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())
    return re.sub(r" ([,.;:])", r"\1", words)  # "Grace Hopper</a>, 45" reads "Grace Hopper, 45"
