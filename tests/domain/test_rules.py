"""The clinic's rules: working hours, the slot grid, the past, retired doctors,
the patient's own day, reschedule, check-in, no-show and cancel — decided at a
moment the test chooses, without a database."""
import re
import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from events.domain import appointment, doctor, fold, hours, patient, schedule, validate
from events.domain.clinic import Clinic
from events.domain.errors import Conflict, DoubleBooking, InvalidCommand

LONDON = ZoneInfo("Europe/London")
MONDAY = date(2030, 1, 7)
DEFAULT = hours.week([{"weekday": d, "start": "08:00", "end": "18:00"} for d in range(5)])
RULES = Clinic(now=datetime(2030, 1, 7, 8, 30, tzinfo=LONDON), slot_minutes=15, default_hours=DEFAULT)
DOCTOR_ID, OTHER_DOCTOR_ID = uuid.UUID(int=0xD0C), uuid.UUID(int=0xD0D)
PATIENT_ID = uuid.UUID(int=0xBA7)
DR = fold(doctor.evolve, doctor.register(None, name="Ada Lovelace", specialty="Cardiology"))
PT = fold(patient.evolve, patient.register(None, name="Grace Hopper", date_of_birth=date(1980, 12, 9),
                                           today=MONDAY))
ISO_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def book(at, duration=30, *, day=MONDAY, dr=DR, rules=RULES, doctor_day=None, patient_day=None,
         doctor_id=DOCTOR_ID, appointment_id=None):
    return appointment.book(None, doctor_day, appointment_id=appointment_id or uuid.uuid4(), doctor=dr, patient=PT,
                            doctor_id=doctor_id, patient_id=PATIENT_ID, day=day, time=at,
                            duration_minutes=duration, clinic=rules, patient_schedule=patient_day)


def day_with(appointment_id, at, duration=30):
    return schedule.evolve(None, schedule.SlotBooked(appointment_id=appointment_id, start=at,
                                                     duration_minutes=duration))


# --- working hours ------------------------------------------------------

def test_several_blocks_a_day_are_kept_in_order():
    week = hours.week([{"weekday": 0, "start": "13:00", "end": "18:00"},
                       {"weekday": 0, "start": "08:00", "end": "12:00"}])
    assert [hours.describe_block(b) for b in week] == ["08:00 to 12:00", "13:00 to 18:00"]
    assert hours.describe(week, 0) == "08:00 to 12:00 and 13:00 to 18:00"


@pytest.mark.parametrize("blocks, words", [
    ([{"weekday": 1, "start": "08:00", "end": "12:00"}, {"weekday": 1, "start": "11:00", "end": "14:00"}],
     "overlap"),
    ([{"weekday": 2, "start": "12:00", "end": "12:00"}], "must end after"),
    ([{"weekday": 2, "start": "12:00", "end": "09:00"}], "must end after"),
    ([{"weekday": 7, "start": "08:00", "end": "09:00"}], "weekday"),
    ([{"weekday": True, "start": "08:00", "end": "09:00"}], "weekday"),
    ([{"weekday": 0, "start": "8am", "end": "09:00"}], "HH:MM"),
    ([{"weekday": 0, "start": "08:00"}], "HH:MM"),
])
def test_bad_blocks_are_refused_naming_the_field(blocks, words):
    state = DR
    with pytest.raises(InvalidCommand) as refused:
        doctor.set_hours(state, weekly=blocks)
    assert refused.value.field == "weekly" and words in refused.value.message


def test_blocks_that_touch_do_not_overlap():
    hours.week([{"weekday": 0, "start": "08:00", "end": "12:00"}, {"weekday": 0, "start": "12:00", "end": "13:00"}])


def test_setting_hours_replaces_the_week_and_the_same_week_writes_nothing():
    weekly = [{"weekday": 5, "start": "09:00", "end": "12:00"}]
    events = doctor.set_hours(DR, weekly=weekly)
    state = fold(doctor.evolve, events, DR)
    assert state.hours == hours.week(weekly)
    assert doctor.set_hours(state, weekly=weekly) == []
    assert fold(doctor.evolve, doctor.set_hours(state, weekly=[]), state).hours == ()


# --- booking ------------------------------------------------------------

def test_a_doctor_without_hours_works_the_default_week():
    book(time(8, 45))
    book(time(17, 30))
    with pytest.raises(Conflict, match="08:00 to 18:00 on Mondays; 17:45 to 18:15 is outside"):
        book(time(17, 45))
    with pytest.raises(Conflict, match="does not work on Sundays"):
        book(time(10), day=date(2030, 1, 13))


def test_a_booking_must_lie_wholly_inside_one_block():
    lunch = fold(doctor.evolve, doctor.set_hours(DR, weekly=[{"weekday": 0, "start": "08:00", "end": "12:00"},
                                                             {"weekday": 0, "start": "13:00", "end": "18:00"}]), DR)
    book(time(11, 30), dr=lunch)
    book(time(13, 0), dr=lunch)
    with pytest.raises(Conflict) as refused:
        book(time(11, 45), dr=lunch)  # runs into lunch
    assert refused.value.field == "time"
    assert "08:00 to 12:00 and 13:00 to 18:00" in refused.value.message
    sunday = fold(doctor.evolve, doctor.set_hours(DR, weekly=[{"weekday": 6, "start": "10:00", "end": "12:00"}]), DR)
    book(time(10), day=date(2030, 1, 13), dr=sunday)


def test_hours_are_read_in_the_clinic_time_zone():
    # 08:00 in London on a summer Monday is 07:00 UTC; the rules see 08:00.
    summer = Clinic(now=datetime(2030, 6, 1, tzinfo=UTC).astimezone(LONDON), slot_minutes=15, default_hours=DEFAULT)
    book(time(8, 0), day=date(2030, 6, 3), rules=summer)


@pytest.mark.parametrize("at, day", [(time(8, 15), MONDAY), (time(8, 30), MONDAY), (time(12), date(2030, 1, 4))])
def test_a_booking_in_the_past_is_refused_in_words(at, day):
    with pytest.raises(Conflict) as refused:
        book(at, day=day)
    assert refused.value.field == "time"
    assert "has already passed; it is 08:30 on Monday 7 January 2030" in refused.value.message
    assert not ISO_STAMP.search(refused.value.message)


@pytest.mark.parametrize("at", [time(9, 5), time(9, 10), time(9, 59)])
def test_a_booking_off_the_slot_grid_is_refused(at):
    with pytest.raises(Conflict) as refused:
        book(at)
    assert refused.value.field == "time" and "every 15 minutes" in refused.value.message


def test_the_grid_follows_the_setting():
    book(time(9, 10), rules=Clinic(now=RULES.now, slot_minutes=5, default_hours=DEFAULT))


def test_a_retired_doctor_is_not_booked():
    retired = fold(doctor.evolve, doctor.retire(DR), DR)
    with pytest.raises(Conflict) as refused:
        book(time(10), dr=retired)
    assert refused.value.field == "doctor_id" and "retired" in refused.value.message


def test_the_patient_cannot_be_booked_twice_at_once_with_any_doctor():
    first = uuid.uuid4()
    patient_day = day_with(first, time(10, 0), 30)
    with pytest.raises(DoubleBooking) as refused:
        book(time(10, 15), doctor_id=OTHER_DOCTOR_ID, patient_day=patient_day)
    assert refused.value.field == "patient_id"
    assert refused.value.message == "Grace Hopper is already booked from 10:00 to 10:30."
    book(time(10, 30), doctor_id=OTHER_DOCTOR_ID, patient_day=patient_day)


def test_booking_writes_the_same_slot_to_both_days():
    created, reserved = book(time(10))
    assert [type(e) for e in reserved] == [schedule.SlotBooked]
    assert schedule.patient_stream_id(PATIENT_ID, MONDAY) != schedule.stream_id(PATIENT_ID, MONDAY)


# --- reschedule, check-in, no-show, cancel ------------------------------

BOOKED = appointment.Appointment(DOCTOR_ID, PATIENT_ID, MONDAY, time(10), 30)
A = uuid.UUID(int=0xA)


def reschedule(state=BOOKED, *, to, doctor_day=None, patient_day=None, dr=DR):
    return appointment.reschedule(state, appointment_id=A, doctor=dr, patient=PT, doctor_schedule=doctor_day,
                                  patient_schedule=patient_day, to=to, clinic=RULES)


def test_reschedule_frees_the_old_slot_and_takes_the_new_one():
    own_day = day_with(A, time(10), 30)
    moved, released, booked = reschedule(to=appointment.Request(DOCTOR_ID, MONDAY, time(10, 15), 30),
                                         doctor_day=own_day, patient_day=own_day)
    assert moved == [appointment.AppointmentRescheduled(doctor_id=DOCTOR_ID, day=MONDAY, time=time(10, 15),
                                                        duration_minutes=30)]
    assert released == [schedule.SlotReleased(appointment_id=A)]
    assert booked == [schedule.SlotBooked(appointment_id=A, start=time(10, 15), duration_minutes=30)]
    assert fold(schedule.evolve, released + booked, own_day) == {A: schedule.Slot(615, 645)}
    after = fold(appointment.evolve, moved, BOOKED)
    assert (after.time, after.status) == (time(10, 15), appointment.BOOKED)


def test_reschedule_onto_the_same_slot_is_refused():
    with pytest.raises(InvalidCommand) as refused:
        reschedule(to=appointment.Request(DOCTOR_ID, MONDAY, time(10), 30))
    assert refused.value.field == "time" and "already on Monday 7 January 2030 at 10:00" in refused.value.message


def test_reschedule_meets_every_booking_rule():
    taken = day_with(uuid.uuid4(), time(11), 30)
    with pytest.raises(DoubleBooking):
        reschedule(to=appointment.Request(OTHER_DOCTOR_ID, MONDAY, time(11), 30), doctor_day=taken)
    with pytest.raises(DoubleBooking):
        reschedule(to=appointment.Request(OTHER_DOCTOR_ID, MONDAY, time(11), 30), patient_day=taken)
    with pytest.raises(Conflict, match="already passed"):
        reschedule(to=appointment.Request(DOCTOR_ID, MONDAY, time(8), 30))
    with pytest.raises(Conflict, match="outside"):
        reschedule(to=appointment.Request(DOCTOR_ID, MONDAY, time(18), 30))


@pytest.mark.parametrize("status", [appointment.CANCELLED, appointment.CHECKED_IN, appointment.NO_SHOW])
def test_only_a_booked_appointment_moves_checks_in_or_is_missed(status):
    state = appointment.Appointment(DOCTOR_ID, PATIENT_ID, MONDAY, time(8), 30, status=status)
    with pytest.raises(Conflict):
        reschedule(state, to=appointment.Request(DOCTOR_ID, MONDAY, time(11), 30))
    with pytest.raises(Conflict):
        appointment.check_in(state, clinic=RULES)
    with pytest.raises(Conflict):
        appointment.no_show(state, clinic=RULES)


def test_check_in_only_on_the_day_in_the_clinic_time_zone():
    assert appointment.check_in(BOOKED, clinic=RULES) == [appointment.PatientCheckedIn(at=RULES.now)]
    # 23:30 UTC on Sunday is already Monday 00:30 in Paris, the clinic's zone there.
    paris = Clinic(now=datetime(2030, 1, 6, 23, 30, tzinfo=UTC).astimezone(ZoneInfo("Europe/Paris")))
    assert appointment.check_in(BOOKED, clinic=paris)
    with pytest.raises(Conflict) as refused:
        appointment.check_in(BOOKED, clinic=Clinic(now=RULES.now + timedelta(days=1)))
    assert "on the day of their appointment, Monday 7 January 2030; today is Tuesday 8 January 2030" \
        in refused.value.message
    assert fold(appointment.evolve, appointment.check_in(BOOKED, clinic=RULES), BOOKED).status == "checkedIn"


def test_no_show_only_once_the_appointment_has_begun():
    with pytest.raises(Conflict, match="only after that"):
        appointment.no_show(BOOKED, clinic=RULES)
    at_start = Clinic(now=datetime(2030, 1, 7, 10, tzinfo=LONDON))
    assert fold(appointment.evolve, appointment.no_show(BOOKED, clinic=at_start), BOOKED).status == "noShow"


def test_cancel_only_while_booked_and_before_the_start():
    appointment.cancel(BOOKED, appointment_id=A, clinic=RULES)
    with pytest.raises(Conflict, match="still to come"):
        appointment.cancel(BOOKED, appointment_id=A, clinic=Clinic(now=datetime(2030, 1, 7, 10, tzinfo=LONDON)))
    checked_in = fold(appointment.evolve, appointment.check_in(BOOKED, clinic=RULES), BOOKED)
    with pytest.raises(Conflict, match="checked in"):
        appointment.cancel(checked_in, appointment_id=A, clinic=RULES)


# --- doctors ------------------------------------------------------------

def test_update_records_only_what_changes():
    assert doctor.update(DR, specialty="Cardiology") == []
    events = doctor.update(DR, name=" Ada  King ", specialty="Cardiology")
    assert events == [doctor.DoctorUpdated(name="Ada King")]
    assert fold(doctor.evolve, events, DR).name == "Ada King"
    with pytest.raises(InvalidCommand):
        doctor.update(DR)
    with pytest.raises(InvalidCommand) as refused:
        doctor.update(DR, specialty=" ")
    assert refused.value.field == "specialty"


def test_retire_twice_is_a_conflict_and_a_retired_doctor_does_not_arrive():
    retired = fold(doctor.evolve, doctor.retire(DR, reason=" moved "), DR)
    assert retired.retired
    with pytest.raises(Conflict, match="already retired"):
        doctor.retire(retired)
    with pytest.raises(Conflict, match="retired"):
        doctor.arrive(retired, at=RULES.now, now=RULES.now)


def test_retire_while_on_shift_is_refused():
    on_shift = fold(doctor.evolve, doctor.arrive(DR, at=RULES.now, now=RULES.now), DR)
    with pytest.raises(Conflict, match="departure first"):
        doctor.retire(on_shift)


def test_shift_refusals_tell_times_in_words_in_the_clinic_zone():
    on_shift = fold(doctor.evolve, doctor.arrive(DR, at=datetime(2030, 1, 7, 8, 0, tzinfo=UTC), now=RULES.now), DR)
    with pytest.raises(Conflict) as refused:
        doctor.arrive(on_shift, at=RULES.now, now=RULES.now)
    assert refused.value.message == "Dr Ada Lovelace is already on shift since 08:00 on Monday 7 January 2030."
    left = fold(doctor.evolve, doctor.leave(on_shift, at=RULES.now, now=RULES.now), on_shift)
    with pytest.raises(InvalidCommand) as refused:
        doctor.arrive(left, at=RULES.now - timedelta(minutes=1), now=RULES.now)
    assert refused.value.message == "Arrival cannot be before the last departure, at 08:30 on Monday 7 January 2030."
    with pytest.raises(InvalidCommand) as refused:
        doctor.leave(on_shift, at=datetime(2030, 1, 7, 7, tzinfo=UTC), now=RULES.now)
    assert not ISO_STAMP.search(refused.value.message)


# --- patients -----------------------------------------------------------

@pytest.mark.parametrize("given, kept", [("+44 20 7946 0958", "+442079460958"), ("(030) 123-456", "030123456"),
                                         ("", ""), (None, "")])
def test_phone_numbers_are_kept_as_digits(given, kept):
    assert validate.phone(given) == kept


@pytest.mark.parametrize("given", ["12345", "+44 20 7946 0958 12345 6", "call me", "++4420", 442079460958])
def test_bad_phone_numbers_are_refused(given):
    with pytest.raises(InvalidCommand) as refused:
        validate.phone(given)
    assert refused.value.field == "phone"


@pytest.mark.parametrize("given", ["grace", "grace@", "@example.org", "grace@example", "a b@example.org", 5])
def test_bad_emails_are_refused(given):
    with pytest.raises(InvalidCommand) as refused:
        validate.email(given)
    assert refused.value.field == "email"


def test_phone_and_email_are_registered_changed_and_removed():
    events = patient.register(None, name="Grace", date_of_birth=date(1980, 1, 1), today=MONDAY,
                              phone="+44 1234 567890", email=" grace@example.org ")
    state = fold(patient.evolve, events)
    assert (state.phone, state.email) == ("+441234567890", "grace@example.org")
    assert patient.update(state, today=MONDAY, phone="+44 1234 567 890") == []
    removed = patient.update(state, today=MONDAY, email="")
    assert removed == [patient.PatientUpdated(email="")]
    assert fold(patient.evolve, removed, state).email == ""


def test_the_same_name_and_birthday_is_the_same_person():
    assert patient.same_person("Grace  Hopper", date(1980, 1, 1), "grace hopper", date(1980, 1, 1))
    assert not patient.same_person("Grace Hopper", date(1980, 1, 1), "Grace Hopper", date(1980, 1, 2))
