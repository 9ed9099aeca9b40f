"""The data the benchmarks run on, made up here, deterministic for a seed.

Two kinds:

* ``command_script`` — a list of clinic commands (register doctors and patients,
  arrive, book, cancel, rename, leave), valid in order. Clinic's command handlers
  and the peer library run the very same list, so both write the same events.
* ``History`` — a long clinic history as ready-made events (the shape an import
  from another system brings): doctors working day after day, 16 half-hour
  appointments per doctor and day (each an ``APPOINTMENT_CREATED`` plus the
  ``SLOT_BOOKED`` on the doctor's schedule for that day), some cancelled, new
  and renamed patients. Every event is one the projectors accept, so the read
  models built from it are real: 100,000 appointments are 100,000 rows joined
  to real doctors and patients.
"""
import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from events import handlers
from events.domain import commands as c
from events.domain import schedule
from events.domain.appointment import AppointmentCancelled, AppointmentCreated
from events.domain.doctor import DoctorArrived, DoctorCreated, DoctorLeft
from events.domain.patient import PatientCreated, PatientUpdated
from events.domain.schedule import SlotBooked, SlotReleased
from events.importing import ImportedEvent

SPECIALTIES = ["Cardiology", "General practice", "Paediatrics", "Dermatology", "Neurology", "Oncology",
               "Orthopaedics", "Psychiatry"]
FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "John", "Katherine", "Leslie",
         "Margaret", "Niklaus", "Radia", "Tim", "Vint", "Whitfield"]
LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Backus", "Johnson",
        "Lamport", "Hamilton", "Wirth", "Perlman", "Berners-Lee", "Cerf", "Diffie"]


def _uuid(rng):
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _name(rng):
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _birth(rng):
    return date(1930, 1, 1) + timedelta(days=rng.randrange(365 * 80))


# --- Commands ---------------------------------------------------------------

@dataclass(frozen=True)
class Command:
    kind: str  # doctor, patient, arrive, leave, book, cancel, rename
    args: dict
    events: int  # how many events the command writes


def command_script(target_events, *, seed=1, doctors=50, patients=200):
    """Commands that write about ``target_events`` events, as a reception would:
    doctors arrive, appointments are booked (about one in four cancelled again),
    patients are renamed now and then, doctors leave. Shifts are in the past,
    one day per round, so every arrival follows the last departure; the round's
    bookings are on a weekday from a week ahead (one a round), since the clinic
    refuses a time that has passed, and at each hour every doctor sees another
    patient, since a patient is in one place at a time."""
    rng = random.Random(seed)
    script = []
    doctor_ids = [_uuid(rng) for _ in range(doctors)]
    patient_ids = [_uuid(rng) for _ in range(patients)]
    for doctor_id in doctor_ids:
        script.append(Command("doctor", {"doctor_id": doctor_id, "name": f"Dr {_name(rng)}",
                                         "specialty": rng.choice(SPECIALTIES)}, 1))
    for patient_id in patient_ids:
        script.append(Command("patient", {"patient_id": patient_id, "name": _name(rng),
                                          "date_of_birth": _birth(rng)}, 1))
    written = len(script)
    today = datetime.now(timezone.utc).date()
    first_day = today - timedelta(days=1000)
    booking_days = (day for day in (today + timedelta(days=7 + n) for n in range(10**6)) if day.weekday() < 5)
    round_ = 0
    while written < target_events:
        day, booking_day = first_day + timedelta(days=round_), next(booking_days)
        takers = [rng.sample(patient_ids, len(doctor_ids)) for _ in range(4)]  # per hour, a patient per doctor
        for n, doctor_id in enumerate(doctor_ids):
            if written >= target_events:
                break
            at = datetime.combine(day, time(8, rng.randrange(30)), tzinfo=timezone.utc)
            commands = [Command("arrive", {"doctor_id": doctor_id, "at": at}, 1)]
            booked = []
            for slot in range(4):
                appointment_id = _uuid(rng)
                booked.append(appointment_id)
                commands.append(Command("book", {
                    "appointment_id": appointment_id, "doctor_id": doctor_id,
                    "patient_id": takers[slot][n], "day": booking_day,
                    "time": time(9 + slot), "duration_minutes": 30}, 2))
            if rng.random() < 0.25:
                commands.append(Command("cancel", {"appointment_id": rng.choice(booked), "reason": "Unwell"}, 2))
            if rng.random() < 0.2:
                commands.append(Command("rename", {"patient_id": rng.choice(patient_ids), "name": _name(rng)}, 1))
            commands.append(Command("leave", {"doctor_id": doctor_id, "at": at + timedelta(hours=8)}, 1))
            script += commands
            written += sum(c.events for c in commands)
        round_ += 1
    return script


def script_events(script):
    return sum(c.events for c in script)


# The command class of each kind of scripted command; the script's arguments are its fields.
COMMANDS = {
    "doctor": c.RegisterDoctor,
    "patient": c.RegisterPatient,
    "arrive": c.Arrive,
    "leave": c.Leave,
    "book": c.BookAppointment,
    "cancel": c.CancelAppointment,
    "rename": c.UpdatePatient,
}


class ClinicCommands:
    """Runs a ``Command`` through Clinic's command bus (``handlers.dispatch``): load
    the streams, validate, decide, append with metadata — one transaction per command."""

    def __init__(self, actor="bench"):
        self.actor = actor

    def __call__(self, command):
        ctx = handlers.Context(actor=self.actor, source="seed")
        handlers.dispatch(ctx, COMMANDS[command.kind](**command.args))


# --- An imported history ----------------------------------------------------

class History:
    """An endless, valid clinic history; ``take(n)`` gives the next n events.

    Per day: each doctor arrives and leaves (two events on the doctor's stream,
    which therefore grows by two events a day, as it would in a real clinic),
    16 half-hour appointments per doctor, each cancelled with probability 5 %,
    20 new patients (2,000 on the first day) and 10 renamed ones.
    """

    SLOTS_PER_DAY = 16

    def __init__(self, *, seed=2, doctors=50, first_patients=2000, patients_per_day=20, first_day=date(2019, 1, 7)):
        self.rng = random.Random(seed)
        self.doctor_ids = [_uuid(self.rng) for _ in range(doctors)]
        self.first_patients = first_patients
        self.patients_per_day = patients_per_day
        self.patient_ids = []
        self.versions = {}
        self.day = first_day
        self.appointments = 0  # APPOINTMENT_CREATED events handed out so far
        self.events = 0
        self._pending = iter(())

    def take(self, n):
        """The next ``n`` events, as a list (generated before any timing starts)."""
        out = []
        while len(out) < n:
            for event in self._pending:
                out.append(event)
                if len(out) == n:
                    break
            else:
                self._pending = iter(self._one_day())
        self.events += len(out)
        self.appointments += sum(1 for e in out if e.type == AppointmentCreated.type)
        return out

    def _event(self, stream_id, event, occurred_at):
        # Appointment and schedule streams live one day; only doctors and patients go on.
        short_lived = event.stream_type in (AppointmentCreated.stream_type, SlotBooked.stream_type)
        versions = self._day_versions if short_lived else self.versions
        version = versions.get(stream_id, 0) + 1
        versions[stream_id] = version
        return ImportedEvent(stream_id=stream_id, stream_type=event.stream_type, version=version, type=event.type,
                             data=event.to_data(), schema_version=event.schema_version, occurred_at=occurred_at)

    def _one_day(self):
        rng, day = self.rng, self.day
        self._day_versions = {}
        morning = datetime.combine(day, time(7), tzinfo=timezone.utc)
        events = []
        first = not self.patient_ids
        if first:
            for doctor_id in self.doctor_ids:
                events.append(self._event(doctor_id, DoctorCreated(name=f"Dr {_name(rng)}",
                                                                   specialty=rng.choice(SPECIALTIES)), morning))
        for _ in range(self.first_patients if first else self.patients_per_day):
            patient_id = _uuid(rng)
            self.patient_ids.append(patient_id)
            events.append(self._event(patient_id, PatientCreated(name=_name(rng), date_of_birth=_birth(rng)),
                                      morning))
        for _ in range(10):
            events.append(self._event(rng.choice(self.patient_ids), PatientUpdated(name=_name(rng)), morning))
        for doctor_id in self.doctor_ids:
            arrived = datetime.combine(day, time(8, rng.randrange(30)), tzinfo=timezone.utc)
            events.append(self._event(doctor_id, DoctorArrived(at=arrived), arrived))
            schedule_id = schedule.stream_id(doctor_id, day)
            for slot in range(self.SLOTS_PER_DAY):
                appointment_id = _uuid(rng)
                start = time(8 + slot // 2, 30 * (slot % 2))
                events.append(self._event(appointment_id, AppointmentCreated(
                    doctor_id=doctor_id, patient_id=rng.choice(self.patient_ids), day=day, time=start,
                    duration_minutes=30), morning))
                events.append(self._event(schedule_id, SlotBooked(
                    appointment_id=appointment_id, start=start, duration_minutes=30), morning))
                if rng.random() < 0.05:
                    events.append(self._event(appointment_id, AppointmentCancelled(reason="Unwell"), morning))
                    events.append(self._event(schedule_id, SlotReleased(appointment_id=appointment_id), morning))
            left = arrived + timedelta(hours=8, minutes=rng.randrange(60))
            events.append(self._event(doctor_id, DoctorLeft(at=left), left))
        self.day += timedelta(days=1)
        return events
