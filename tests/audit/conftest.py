import pytest

from clinic.audit.models import PatientRead
from tests.conftest import api_client_for


@pytest.fixture
def manager_api(manager):
    return api_client_for(manager)


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
