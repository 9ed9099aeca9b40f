"""Time travel (``clinic.web.timetravel.history``): a stream's events, and the
doctor, patient, appointment or day schedule as it was after any one of them."""
import datetime
import uuid

import pytest

from clinic.web.timetravel import history
from events import handlers
from events.domain import schedule
from events.domain.commands import Arrive, BookAppointment, CancelAppointment, Leave, SetWorkingHours, UpdatePatient

UTC = datetime.timezone.utc
DAY = datetime.date(2030, 1, 7)
ARRIVED = datetime.datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
LEFT = datetime.datetime(2026, 1, 5, 16, 30, tzinfo=UTC)


def facts(found):
    return [(fact.name, fact.value, fact.stream_id) for fact in found.facts]


def test_a_doctor_after_each_event(ctx, doctor):
    handlers.dispatch(ctx, Arrive(doctor, at=ARRIVED))
    handlers.dispatch(ctx, Leave(doctor, at=LEFT))

    assert facts(history(doctor, 1)) == [
        ("name", "Ada Lovelace", None), ("specialty", "Cardiology", None),
        ("arrived at", None, None), ("last left at", None, None),
        ("retired", False, None), ("hours", None, None)]
    assert facts(history(doctor, 2)) == [
        ("name", "Ada Lovelace", None), ("specialty", "Cardiology", None),
        ("arrived at", ARRIVED, None), ("last left at", None, None), ("retired", False, None), ("hours", None, None)]
    assert facts(history(doctor, 3)) == [
        ("name", "Ada Lovelace", None), ("specialty", "Cardiology", None),
        ("arrived at", None, None), ("last left at", LEFT, None), ("retired", False, None), ("hours", None, None)]

    found = history(doctor)
    assert [(e.version, e.type) for e in found.events] == [
        (1, "DOCTOR_CREATED"), (2, "DOCTOR_ARRIVED"), (3, "DOCTOR_LEFT")]
    assert (found.version, found.latest, found.stream_type, found.page, found.title) == (
        3, 3, "doctor", "web:doctor", "Dr Ada Lovelace")


def test_a_patient_after_each_event_titled_with_todays_name(ctx, patient):
    handlers.dispatch(ctx, UpdatePatient(patient, name="Grace Brewster Hopper"))
    handlers.dispatch(ctx, UpdatePatient(patient, date_of_birth=datetime.date(1906, 12, 9)))

    assert facts(history(patient, 1)) == [
        ("name", "Grace Hopper", None), ("date of birth", datetime.date(1980, 12, 9), None),
        ("phone", "", None), ("email", "", None), ("erased", False, None)]
    assert facts(history(patient, 2)) == [
        ("name", "Grace Brewster Hopper", None), ("date of birth", datetime.date(1980, 12, 9), None),
        ("phone", "", None), ("email", "", None), ("erased", False, None)]
    assert facts(history(patient, 3)) == [
        ("name", "Grace Brewster Hopper", None), ("date of birth", datetime.date(1906, 12, 9), None),
        ("phone", "", None), ("email", "", None), ("erased", False, None)]
    # The title names the patient as they are now, whichever version is shown.
    assert {history(patient, v).title for v in (1, 2, 3)} == {"Grace Brewster Hopper"}
    assert (history(patient).stream_type, history(patient).page) == ("patient", "web:patient")


def test_an_appointment_before_and_after_its_cancellation_points_to_its_doctor_and_patient(
        ctx, doctor, patient, appointment):
    handlers.dispatch(ctx, CancelAppointment(appointment, reason="Running late"))

    booked = facts(history(appointment, 1))
    assert booked == [
        ("doctor id", doctor, str(doctor)), ("patient id", patient, str(patient)),
        ("day", DAY, None), ("time", datetime.time(9, 0), None), ("duration minutes", 30, None),
        ("status", "booked", None), ("cancel reason", "", None)]
    assert facts(history(appointment, 2)) == booked[:5] + [
        ("status", "cancelled", None), ("cancel reason", "Running late", None)]
    found = history(appointment)
    assert (found.version, found.stream_type, found.page, found.title) == (
        2, "appointment", "web:appointment", "the appointment on 07 Jan 2030 at 09:00")


def test_a_day_schedule_lists_its_booked_slots_in_time_order(ctx, doctor, patient):
    # Booked late slot first, and with the lower id: neither the order of booking
    # nor the ids put 09:00 first, only the slots' times do.
    late = handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=patient, day=DAY,
                                     time=datetime.time(11, 0), duration_minutes=45,
                                     appointment_id=uuid.UUID("00000000-0000-4000-8000-000000000001"))).id
    early = handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=patient, day=DAY,
                                      time=datetime.time(9, 0),
                                      appointment_id=uuid.UUID("ffffffff-ffff-4fff-bfff-ffffffffffff"))).id
    handlers.dispatch(ctx, CancelAppointment(late))
    day_schedule = schedule.stream_id(doctor, DAY)

    assert facts(history(day_schedule, 1)) == [("11:00–11:45", "booked", str(late))]
    assert facts(history(day_schedule, 2)) == [("09:00–09:30", "booked", str(early)),
                                               ("11:00–11:45", "booked", str(late))]
    assert facts(history(day_schedule, 3)) == [("09:00–09:30", "booked", str(early))]
    found = history(day_schedule)
    assert (found.version, found.stream_type, found.page, found.title) == (
        3, "schedule", None, "Dr Ada Lovelace's day, Monday 7 January 2030")
    # The patient's day holds the same bookings, and says whose it is.
    patient_day = history(schedule.patient_stream_id(patient, DAY))
    assert facts(patient_day) == [("09:00–09:30", "booked", str(early))]
    assert patient_day.title == "Grace Hopper's day, Monday 7 January 2030"


def test_a_doctors_working_week_reads_in_words(ctx, doctor):
    handlers.dispatch(ctx, SetWorkingHours(doctor, weekly=(
        {"weekday": 0, "start": "08:00", "end": "12:00"}, {"weekday": 0, "start": "13:00", "end": "17:00"},
        {"weekday": 2, "start": "09:00", "end": "24:00"})))
    assert ("hours", "Monday 08:00 to 12:00 and 13:00 to 17:00; Wednesday 09:00 to 24:00", None) in facts(
        history(doctor))


@pytest.mark.parametrize("asked, shown", [(None, 3), (3, 3), (2, 2), (1, 1), (0, 1), (-5, 1), (4, 3), (99, 3)])
def test_a_version_outside_the_stream_is_clamped_to_it(ctx, patient, asked, shown):
    handlers.dispatch(ctx, UpdatePatient(patient, name="Grace B. Hopper"))
    handlers.dispatch(ctx, UpdatePatient(patient, name="Grace Brewster Hopper"))
    names = {1: "Grace Hopper", 2: "Grace B. Hopper", 3: "Grace Brewster Hopper"}
    found = history(patient, asked)
    assert found.version == shown
    assert facts(found)[0] == ("name", names[shown], None)
    assert len(found.events) == 3  # the whole history is listed whatever version is shown


def test_a_stream_id_given_as_text_finds_the_same_stream(patient):
    assert facts(history(str(patient))) == facts(history(patient))


def test_an_unknown_stream_has_no_history(committed_db, unknown_id, doctor):
    assert history(unknown_id) is None
    assert history(unknown_id, 1) is None
