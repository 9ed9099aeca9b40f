"""Crypto-shredding (``events.shredding``): personal fields are stored sealed
under their patient's key, read back whole while it exists, and read as
"[erased]" — for that patient only — once it is gone."""
import base64
import datetime
import json
import os
import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from events import handlers, importing, shredding, store
from events.domain.commands import BookAppointment, CancelAppointment, RegisterDoctor, RegisterPatient, UpdatePatient
from events.domain.patient import ERASED, ErasedPatient
from events.importing import ImportedEvent, InvalidImport
from events.models import DataKey, StoredEvent

BORN = datetime.date(1961, 7, 23)


def register(ctx, name="Zebulon Quimby", **fields):
    return handlers.dispatch(ctx, RegisterPatient(name=name, date_of_birth=BORN, **fields)).id


def raw_rows():
    """The event table as the database holds it, not as the store reads it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT type, data FROM {StoredEvent._meta.db_table} ORDER BY position")
        return [(type_name, data if isinstance(data, str) else json.dumps(data)) for type_name, data in cursor]


def test_personal_fields_are_stored_sealed_and_read_whole(db, ctx):
    patient = register(ctx, phone="+44 20 7946 0321", email="zeb@example.org")
    handlers.dispatch(ctx, UpdatePatient(patient, name="Zebulon Q. Fairweather"))

    stored = " ".join(data for _, data in raw_rows())
    for plaintext in ["Zebulon", "Fairweather", "1961-07-23", "7946", "zeb@example.org"]:
        assert plaintext not in stored
    created, renamed = store.read_stream(patient)
    assert created.plain_data == {"name": "Zebulon Quimby", "date_of_birth": "1961-07-23",
                                  "phone": "+442079460321", "email": "zeb@example.org"}
    assert created.data["name"]["key"] == str(patient)  # whose key, in the clear
    assert renamed.message.name == "Zebulon Q. Fairweather"


def test_a_patients_key_is_made_with_their_registration_and_only_then(db, ctx):
    before = DataKey.objects.count()
    patient = register(ctx)
    assert DataKey.objects.count() == before + 1
    assert len(bytes(DataKey.objects.get(subject=patient).key)) == 32  # AES-256
    handlers.dispatch(ctx, UpdatePatient(patient, name="Another Name"))
    assert DataKey.objects.count() == before + 1


def test_a_sealed_value_cannot_be_moved_to_another_field(db, ctx):
    patient = register(ctx)
    sealed_name = store.read_stream(patient)[0].data["name"]
    keyring = shredding.Keyring.fetch([patient])
    assert keyring.open("name", sealed_name) == "Zebulon Quimby"
    assert keyring.open("phone", sealed_name) == ERASED  # the field's name is bound to its ciphertext


def test_a_lost_key_erases_one_patient_and_nobody_else(db, ctx):
    lost, kept = register(ctx, name="Lost Key"), register(ctx, name="Kept Key")
    DataKey.objects.filter(subject=lost).delete()

    assert store.read_stream(lost)[0].message.name == ERASED
    assert store.read_stream(lost)[0].message.date_of_birth is None
    assert store.read_stream(kept)[0].message.name == "Kept Key"
    # The hot readers too: what handlers fold and projectors read.
    (lost_history, kept_history) = store.read_histories([lost, kept])
    assert (lost_history[0].event.name, kept_history[0].event.name) == (ERASED, "Kept Key")


def test_nothing_personal_is_written_for_a_patient_whose_key_is_gone(db, ctx):
    doctor = handlers.dispatch(ctx, RegisterDoctor(name="Ada Lovelace", specialty="Cardiology")).id
    patient = register(ctx)
    booked = handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=patient,
                                                    day=datetime.date(2030, 1, 7), time=datetime.time(9))).id
    shredding.destroy_key(patient)  # as erasure does: the key goes, a tombstone stays
    written = StoredEvent.objects.count()

    with pytest.raises(ErasedPatient):  # a new key would bring back what erasure took
        handlers.dispatch(ctx, CancelAppointment(booked, reason="Zebulon is away"))
    assert StoredEvent.objects.count() == written
    assert DataKey.objects.get(subject=patient).key is None
    handlers.dispatch(ctx, CancelAppointment(booked))  # without a reason, nothing personal: the slot is freed
    assert store.read_stream(booked)[-1].type == "APPOINTMENT_CANCELLED"


def test_keys_are_wrapped_under_the_master_key_when_one_is_set(db, ctx, settings):
    settings.CLINIC_MASTER_KEY = base64.b64encode(os.urandom(32)).decode()
    patient = register(ctx)
    stored = DataKey.objects.get(subject=patient)
    assert stored.wrapped and len(bytes(stored.key)) == 40  # RFC 3394: the key and its integrity check
    assert store.read_stream(patient)[0].message.name == "Zebulon Quimby"

    settings.CLINIC_MASTER_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="CLINIC_MASTER_KEY"):
        store.read_stream(patient)


def test_a_master_key_that_is_not_32_bytes_of_base64_is_refused_with_how_to_make_one(db, ctx, settings):
    settings.CLINIC_MASTER_KEY = "not a key"
    with pytest.raises(ImproperlyConfigured, match="base64"):
        register(ctx)


def test_an_import_seals_on_the_way_in(db):
    patient, appointment_id, doctor = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    when = datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
    importing.import_events([
        ImportedEvent(patient, "patient", 1, "PATIENT_CREATED", {"name": "Imported Quimby",
                                                                 "date_of_birth": "1961-07-23"}, when),
        ImportedEvent(doctor, "doctor", 1, "DOCTOR_CREATED", {"name": "Ada Lovelace", "specialty": "Cardiology"},
                      when),
        ImportedEvent(appointment_id, "appointment", 1, "APPOINTMENT_CREATED", {
            "doctor_id": str(doctor), "patient_id": str(patient), "day": "2030-01-07", "time": "09:00",
            "duration_minutes": 30}, when),
        # Written before cancellations named their patient: the booking says whose reason it is.
        ImportedEvent(appointment_id, "appointment", 2, "APPOINTMENT_CANCELLED", {"reason": "Quimby is ill"}, when),
    ], metadata=store.metadata(actor="importer", source="seed"))

    stored = " ".join(data for _, data in raw_rows())
    assert "Quimby" not in stored and "1961-07-23" not in stored and "Ada Lovelace" in stored
    assert store.read_stream(appointment_id)[-1].message.reason == "Quimby is ill"


def test_an_import_does_not_bring_back_an_erased_patients_data(db, ctx):
    patient = register(ctx)
    shredding.destroy_key(patient)
    with pytest.raises(InvalidImport, match="who was erased"):
        importing.import_events([ImportedEvent(patient, "patient", 2, "PATIENT_UPDATED", {"name": "Back Again"},
                                               datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC))],
                                metadata=store.metadata(actor="importer", source="seed"))
    assert "Back Again" not in " ".join(data for _, data in raw_rows())
