"""Fill an empty clinic with believable demo data, through the real command layer.

Every fact goes through ``events.handlers`` (source "seed", actor "seed"), so it is
an event like any other and the read models are projected from it as usual:
doctors, patients, a month of shifts and a month of appointments around today.

The data is drawn from a fixed random seed, so the same day gives the same clinic.
Shift times are never in the future: a doctor whose shift has started today is on
shift now, one whose shift has not started yet has not arrived.
"""
import logging
import random
import time as timer
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from clinic.progress import progress_bar
from events import handlers
from events.domain import commands as c
from events.domain import doctor, patient
from events.domain.errors import DomainError
from events.models import StoredEvent

ACTOR = SOURCE = "seed"
DEFAULT_SEED = 20250101

# Cycled when more doctors are asked for; general practice is the busiest.
SPECIALTIES = [
    "General Practice", "Cardiology", "Paediatrics", "Dermatology", "General Practice",
    "Orthopaedics", "Neurology", "Obstetrics and Gynaecology", "Ophthalmology", "Psychiatry",
    "General Practice", "Ear, Nose and Throat",
]
FIRST_NAMES = [
    "Amelia", "Oliver", "Sofia", "Liam", "Hannah", "Noah", "Maya", "Lucas", "Chloe", "Mateo",
    "Aisha", "Ethan", "Fatima", "James", "Ingrid", "Kenji", "Leila", "Marco", "Nadia", "Omar",
    "Priya", "Rafael", "Sara", "Tomasz", "Ursula", "Victor", "Wen", "Yusuf", "Zoe", "Anton",
    "Beatriz", "Carlos", "Daniela", "Emil", "Freya", "Gabriel", "Helena", "Ivan", "Julia", "Karim",
    "Lena", "Mohammed", "Nora", "Oscar", "Paula", "Quentin", "Rosa", "Samuel", "Tara", "Arjun",
    "Elena", "Felix", "Grace", "Hugo", "Isla", "Jonas", "Klara", "Luca", "Mia", "Nikolai",
]
LAST_NAMES = [
    "Andersen", "Baker", "Costa", "Dubois", "Evans", "Fischer", "García", "Hughes", "Ivanova", "Jensen",
    "Kowalski", "Lindqvist", "Martin", "Nakamura", "O'Brien", "Patel", "Quinn", "Rossi", "Schmidt", "Tanaka",
    "Usman", "Varga", "Walsh", "Xu", "Yilmaz", "Zimmermann", "Ahmed", "Bianchi", "Chen", "Novak",
    "Eriksson", "Fernandes", "Gallagher", "Horvat", "Iqbal", "Jovanović", "Kim", "Larsen", "Müller", "Nguyen",
    "Okafor", "Petrov", "Reyes", "Santos", "Thompson", "Van Dijk", "Wright", "Moreau", "Berg", "Silva",
]
CANCEL_REASONS = [
    "Patient called to reschedule.",
    "Patient is unwell and cannot come in.",
    "Booked in error.",
    "Patient did not confirm the appointment.",
    "Patient asked for a later date.",
    "Referred to another clinic.",
]
ABSENCE_REASON = "Doctor unavailable (off sick); patient to be rebooked."
BIRTH_RANGE = (date(1930, 1, 1), date(2020, 12, 31))
LUNCH = (12 * 60 + 30, 13 * 60 + 15)  # minutes after midnight


@dataclass
class DoctorPlan:
    id: uuid.UUID
    name: str
    specialty: str
    weekdays: frozenset  # 0 = Monday
    start: int  # usual arrival, minutes after midnight
    length: int  # usual shift, minutes
    absent: set = field(default_factory=set)


@dataclass(frozen=True)
class Step:
    """One command to run, what it counts as in the summary, and the moment it is
    decided at (a past booking was made before its day; None: now)."""
    kind: str
    command: c.Command
    at: datetime | None = None


class Command(BaseCommand):
    help = ("Seed demo data (doctors, patients, shifts, appointments) through the command layer, "
            "so every fact is an event. Does nothing if doctors or patients already exist.")

    def add_arguments(self, parser):
        parser.add_argument("--doctors", type=positive, default=12, help="Number of doctors (default 12).")
        parser.add_argument("--patients", type=positive, default=200, help="Number of patients (default 200).")
        parser.add_argument("--days", type=positive, default=30,
                            help="Days of shifts up to today; appointments span as many days around today "
                                 "(default 30: shifts for the last 30 days, appointments from 15 days ago "
                                 "to 14 days ahead).")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Random seed (default fixed).")

    def handle(self, *args, **options):
        # Thousands of commands: their one-line-each JSON log (clinic.commands) would
        # bury the progress bar. Those lines are for the commands staff send.
        commands_log = logging.getLogger("clinic.commands")
        level = commands_log.level
        commands_log.setLevel(logging.WARNING)
        try:
            self.seed(**options)
        finally:
            commands_log.setLevel(level)

    def seed(self, *, doctors, patients, days, seed, **options):
        existing = StoredEvent.objects.filter(stream_type__in=[doctor.STREAM, patient.STREAM])
        if existing.exists():
            self.stdout.write("Demo data not seeded: the event store already has doctors or patients.")
            return

        steps = plan(random.Random(seed), doctors=doctors, patients=patients, days=days,
                     now=timezone.localtime())
        correlation_id = f"seed-{uuid.uuid4()}"
        counts = {}
        started = timer.monotonic()
        with progress_bar(self, total=len(steps), unit="command", desc="Seeding demo data", smoothing=0.1) as bar:
            for step in steps:
                ctx = handlers.Context(actor=ACTOR, source=SOURCE, correlation_id=correlation_id,
                                       now=step.at or timezone.now())
                try:
                    handlers.dispatch(ctx, step.command)
                except DomainError as error:
                    raise CommandError(f"Seeding stopped at a {step.kind}: {error.message}") from error
                counts[step.kind] = counts.get(step.kind, 0) + 1
                bar.update()
        elapsed = timer.monotonic() - started
        events = StoredEvent.objects.count()
        self.stdout.write(self.style.SUCCESS(
            f"Seeded {counts.get('doctor', 0)} doctors, {counts.get('patient', 0)} patients, "
            f"{counts.get('arrival', 0)} arrivals and {counts.get('departure', 0)} departures, "
            f"{counts.get('booking', 0)} appointments ({counts.get('cancellation', 0)} cancelled, "
            f"{counts.get('check-in', 0)} checked in, {counts.get('no-show', 0)} no-shows): "
            f"{len(steps)} commands, {events} events, in {elapsed:.1f} s."))


def plan(rng, *, doctors, patients, days, now):
    """The commands to run, in order. Pure: the same seed and ``now`` give the same plan."""
    today = now.date()
    doctor_plans = [_doctor(rng, i) for i in range(doctors)]
    _unique_names(doctor_plans)
    patient_ids = [_uuid(rng) for _ in range(patients)]

    steps = [Step("doctor", _register_doctor(d)) for d in doctor_plans]
    steps += [Step("hours", _working_hours(d)) for d in doctor_plans]
    steps += [Step("patient", _register_patient(pid, _person_name(rng), _birth_date(rng))) for pid in patient_ids]

    # Shifts: the last ``days`` days up to today, oldest first.
    for offset in range(days - 1, -1, -1):
        day = today - timedelta(days=offset)
        for d in doctor_plans:
            if day.weekday() not in d.weekdays:
                continue
            arrival = _local(day, d.start + rng.randint(-15, 20), rng.randint(0, 59))
            departure = _local(day, d.start + d.length + rng.randint(-20, 45), rng.randint(0, 59))
            if rng.random() < 0.07:  # off sick
                d.absent.add(day)
                continue
            if arrival > now:  # today, not in yet
                continue
            steps.append(Step("arrival", _arrive(d.id, arrival)))
            if departure <= now:  # otherwise still on shift
                steps.append(Step("departure", _leave(d.id, departure)))

    # Appointments: from days//2 ago to the days after today, on each doctor's working days.
    back = days // 2
    ahead = max(days - back - 1, 1)
    bookings, cancellations, attendance = [], [], []
    for offset in range(-back, ahead + 1):
        day = today + timedelta(days=offset)
        patient_slots = {}  # patient -> [(start, end)] this day
        for d in doctor_plans:
            if day.weekday() not in d.weekdays:
                continue
            for start, minutes in _day_slots(rng, d):
                patient_id = _free_patient(rng, patient_ids, patient_slots, start, start + minutes)
                if patient_id is None:
                    continue
                appointment_id = _uuid(rng)
                begins = _local(day, start)
                bookings.append(Step("booking", _book(appointment_id, d.id, patient_id, day, start, minutes),
                                     at=min(now, begins - timedelta(days=7))))
                if day in d.absent:
                    cancellations.append(Step("cancellation", _cancel(appointment_id, ABSENCE_REASON),
                                              at=min(now, begins - timedelta(days=1))))
                elif rng.random() < 0.08:
                    cancellations.append(Step("cancellation", _cancel(appointment_id, rng.choice(CANCEL_REASONS)),
                                              at=min(now, begins - timedelta(days=1))))
                else:
                    attendance += _attendance(rng, appointment_id, begins, now)
    return steps + bookings + cancellations + attendance


def _attendance(rng, appointment_id, begins, now):
    """What the desk noted for a past appointment, at the time it was noted: most
    patients checked in a little early, some did not come (noted a quarter of an
    hour after the start), a few are left booked, not yet noted."""
    chance = rng.random()
    if chance < 0.85:
        arrived = begins - timedelta(minutes=rng.randint(0, 20))
        return [Step("check-in", c.CheckIn(appointment_id=appointment_id), at=arrived)] if arrived <= now else []
    noted = begins + timedelta(minutes=15)
    if chance < 0.95 and noted <= now:
        return [Step("no-show", c.MarkNoShow(appointment_id=appointment_id), at=noted)]
    return []


def _doctor(rng, index):
    weekdays = {0, 1, 2, 3, 4}
    if rng.random() < 0.3:  # part-time: one weekday off
        weekdays.discard(rng.randrange(5))
    if rng.random() < 0.2:  # some Saturday clinics
        weekdays.add(5)
    if rng.random() < 0.25:  # afternoon and evening clinics
        start, length = rng.choice([12 * 60, 12 * 60 + 30, 13 * 60]), rng.choice([6 * 60, 7 * 60, 7 * 60 + 30])
    else:
        start = rng.choice([7 * 60, 7 * 60 + 30, 8 * 60, 8 * 60 + 30, 9 * 60, 10 * 60])
        length = rng.choice([6 * 60, 7 * 60, 7 * 60 + 30, 8 * 60, 8 * 60 + 30, 9 * 60])
    return DoctorPlan(
        id=_uuid(rng), name=_person_name(rng), specialty=SPECIALTIES[index % len(SPECIALTIES)],
        weekdays=frozenset(weekdays), start=start, length=length)


def _unique_names(doctor_plans):
    seen = {}
    for d in doctor_plans:
        seen[d.name] = seen.get(d.name, 0) + 1
        if seen[d.name] > 1:
            d.name = f"{d.name} {seen[d.name]}"


def _day_slots(rng, d):
    """6–10 non-overlapping appointments of 15, 30 or 45 minutes within the usual shift,
    with a lunch break in longer shifts."""
    wanted = rng.randint(6, 10)
    cursor = -(-d.start // 15) * 15  # first quarter hour of the shift
    end = d.start + d.length - 15
    slots = []
    while len(slots) < wanted:
        start = cursor + rng.choices([0, 15, 30], weights=[6, 3, 1])[0]
        minutes = rng.choices([15, 30, 45], weights=[3, 5, 2])[0]
        if d.start < LUNCH[0] - 2 * 60 and d.length > 6 * 60 and start < LUNCH[1] and start + minutes > LUNCH[0]:
            cursor = LUNCH[1]
            continue
        if start + minutes > end:
            break
        slots.append((start, minutes))
        cursor = start + minutes
    return slots


def _free_patient(rng, patient_ids, patient_slots, start, end):
    """A patient not already booked at that time of the day (None if none found quickly)."""
    for _ in range(20):
        patient_id = rng.choice(patient_ids)
        taken = patient_slots.setdefault(patient_id, [])
        if all(end <= s or e <= start for s, e in taken):
            taken.append((start, end))
            return patient_id
    return None


def _person_name(rng):
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _birth_date(rng):
    first, last = BIRTH_RANGE
    return first + timedelta(days=rng.randint(0, (last - first).days))


def _uuid(rng):
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _local(day, minutes, seconds=0):
    """An aware datetime in the clinic's time zone, ``minutes`` after that day's midnight."""
    return timezone.make_aware(datetime.combine(day, time()) + timedelta(minutes=minutes, seconds=seconds))


def _clock(minutes):
    return time(minutes // 60, minutes % 60)


# Each returns the command a step sends.

def _register_doctor(d):
    return c.RegisterDoctor(name=d.name, specialty=d.specialty, doctor_id=d.id)


def _working_hours(d):
    """The doctor's usual shift on each of their weekdays: bookings lie inside it."""
    return c.SetWorkingHours(doctor_id=d.id, weekly=tuple(
        {"weekday": weekday, "start": _clock(d.start).strftime("%H:%M"),
         "end": _clock(d.start + d.length).strftime("%H:%M")} for weekday in sorted(d.weekdays)))


def _register_patient(patient_id, name, born):
    return c.RegisterPatient(name=name, date_of_birth=born, patient_id=patient_id)


def _arrive(doctor_id, at):
    return c.Arrive(doctor_id=doctor_id, at=at)


def _leave(doctor_id, at):
    return c.Leave(doctor_id=doctor_id, at=at)


def _book(appointment_id, doctor_id, patient_id, day, start, minutes):
    return c.BookAppointment(doctor_id=doctor_id, patient_id=patient_id, day=day, time=_clock(start),
                             duration_minutes=minutes, appointment_id=appointment_id)


def _cancel(appointment_id, reason):
    return c.CancelAppointment(appointment_id=appointment_id, reason=reason)


def positive(value):
    number = int(value)
    if number < 1:
        raise ValueError("must be at least 1")
    return number
