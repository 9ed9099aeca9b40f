"""Upcasters, without a database: stored data of an older schema version is
brought to its class's version one declared step at a time, in order; a version
the code cannot bring (newer than it, or with a step missing) is refused by name.
"""
import dataclasses
from datetime import date

import pytest

from events.domain import catalogue, messages, patient
from events.domain.messages import Event, UnreadableVersion, upcast, upcaster

V1_REGISTRATION = {"name": "Grace Hopper", "date_of_birth": "1980-02-03"}


# --- PATIENT_CREATED 1 → 2: the contact, said in so many words ----------------

def test_patient_created_is_at_version_2():
    assert patient.PatientCreated.schema_version == 2
    assert catalogue.event_class("PATIENT_CREATED").schema_version == 2


def test_a_version_1_registration_reads_as_one_without_contact():
    assert upcast("PATIENT_CREATED", 1, V1_REGISTRATION) == {
        "name": "Grace Hopper", "date_of_birth": "1980-02-03", "phone": None, "email": None}
    event = catalogue.decode("PATIENT_CREATED", V1_REGISTRATION, 1)
    assert event == patient.PatientCreated(name="Grace Hopper", date_of_birth=date(1980, 2, 3))
    assert (event.phone, event.email) == (None, None)


def test_a_row_stored_before_versions_were_recorded_is_version_1():
    assert upcast("PATIENT_CREATED", None, V1_REGISTRATION) == upcast("PATIENT_CREATED", 1, V1_REGISTRATION)


def test_a_version_1_registration_that_carries_a_contact_keeps_it():
    # Written once the fields existed, before the version was recorded.
    stored = {**V1_REGISTRATION, "phone": "+44 20 7946 0000"}
    assert upcast("PATIENT_CREATED", None, stored) == {**stored, "email": None}
    assert catalogue.decode("PATIENT_CREATED", stored, None).phone == "+44 20 7946 0000"


def test_version_2_writes_what_the_upcast_of_version_1_reads():
    """A registration read from version 1 encodes as version 2 writes it: one shape
    for every reader, whenever the event was stored."""
    written = patient.register(None, name="Grace Hopper", date_of_birth=date(1980, 2, 3), today=date(2030, 1, 1))
    assert written[0].to_data() == upcast("PATIENT_CREATED", 1, V1_REGISTRATION)
    assert catalogue.decode("PATIENT_CREATED", V1_REGISTRATION, 1).to_data() == written[0].to_data()


def test_version_2_data_is_read_as_it_is():
    stored = {**V1_REGISTRATION, "phone": "0123", "email": None}
    assert upcast("PATIENT_CREATED", 2, stored) is stored  # nothing to do: no copy on the common read
    assert catalogue.decode("PATIENT_CREATED", stored, 2).phone == "0123"


def test_upcasting_leaves_the_stored_data_as_it_was():
    stored = dict(V1_REGISTRATION)
    upcast("PATIENT_CREATED", 1, stored)
    assert stored == V1_REGISTRATION


def test_types_still_at_version_1_are_read_unchanged():
    data = {"reason": "Doctor ill"}
    assert catalogue.event_class("APPOINTMENT_CANCELLED").schema_version == 1
    assert upcast("APPOINTMENT_CANCELLED", None, data) is data
    assert upcast("APPOINTMENT_CANCELLED", 1, data) is data


def test_every_version_of_the_catalogue_has_its_upcaster():
    """A class whose version goes up without a step from the one before would make
    every older stored event of its type unreadable."""
    assert catalogue.missing_upcasters() == []


# --- refusals -----------------------------------------------------------------

def test_a_version_newer_than_the_code_is_refused_by_name():
    with pytest.raises(UnreadableVersion) as refused:
        catalogue.decode("PATIENT_CREATED", {**V1_REGISTRATION, "nhs_number": "943 476 5919"}, 3)
    message = str(refused.value)
    assert "PATIENT_CREATED" in message and "version 3" in message and "up to version 2" in message
    assert "Grace" not in message and "943" not in message  # versions, never the stored values
    assert isinstance(refused.value, ValueError)  # what the store reads as an undecodable event


def test_version_0_is_no_version_the_code_knows():
    with pytest.raises(UnreadableVersion, match="versions start at 1"):
        upcast("APPOINTMENT_CANCELLED", 0, {})


# --- a chain of steps, on a type only these tests declare ---------------------

@pytest.fixture
def scratch():
    """Declare event classes and upcasters for one test; the registry is as it was after."""
    registry, steps = dict(messages._REGISTRY), dict(messages._UPCASTERS)
    yield
    messages._REGISTRY.clear()
    messages._REGISTRY.update(registry)
    messages._UPCASTERS.clear()
    messages._UPCASTERS.update(steps)


def declare_reading(version):
    @dataclasses.dataclass(frozen=True)
    class Reading(Event, type="TEST_READING", stream="test", version=version):
        """v1 {"value": "37.2C"}; v2 split the unit off; v3 renamed value to celsius."""

        celsius: float
        site: str = "oral"

    return Reading


def test_a_chain_applies_every_step_in_order(scratch):
    reading = declare_reading(3)
    applied = []

    @upcaster("TEST_READING", 2)
    def renamed(data):
        applied.append(2)
        data["celsius"] = data.pop("value")
        return data

    @upcaster("TEST_READING", 1)
    def unit_split(data):
        applied.append(1)
        value, unit = data["value"][:-1], data["value"][-1]
        return {**data, "value": float(value), "unit": unit}

    assert catalogue.decode("TEST_READING", {"value": "37.2C"}, 1) == reading(celsius=37.2)
    assert applied == [1, 2]  # declared in any order, applied from the stored version up
    applied.clear()
    assert upcast("TEST_READING", 2, {"value": 36.6, "unit": "C"}) == {"celsius": 36.6, "unit": "C"}
    assert applied == [2]
    applied.clear()
    assert upcast("TEST_READING", 3, {"celsius": 38.0, "site": "ear"}) == {"celsius": 38.0, "site": "ear"}
    assert applied == []
    assert messages.missing_upcasters() == []


def test_a_step_may_change_nested_data_without_touching_the_stored_row(scratch):
    declare_reading(2)

    @upcaster("TEST_READING", 1)
    def flattened(data):
        data["celsius"] = data["values"].pop()
        del data["values"]
        return data

    stored = {"values": [36.9, 37.4]}
    assert upcast("TEST_READING", 1, stored) == {"celsius": 37.4}
    assert stored == {"values": [36.9, 37.4]}


def test_a_missing_step_is_refused_by_name(scratch):
    declare_reading(3)

    @upcaster("TEST_READING", 2)
    def renamed(data):
        return {"celsius": data["value"]}

    assert messages.missing_upcasters() == [("TEST_READING", 1)]
    with pytest.raises(UnreadableVersion, match="no upcaster turns its version 1 into 2"):
        upcast("TEST_READING", 1, {"value": "37.2C"})
    assert upcast("TEST_READING", 2, {"value": 37.2}) == {"celsius": 37.2}  # the later step still reads


def test_a_step_for_a_version_the_class_does_not_have_is_refused_when_declared(scratch):
    declare_reading(2)
    with pytest.raises(TypeError, match="version 2"):
        upcaster("TEST_READING", 2)(lambda data: data)
    with pytest.raises(TypeError):
        upcaster("TEST_READING", 0)(lambda data: data)


def test_two_steps_for_one_version_are_refused(scratch):
    declare_reading(2)
    upcaster("TEST_READING", 1)(lambda data: data)
    with pytest.raises(TypeError, match="Two upcasters"):
        upcaster("TEST_READING", 1)(lambda data: data)


def test_a_step_for_an_unknown_type_is_refused():
    with pytest.raises(catalogue.UnknownEventType):
        upcaster("NO_SUCH_EVENT", 1)


@pytest.mark.parametrize("version", [0, -1, "2"])
def test_a_class_version_is_a_whole_number_from_1(scratch, version):
    with pytest.raises(TypeError, match="version"):
        class Odd(Event, type="TEST_ODD", stream="test", version=version):
            pass
