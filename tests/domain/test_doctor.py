"""Doctor aggregate: registration, arriving and leaving, hours worked."""
from datetime import datetime, timedelta, timezone

import pytest

from events.domain import doctor, fold
from events.domain.errors import (
    AlreadyExists,
    AlreadyOnShift,
    Conflict,
    DomainError,
    InvalidCommand,
    NotFound,
    NotOnShift,
)
from events.domain.validate import CLOCK_TOLERANCE

UTC = timezone.utc
PARIS_WINTER = timezone(timedelta(hours=1))
NOW = datetime(2030, 1, 7, 18, 0, tzinfo=UTC)


def at(hour, minute=0, day=7, tz=UTC):
    return datetime(2030, 1, day, hour, minute, tzinfo=tz)


def registered(name="Ada Lovelace", specialty="Cardiology"):
    return fold(doctor.evolve, doctor.register(None, name=name, specialty=specialty))


def apply(state, events):
    return fold(doctor.evolve, events, state)


def on_shift_since(arrival):
    state = registered()
    return apply(state, doctor.arrive(state, at=arrival, now=NOW))


# --- register -----------------------------------------------------------

def test_register_records_name_and_specialty():
    events = doctor.register(None, name="Ada Lovelace", specialty="Cardiology")
    assert events == [doctor.DoctorCreated(name="Ada Lovelace", specialty="Cardiology")]
    assert events[0].type == "DOCTOR_CREATED"
    assert events[0].to_data() == {"name": "Ada Lovelace", "specialty": "Cardiology"}
    state = apply(None, events)
    assert (state.name, state.specialty, state.on_shift) == ("Ada Lovelace", "Cardiology", False)
    assert state.last_left_at is None


def test_register_tidies_whitespace_in_name_and_specialty():
    (event,) = doctor.register(None, name="  Ada \t  Lovelace \n", specialty=" General   practice ")
    assert event.to_data() == {"name": "Ada Lovelace", "specialty": "General practice"}
    state = registered(name="  Ada \t  Lovelace \n", specialty=" General   practice ")
    assert state.name == "Ada Lovelace"
    assert state.specialty == "General practice"


@pytest.mark.parametrize("name", ["", "   ", "\t\n", None, 42])
def test_register_refuses_blank_or_non_text_name(name):
    with pytest.raises(InvalidCommand) as info:
        doctor.register(None, name=name, specialty="Cardiology")
    assert info.value.field == "name"
    assert not isinstance(info.value, (Conflict, NotFound))


def test_register_refuses_blank_specialty_naming_the_field():
    with pytest.raises(InvalidCommand) as info:
        doctor.register(None, name="Ada", specialty="  ")
    assert info.value.field == "specialty"


def test_name_length_limit_is_200_characters():
    assert registered(name="a" * 200).name == "a" * 200
    with pytest.raises(InvalidCommand) as info:
        doctor.register(None, name="a" * 201, specialty="Cardiology")
    assert info.value.field == "name"


def test_length_limit_counts_tidied_text():
    # Surrounding whitespace is not part of the name, so it does not count.
    assert registered(name="  " + "a" * 200 + "  ").name == "a" * 200


def test_specialty_length_limit_is_100_characters():
    assert registered(specialty="s" * 100).specialty == "s" * 100
    with pytest.raises(InvalidCommand) as info:
        doctor.register(None, name="Ada", specialty="s" * 101)
    assert info.value.field == "specialty"


def test_register_twice_is_a_conflict():
    with pytest.raises(AlreadyExists) as info:
        doctor.register(registered(), name="Ada", specialty="Cardiology")
    assert isinstance(info.value, Conflict)
    assert info.value.field == "id"


# --- arrive -------------------------------------------------------------

def test_arrive_puts_doctor_on_shift():
    state = registered()
    events = doctor.arrive(state, at=at(8), now=NOW)
    assert events == [doctor.DoctorArrived(at=at(8))]
    assert events[0].type == "DOCTOR_ARRIVED"
    assert events[0].to_data() == {"at": "2030-01-07T08:00:00+00:00"}
    after = apply(state, events)
    assert after.on_shift
    assert after.arrived_at == at(8)


def test_arrive_keeps_the_given_offset_through_the_event():
    state = registered()
    arrival = at(9, tz=PARIS_WINTER)
    (event,) = doctor.arrive(state, at=arrival, now=NOW)
    assert event.to_data() == {"at": "2030-01-07T09:00:00+01:00"}
    stored = doctor.DoctorArrived.from_data(event.to_data())
    assert stored.at.utcoffset() == timedelta(hours=1)
    for after in (apply(state, [event]), apply(state, [stored])):
        assert after.arrived_at == arrival
        assert after.arrived_at.utcoffset() == timedelta(hours=1)


def test_arrive_while_on_shift_is_refused():
    state = on_shift_since(at(8))
    with pytest.raises(AlreadyOnShift) as info:
        doctor.arrive(state, at=at(9), now=NOW)
    assert isinstance(info.value, Conflict)
    assert "Ada Lovelace" in info.value.message


def test_arrive_refused_before_last_departure():
    state = on_shift_since(at(8))
    state = apply(state, doctor.leave(state, at=at(12), now=NOW))
    with pytest.raises(InvalidCommand) as info:
        doctor.arrive(state, at=at(11, 59), now=NOW)
    assert info.value.field == "at"


def test_arrive_refused_before_last_departure_across_time_zones():
    # 12:30+01:00 is 11:30 UTC, which is before the 12:00 UTC departure.
    state = on_shift_since(at(8))
    state = apply(state, doctor.leave(state, at=at(12), now=NOW))
    with pytest.raises(InvalidCommand):
        doctor.arrive(state, at=at(12, 30, tz=PARIS_WINTER), now=NOW)


def test_arrive_again_right_at_or_after_last_departure():
    state = on_shift_since(at(8))
    state = apply(state, doctor.leave(state, at=at(12), now=NOW))
    assert apply(state, doctor.arrive(state, at=at(12), now=NOW)).arrived_at == at(12)
    assert apply(state, doctor.arrive(state, at=at(13), now=NOW)).arrived_at == at(13)


def test_arrive_in_the_future_beyond_tolerance_is_refused():
    state = registered()
    with pytest.raises(InvalidCommand) as info:
        doctor.arrive(state, at=NOW + CLOCK_TOLERANCE + timedelta(seconds=1), now=NOW)
    assert info.value.field == "at"


def test_arrive_slightly_ahead_within_tolerance_is_accepted():
    state = registered()
    after = apply(state, doctor.arrive(state, at=NOW + CLOCK_TOLERANCE, now=NOW))
    assert after.on_shift


def test_tolerance_is_a_few_minutes_not_hours():
    assert timedelta(0) < CLOCK_TOLERANCE <= timedelta(minutes=15)
    with pytest.raises(InvalidCommand):
        doctor.arrive(registered(), at=NOW + timedelta(hours=1), now=NOW)


def test_future_check_compares_instants_not_wall_clocks():
    # 18:30+01:00 is 17:30 UTC: in the past relative to 18:00 UTC.
    state = registered()
    assert apply(state, doctor.arrive(state, at=at(18, 30, tz=PARIS_WINTER), now=NOW)).on_shift
    # 18:10-05:00 is 23:10 UTC: in the future.
    with pytest.raises(InvalidCommand):
        doctor.arrive(state, at=at(18, 10, tz=timezone(timedelta(hours=-5))), now=NOW)


def test_naive_arrival_time_is_refused():
    with pytest.raises(InvalidCommand) as info:
        doctor.arrive(registered(), at=datetime(2030, 1, 7, 8, 0), now=NOW)
    assert info.value.field == "at"
    assert "zone" in info.value.message


# --- leave --------------------------------------------------------------

def test_leave_ends_the_shift_and_remembers_departure():
    state = on_shift_since(at(8))
    events = doctor.leave(state, at=at(16, 30), now=NOW)
    assert events == [doctor.DoctorLeft(at=at(16, 30))]
    assert events[0].type == "DOCTOR_LEFT"
    assert events[0].to_data() == {"at": "2030-01-07T16:30:00+00:00"}
    after = apply(state, events)
    assert not after.on_shift
    assert after.arrived_at is None
    assert after.last_left_at == at(16, 30)


def test_leave_while_off_shift_is_refused():
    with pytest.raises(NotOnShift) as info:
        doctor.leave(registered(), at=at(9), now=NOW)
    assert isinstance(info.value, Conflict)


def test_leave_twice_is_refused():
    state = on_shift_since(at(8))
    state = apply(state, doctor.leave(state, at=at(12), now=NOW))
    with pytest.raises(NotOnShift):
        doctor.leave(state, at=at(13), now=NOW)


@pytest.mark.parametrize("departure", [at(7), at(8)])
def test_leave_before_or_at_arrival_is_refused(departure):
    state = on_shift_since(at(8))
    with pytest.raises(InvalidCommand) as info:
        doctor.leave(state, at=departure, now=NOW)
    assert info.value.field == "at"


def test_leave_at_same_instant_in_another_zone_is_refused():
    state = on_shift_since(at(8))
    with pytest.raises(InvalidCommand):
        doctor.leave(state, at=at(9, tz=PARIS_WINTER), now=NOW)  # == 08:00 UTC


def test_leave_one_second_after_arrival_is_accepted():
    state = on_shift_since(at(8))
    after = apply(state, doctor.leave(state, at=at(8) + timedelta(seconds=1), now=NOW))
    assert not after.on_shift


def test_leave_in_the_future_is_refused():
    state = on_shift_since(at(8))
    with pytest.raises(InvalidCommand) as info:
        doctor.leave(state, at=NOW + timedelta(hours=2), now=NOW)
    assert info.value.field == "at"


def test_naive_departure_is_refused():
    state = on_shift_since(at(8))
    with pytest.raises(InvalidCommand) as info:
        doctor.leave(state, at=datetime(2030, 1, 7, 12, 0), now=NOW)
    assert info.value.field == "at"


def test_refusals_do_not_change_state():
    state = on_shift_since(at(8))
    for command in (lambda: doctor.arrive(state, at=at(9), now=NOW),
                    lambda: doctor.leave(state, at=at(7), now=NOW)):
        with pytest.raises(DomainError):
            command()
    assert state.arrived_at == at(8)


def test_shift_errors_are_conflicts_and_input_errors_are_not():
    assert issubclass(AlreadyOnShift, Conflict) and issubclass(NotOnShift, Conflict)
    assert not issubclass(InvalidCommand, Conflict)


def test_several_shifts_in_a_row():
    state = registered()
    shifts = [(at(8, day=3), at(12, day=3)), (at(13, day=3), at(17, day=3)), (at(8, day=4), at(9, day=4))]
    for arrival, departure in shifts:
        state = apply(state, doctor.arrive(state, at=arrival, now=NOW))
        state = apply(state, doctor.leave(state, at=departure, now=NOW))
    assert not state.on_shift
    assert state.last_left_at == at(9, day=4)


# --- worked_seconds -----------------------------------------------------

def test_worked_seconds_of_an_eight_and_a_half_hour_shift():
    assert doctor.worked_seconds(at(8), at(16, 30)) == 8.5 * 3600


def test_worked_seconds_across_midnight_and_time_zones():
    arrival = datetime(2030, 1, 7, 22, 0, tzinfo=UTC)
    departure = datetime(2030, 1, 8, 7, 0, tzinfo=PARIS_WINTER)  # 06:00 UTC
    assert doctor.worked_seconds(arrival, departure) == 8 * 3600


def test_worked_seconds_drops_fractions_of_a_second():
    assert doctor.worked_seconds(at(8), at(8) + timedelta(seconds=59, microseconds=999_999)) == 59
    assert isinstance(doctor.worked_seconds(at(8), at(9)), int)


def test_an_arrival_in_year_one_is_refused_as_a_typo():
    from datetime import datetime, timezone

    with pytest.raises(InvalidCommand) as refused:
        doctor.arrive(doctor.Doctor("Ann", "GP"), at=datetime(1, 1, 1, tzinfo=timezone.utc),
                      now=datetime(2026, 1, 1, tzinfo=timezone.utc))
    assert refused.value.field == "at"
