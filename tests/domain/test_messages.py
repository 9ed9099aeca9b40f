"""Event classes: one stored type name each, and a JSON codec that gives back
exactly the event it was given, in the stored format the event table has always
held (datetimes and dates ISO, times HH:MM, UUIDs as text, None fields left out),
or, for a type whose version went up, in its new version's format (the older
ones are read through upcasters: tests/domain/test_upcasting.py)."""
import dataclasses
import json
import typing
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from types import SimpleNamespace

import pytest

from events.domain import appointment, card, catalogue, doctor, fold, messages, patient, schedule
from events.domain.messages import Event, UnknownEventType

DOCTOR_ID = uuid.UUID("11111111-1111-4111-8111-111111111111")
PATIENT_ID = uuid.UUID("22222222-2222-4222-8222-222222222222")
APPOINTMENT_ID = uuid.UUID("33333333-3333-4333-8333-333333333333")
PARIS_WINTER = timezone(timedelta(hours=1))

# Every event type, an instance of it, and the JSON stored for that instance.
# The stored names and JSON are the event table's format: they change only with a
# new version of the type and an upcaster from the one before.
STORED = [
    (doctor.DoctorCreated, "DOCTOR_CREATED", "doctor",
     doctor.DoctorCreated(name="Ada Lovelace", specialty="Cardiology"),
     {"name": "Ada Lovelace", "specialty": "Cardiology"}),
    (doctor.DoctorArrived, "DOCTOR_ARRIVED", "doctor",
     doctor.DoctorArrived(at=datetime(2030, 1, 7, 9, 0, tzinfo=PARIS_WINTER)),
     {"at": "2030-01-07T09:00:00+01:00"}),
    (doctor.DoctorLeft, "DOCTOR_LEFT", "doctor",
     doctor.DoctorLeft(at=datetime(2030, 1, 7, 16, 30, 15, 250000, tzinfo=timezone.utc)),
     {"at": "2030-01-07T16:30:15.250000+00:00"}),
    (patient.PatientCreated, "PATIENT_CREATED", "patient",
     patient.PatientCreated(name="Grace Hopper", date_of_birth=date(1980, 2, 3)),
     {"name": "Grace Hopper", "date_of_birth": "1980-02-03", "phone": None, "email": None}),
    (patient.PatientUpdated, "PATIENT_UPDATED", "patient",
     patient.PatientUpdated(name="Amazing Grace", date_of_birth=date(1981, 1, 1)),
     {"name": "Amazing Grace", "date_of_birth": "1981-01-01"}),
    (appointment.AppointmentCreated, "APPOINTMENT_CREATED", "appointment",
     appointment.AppointmentCreated(doctor_id=DOCTOR_ID, patient_id=PATIENT_ID, day=date(2030, 1, 7),
                                    time=time(9, 5), duration_minutes=30),
     {"doctor_id": str(DOCTOR_ID), "patient_id": str(PATIENT_ID), "day": "2030-01-07", "time": "09:05",
      "duration_minutes": 30}),
    (appointment.AppointmentCancelled, "APPOINTMENT_CANCELLED", "appointment",
     appointment.AppointmentCancelled(reason="Doctor ill", patient_id=PATIENT_ID),
     {"reason": "Doctor ill", "patient_id": str(PATIENT_ID)}),
    (patient.PatientErased, "PATIENT_ERASED", "patient",
     patient.PatientErased(reason="Request 2030-17"), {"reason": "Request 2030-17"}),
    (schedule.SlotBooked, "SLOT_BOOKED", "schedule",
     schedule.SlotBooked(appointment_id=APPOINTMENT_ID, start=time(14, 0), duration_minutes=45),
     {"appointment_id": str(APPOINTMENT_ID), "start": "14:00", "duration_minutes": 45}),
    (schedule.SlotReleased, "SLOT_RELEASED", "schedule",
     schedule.SlotReleased(appointment_id=APPOINTMENT_ID),
     {"appointment_id": str(APPOINTMENT_ID)}),
    (doctor.DoctorUpdated, "DOCTOR_UPDATED", "doctor",
     doctor.DoctorUpdated(specialty="Neurology"), {"specialty": "Neurology"}),
    (doctor.DoctorRetired, "DOCTOR_RETIRED", "doctor",
     doctor.DoctorRetired(reason="Moved abroad"), {"reason": "Moved abroad"}),
    (doctor.WorkingHoursSet, "WORKING_HOURS_SET", "doctor",
     doctor.WorkingHoursSet(weekly=[{"weekday": 0, "start": "08:00", "end": "12:00"}]),
     {"weekly": [{"weekday": 0, "start": "08:00", "end": "12:00"}]}),
    (appointment.AppointmentRescheduled, "APPOINTMENT_RESCHEDULED", "appointment",
     appointment.AppointmentRescheduled(doctor_id=uuid.UUID(int=1), day=date(2030, 1, 8), time=time(10, 15),
                                        duration_minutes=45),
     {"doctor_id": str(uuid.UUID(int=1)), "day": "2030-01-08", "time": "10:15", "duration_minutes": 45}),
    (appointment.PatientCheckedIn, "PATIENT_CHECKED_IN", "appointment",
     appointment.PatientCheckedIn(at=datetime(2030, 1, 7, 8, 55, tzinfo=timezone.utc)),
     {"at": "2030-01-07T08:55:00+00:00"}),
    (appointment.AppointmentNoShow, "APPOINTMENT_NO_SHOW", "appointment",
     appointment.AppointmentNoShow(at=datetime(2030, 1, 7, 9, 20, tzinfo=timezone.utc)),
     {"at": "2030-01-07T09:20:00+00:00"}),
    (card.CardStarted, "CARD_STARTED", "card",
     card.CardStarted(appointment_id=APPOINTMENT_ID, doctor_id=DOCTOR_ID, patient_id=PATIENT_ID, day=date(2030, 1, 7),
                      time=time(9, 5)),
     {"appointment_id": str(APPOINTMENT_ID), "doctor_id": str(DOCTOR_ID), "patient_id": str(PATIENT_ID),
      "day": "2030-01-07", "time": "09:05"}),
    (card.CardAppointmentChanged, "CARD_APPOINTMENT_CHANGED", "card",
     card.CardAppointmentChanged(doctor_id=DOCTOR_ID, day=date(2030, 1, 8), time=time(10, 15), status="cancelled"),
     {"doctor_id": str(DOCTOR_ID), "day": "2030-01-08", "time": "10:15", "status": "cancelled"}),
    (card.CardDoctorFound, "CARD_DOCTOR_FOUND", "card",
     card.CardDoctorFound(doctor_id=DOCTOR_ID, name="Ada Lovelace", specialty="Cardiology"),
     {"doctor_id": str(DOCTOR_ID), "name": "Ada Lovelace", "specialty": "Cardiology", "retired": False}),
    (card.CardPatientFound, "CARD_PATIENT_FOUND", "card",
     card.CardPatientFound(patient_id=PATIENT_ID, name="Grace Hopper", date_of_birth=date(1980, 2, 3)),
     {"patient_id": str(PATIENT_ID), "name": "Grace Hopper", "date_of_birth": "1980-02-03"}),
    (card.CardPatientErased, "CARD_PATIENT_ERASED", "card",
     card.CardPatientErased(patient_id=PATIENT_ID), {"patient_id": str(PATIENT_ID)}),
    (card.CardCompleted, "CARD_COMPLETED", "card", card.CardCompleted(), {}),
]


def test_every_registered_type_has_a_stored_example_here():
    # A new event type is a new stored format: give it a row in STORED.
    assert sorted(catalogue.event_types()) == sorted(name for _, name, *_ in STORED)
    assert len(catalogue.event_types()) == len(set(catalogue.event_types()))


@pytest.mark.parametrize("cls, name, stream, event, data", STORED, ids=[row[1] for row in STORED])
def test_stored_name_stream_and_json(cls, name, stream, event, data):
    assert (cls.type, cls.stream_type) == (name, stream)
    assert (event.type, event.stream_type) == (name, stream)
    assert messages.event_class(name) is cls
    assert stream in catalogue.stream_types()
    assert event.to_data() == data
    assert json.loads(json.dumps(event.to_data())) == data
    assert cls.from_data(data) == event
    decoded = messages.decode(name, data, cls.schema_version)
    assert type(decoded) is cls and decoded == event


# --- every registered class round-trips, whatever its fields ----------------

SAMPLES = {
    uuid.UUID: [uuid.UUID(int=0), uuid.UUID("abcdef01-2345-4678-89ab-cdef01234567")],
    datetime: [datetime(2030, 1, 7, 8, 0, tzinfo=timezone.utc),
               datetime(2030, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-5, minutes=-30)))],
    date: [date(1900, 1, 1), date(2099, 12, 31)],
    time: [time(0, 0), time(23, 59)],  # whole minutes: times are stored as HH:MM
    int: [0, 480],
    bool: [False, True],
    str: ["", "Zoë  O'Brien, \"MD\" \u2013 \u00e9t\u00e9"],
    list[dict[str, typing.Any]]: [[], [{"weekday": 6, "start": "00:00", "end": "24:00"}]],
}


def samples(cls, which):
    """An instance of ``cls`` built from its field types; ``which`` picks the sample,
    None sets every optional field to None."""
    hints = typing.get_type_hints(cls)
    values = {}
    for f in dataclasses.fields(cls):
        optional = type(None) in typing.get_args(hints[f.name])
        options = [t for t in typing.get_args(hints[f.name]) if t is not type(None)] if optional else [hints[f.name]]
        if which is None and optional:
            values[f.name] = None
        else:
            values[f.name] = SAMPLES[options[0]][which or 0]
    return cls(**values)


@pytest.mark.parametrize("name", catalogue.event_types())
@pytest.mark.parametrize("which", [0, 1, None])
def test_codec_round_trips_every_registered_event_class(name, which):
    cls = messages.event_class(name)
    assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen
    event = samples(cls, which)
    stored = json.loads(json.dumps(event.to_data()))  # what the store gives back
    written_null = WRITTEN_EVEN_WHEN_NONE.get(name, set())
    assert all(value is not None for key, value in stored.items() if key not in written_null), \
        "None fields are left out"
    assert written_null <= set(stored)
    assert cls.from_data(stored) == event
    decoded = messages.decode(name, stored, cls.schema_version)
    assert type(decoded) is cls and decoded == event
    assert decoded.to_data() == stored


# Fields a type's current version writes even when None (PATIENT_CREATED 2: the
# patient gave no contact); every other None field is left out.
WRITTEN_EVEN_WHEN_NONE = {"PATIENT_CREATED": {"phone", "email"}}


def test_none_fields_are_left_out_of_the_json():
    assert patient.PatientUpdated(name="Grace").to_data() == {"name": "Grace"}
    assert patient.PatientUpdated(date_of_birth=date(1981, 1, 1)).to_data() == {"date_of_birth": "1981-01-01"}
    assert patient.PatientUpdated().to_data() == {}


def test_a_missing_optional_key_takes_the_default():
    # Events stored before a field existed, or with the field left out.
    assert appointment.AppointmentCancelled.from_data({}) == appointment.AppointmentCancelled(reason="")
    assert appointment.AppointmentCancelled.from_data({}).reason == ""
    assert messages.decode("APPOINTMENT_CANCELLED", {}, None).reason == ""
    assert patient.PatientUpdated.from_data({}) == patient.PatientUpdated(name=None, date_of_birth=None)
    partial = patient.PatientUpdated.from_data({"name": "Grace"})
    assert (partial.name, partial.date_of_birth) == ("Grace", None)


def test_stored_times_read_back_as_typed_values():
    created = appointment.AppointmentCreated.from_data(STORED[5][4])
    assert isinstance(created.doctor_id, uuid.UUID) and isinstance(created.patient_id, uuid.UUID)
    assert type(created.day) is date and type(created.time) is time
    arrived = doctor.DoctorArrived.from_data({"at": "2030-01-07T09:00:00+01:00"})
    assert type(arrived.at) is datetime and arrived.at.utcoffset() == timedelta(hours=1)


# --- the registry -----------------------------------------------------------

def test_two_classes_claiming_one_type_name_is_an_error():
    before = messages.registered()
    with pytest.raises(TypeError, match="DOCTOR_ARRIVED"):
        @dataclass(frozen=True)
        class Impostor(Event, type="DOCTOR_ARRIVED", stream="doctor"):
            at: datetime
    assert messages.registered() == before
    assert messages.event_class("DOCTOR_ARRIVED") is doctor.DoctorArrived


def test_a_type_name_is_unique_even_across_streams():
    before = messages.registered()
    with pytest.raises(TypeError):
        class Impostor(Event, type="SLOT_BOOKED", stream="doctor"):
            pass
    assert messages.registered() == before


def test_decoding_an_unknown_type_is_refused():
    with pytest.raises(UnknownEventType) as info:
        messages.decode("SOMETHING_ELSE", {"name": "x"}, 1)
    assert "SOMETHING_ELSE" in str(info.value)
    assert isinstance(info.value, LookupError)
    with pytest.raises(UnknownEventType):
        messages.event_class("SOMETHING_ELSE")
    with pytest.raises(UnknownEventType):
        catalogue.decode("doctor_arrived", {"at": "2030-01-07T09:00:00+01:00"}, 1)  # names are exact


def test_every_stream_kind_has_its_evolve():
    assert catalogue.evolve_of("doctor") is doctor.evolve
    assert catalogue.evolve_of("patient") is patient.evolve
    assert catalogue.evolve_of("appointment") is appointment.evolve
    assert catalogue.evolve_of("schedule") is schedule.evolve
    assert {messages.event_class(name).stream_type for name in catalogue.event_types()} \
        == set(catalogue.stream_types())


# --- fold ---------------------------------------------------------------------

def test_fold_takes_events_or_rows_carrying_them():
    events = [doctor.DoctorCreated(name="Ada", specialty="GP"),
              doctor.DoctorArrived(at=datetime(2030, 1, 7, 8, tzinfo=timezone.utc))]
    rows = [SimpleNamespace(event=e, type=e.type, position=i) for i, e in enumerate(events, 1)]
    expected = doctor.Doctor("Ada", "GP", arrived_at=datetime(2030, 1, 7, 8, tzinfo=timezone.utc))
    assert fold(doctor.evolve, events) == expected
    assert fold(doctor.evolve, rows) == expected
    assert fold(doctor.evolve, []) is None
    assert fold(doctor.evolve, events[1:], doctor.Doctor("Ada", "GP")) == expected
