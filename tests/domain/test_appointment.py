"""Appointment aggregate and the doctor's day schedule."""
import uuid
from datetime import UTC, date, datetime, time

import pytest

from events.domain import appointment, doctor, fold, hours, patient, schedule
from events.domain.clinic import Clinic as Rules
from events.domain.errors import AlreadyCancelled, AlreadyExists, Conflict, DoubleBooking, InvalidCommand, NotFound

DAY = date(2030, 1, 7)
DOCTOR_ID = uuid.UUID("11111111-1111-4111-8111-111111111111")
PATIENT_ID = uuid.UUID("22222222-2222-4222-8222-222222222222")
APPOINTMENT_ID = uuid.UUID("33333333-3333-4333-8333-333333333333")
A, B = uuid.UUID(int=0xA), uuid.UUID(int=0xB)
DR = fold(doctor.evolve, doctor.register(None, name="Ada Lovelace", specialty="Cardiology"))
PT = fold(patient.evolve, patient.register(None, name="Grace Hopper", date_of_birth=date(1980, 12, 9),
                                           today=DAY))
# The rules of overlap, apart from the clinic's hours and grid: any minute of any day, days before DAY.
ANY_TIME = Rules(now=datetime(2030, 1, 1, tzinfo=UTC), slot_minutes=1,
                 default_hours=hours.week([{"weekday": d, "start": "00:00", "end": "24:00"} for d in range(7)]))


class Clinic:
    """Just enough of the handlers' bookkeeping to book and cancel in memory."""

    def __init__(self):
        self.appointments = {}   # id -> list of events
        self.schedules = {}      # schedule stream id -> list of events

    def schedule(self, doctor_id=DOCTOR_ID, day=DAY):
        return fold(schedule.evolve, self.schedules.get(schedule.stream_id(doctor_id, day), []))

    def appointment(self, appointment_id):
        return fold(appointment.evolve, self.appointments.get(appointment_id, []))

    def book(self, start, duration=30, *, day=DAY, doctor_id=DOCTOR_ID, dr=DR, pt=PT, appointment_id=None):
        appointment_id = appointment_id or uuid.uuid4()
        booked, reserved = appointment.book(
            self.appointment(appointment_id), self.schedule(doctor_id, day), appointment_id=appointment_id,
            doctor=dr, patient=pt, doctor_id=doctor_id, patient_id=PATIENT_ID, day=day, time=start,
            duration_minutes=duration, clinic=ANY_TIME)
        self.appointments.setdefault(appointment_id, []).extend(booked)
        self.schedules.setdefault(schedule.stream_id(doctor_id, day), []).extend(reserved)
        return appointment_id

    def cancel(self, appointment_id, reason=""):
        state = self.appointment(appointment_id)
        cancelled, released = appointment.cancel(state, appointment_id=appointment_id, reason=reason, clinic=ANY_TIME)
        self.appointments[appointment_id].extend(cancelled)
        self.schedules[schedule.stream_id(state.doctor_id, state.day)].extend(released)


# --- book ---------------------------------------------------------------

def test_book_creates_appointment_and_reserves_the_slot():
    clinic = Clinic()
    appointment_id = clinic.book(time(9, 0), 45)
    state = clinic.appointment(appointment_id)
    assert state == appointment.Appointment(DOCTOR_ID, PATIENT_ID, DAY, time(9, 0), 45)
    assert isinstance(state.doctor_id, uuid.UUID) and isinstance(state.patient_id, uuid.UUID)
    assert state.status == appointment.BOOKED
    assert clinic.schedule() == {appointment_id: schedule.Slot(9 * 60, 9 * 60 + 45)}


def test_book_writes_one_event_to_each_stream():
    booked, reserved = appointment.book(
        None, None, appointment_id=APPOINTMENT_ID, doctor=DR, patient=PT, doctor_id=DOCTOR_ID,
        patient_id=PATIENT_ID, day=DAY, time=time(14, 5), duration_minutes=30, clinic=ANY_TIME)
    assert booked == [appointment.AppointmentCreated(doctor_id=DOCTOR_ID, patient_id=PATIENT_ID, day=DAY,
                                                     time=time(14, 5), duration_minutes=30)]
    assert reserved == [schedule.SlotBooked(appointment_id=APPOINTMENT_ID, start=time(14, 5), duration_minutes=30)]
    assert (booked[0].type, booked[0].stream_type) == ("APPOINTMENT_CREATED", "appointment")
    assert (reserved[0].type, reserved[0].stream_type) == ("SLOT_BOOKED", "schedule")
    assert booked[0].to_data() == {"doctor_id": str(DOCTOR_ID), "patient_id": str(PATIENT_ID),
                                   "day": "2030-01-07", "time": "14:05", "duration_minutes": 30}
    assert reserved[0].to_data() == {"appointment_id": str(APPOINTMENT_ID), "start": "14:05",
                                     "duration_minutes": 30}


def test_book_unknown_doctor_is_invalid_and_names_doctor_id():
    with pytest.raises(InvalidCommand) as info:
        Clinic().book(time(9), dr=None)
    assert info.value.field == "doctor_id"
    assert not isinstance(info.value, (Conflict, NotFound))


def test_book_unknown_patient_is_invalid_and_names_patient_id():
    with pytest.raises(InvalidCommand) as info:
        Clinic().book(time(9), pt=None)
    assert info.value.field == "patient_id"


def test_book_same_appointment_id_twice_is_a_conflict():
    clinic = Clinic()
    appointment_id = clinic.book(time(9))
    with pytest.raises(AlreadyExists) as info:
        clinic.book(time(15), appointment_id=appointment_id)
    assert info.value.field == "id"


@pytest.mark.parametrize("first, second", [
    ((time(9, 0), 30), (time(9, 0), 30)),     # same slot
    ((time(9, 0), 30), (time(9, 15), 30)),    # starts inside
    ((time(9, 0), 30), (time(8, 45), 30)),    # ends inside
    ((time(9, 0), 60), (time(9, 10), 10)),    # contained
    ((time(9, 10), 10), (time(9, 0), 60)),    # contains
    ((time(9, 0), 30), (time(9, 29), 5)),     # last minute
    ((time(9, 0), 30), (time(8, 30), 31)),    # first minute
])
def test_overlapping_booking_is_refused(first, second):
    clinic = Clinic()
    clinic.book(*first)
    with pytest.raises(DoubleBooking) as info:
        clinic.book(*second)
    assert isinstance(info.value, Conflict)
    assert "Ada Lovelace" in info.value.message


def test_double_booking_message_says_which_slot_is_taken():
    clinic = Clinic()
    clinic.book(time(9, 0), 30)
    with pytest.raises(DoubleBooking) as info:
        clinic.book(time(9, 15), 30)
    assert "09:00" in info.value.message and "09:30" in info.value.message


@pytest.mark.parametrize("second", [(time(9, 30), 30), (time(8, 30), 30), (time(10, 0), 60)])
def test_adjacent_slots_are_allowed(second):
    clinic = Clinic()
    clinic.book(time(9, 0), 30)
    clinic.book(*second)
    assert len(clinic.schedule()) == 2


def test_a_full_morning_of_back_to_back_half_hours():
    clinic = Clinic()
    for hour in range(8, 12):
        clinic.book(time(hour, 0), 30)
        clinic.book(time(hour, 30), 30)
    assert len(clinic.schedule()) == 8
    with pytest.raises(DoubleBooking):
        clinic.book(time(10, 10), 5)


def test_other_doctor_or_other_day_is_not_a_conflict():
    clinic = Clinic()
    clinic.book(time(9, 0), 30)
    clinic.book(time(9, 0), 30, day=date(2030, 1, 8))
    clinic.book(time(9, 0), 30, doctor_id=uuid.uuid4())
    assert len(clinic.schedule()) == 1


def test_a_cancelled_slot_can_be_booked_again():
    clinic = Clinic()
    first = clinic.book(time(9, 0), 30)
    clinic.cancel(first, reason="Patient is unwell")
    assert clinic.schedule() == {}
    second = clinic.book(time(9, 0), 30)
    assert clinic.appointment(second).status == appointment.BOOKED
    assert clinic.appointment(first).status == appointment.CANCELLED


def test_cancelling_one_booking_frees_only_that_slot():
    clinic = Clinic()
    keep = clinic.book(time(9, 0), 30)
    drop = clinic.book(time(10, 0), 30)
    clinic.cancel(drop)
    assert set(clinic.schedule()) == {keep}
    with pytest.raises(DoubleBooking):
        clinic.book(time(9, 15), 10)


@pytest.mark.parametrize("duration", [5, 30, 8 * 60])
def test_durations_within_bounds_are_accepted(duration):
    clinic = Clinic()
    appointment_id = clinic.book(time(8, 0), duration)
    (created,) = clinic.appointments[appointment_id]
    (reserved,) = clinic.schedules[schedule.stream_id(DOCTOR_ID, DAY)]
    assert created.duration_minutes == reserved.duration_minutes == duration
    assert created.to_data()["duration_minutes"] == reserved.to_data()["duration_minutes"] == duration
    assert clinic.appointment(appointment_id).duration_minutes == duration
    assert clinic.schedule() == {appointment_id: schedule.Slot(8 * 60, 8 * 60 + duration)}


@pytest.mark.parametrize("duration", [0, -30, 4, 8 * 60 + 1, 30.0, "30", True, None])
def test_durations_out_of_bounds_or_not_whole_minutes_are_refused(duration):
    with pytest.raises(InvalidCommand) as info:
        Clinic().book(time(8, 0), duration)
    assert info.value.field == "duration_minutes"


def test_appointment_must_end_by_midnight():
    clinic = Clinic()
    clinic.book(time(23, 30), 30)     # ends exactly at midnight: fine
    with pytest.raises(InvalidCommand) as info:
        clinic.book(time(23, 31), 30, day=date(2030, 1, 8))
    assert info.value.field == "duration_minutes"
    assert "midnight" in info.value.message


def test_book_does_not_change_the_schedule_it_was_given():
    clinic = Clinic()
    clinic.book(time(9, 0), 30)
    day_schedule = clinic.schedule()
    snapshot = dict(day_schedule)
    appointment.book(None, day_schedule, appointment_id=A, doctor=DR, patient=PT, doctor_id=DOCTOR_ID,
                     patient_id=PATIENT_ID, day=DAY, time=time(10, 0), duration_minutes=30, clinic=ANY_TIME)
    with pytest.raises(DoubleBooking):
        appointment.book(None, day_schedule, appointment_id=B, doctor=DR, patient=PT, doctor_id=DOCTOR_ID,
                         patient_id=PATIENT_ID, day=DAY, time=time(9, 10), duration_minutes=30, clinic=ANY_TIME)
    assert day_schedule == snapshot


def test_a_start_time_with_seconds_is_refused_rather_than_rounded():
    # The API accepts HH:MM:SS so that 09:00:00 works; 09:00:45 is not a slot.
    clinic = Clinic()
    with pytest.raises(InvalidCommand) as refused:
        clinic.book(time(9, 0, 45), 30)
    assert refused.value.field == "time"
    appointment_id = clinic.book(time(9, 0, 0), 30)
    assert clinic.schedule()[appointment_id] == schedule.Slot(540, 570)
    (reserved,) = clinic.schedules[schedule.stream_id(DOCTOR_ID, DAY)]
    assert reserved.to_data()["start"] == "09:00"


# --- cancel -------------------------------------------------------------

def test_cancel_records_reason_and_releases_the_slot():
    clinic = Clinic()
    appointment_id = clinic.book(time(9))
    cancelled, released = appointment.cancel(clinic.appointment(appointment_id), appointment_id=appointment_id,
                                             reason="  Doctor ill  ", clinic=ANY_TIME)
    # Whose key seals the reason: the patient the appointment is for.
    assert cancelled == [appointment.AppointmentCancelled(reason="Doctor ill", patient_id=PATIENT_ID)]
    assert released == [schedule.SlotReleased(appointment_id=appointment_id)]
    assert (cancelled[0].type, cancelled[0].stream_type) == ("APPOINTMENT_CANCELLED", "appointment")
    assert (released[0].type, released[0].stream_type) == ("SLOT_RELEASED", "schedule")
    assert cancelled[0].to_data() == {"reason": "Doctor ill", "patient_id": str(PATIENT_ID)}
    assert released[0].to_data() == {"appointment_id": str(appointment_id)}
    clinic.cancel(appointment_id, reason="  Doctor ill  ")
    state = clinic.appointment(appointment_id)
    assert (state.status, state.cancel_reason) == (appointment.CANCELLED, "Doctor ill")
    assert clinic.schedule() == {}


def test_cancel_twice_is_refused():
    clinic = Clinic()
    appointment_id = clinic.book(time(9))
    clinic.cancel(appointment_id)
    with pytest.raises(AlreadyCancelled) as info:
        clinic.cancel(appointment_id)
    assert isinstance(info.value, Conflict)
    assert issubclass(AlreadyCancelled, Conflict)


def test_cancel_reason_is_at_most_500_characters():
    clinic = Clinic()
    appointment_id = clinic.book(time(9))
    with pytest.raises(InvalidCommand) as info:
        clinic.cancel(appointment_id, reason="r" * 501)
    assert info.value.field == "reason"
    with pytest.raises(InvalidCommand):
        clinic.cancel(appointment_id, reason=None)
    clinic.cancel(appointment_id, reason="r" * 500)
    assert clinic.appointment(appointment_id).cancel_reason == "r" * 500


def test_cancel_without_reason():
    clinic = Clinic()
    appointment_id = clinic.book(time(9))
    clinic.cancel(appointment_id)
    assert clinic.appointment(appointment_id).cancel_reason == ""
    cancelled = clinic.appointments[appointment_id][-1]
    assert cancelled == appointment.AppointmentCancelled(reason="", patient_id=PATIENT_ID)
    assert cancelled.to_data() == {"reason": "", "patient_id": str(PATIENT_ID)}


# --- schedule -----------------------------------------------------------

def test_schedule_stream_id_is_the_same_for_str_and_uuid_doctor_ids():
    as_uuid = schedule.stream_id(DOCTOR_ID, DAY)
    assert schedule.stream_id(str(DOCTOR_ID), DAY) == as_uuid
    assert schedule.stream_id(str(DOCTOR_ID).upper(), DAY) == as_uuid
    assert schedule.stream_id(DOCTOR_ID.hex, DAY) == as_uuid
    assert isinstance(as_uuid, uuid.UUID)


def test_schedule_stream_id_is_stable_and_distinct_per_doctor_and_day():
    assert schedule.stream_id(DOCTOR_ID, DAY) == schedule.stream_id(DOCTOR_ID, date(2030, 1, 7))
    ids = {schedule.stream_id(d, day) for d in (DOCTOR_ID, PATIENT_ID) for day in (DAY, date(2030, 1, 8))}
    assert len(ids) == 4
    # Not the doctor's own stream: the schedule must be a stream of its own.
    assert DOCTOR_ID not in ids


def test_schedule_stream_id_does_not_depend_on_the_process():
    # uuid5 is deterministic: the same name gives the same id on every machine.
    expected = uuid.uuid5(uuid.NAMESPACE_URL, f"clinic:schedule:{DOCTOR_ID}:2030-01-07")
    assert schedule.stream_id(DOCTOR_ID, DAY) == expected


def test_slot_overlap_is_half_open():
    s = schedule.Slot
    assert s(540, 570).overlaps(s(569, 600))
    assert not s(540, 570).overlaps(s(570, 600))
    assert not s(570, 600).overlaps(s(540, 570))
    assert s(540, 600).overlaps(s(550, 560)) and s(550, 560).overlaps(s(540, 600))


def test_ensure_free_on_an_empty_day():
    schedule.ensure_free(None, schedule.Slot(0, 1440), who="Dr Ada")
    schedule.ensure_free({}, schedule.Slot(0, 1440), who="Dr Ada")


def test_schedule_evolve_does_not_change_the_previous_state():
    before = schedule.evolve(None, schedule.SlotBooked(appointment_id=A, start=time(9, 0), duration_minutes=30))
    assert before == {A: schedule.Slot(540, 570)}
    snapshot = dict(before)
    schedule.evolve(before, schedule.SlotReleased(appointment_id=A))
    schedule.evolve(before, schedule.SlotBooked(appointment_id=B, start=time(10, 0), duration_minutes=30))
    assert before == snapshot


def test_schedule_state_from_stored_json_is_the_same():
    stored = [schedule.SlotBooked.from_data({"appointment_id": str(A), "start": "09:00", "duration_minutes": 30}),
              schedule.SlotBooked.from_data({"appointment_id": str(B), "start": "10:00", "duration_minutes": 15}),
              schedule.SlotReleased.from_data({"appointment_id": str(A)})]
    assert fold(schedule.evolve, stored) == {B: schedule.Slot(600, 615)}


def test_releasing_an_unknown_slot_is_harmless():
    state = schedule.evolve({}, schedule.SlotReleased(appointment_id=uuid.UUID(int=0x404)))
    assert state == {}


def test_appointment_state_from_stored_json_is_the_same():
    clinic = Clinic()
    appointment_id = clinic.book(time(9, 5), 20)
    clinic.cancel(appointment_id, reason="moved")
    events = clinic.appointments[appointment_id]
    stored = [type(e).from_data(e.to_data()) for e in events]
    assert stored == events
    assert fold(appointment.evolve, stored) == fold(appointment.evolve, events) == appointment.Appointment(
        DOCTOR_ID, PATIENT_ID, DAY, time(9, 5), 20, status=appointment.CANCELLED, cancel_reason="moved")


def test_an_id_of_another_kind_is_not_a_doctor_or_a_patient():
    # Booking folds whatever stream the id names; a patient's id must not pass as a doctor.
    patient_events = patient.register(None, name="Grace", date_of_birth=date(1980, 1, 1), today=DAY)
    doctor_events = doctor.register(None, name="Ada", specialty="Cardiology")
    assert fold(doctor.evolve, patient_events) is None
    assert fold(patient.evolve, doctor_events) is None
    with pytest.raises(InvalidCommand) as info:
        Clinic().book(time(9), dr=fold(doctor.evolve, patient_events))
    assert info.value.field == "doctor_id"


@pytest.mark.parametrize("day", [date(1, 1, 1), date(1999, 12, 31), date(2100, 1, 1), date(9999, 12, 31)])
def test_a_day_outside_the_clinic_calendar_is_refused(day):
    with pytest.raises(InvalidCommand) as refused:
        appointment.book(None, {}, appointment_id=A, doctor=DR, patient=PT, doctor_id=DOCTOR_ID,
                         patient_id=PATIENT_ID, day=day, time=time(9), duration_minutes=30, clinic=ANY_TIME)
    assert refused.value.field == "day"
