"""Shared fixtures.

Most tests that touch the API need committed transactions: projection runs when
the appending transaction commits. ``committed_db`` gives them that, and resets
the event table afterwards through the test-only ``reset_event_store`` (Django's
own flush would be refused by the immutability triggers, as it should be).
"""
import datetime
import uuid

import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from events import handlers
from events.testing import reset_event_store


@pytest.fixture
def committed_db(transactional_db):
    yield
    reset_event_store()


@pytest.fixture
def ctx():
    return handlers.Context(actor="tester", source="seed")


@pytest.fixture
def staff_user(committed_db):
    return get_user_model().objects.create_user("reception", password="pw-not-for-real-1", is_staff=True)


@pytest.fixture
def api(committed_db, staff_user):
    """An API client authenticated with a staff token, as an integration would be."""
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=staff_user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def doctor(committed_db, ctx):
    return handlers.register_doctor(ctx, name="Ada Lovelace", specialty="Cardiology").id


@pytest.fixture
def patient(committed_db, ctx):
    return handlers.register_patient(ctx, name="Grace Hopper", date_of_birth=datetime.date(1980, 12, 9)).id


@pytest.fixture
def appointment(committed_db, ctx, doctor, patient):
    return handlers.book_appointment(ctx, doctor_id=doctor, patient_id=patient, day=datetime.date(2030, 1, 7),
                                     time=datetime.time(9, 0)).id


@pytest.fixture
def unknown_id():
    return uuid.uuid4()
