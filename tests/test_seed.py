"""The demo seed goes through the command layer (every fact an event, read models
projected from them) and the demo login prints credentials that work."""
import re
from collections import defaultdict
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from events.models import StoredEvent
from readmodels.models import Appointment, AppointmentCard, Doctor, Patient, TimesheetEntry
from tests.readmodels.test_cards import cards, joined

TINY = {"doctors": 3, "patients": 12, "days": 7}


def seed(**options):
    out = StringIO()
    call_command("seed_demo", stdout=out, stderr=StringIO(), **{**TINY, **options})
    return out.getvalue()


def count(event_type):
    return StoredEvent.objects.filter(type=event_type).count()


@pytest.fixture
def seeded(committed_db):
    return seed()


def test_every_fact_is_an_event_from_the_seed(seeded):
    assert "Seeded 3 doctors, 12 patients" in seeded
    assert count("DOCTOR_CREATED") == 3
    assert count("PATIENT_CREATED") == 12
    assert count("DOCTOR_ARRIVED") == TimesheetEntry.objects.count() > 0
    assert count("DOCTOR_LEFT") == TimesheetEntry.objects.filter(left_at__isnull=False).count() > 0
    assert count("APPOINTMENT_CREATED") == Appointment.objects.count() > 0
    assert count("APPOINTMENT_CANCELLED") == Appointment.objects.filter(status=Appointment.CANCELLED).count() > 0
    sources = {(e["actor"], e["source"]) for e in StoredEvent.objects.values_list("metadata", flat=True)}
    # And the appointment cards, which the card process writes as it follows the seed's bookings.
    assert sources == {("seed", "seed"), ("card-process", "process")}
    assert count("CARD_STARTED") == AppointmentCard.objects.filter(complete=True).count() == count(
        "APPOINTMENT_CREATED")


def test_every_seeded_appointment_has_its_card_equal_to_the_join(seeded):
    assert len(cards()) == Appointment.objects.count() > 0
    assert cards() == joined()


def test_read_models_are_projected_from_the_seed(seeded):
    assert Doctor.objects.count() == 3
    assert Patient.objects.count() == 12
    now = timezone.now()
    shifts = TimesheetEntry.objects.filter(left_at__isnull=False)
    assert all(3 <= shift.hours_worked <= 11 for shift in shifts)
    assert all(shift.arrived_at <= now for shift in TimesheetEntry.objects.all())
    for doctor in Doctor.objects.all():
        worked = sum(s.seconds_worked for s in doctor.timesheet.all() if s.seconds_worked)
        assert doctor.total_seconds_worked == worked
        assert doctor.on_shift == doctor.timesheet.filter(left_at__isnull=True).exists()
    appointment = Appointment.objects.select_related("doctor", "patient").first()
    assert appointment.doctor.name and appointment.patient.name
    assert {a.duration_minutes for a in Appointment.objects.all()} <= {15, 30, 45}
    assert all(a.cancel_reason for a in Appointment.objects.filter(status=Appointment.CANCELLED))
    assert all(1930 <= p.date_of_birth.year <= 2020 for p in Patient.objects.all())
    call_command("verify_readmodels", stdout=StringIO(), stderr=StringIO())  # exits 1 on a difference


def test_no_doctor_is_double_booked(seeded):
    by_doctor_day = defaultdict(list)
    for a in Appointment.objects.exclude(status=Appointment.CANCELLED):  # a checked-in patient holds the time too
        start = a.time.hour * 60 + a.time.minute
        by_doctor_day[a.doctor_id, a.day].append((start, start + a.duration_minutes))
    for slots in by_doctor_day.values():
        slots.sort()
        # strict=False: each slot against the next, so the second list is one shorter by design.
        assert all(end <= next_start for (_, end), (next_start, _) in zip(slots, slots[1:], strict=False))


def test_every_seeded_doctor_has_working_hours_and_is_booked_only_inside_them(seeded):
    assert count("WORKING_HOURS_SET") == Doctor.objects.filter(hours_set=True).count() == 3
    for appointment in Appointment.objects.select_related("doctor"):
        start = appointment.time.hour * 60 + appointment.time.minute
        end = start + appointment.duration_minutes
        blocks = [(b.start.hour * 60 + b.start.minute, (b.end.hour * 60 + b.end.minute) or 24 * 60)
                  for b in appointment.doctor.working_hours.filter(weekday=appointment.day.weekday())]
        assert any(opens <= start and end <= closes for opens, closes in blocks), appointment


def test_past_appointments_are_a_mix_the_desk_noted_at_their_time(seeded):
    """Checked in on the day, no-shows after the start, cancellations before it;
    nothing still to come is checked in or missed."""
    now = timezone.localtime()
    statuses = {a.status for a in Appointment.objects.all()}
    assert {Appointment.BOOKED, Appointment.CHECKED_IN, Appointment.NO_SHOW, Appointment.CANCELLED} <= statuses
    for a in Appointment.objects.filter(status__in=[Appointment.CHECKED_IN, Appointment.NO_SHOW]):
        assert datetime.combine(a.day, a.time, tzinfo=now.tzinfo) - timedelta(minutes=20) <= now
    for e in StoredEvent.objects.filter(type="PATIENT_CHECKED_IN"):
        booked = Appointment.objects.get(pk=e.stream_id)
        assert timezone.localtime(datetime.fromisoformat(e.data["at"])).date() == booked.day
    assert "checked in" in seeded and "no-shows" in seeded


def test_seeding_again_adds_nothing(seeded):
    events = StoredEvent.objects.count()
    assert "not seeded" in seed()
    assert "not seeded" in seed(doctors=5, patients=50)
    assert StoredEvent.objects.count() == events


def test_demo_login_prints_credentials_that_work(committed_db):
    def login():
        out = StringIO()
        call_command("demo_login", stdout=out)
        text = out.getvalue()
        return (re.search(r"password: (\S+)", text).group(1), re.search(r"token: +(\S+)", text).group(1), text)

    def opens_the_api(token):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client.get("/api/doctors/").status_code == 200

    password, token, text = login()
    assert "http://127.0.0.1:8000/" in text and "username: reception" in text
    assert f"Authorization: Token {token}" in text  # the curl example
    user = get_user_model().objects.get(username="reception")
    assert user.is_staff and not user.is_superuser and user.check_password(password)
    assert opens_the_api(token)
    expires = re.search(r"expires: +(\S+)", text).group(1)
    assert abs(datetime.fromisoformat(expires) - timezone.now() - timedelta(hours=12)) < timedelta(minutes=1)

    # A token cannot be read back, only made: each run prints a new one, and the new
    # password revokes the old.
    again, new_token, _ = login()
    user.refresh_from_db()
    assert again != password and user.check_password(again) and not user.check_password(password)
    assert new_token != token
    assert opens_the_api(new_token) and not opens_the_api(token)


def test_demo_login_prints_a_login_per_role_none_a_superuser(committed_db, doctor):
    out = StringIO()
    call_command("demo_login", stdout=out)
    text = out.getvalue()
    printed = re.findall(r"username: (\S+)\n  password: (\S+)\n  token: +(\S+)", text)
    assert [username for username, _, _ in printed] == ["reception", "clinician", "manager"]
    for username, password, _ in printed:
        user = get_user_model().objects.get(username=username)
        assert user.is_staff and not user.is_superuser and user.check_password(password)
        assert [group.name for group in user.groups.all()] == [username]
    assert get_user_model().objects.get(username="clinician").clinician.doctor_id == doctor
    assert "clinician (Dr Ada Lovelace):" in text


def test_demo_login_without_doctors_says_why_there_is_no_clinician(committed_db):
    out = StringIO()
    call_command("demo_login", stdout=out)
    assert "clinician: none, as no doctor is registered yet" in out.getvalue()
    assert not get_user_model().objects.filter(username="clinician").exists()
