"""Patient aggregate: registration, updates that record only changes, age."""
from datetime import date, datetime

import pytest

from events.domain import appointment, doctor, fold, patient, validate
from events.domain.errors import AlreadyExists, Conflict, InvalidCommand

TODAY = date(2030, 1, 7)


def registered(name="Grace Hopper", born=date(1980, 12, 9)):
    return fold(patient.evolve, patient.register(None, name=name, date_of_birth=born, today=TODAY))


def apply(state, events):
    return fold(patient.evolve, events, state)


# --- register -----------------------------------------------------------

def test_register_records_name_and_date_of_birth():
    events = patient.register(None, name="Grace Hopper", date_of_birth=date(1980, 12, 9), today=TODAY)
    assert events == [patient.PatientCreated(name="Grace Hopper", date_of_birth=date(1980, 12, 9))]
    assert events[0].type == "PATIENT_CREATED"
    assert apply(None, events) == patient.Patient("Grace Hopper", date(1980, 12, 9))


def test_register_stores_the_date_as_iso_text():
    # Events are stored as JSON: the date must survive as YYYY-MM-DD.
    (event,) = patient.register(None, name="Grace", date_of_birth=date(1980, 2, 3), today=TODAY)
    assert event.date_of_birth == date(1980, 2, 3)
    assert event.to_data() == {"name": "Grace", "date_of_birth": "1980-02-03", "phone": None, "email": None}
    assert patient.PatientCreated.from_data(event.to_data()) == event


def test_validated_date_of_birth_is_the_date_itself():
    assert validate.date_of_birth(date(1980, 2, 3), TODAY) == date(1980, 2, 3)
    assert type(validate.date_of_birth(date(1980, 2, 3), TODAY)) is date


def test_register_tidies_whitespace():
    assert registered(name="  Grace   Brewster\tHopper ").name == "Grace Brewster Hopper"
    (event,) = patient.register(None, name="  Grace   Brewster\tHopper ", date_of_birth=date(1980, 1, 1),
                                today=TODAY)
    assert event.name == "Grace Brewster Hopper"


@pytest.mark.parametrize("name", ["", "  ", None])
def test_register_refuses_blank_name(name):
    with pytest.raises(InvalidCommand) as info:
        patient.register(None, name=name, date_of_birth=date(1980, 1, 1), today=TODAY)
    assert info.value.field == "name"


def test_register_refuses_too_long_name():
    assert registered(name="n" * 200).name == "n" * 200
    with pytest.raises(InvalidCommand) as info:
        patient.register(None, name="n" * 201, date_of_birth=date(1980, 1, 1), today=TODAY)
    assert info.value.field == "name"


def test_register_twice_is_a_conflict():
    with pytest.raises(AlreadyExists) as info:
        patient.register(registered(), name="Grace", date_of_birth=date(1980, 1, 1), today=TODAY)
    assert isinstance(info.value, Conflict)
    assert info.value.field == "id"


@pytest.mark.parametrize("born", [date(2030, 1, 8), date(2031, 1, 1)])
def test_date_of_birth_in_the_future_is_refused(born):
    with pytest.raises(InvalidCommand) as info:
        patient.register(None, name="Grace", date_of_birth=born, today=TODAY)
    assert info.value.field == "date_of_birth"


def test_born_today_is_accepted():
    assert registered(born=TODAY).date_of_birth == TODAY


@pytest.mark.parametrize("born", [date(1899, 12, 31), date(1850, 6, 1)])
def test_date_of_birth_before_1900_is_refused(born):
    with pytest.raises(InvalidCommand) as info:
        patient.register(None, name="Grace", date_of_birth=born, today=TODAY)
    assert info.value.field == "date_of_birth"


def test_born_on_first_of_january_1900_is_accepted():
    assert registered(born=date(1900, 1, 1)).date_of_birth == date(1900, 1, 1)


@pytest.mark.parametrize("born", ["1980-12-09", datetime(1980, 12, 9, 10, 0), None, 19801209])
def test_date_of_birth_must_be_a_date(born):
    with pytest.raises(InvalidCommand) as info:
        patient.register(None, name="Grace", date_of_birth=born, today=TODAY)
    assert info.value.field == "date_of_birth"


# --- update -------------------------------------------------------------

def test_update_name_records_only_the_name():
    state = registered()
    events = patient.update(state, name="Grace B. Hopper", today=TODAY)
    assert events == [patient.PatientUpdated(name="Grace B. Hopper")]
    assert events[0].type == "PATIENT_UPDATED"
    assert events[0].to_data() == {"name": "Grace B. Hopper"}
    assert apply(state, events) == patient.Patient("Grace B. Hopper", date(1980, 12, 9))


def test_update_date_of_birth_records_only_the_date():
    state = registered()
    events = patient.update(state, date_of_birth=date(1981, 1, 1), today=TODAY)
    assert events == [patient.PatientUpdated(date_of_birth=date(1981, 1, 1))]
    assert events[0].to_data() == {"date_of_birth": "1981-01-01"}
    assert apply(state, events) == patient.Patient("Grace Hopper", date(1981, 1, 1))


def test_update_both_when_both_change():
    state = registered()
    events = patient.update(state, name="G. Hopper", date_of_birth=date(1981, 1, 1), today=TODAY)
    assert events == [patient.PatientUpdated(name="G. Hopper", date_of_birth=date(1981, 1, 1))]
    assert events[0].to_data() == {"name": "G. Hopper", "date_of_birth": "1981-01-01"}
    assert apply(state, events) == patient.Patient("G. Hopper", date(1981, 1, 1))


def test_update_with_same_values_writes_nothing():
    state = registered()
    assert patient.update(state, name="Grace Hopper", date_of_birth=date(1980, 12, 9), today=TODAY) == []


def test_update_with_same_name_differently_spaced_writes_nothing():
    assert patient.update(registered(), name="  Grace    Hopper ", today=TODAY) == []


def test_update_records_only_the_part_that_changed():
    state = registered()
    events = patient.update(state, name="Grace Hopper", date_of_birth=date(1981, 1, 1), today=TODAY)
    assert events == [patient.PatientUpdated(date_of_birth=date(1981, 1, 1))]
    assert events[0].to_data() == {"date_of_birth": "1981-01-01"}
    events = patient.update(state, name="Amazing Grace", date_of_birth=date(1980, 12, 9), today=TODAY)
    assert events == [patient.PatientUpdated(name="Amazing Grace")]
    assert events[0].to_data() == {"name": "Amazing Grace"}


def test_an_update_read_back_from_its_stored_json_changes_the_same():
    state = registered()
    for changes in ({"name": "Amazing Grace"}, {"date_of_birth": date(1981, 1, 1)},
                    {"name": "G. Hopper", "date_of_birth": date(1981, 1, 1)}):
        (event,) = patient.update(state, today=TODAY, **changes)
        stored = patient.PatientUpdated.from_data(event.to_data())
        assert stored == event
        assert apply(state, [stored]) == apply(state, [event])


def test_update_with_nothing_given_is_refused():
    with pytest.raises(InvalidCommand) as info:
        patient.update(registered(), today=TODAY)
    assert info.value.message == "Give a name, a date of birth, a phone or an e-mail to change."
    assert info.value.field is None


def test_update_validates_like_register():
    state = registered()
    with pytest.raises(InvalidCommand) as info:
        patient.update(state, name="   ", today=TODAY)
    assert info.value.field == "name"
    with pytest.raises(InvalidCommand) as info:
        patient.update(state, date_of_birth=date(2030, 1, 8), today=TODAY)
    assert info.value.field == "date_of_birth"
    with pytest.raises(InvalidCommand) as info:
        patient.update(state, date_of_birth=date(1899, 12, 31), today=TODAY)
    assert info.value.field == "date_of_birth"


def test_invalid_part_refuses_the_whole_update():
    with pytest.raises(InvalidCommand):
        patient.update(registered(), name="New Name", date_of_birth=date(2099, 1, 1), today=TODAY)


def test_other_streams_events_leave_patient_unchanged():
    state = registered()
    for event in (doctor.DoctorCreated(name="x", specialty="y"), doctor.DoctorArrived(at=datetime(2030, 1, 7)),
                  appointment.AppointmentCancelled(reason="x")):
        assert patient.evolve(state, event) == state
        assert patient.evolve(None, event) is None


# --- age ----------------------------------------------------------------

@pytest.mark.parametrize("born, today, expected", [
    (date(1980, 12, 9), date(2030, 12, 8), 49),   # day before the birthday
    (date(1980, 12, 9), date(2030, 12, 9), 50),   # on the birthday
    (date(1980, 12, 9), date(2030, 12, 10), 50),
    (date(1980, 12, 9), date(2031, 1, 1), 50),
    (date(1980, 6, 15), date(2030, 5, 31), 49),   # earlier month, later day
    (date(1980, 6, 15), date(2030, 7, 1), 50),    # later month, earlier day
    (date(2030, 1, 7), date(2030, 1, 7), 0),      # born today
    (date(2029, 1, 8), date(2030, 1, 7), 0),      # one day short of a year
    (date(2029, 1, 7), date(2030, 1, 7), 1),
    (date(1999, 12, 31), date(2000, 1, 1), 0),
    (date(1900, 1, 1), date(2030, 1, 7), 130),
])
def test_age_in_whole_years(born, today, expected):
    assert patient.age(born, today) == expected


@pytest.mark.parametrize("today, expected", [
    (date(2001, 2, 28), 0),   # no 29 February in 2001: not a year old yet
    (date(2001, 3, 1), 1),    # ... the year is complete on 1 March
    (date(2003, 2, 28), 2),
    (date(2003, 3, 1), 3),
    (date(2004, 2, 28), 3),   # leap year: the real birthday is tomorrow
    (date(2004, 2, 29), 4),
    (date(2004, 3, 1), 4),
])
def test_age_of_someone_born_on_29_february(today, expected):
    assert patient.age(date(2000, 2, 29), today) == expected


def test_age_on_29_february_for_someone_born_on_28_february():
    assert patient.age(date(2000, 2, 28), date(2004, 2, 29)) == 4
    assert patient.age(date(2000, 3, 1), date(2004, 2, 29)) == 3


# --- erase ---------------------------------------------------------------

def test_erasure_keeps_nothing_personal_in_the_state():
    erased = apply(registered(), patient.erase(registered(), reason="Request 2030-17"))
    assert erased == patient.Patient(patient.ERASED, None, erased=True)
    assert "Grace" not in repr(erased)


def test_erasing_twice_is_a_conflict():
    erased = apply(registered(), patient.erase(registered(), reason="Request 2030-17"))
    with pytest.raises(patient.AlreadyErased):
        patient.erase(erased, reason="Again")


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501, None])
def test_erasure_needs_a_reason(reason):
    with pytest.raises(InvalidCommand) as refused:
        patient.erase(registered(), reason=reason)
    assert refused.value.field == "reason"


def test_an_erased_patient_cannot_be_updated():
    erased = apply(registered(), patient.erase(registered(), reason="Request 2030-17"))
    with pytest.raises(patient.ErasedPatient):
        patient.update(erased, today=TODAY, name="Grace Again")


def test_an_erased_patient_cannot_be_booked():
    erased = apply(registered(), patient.erase(registered(), reason="Request 2030-17"))
    with pytest.raises(patient.ErasedPatient) as refused:
        patient.ensure_not_erased(erased, field="patient_id")
    assert refused.value.field == "patient_id"


def test_fields_whose_key_is_gone_decode_as_erased_not_as_errors():
    # What the store hands the domain for a patient whose key was destroyed.
    created = patient.PatientCreated.from_data({"name": patient.ERASED, "date_of_birth": patient.ERASED,
                                                "phone": patient.ERASED})
    assert (created.name, created.date_of_birth, created.phone) == (patient.ERASED, None, patient.ERASED)
    cancelled = appointment.AppointmentCancelled.from_data({"reason": patient.ERASED})
    assert cancelled.reason == patient.ERASED
    assert "[erased] registered" in created.told(None, None)
