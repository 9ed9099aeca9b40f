"""A doctor's state as a snapshot, without a database: it reads back as it was
written, a decision on a snapshot and the events after it is the decision on
the whole stream, and a snapshot of another shape is never read."""
import dataclasses
import json
import uuid
from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events.domain import appointment, doctor, fold, hours, patient
from events.domain.clinic import Clinic
from events.domain.errors import DomainError
from events.domain.snapshot import KINDS, Snapshotted, StateCodec, shape

SETTINGS = settings(max_examples=300, deadline=None)
UTC = timezone.utc
START = datetime(2030, 1, 1, 8, tzinfo=UTC)
NOW = START + timedelta(days=40)
DOCTOR = KINDS[doctor.STREAM]

moments = st.builds(lambda minutes, zone: (START + timedelta(minutes=minutes)).astimezone(zone),
                    st.integers(0, 40 * 24 * 60),
                    st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30))]))
blocks = st.builds(lambda weekday, start, length: {"weekday": weekday, "start": hours.clock(start),
                                                   "end": hours.clock(min(start + length, hours.END_OF_DAY))},
                   st.integers(0, 6), st.integers(0, 23 * 60).map(lambda m: m - m % 15), st.integers(15, 600))
weeks = st.lists(blocks, max_size=6).map(lambda given: _without_overlaps(given))
names = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=20)
later_events = st.one_of(
    st.builds(doctor.DoctorArrived, at=moments),
    st.builds(doctor.DoctorLeft, at=moments),
    st.builds(doctor.DoctorUpdated, name=st.none() | names, specialty=st.none() | names),
    st.builds(doctor.WorkingHoursSet, weekly=weeks),
    st.builds(doctor.DoctorRetired, reason=st.text(max_size=10)),
)
streams = st.builds(lambda name, rest: [doctor.DoctorCreated(name=name, specialty="Cardiology"), *rest],
                    names, st.lists(later_events, max_size=40))


def _without_overlaps(given):
    kept = []
    for block in given:
        try:
            hours.week([*kept, block])
        except DomainError:
            continue
        kept.append(block)
    return kept


def through_json(state):
    """A state as the snapshot table gives it back: encoded, stored as JSON text, read, decoded."""
    return DOCTOR.decode(json.loads(json.dumps(DOCTOR.encode(state))))


@SETTINGS
@given(streams)
def test_a_doctors_state_reads_back_as_it_was_written(events):
    state = fold(doctor.evolve, events)
    assert through_json(state) == state


def _outcome(decide):
    try:
        return ("decided", decide())
    except DomainError as refused:
        return ("refused", type(refused).__name__, refused.message, refused.field)


def decisions(state, at):
    """What each decision on a doctor's state says: arrive, leave, retire, set
    hours, and whether a booking fits their hours and status."""
    rules = Clinic(now=NOW, slot_minutes=15, default_hours=hours.week(
        [{"weekday": d, "start": "08:00", "end": "18:00"} for d in range(5)]))
    wanted = appointment.Request(uuid.uuid4(), date(2030, 2, 11), time(9), 30)
    pat = patient.Patient(name="Grace Hopper", date_of_birth=date(1980, 12, 9))
    return [
        _outcome(lambda: doctor.arrive(state, at=at, now=NOW)),
        _outcome(lambda: doctor.leave(state, at=at, now=NOW)),
        _outcome(lambda: doctor.retire(state)),
        _outcome(lambda: doctor.set_hours(state, weekly=[{"weekday": 0, "start": "09:00", "end": "12:00"}])),
        _outcome(lambda: appointment.ensure_bookable(wanted, doctor=state, patient=pat, doctor_schedule=None,
                                                     patient_schedule=None, clinic=rules)),
    ]


@SETTINGS
@given(streams, st.integers(min_value=1), moments)
def test_a_decision_on_a_snapshot_and_the_events_after_it_is_the_decision_on_the_whole_stream(events, cut, at):
    cut = cut % len(events) + 1  # the snapshot holds the registration at least
    snapshot = through_json(fold(doctor.evolve, events[:cut]))
    resumed, whole = fold(doctor.evolve, events[cut:], snapshot), fold(doctor.evolve, events)
    assert resumed == whole
    assert decisions(resumed, at) == decisions(whole, at)


def test_a_snapshot_of_another_shape_is_refused_when_read():
    state = doctor.Doctor(name="Ada Lovelace", specialty="Cardiology")
    data = DOCTOR.encode(state)
    for other in ({k: v for k, v in data.items() if k != "hours"}, {**data, "room": "4"}, ["Ada"]):
        with pytest.raises(ValueError, match="does not have the fields of Doctor") as refused:
            DOCTOR.decode(other)
        assert "Ada" not in str(refused.value)  # it names no stored value


def test_the_schema_follows_the_states_shape_and_the_revision():
    @dataclasses.dataclass(frozen=True)
    class Grown(doctor.Doctor):
        room: str | None = None

    again = Snapshotted(doctor.STREAM, doctor.Doctor, doctor.evolve, revision=1)
    assert again.schema == DOCTOR.schema
    assert Snapshotted(doctor.STREAM, doctor.Doctor, doctor.evolve, revision=2).schema != DOCTOR.schema
    assert Snapshotted(doctor.STREAM, Grown, doctor.evolve, revision=1).schema != DOCTOR.schema
    assert "Block(weekday" in shape(doctor.Doctor)  # a change inside a working-hours block counts too


def test_a_patients_stream_is_never_snapshotted():
    with pytest.raises(ValueError, match="personal data"):
        Snapshotted(patient.STREAM, patient.Patient, patient.evolve, revision=1)
    assert set(KINDS) == {doctor.STREAM}


def test_a_snapshotted_state_holds_no_patients_data():
    """Every field a snapshot stores, nested ones included. A field added to a
    snapshotted state lands here first: check it holds nothing of a patient's
    (crypto-shredding erases patients' data from the log, not from this cache)."""
    stored = {kind: [name for name, _, _ in StateCodec(k.state).fields] for kind, k in KINDS.items()}
    assert stored == {"doctor": ["name", "specialty", "arrived_at", "last_left_at", "retired", "hours"]}
    assert [f.name for f in dataclasses.fields(hours.Block)] == ["weekday", "start", "end"]
