import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from clinic.audit.models import PatientRead
from clinic.signin import tokens


@pytest.fixture
def manager(committed_db):
    user = get_user_model().objects.create_user("manager", password="pw-not-for-real-3", is_staff=True)
    # The migration made the group; a committed test before this one flushed it.
    user.groups.add(Group.objects.get_or_create(name="manager")[0])
    return user


@pytest.fixture
def manager_api(manager):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {tokens.issue(manager)[0]}")
    return client


@pytest.fixture
def staff(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def reads():
    """The audit records written so far: (username, view, patient id), oldest first."""
    def reads():
        return [(r.username, r.view, r.patient_id) for r in PatientRead.objects.order_by("id")]
    return reads
