import pytest

from events import handlers
from events.domain.commands import RegisterDoctor
from events.models import StoredEvent
from readmodels.models import Appointment, Doctor


def test_booked_appointment_is_readable_with_doctor_and_patient(appointment):
    row = Appointment.objects.select_related("doctor", "patient").get(id=appointment)
    assert (row.doctor.name, row.patient.name, row.status) == ("Ada Lovelace", "Grace Hopper", "booked")


@pytest.mark.parametrize("run", ["one", "another"])
def test_every_test_starts_with_an_empty_event_store(committed_db, ctx, run):
    """Both runs find the store empty and leave an event behind, so whichever
    runs second (in any order, with any other test before it) proves that
    committed_db's reset removed what the first wrote."""
    assert StoredEvent.objects.count() == 0
    assert not Doctor.objects.exists()
    handlers.dispatch(ctx, RegisterDoctor(name=f"Dr {run}", specialty="Cardiology"))
    assert StoredEvent.objects.count() == 1
    assert Doctor.objects.get().name == f"Dr {run}"
