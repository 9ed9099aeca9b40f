from readmodels.models import Appointment


def test_booked_appointment_is_readable_with_doctor_and_patient(appointment):
    row = Appointment.objects.select_related("doctor", "patient").get(id=appointment)
    assert (row.doctor.name, row.patient.name, row.status) == ("Ada Lovelace", "Grace Hopper", "booked")


def test_second_test_starts_with_an_empty_event_store(committed_db):
    from events.models import StoredEvent

    assert StoredEvent.objects.count() == 0
