"""Property tests: random command sequences keep the invariants; folding is
deterministic and can be split anywhere.

The world below plays the handlers' part in memory: each command is decided on
the folded state of its streams, and only accepted commands' events are kept.
"""
import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from types import SimpleNamespace

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from events.domain import appointment, catalogue, doctor, fold, hours, messages, patient, schedule
from events.domain.clinic import Clinic
from events.domain.errors import DomainError

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

UTC = timezone.utc
BASE = datetime(2030, 1, 1, tzinfo=UTC)
NOW = BASE + timedelta(days=2)
TOLERANCE = timedelta(minutes=5)
ZONES = [UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5)), timezone(timedelta(hours=5, minutes=30))]
DOCTORS = [uuid.UUID(int=0xD0C + i) for i in range(2)]
PATIENTS = [uuid.UUID(int=0xBA7 + i) for i in range(2)]
APPOINTMENTS = [uuid.UUID(int=0xA99 + i) for i in range(4)]
DAYS = [date(2030, 1, 7), date(2030, 1, 8), date(2030, 1, 5)]  # Monday, Tuesday, Saturday
SLOT = 15
RULES = Clinic(now=NOW, slot_minutes=SLOT, default_hours=hours.week(
    [{"weekday": d, "start": "08:00", "end": "18:00"} for d in range(5)]))

# --- commands -----------------------------------------------------------

# A moment is either absolute (minutes after BASE, up to a little past NOW so that
# some are in the future) or relative to the doctor's last arrival or departure,
# so that shifts actually follow one another (including exactly-equal times).
absolute_moments = st.builds(
    lambda minutes, seconds, zone: ("abs", (BASE + timedelta(minutes=minutes, seconds=seconds)).astimezone(zone)),
    st.integers(0, int((NOW - BASE).total_seconds() // 60) + 15),
    st.sampled_from([0, 0, 0, 1, 59]),
    st.sampled_from(ZONES),
)
relative_moments = st.builds(
    lambda minutes, zone: ("rel", timedelta(minutes=minutes), zone),
    st.one_of(st.sampled_from([-1, 0, 1]), st.integers(-60, 4 * 60)),
    st.sampled_from(ZONES),
)
moments = st.one_of(relative_moments, absolute_moments)
# Crowd the mornings, mostly on the slot grid, so that overlaps and adjacent slots are common.
starts = st.one_of(st.integers(8 * 4, 11 * 4).map(lambda n: n * 15), st.integers(8 * 12, 11 * 12).map(lambda n: n * 5),
                   st.integers(0, 24 * 60 - 1))
durations = st.one_of(st.sampled_from([5, 15, 30, 45, 60]), st.integers(-10, 8 * 60 + 30))

commands = st.one_of(
    st.tuples(st.just("register_doctor"), st.sampled_from(DOCTORS)),
    st.tuples(st.just("register_patient"), st.sampled_from(PATIENTS)),
    st.tuples(st.just("arrive"), st.sampled_from(DOCTORS), moments),
    st.tuples(st.just("leave"), st.sampled_from(DOCTORS), moments),
    # One patient more often than the other: their day is where the patient rule bites.
    st.tuples(st.just("book"), st.sampled_from(APPOINTMENTS), st.sampled_from(DOCTORS),
              st.sampled_from([PATIENTS[0], *PATIENTS]), st.sampled_from(DAYS), starts, durations),
    st.tuples(st.just("cancel"), st.sampled_from(APPOINTMENTS), st.sampled_from(["", "ill", " moved "])),
    st.tuples(st.just("reschedule"), st.sampled_from(APPOINTMENTS), st.sampled_from(DOCTORS),
              st.sampled_from(DAYS), starts, durations),
)
# Often everyone is registered first, so that most commands get past "who?".
REGISTER_ALL = [("register_doctor", d) for d in DOCTORS] + [("register_patient", p) for p in PATIENTS]
scripts = st.one_of(
    st.lists(commands, max_size=60),
    st.lists(commands, min_size=5, max_size=80).map(lambda script: REGISTER_ALL + script),
)


@dataclass
class World:
    streams: dict = field(default_factory=dict)  # stream id -> [Event]
    log: list = field(default_factory=list)      # (stream id, Event) in append order

    def state(self, stream_id, evolve):
        return fold(evolve, self.streams.get(stream_id, []))

    def append(self, writes):
        for stream_id, events in writes:
            for event in events:
                self.streams.setdefault(stream_id, []).append(event)
                self.log.append((stream_id, event))

    @staticmethod
    def resolve(moment, state):
        """The absolute time of a moment, given the doctor's state when the command is decided."""
        if moment[0] == "abs":
            return moment[1]
        _, delta, zone = moment
        reference = state.arrived_at or state.last_left_at or BASE
        return (reference + delta).astimezone(zone)

    def resolved(self, command):
        """The command with its moment made absolute (for the reference model)."""
        kind, *args = command
        if kind in ("arrive", "leave"):
            state = self.state(args[0], doctor.evolve)
            if state is not None:
                return (kind, args[0], ("abs", self.resolve(args[1], state)))
        return command

    def run(self, command):
        """Applies the command; returns True if accepted, False if refused."""
        kind, *args = command
        try:
            if kind == "register_doctor":
                (d,) = args
                self.append([(d, doctor.register(self.state(d, doctor.evolve), name=f"Dr {d.int}",
                                                 specialty="General"))])
            elif kind == "register_patient":
                (p,) = args
                self.append([(p, patient.register(self.state(p, patient.evolve), name=f"P {p.int}",
                                                  date_of_birth=date(1980, 1, 1), today=NOW.date()))])
            elif kind in ("arrive", "leave"):
                d, at = args
                state = self.state(d, doctor.evolve)
                if state is None:
                    return False  # the handler answers 404 before deciding
                at = self.resolve(at, state)
                decide = doctor.arrive if kind == "arrive" else doctor.leave
                self.append([(d, decide(state, at=at, now=NOW))])
            elif kind == "book":
                a, d, p, day, start, duration = args
                schedule_id, patient_day = schedule.stream_id(d, day), schedule.patient_stream_id(p, day)
                booked, reserved = appointment.book(
                    self.state(a, appointment.evolve), self.state(schedule_id, schedule.evolve),
                    appointment_id=a, doctor=self.state(d, doctor.evolve), patient=self.state(p, patient.evolve),
                    doctor_id=d, patient_id=p, day=day, time=time(start // 60, start % 60),
                    duration_minutes=duration, clinic=RULES,
                    patient_schedule=self.state(patient_day, schedule.evolve))
                self.append([(a, booked), (schedule_id, reserved), (patient_day, reserved)])
            elif kind == "cancel":
                a, reason = args
                state = self.state(a, appointment.evolve)
                if state is None:
                    return False  # 404
                cancelled, released = appointment.cancel(state, appointment_id=a, reason=reason, clinic=RULES)
                self.append([(a, cancelled), *self.days_of(state, released)])
            elif kind == "reschedule":
                a, d, day, start, duration = args
                state = self.state(a, appointment.evolve)
                if state is None:
                    return False  # 404
                to = appointment.Request(d, day, time(start // 60, start % 60), duration)
                new_days = schedule.stream_id(d, day), schedule.patient_stream_id(state.patient_id, day)
                moved, released, booked = appointment.reschedule(
                    state, appointment_id=a, doctor=self.state(d, doctor.evolve),
                    patient=self.state(state.patient_id, patient.evolve),
                    doctor_schedule=self.state(new_days[0], schedule.evolve),
                    patient_schedule=self.state(new_days[1], schedule.evolve), to=to, clinic=RULES)
                self.append([(a, moved), *self.days_of(state, released), *[(day_id, booked) for day_id in new_days]])
            else:  # pragma: no cover
                raise AssertionError(kind)
        except DomainError:
            return False
        return True


    @staticmethod
    def days_of(state, events):
        """The writes of ``events`` to an appointment's doctor's day and patient's day."""
        return [(schedule.stream_id(state.doctor_id, state.day), events),
                (schedule.patient_stream_id(state.patient_id, state.day), events)]


def play(script):
    world = World()
    for command in script:
        world.run(command)
    return world


# --- invariants, read straight from the events --------------------------

def shifts_of(events):
    """[(arrived, left or None)] from a doctor's events, checking their order."""
    assert type(events[0]) is doctor.DoctorCreated
    assert all(type(e) is not doctor.DoctorCreated for e in events[1:]), "registered twice"
    shifts = []
    for event in events[1:]:
        moment = event.at
        assert datetime.fromisoformat(event.to_data()["at"]) == moment, "time not stored as it was decided"
        assert moment.utcoffset() is not None, "naive time stored"
        assert moment <= NOW + TOLERANCE, "time in the future stored"
        if type(event) is doctor.DoctorArrived:
            assert not shifts or shifts[-1][1] is not None, "arrived while on shift"
            shifts.append((moment, None))
        else:
            assert type(event) is doctor.DoctorLeft
            assert shifts and shifts[-1][1] is None, "left while off shift"
            shifts[-1] = (shifts[-1][0], moment)
    return shifts


def booked_appointments(world):
    """{appointment id: (doctor id, day, start minute, end minute, patient id)} for appointments booked now."""
    result = {}
    for a in APPOINTMENTS:
        events = world.streams.get(a, [])
        if not events:
            continue
        assert type(events[0]) is appointment.AppointmentCreated
        kinds = [type(e) for e in events[1:]]
        assert kinds.count(appointment.AppointmentCancelled) <= 1, "cancelled twice"
        assert appointment.AppointmentCancelled not in kinds[:-1], "changed after its cancellation"
        if appointment.AppointmentCancelled not in kinds:
            where = events[-1]  # created or last moved
            hours_, minutes = map(int, where.to_data()["time"].split(":"))
            assert (hours_, minutes) == (where.time.hour, where.time.minute), "start not stored as HH:MM"
            assert where.time.second == where.time.microsecond == 0, "start off the minute"
            start = hours_ * 60 + minutes
            result[a] = (where.doctor_id, where.day, start, start + where.duration_minutes, events[0].patient_id)
    return result


def check_invariants(world):
    for d in DOCTORS:
        if d not in world.streams:
            continue
        shifts = shifts_of(world.streams[d])
        for arrived, left in shifts:
            if left is not None:
                assert left > arrived, "departure not after arrival"
        # strict=False: pairs each shift with the next, so the second list is one shorter by design.
        for (_, left), (next_arrived, _) in zip(shifts, shifts[1:], strict=False):
            assert next_arrived >= left, "shifts overlap"

    booked = booked_appointments(world)
    by_day = {}
    for a, (d, day, start, end, p) in booked.items():
        assert 5 <= end - start <= 8 * 60
        assert 0 <= start and end <= 24 * 60, "runs past midnight"
        assert start % SLOT == 0, "off the slot grid"
        assert day.weekday() < 5 and 8 * 60 <= start and end <= 18 * 60, "outside working hours"
        by_day.setdefault((d, day), []).append((start, end, a))
        by_day.setdefault((p, day), []).append((start, end, a))  # a patient's day, too
    for slots in by_day.values():
        minutes_taken = {}
        for start, end, a in slots:
            for minute in range(start, end):
                assert minute not in minutes_taken, f"{a} and {minutes_taken[minute]} overlap"
                minutes_taken[minute] = a

    # Bookings only for doctors and patients registered before the booking.
    registered = set()
    for stream_id, event in world.log:
        if type(event) in (doctor.DoctorCreated, patient.PatientCreated):
            registered.add(stream_id)
        if type(event) is appointment.AppointmentCreated:
            assert event.doctor_id in registered and event.patient_id in registered

    # The schedule streams, the doctors' and the patients', agree with the appointment streams.
    for day in DAYS:
        for d in DOCTORS:
            expected = {a: schedule.Slot(start, end) for a, (dd, dday, start, end, _) in booked.items()
                        if dd == d and dday == day}
            assert (world.state(schedule.stream_id(d, day), schedule.evolve) or {}) == expected
        for p in PATIENTS:
            expected = {a: schedule.Slot(start, end) for a, (_, dday, start, end, pp) in booked.items()
                        if pp == p and dday == day}
            assert (world.state(schedule.patient_stream_id(p, day), schedule.evolve) or {}) == expected


@SETTINGS
@given(scripts)
def test_random_commands_keep_the_invariants(script):
    check_invariants(play(script))


# --- the domain accepts exactly what a simple reference model accepts -----

class Model:
    """The rules in the words of the design, written without the domain's help."""

    def __init__(self):
        self.doctors = {}        # id -> {"on_shift_since": dt|None, "last_left": dt|None}
        self.patients = set()
        self.appointments = {}   # id -> {"doctor", "day", "minutes": set, "cancelled": bool}

    def accepts(self, command):
        kind, *args = command
        if kind == "register_doctor":
            ok = args[0] not in self.doctors
            if ok:
                self.doctors[args[0]] = {"on_shift_since": None, "last_left": None}
            return ok
        if kind == "register_patient":
            ok = args[0] not in self.patients
            self.patients.add(args[0])
            return ok
        if kind in ("arrive", "leave"):
            d, moment = args
            if d not in self.doctors:
                return False
            at = moment[1]
            if at - NOW > TOLERANCE:
                return False
            doc = self.doctors[d]
            if kind == "arrive":
                ok = doc["on_shift_since"] is None and (doc["last_left"] is None or at >= doc["last_left"])
                if ok:
                    doc["on_shift_since"] = at
            else:
                ok = doc["on_shift_since"] is not None and at > doc["on_shift_since"]
                if ok:
                    doc["on_shift_since"], doc["last_left"] = None, at
            return ok
        if kind == "book":
            a, d, p, day, start, duration = args
            if a in self.appointments or d not in self.doctors or p not in self.patients:
                return False
            if not self.free(a, d, p, day, start, duration):
                return False
            self.appointments[a] = {"doctor": d, "patient": p, "day": day,
                                    "minutes": set(range(start, start + duration)), "cancelled": False}
            return True
        if kind == "reschedule":
            a, d, day, start, duration = args
            moved = self.appointments.get(a)
            if moved is None or moved["cancelled"] or d not in self.doctors:
                return False
            minutes = set(range(start, start + duration))
            if (moved["doctor"], moved["day"], moved["minutes"]) == (d, day, minutes):
                return False  # the same slot
            if not self.free(a, d, moved["patient"], day, start, duration):
                return False
            moved.update(doctor=d, day=day, minutes=minutes)
            return True
        if kind == "cancel":
            a = args[0]
            if a not in self.appointments or self.appointments[a]["cancelled"]:
                return False
            self.appointments[a]["cancelled"] = True
            return True
        raise AssertionError(kind)

    def free(self, a, d, p, day, start, duration):
        """In the future (all DAYS but Saturday are), on the grid, Monday to Friday 08:00-18:00, and
        overlapping none of the doctor's or the patient's other bookings."""
        if not 5 <= duration <= 480 or start + duration > 1440 or start % SLOT:
            return False
        if day.weekday() >= 5 or start < 8 * 60 or start + duration > 18 * 60:
            return False
        minutes = set(range(start, start + duration))
        return not any(
            b != a and not other["cancelled"] and other["day"] == day
            and (other["doctor"] == d or other["patient"] == p) and other["minutes"] & minutes
            for b, other in self.appointments.items())


@SETTINGS
@given(scripts)
def test_domain_accepts_exactly_what_the_rules_allow(script):
    world, model = World(), Model()
    for command in script:
        resolved = world.resolved(command)
        assert world.run(command) == model.accepts(resolved), resolved


# --- folding ------------------------------------------------------------

def evolve_for(stream_id, world):
    events = world.streams[stream_id]
    assert len({e.stream_type for e in events}) == 1, "one stream, one kind"
    first = type(events[0])
    evolve = {
        doctor.DoctorCreated: doctor.evolve,
        patient.PatientCreated: patient.evolve,
        appointment.AppointmentCreated: appointment.evolve,
    }.get(first, schedule.evolve)
    assert catalogue.evolve_of(events[0].stream_type) is evolve
    return evolve


def json_roundtrip(events):
    """What the store gives back: the data went through JSON, and is decoded by its stored type name."""
    return [messages.decode(e.type, json.loads(json.dumps(e.to_data())), e.schema_version) for e in events]


def recorded(events):
    """The store's rows carry the event as ``.event``."""
    return [SimpleNamespace(event=e, type=e.type) for e in events]


@SETTINGS
@given(scripts, st.data())
def test_folding_is_deterministic_and_can_be_split_anywhere(script, data):
    world = play(script)
    assume(world.streams)
    for stream_id, events in world.streams.items():
        evolve = evolve_for(stream_id, world)
        whole = fold(evolve, events)
        assert fold(evolve, list(events)) == whole
        assert json_roundtrip(events) == events
        assert fold(evolve, json_roundtrip(events)) == whole
        assert fold(evolve, recorded(events)) == whole
        cut = data.draw(st.integers(0, len(events)), label="cut")
        head, tail = events[:cut], events[cut:]
        middle = fold(evolve, head)
        snapshot = dict(middle) if isinstance(middle, dict) else middle
        assert fold(evolve, tail, middle) == whole
        assert middle == snapshot, "evolve changed an earlier state in place"


SLOT_IDS = [uuid.UUID(int=0x510 + i) for i in range(5)]
schedule_events = st.lists(st.one_of(
    st.builds(lambda a, start, duration: schedule.SlotBooked(
        appointment_id=a, start=time(start // 60, start % 60), duration_minutes=duration),
        st.sampled_from(SLOT_IDS[:4]), st.integers(0, 1439), st.integers(5, 480)),
    st.builds(lambda a: schedule.SlotReleased(appointment_id=a), st.sampled_from(SLOT_IDS)),
), max_size=30)


@SETTINGS
@given(schedule_events, st.data())
def test_schedule_fold_splits_anywhere(events, data):
    whole = fold(schedule.evolve, events)
    assert fold(schedule.evolve, events) == whole
    cut = data.draw(st.integers(0, len(events)))
    assert fold(schedule.evolve, events[cut:], fold(schedule.evolve, events[:cut])) == whole
    # The slots booked are those whose last event was a booking.
    last = {}
    for event in events:
        last[event.appointment_id] = event
    assert set(whole or {}) == {a for a, e in last.items() if type(e) is schedule.SlotBooked}
    for a, slot in (whole or {}).items():
        start = last[a].start.hour * 60 + last[a].start.minute
        assert slot == schedule.Slot(start, start + last[a].duration_minutes)
    assert fold(schedule.evolve, json_roundtrip(events)) == whole


# --- patient and age ----------------------------------------------------

names = st.text(st.sampled_from("ab \t"), min_size=1, max_size=6).filter(lambda s: s.strip())
births = st.dates(date(1900, 1, 1), date(2030, 1, 7))


@SETTINGS
@given(names, births, st.one_of(st.none(), names), st.one_of(st.none(), births))
def test_patient_update_records_exactly_the_changes(name, born, new_name, new_born):
    assume(new_name is not None or new_born is not None)
    today = date(2030, 1, 7)
    state = fold(patient.evolve, patient.register(None, name=name, date_of_birth=born, today=today))
    events = patient.update(state, name=new_name, date_of_birth=new_born, today=today)
    wanted_name = " ".join(new_name.split()) if new_name is not None else state.name
    wanted_born = new_born if new_born is not None else state.date_of_birth
    after = fold(patient.evolve, events, state)
    assert after == patient.Patient(wanted_name, wanted_born)
    changed = {k for k, old, new in [("name", state.name, wanted_name),
                                     ("date_of_birth", state.date_of_birth, wanted_born)] if old != new}
    if changed:
        assert len(events) == 1 and set(events[0].to_data()) == changed
        assert type(events[0]) is patient.PatientUpdated
        assert events[0] == patient.PatientUpdated(
            name=wanted_name if "name" in changed else None,
            date_of_birth=wanted_born if "date_of_birth" in changed else None)
    else:
        assert events == []


def anniversary(born, years):
    """The day ``years`` after ``born``; 29 February falls on 1 March in common years."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return date(born.year + years, 3, 1)


@SETTINGS
@given(st.dates(date(1900, 1, 1), date(2100, 12, 31)), st.integers(0, 150 * 366))
def test_age_counts_anniversaries_passed(born, days_later):
    today = born + timedelta(days=days_later)
    assume(today.year <= 9999)
    age = patient.age(born, today)
    assert age >= 0
    assert anniversary(born, age) <= today < anniversary(born, age + 1)
    assert patient.age(born, today + timedelta(days=1)) in (age, age + 1)
