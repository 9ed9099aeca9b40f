"""The appointment card's decisions, pure: each records only what differs from
what the card already says, so a process that sends the same facts twice, or an
older fact after a newer one has been recorded, appends nothing wrong."""
import uuid
from datetime import date, time

import pytest

from events.domain import card
from events.domain.card import (
    Card,
    CardAppointmentChanged,
    CardCompleted,
    CardDoctorFound,
    CardPatientErased,
    CardPatientFound,
    CardStarted,
)
from events.domain.catalogue import evolve_of
from events.domain.errors import InvalidCommand, NotFound
from events.domain.messages import fold

APPOINTMENT, DOCTOR, OTHER_DOCTOR, PATIENT = (uuid.uuid4() for _ in range(4))
DAY, NINE = date(2030, 1, 7), time(9, 0)
BORN = date(1980, 12, 9)


def started():
    return fold(card.evolve, card.track(None, appointment_id=APPOINTMENT, doctor_id=DOCTOR, patient_id=PATIENT,
                                        day=DAY, time=NINE, status="booked"))


def after(state, events):
    return fold(card.evolve, events, state)


def test_a_card_is_a_kind_of_stream_of_its_own_named_by_its_appointment():
    assert evolve_of("card") is card.evolve
    assert card.stream_id(APPOINTMENT) == card.stream_id(str(APPOINTMENT)) != APPOINTMENT


def test_tracking_starts_the_card_once():
    events = card.track(None, appointment_id=APPOINTMENT, doctor_id=DOCTOR, patient_id=PATIENT, day=DAY, time=NINE,
                        status="booked")
    assert events == [CardStarted(appointment_id=APPOINTMENT, doctor_id=DOCTOR, patient_id=PATIENT, day=DAY,
                                  time=NINE)]
    assert card.track(after(None, events), appointment_id=APPOINTMENT, doctor_id=DOCTOR, patient_id=PATIENT,
                      day=DAY, time=NINE, status="booked") == []


def test_tracking_follows_a_move_and_a_status_and_a_late_start_says_both():
    state = started()
    moved = card.track(state, appointment_id=APPOINTMENT, doctor_id=OTHER_DOCTOR, patient_id=PATIENT, day=DAY,
                       time=time(10, 0), status="cancelled")
    assert moved == [CardAppointmentChanged(doctor_id=OTHER_DOCTOR, day=DAY, time=time(10, 0), status="cancelled")]
    assert after(state, moved).status == "cancelled"
    late = card.track(None, appointment_id=APPOINTMENT, doctor_id=DOCTOR, patient_id=PATIENT, day=DAY, time=NINE,
                      status="cancelled")
    assert [type(e) for e in late] == [CardStarted, CardAppointmentChanged]


def test_finding_the_doctor_and_the_patient_completes_the_card_once():
    state = started()
    doctor = card.find_doctor(state, doctor_id=DOCTOR, name="Ada Lovelace", specialty="Cardiology")
    assert doctor == [CardDoctorFound(doctor_id=DOCTOR, name="Ada Lovelace", specialty="Cardiology")]
    state = after(state, doctor)
    patient = card.find_patient(state, patient_id=PATIENT, name="Grace Hopper", date_of_birth=BORN)
    assert patient == [CardPatientFound(patient_id=PATIENT, name="Grace Hopper", date_of_birth=BORN),
                       CardCompleted()]
    state = after(state, patient)
    assert state.completed and state.whole
    renamed = card.find_patient(state, patient_id=PATIENT, name="Grace B. Hopper", date_of_birth=BORN)
    assert renamed == [CardPatientFound(patient_id=PATIENT, name="Grace B. Hopper", date_of_birth=BORN)]


def test_finding_the_same_facts_twice_appends_nothing():
    state = after(started(), [CardDoctorFound(doctor_id=DOCTOR, name="Ada Lovelace", specialty="Cardiology"),
                              CardPatientFound(patient_id=PATIENT, name="Grace Hopper", date_of_birth=BORN),
                              CardCompleted()])
    assert card.find_doctor(state, doctor_id=DOCTOR, name="Ada Lovelace", specialty="Cardiology") == []
    assert card.find_patient(state, patient_id=PATIENT, name="Grace Hopper", date_of_birth=BORN) == []
    assert card.find_doctor(state, doctor_id=DOCTOR, name="Ada Lovelace", specialty="Cardiology",
                            retired=True) == [CardDoctorFound(doctor_id=DOCTOR, name="Ada Lovelace",
                                                              specialty="Cardiology", retired=True)]


def test_a_doctor_the_appointment_no_longer_has_is_not_recorded():
    state = after(started(), [CardAppointmentChanged(doctor_id=OTHER_DOCTOR, day=DAY, time=NINE, status="booked")])
    assert card.find_doctor(state, doctor_id=DOCTOR, name="Ada Lovelace", specialty="Cardiology") == []
    assert not state.whole


def test_erasure_is_recorded_once_and_nothing_personal_after_it():
    state = after(started(), [CardPatientFound(patient_id=PATIENT, name="Grace Hopper", date_of_birth=BORN)])
    erased = card.find_patient(state, patient_id=PATIENT, erased=True)
    assert erased == [CardPatientErased(patient_id=PATIENT)]
    state = after(state, erased)
    assert state.patient.erased and state.patient.name == "" and state.patient.date_of_birth is None
    assert card.find_patient(state, patient_id=PATIENT, erased=True) == []
    assert card.find_patient(state, patient_id=PATIENT, name="Grace Hopper", date_of_birth=BORN) == []


def test_the_patients_data_is_declared_personal_and_sealed_under_their_key():
    assert CardPatientFound.personal == ("name", "date_of_birth") and CardPatientFound.owner == "patient_id"
    assert all(not cls.personal for cls in (CardStarted, CardAppointmentChanged, CardDoctorFound,
                                            CardPatientErased, CardCompleted))


def test_a_card_not_started_or_for_another_patient_is_refused():
    with pytest.raises(NotFound):
        card.find_doctor(None, doctor_id=DOCTOR, name="Ada Lovelace", specialty="Cardiology")
    with pytest.raises(InvalidCommand):
        card.find_patient(started(), patient_id=uuid.uuid4(), name="Someone", date_of_birth=BORN)
    with pytest.raises(InvalidCommand):
        card.track(started(), appointment_id=APPOINTMENT, doctor_id=DOCTOR, patient_id=uuid.uuid4(), day=DAY,
                   time=NINE, status="booked")


def test_the_events_round_trip_through_their_json():
    for event in [CardStarted(appointment_id=APPOINTMENT, doctor_id=DOCTOR, patient_id=PATIENT, day=DAY, time=NINE),
                  CardAppointmentChanged(doctor_id=DOCTOR, day=DAY, time=NINE, status="noShow"),
                  CardDoctorFound(doctor_id=DOCTOR, name="Ada", specialty="Cardiology", retired=True),
                  CardPatientFound(patient_id=PATIENT, name="Grace", date_of_birth=BORN),
                  CardPatientErased(patient_id=PATIENT), CardCompleted()]:
        assert type(event).from_data(event.to_data()) == event
    assert isinstance(started(), Card)
