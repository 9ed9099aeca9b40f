"""Events told in the clinic's words (``clinic.web.activity``): the sentence a
person reads on the dashboard and in the event log, for every kind of event."""
import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from clinic.web import activity
from events import handlers, store
from events.domain.commands import (
    Arrive,
    BookAppointment,
    CancelAppointment,
    Leave,
    RegisterDoctor,
    RegisterPatient,
    UpdatePatient,
)
from readmodels import runner

UTC = datetime.timezone.utc
DAY = datetime.date(2030, 1, 7)  # a Monday
KOLKATA = "Asia/Kolkata"  # UTC+05:30 all year: clinic time and UTC differ by a visible half hour


@pytest.fixture
def in_kolkata(settings):
    settings.TIME_ZONE = KOLKATA


def clinic_time(day, hour, minute, zone=KOLKATA):
    """That wall-clock time in the clinic, as the UTC instant a client would send."""
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def late_in_the_day(zone=KOLKATA):
    """A command context whose clock reads the end of today in the clinic, so a
    shift earlier today is never "in the future", whenever the test runs."""
    return handlers.Context(actor="tester", source="seed",
                            now=clinic_time(timezone.localdate(), 23, 59, zone))


def told(*types):
    """The sentences for the whole log, oldest first, of the given event types (all if none)."""
    events = [e for e in store.read_all() if not types or e.type in types]
    return [entry.text for entry in activity.told(events)]


def day_text(day):
    """How another day reads in a moment: "Mon 5 Jan"."""
    return f"{day:%a} {day.day} {day:%b}"


# --- Doctors ---------------------------------------------------------------------

def test_a_doctor_registering_is_told_with_the_specialty(doctor):
    assert told() == ["Dr Ada Lovelace (Cardiology) registered"]


def test_a_shift_today_is_told_at_the_clinics_time_of_day(in_kolkata, doctor):
    today = timezone.localdate()
    ctx = late_in_the_day()
    handlers.dispatch(ctx, Arrive(doctor, at=clinic_time(today, 8, 15)))   # 02:45 UTC
    handlers.dispatch(ctx, Leave(doctor, at=clinic_time(today, 16, 45)))   # 11:15 UTC
    assert told("DOCTOR_ARRIVED", "DOCTOR_LEFT") == [
        "Dr Ada Lovelace arrived at 08:15",
        "Dr Ada Lovelace left at 16:45",
    ]


def test_a_shift_on_another_day_is_told_with_its_day(in_kolkata, ctx, doctor):
    handlers.dispatch(ctx, Arrive(doctor, at=datetime.datetime(2026, 1, 5, 3, 0, tzinfo=UTC)))
    handlers.dispatch(ctx, Leave(doctor, at=datetime.datetime(2026, 1, 5, 12, 0, tzinfo=UTC)))
    assert told("DOCTOR_ARRIVED", "DOCTOR_LEFT") == [
        "Dr Ada Lovelace arrived at Mon 5 Jan, 08:30",
        "Dr Ada Lovelace left at Mon 5 Jan, 17:30",
    ]


@pytest.mark.parametrize("zone", [KOLKATA, "Pacific/Honolulu", None], ids=["Kolkata", "Honolulu", "date-not-UTCs"])
def test_today_is_the_clinics_day_not_utcs(settings, request, doctor, zone):
    """A night shift from 23:00 yesterday to 01:00 today, clinic time. In Kolkata
    both instants fall on yesterday's UTC date; in Honolulu (UTC-10) both on
    today's: either way only the clinic's own calendar tells them apart right.
    The third zone is chosen so that, as the test runs, the clinic's today is
    not UTC's today."""
    if zone is None:
        zone = request.getfixturevalue("clinic_date_is_not_utcs")
    settings.TIME_ZONE = zone
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    ctx = late_in_the_day(zone)
    handlers.dispatch(ctx, Arrive(doctor, at=clinic_time(yesterday, 23, 0, zone)))
    handlers.dispatch(ctx, Leave(doctor, at=clinic_time(today, 1, 0, zone)))
    assert told("DOCTOR_ARRIVED", "DOCTOR_LEFT") == [
        f"Dr Ada Lovelace arrived at {day_text(yesterday)}, 23:00",
        "Dr Ada Lovelace left at 01:00",
    ]


# --- Patients --------------------------------------------------------------------

def test_a_patient_registering_is_told_by_name(patient):
    assert told() == ["Grace Hopper registered as a patient"]


@pytest.mark.parametrize("changes, sentence", [
    ({"name": "Grace Brewster Hopper"}, "Grace Brewster Hopper: changed name to Grace Brewster Hopper"),
    ({"date_of_birth": datetime.date(1906, 12, 9)}, "Grace Hopper: changed date of birth"),
    ({"name": "Grace Brewster Hopper", "date_of_birth": datetime.date(1906, 12, 9)},
     "Grace Brewster Hopper: changed name to Grace Brewster Hopper and date of birth"),
])
def test_a_patient_update_says_what_changed(ctx, patient, changes, sentence):
    handlers.dispatch(ctx, UpdatePatient(patient, **changes))
    assert told("PATIENT_UPDATED") == [sentence]


def test_a_renamed_patient_is_read_with_todays_name(ctx, doctor, patient, appointment):
    handlers.dispatch(ctx, UpdatePatient(patient, name="Grace B. Hopper"))
    handlers.dispatch(ctx, UpdatePatient(patient, name="Grace Brewster Hopper"))
    handlers.dispatch(ctx, CancelAppointment(appointment))
    assert told("PATIENT_CREATED", "PATIENT_UPDATED", "APPOINTMENT_CREATED", "APPOINTMENT_CANCELLED") == [
        "Grace Hopper registered as a patient",  # the name given at registration: that is what happened
        "Grace Brewster Hopper booked with Dr Ada Lovelace on Mon 7 Jan 2030 at 09:00",
        "Grace Brewster Hopper: changed name to Grace B. Hopper",
        "Grace Brewster Hopper: changed name to Grace Brewster Hopper",
        "Appointment of Grace Brewster Hopper with Dr Ada Lovelace on Mon 7 Jan 2030 at 09:00 cancelled",
    ]


# --- Appointments and the schedule ------------------------------------------------

def test_a_booking_is_told_with_patient_doctor_day_and_time(ctx, doctor, patient):
    handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=patient, day=DAY, time=datetime.time(14, 15),
                              duration_minutes=45))
    assert told("APPOINTMENT_CREATED", "SLOT_BOOKED") == [
        "Grace Hopper booked with Dr Ada Lovelace on Mon 7 Jan 2030 at 14:15",
        # The booking takes the time in the doctor's day and in the patient's day.
        "Dr Ada Lovelace's day: slot from 14:15 for 45 minutes taken",
        "Grace Hopper's day: slot from 14:15 for 45 minutes taken",
    ]


def test_a_cancellation_is_told_with_its_reason(ctx, appointment):
    handlers.dispatch(ctx, CancelAppointment(appointment, reason="  Patient is unwell "))
    assert told("APPOINTMENT_CANCELLED", "SLOT_RELEASED") == [
        "Appointment of Grace Hopper with Dr Ada Lovelace on Mon 7 Jan 2030 at 09:00 cancelled: Patient is unwell",
        "Dr Ada Lovelace's day: slot released",
        "Grace Hopper's day: slot released",
    ]


def test_a_cancellation_without_a_reason_ends_at_cancelled(ctx, appointment):
    handlers.dispatch(ctx, CancelAppointment(appointment))
    assert told("APPOINTMENT_CANCELLED") == [
        "Appointment of Grace Hopper with Dr Ada Lovelace on Mon 7 Jan 2030 at 09:00 cancelled"]


# --- Before the read side has caught up ---------------------------------------------

def test_events_whose_rows_are_not_projected_yet_are_still_told(projection_stalled, in_kolkata, ctx):
    ada = handlers.dispatch(ctx, RegisterDoctor(name="Ada Lovelace", specialty="Cardiology")).id
    grace = handlers.dispatch(ctx, RegisterPatient(name="Grace Hopper", date_of_birth=datetime.date(1980, 12, 9))).id
    runner.run_all()  # Ada and Grace are projected; nothing after this is
    alan = handlers.dispatch(ctx, RegisterPatient(name="Alan Turing", date_of_birth=datetime.date(1954, 6, 7))).id
    handlers.dispatch(ctx, UpdatePatient(alan, name="Alan M. Turing"))
    handlers.dispatch(ctx, UpdatePatient(alan, date_of_birth=datetime.date(1912, 6, 23)))
    booking = handlers.dispatch(ctx, BookAppointment(doctor_id=ada, patient_id=grace, day=DAY,
                                        time=datetime.time(9, 0))).id
    handlers.dispatch(ctx, CancelAppointment(booking, reason="Doctor away"))
    joseph = handlers.dispatch(ctx, RegisterDoctor(name="Joseph Lister", specialty="Surgery")).id
    handlers.dispatch(late_in_the_day(), Arrive(joseph, at=clinic_time(timezone.localdate(), 8, 15)))

    sentences = told()
    assert sentences[:-1] == [
        "Dr Ada Lovelace (Cardiology) registered",
        "Grace Hopper registered as a patient",
        "Alan Turing registered as a patient",
        "Alan M. Turing: changed name to Alan M. Turing",  # the name the event itself carries
        "A patient: changed date of birth",
        "Grace Hopper booked with Dr Ada Lovelace on Mon 7 Jan 2030 at 09:00",  # names from their own rows
        "Slot from 09:00 for 30 minutes taken",  # whose day is not known before the appointment's row
        "Slot from 09:00 for 30 minutes taken",
        "An appointment was cancelled: Doctor away",  # its reason, from its own data
        "Slot released",
        "Slot released",
        "Dr Joseph Lister (Surgery) registered",
    ]
    # Told with its time; who arrived is not known until the doctor's row is projected.
    assert sentences[-1] == "A doctor arrived at 08:15"

    runner.run_all()
    assert told("APPOINTMENT_CANCELLED", "DOCTOR_ARRIVED") == [
        "Appointment of Grace Hopper with Dr Ada Lovelace on Mon 7 Jan 2030 at 09:00 cancelled: Doctor away",
        "Dr Joseph Lister arrived at 08:15",
    ]


# --- latest() -------------------------------------------------------------------------

def test_latest_gives_the_newest_events_first_without_the_schedule(ctx, appointment):
    handlers.dispatch(ctx, CancelAppointment(appointment))
    newest = activity.latest(3)
    assert [entry.text for entry in newest] == [
        "Appointment of Grace Hopper with Dr Ada Lovelace on Mon 7 Jan 2030 at 09:00 cancelled",
        "Grace Hopper booked with Dr Ada Lovelace on Mon 7 Jan 2030 at 09:00",
        "Grace Hopper registered as a patient",
    ]
    assert {entry.actor for entry in newest} == {"tester"}
    # The day schedules' events (slot taken, slot released, in the doctor's and the
    # patient's day) are bookkeeping, not news.
    assert len(activity.latest(100)) == 4
    assert not any(entry.text.startswith("Slot") for entry in activity.latest(100))


def test_latest_of_an_empty_log_is_empty(committed_db):
    assert activity.latest(12) == []


@pytest.mark.parametrize("bookings", [1, 4])
def test_a_page_of_events_is_told_in_three_queries_whatever_its_size(ctx, doctor, bookings,
                                                                      django_assert_num_queries):
    for n in range(bookings):
        patient = handlers.dispatch(ctx, RegisterPatient(name=f"Patient {n}",
                                                         date_of_birth=datetime.date(1990, 1, 1))).id
        booked = handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=patient, day=DAY,
                                           time=datetime.time(9 + n, 0))).id
        handlers.dispatch(ctx, CancelAppointment(booked))
    events = list(store.read_all())
    # the cancelled reasons' keys, the appointments with their names, the doctors, the patients
    with django_assert_num_queries(4):
        entries = activity.told(events)
    cancelled = [entry for entry in entries if entry.event.type == "APPOINTMENT_CANCELLED"]
    assert cancelled[-1].text == (f"Appointment of Patient {bookings - 1} with Dr Ada Lovelace on Mon 7 Jan 2030 "
                                f"at {9 + bookings - 1:02d}:00 cancelled")
