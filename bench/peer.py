"""The peer: the same clinic written with the Python ``eventsourcing`` library.

Installed from the registry by ``bench/requirements.txt`` (pinned), never
vendored. It runs the same ``bench.data.command_script`` on the same database as
Clinic (its own tables beside ours: the same SQLite file, the same PostgreSQL
database), so the two are measured side by side in one run.

The peer does what the library's idiom does for each command: get the
aggregates from the repository (replaying their events, as Clinic's handlers
fold streams — neither side snapshots or caches), call a method that checks the
same invariants (registered once, on shift before leaving, departure after
arrival, no double booking, an existing doctor and patient, an appointment id
not used yet), and ``save`` what changed in one transaction. Like Clinic, a
booking writes two events — the appointment's and its doctor's day schedule's —
atomically; a new day's schedule is created by its first booking (one event).

On SQLite the library opens its own connections; it sets WAL like Clinic, and
we set ``synchronous=NORMAL`` on them too, which is Clinic's setting, so both
sides run with the same durability. On PostgreSQL both use the server defaults
(fsync on, synchronous_commit on).
"""
from datetime import date, datetime, time
from uuid import UUID

from eventsourcing import sqlite as _es_sqlite
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate, event

from events.domain import schedule as clinic_schedule
from events.domain import validate
from events.domain.errors import AlreadyExists, AlreadyOnShift, InvalidCommand, NotOnShift

_create_sqlite_connection = _es_sqlite.SQLiteConnectionPool._create_connection


def _sqlite_connection_like_clinic(self):
    connection = _create_sqlite_connection(self)
    connection._sqlite_conn.execute("PRAGMA synchronous=NORMAL")
    return connection


_es_sqlite.SQLiteConnectionPool._create_connection = _sqlite_connection_like_clinic


class Doctor(Aggregate):
    @staticmethod
    def create_id(doctor_id):
        return doctor_id

    @event("Registered")
    def __init__(self, doctor_id: UUID, name: str, specialty: str):
        self.name = name
        self.specialty = specialty
        self.arrived_at = None
        self.last_left_at = None

    def arrive(self, at, now):
        validate.not_in_future(at, now, "at")
        if self.arrived_at is not None:
            raise AlreadyOnShift(f"Dr {self.name} is already on shift.")
        if self.last_left_at is not None and at < self.last_left_at:
            raise InvalidCommand("Arrival cannot be before the last departure.", field="at")
        self._arrived(at.isoformat())

    @event("Arrived")
    def _arrived(self, at: str):
        self.arrived_at = datetime.fromisoformat(at)

    def leave(self, at, now):
        validate.not_in_future(at, now, "at")
        if self.arrived_at is None:
            raise NotOnShift(f"Dr {self.name} is not on shift.")
        if at <= self.arrived_at:
            raise InvalidCommand("Departure must be after the arrival.", field="at")
        self._left(at.isoformat())

    @event("Left")
    def _left(self, at: str):
        self.arrived_at = None
        self.last_left_at = datetime.fromisoformat(at)


class Patient(Aggregate):
    @staticmethod
    def create_id(patient_id):
        return patient_id

    @event("Registered")
    def __init__(self, patient_id: UUID, name: str, date_of_birth: str):
        self.name = name
        self.date_of_birth = date.fromisoformat(date_of_birth)

    def rename(self, name):
        name = validate.text(name, "name", 200)
        if name != self.name:
            self._renamed(name)

    @event("Updated")
    def _renamed(self, name: str):
        self.name = name


class Appointment(Aggregate):
    @staticmethod
    def create_id(appointment_id):
        return appointment_id

    @event("Booked")
    def __init__(self, appointment_id: UUID, doctor_id: str, patient_id: str, day: str, time: str,
                 duration_minutes: int):
        self.doctor_id = doctor_id
        self.patient_id = patient_id
        self.day = date.fromisoformat(day)
        self.time = time
        self.duration_minutes = duration_minutes
        self.status = "booked"

    def cancel(self, reason):
        if self.status == "cancelled":
            raise InvalidCommand("Already cancelled.")
        self._cancelled(reason.strip())

    @event("Cancelled")
    def _cancelled(self, reason: str):
        self.status = "cancelled"


def _minutes(clock):
    start = time.fromisoformat(clock)
    return start.hour * 60 + start.minute


class Schedule(Aggregate):
    """A doctor's day, keyed like Clinic's schedule stream; created by its first booking."""

    @staticmethod
    def create_id(doctor_id, day):
        return clinic_schedule.stream_id(doctor_id, date.fromisoformat(day))

    @event("Opened")
    def __init__(self, doctor_id: str, day: str, appointment_id: str, start: str, duration_minutes: int):
        self.booked = {}
        self._take(appointment_id, start, duration_minutes)

    def book(self, appointment_id, start, duration_minutes, doctor_name):
        slot = clinic_schedule.Slot(_minutes(start), _minutes(start) + duration_minutes)
        clinic_schedule.ensure_free(self.booked, slot, who=f"Dr {doctor_name}", field="time")
        self._booked(appointment_id, start, duration_minutes)

    @event("SlotBooked")
    def _booked(self, appointment_id: str, start: str, duration_minutes: int):
        self._take(appointment_id, start, duration_minutes)

    def _take(self, appointment_id, start, duration_minutes):
        self.booked[appointment_id] = clinic_schedule.Slot(_minutes(start), _minutes(start) + duration_minutes)

    @event("SlotReleased")
    def release(self, appointment_id: str):
        self.booked.pop(appointment_id, None)


class PeerClinic(Application):
    """One ``save`` per command (``batch`` collects several commands into one save)."""

    name = "PeerClinic"

    def __init__(self, env):
        super().__init__(env=env)
        self._pending = None

    def _save(self, *aggregates):
        if self._pending is not None:
            self._pending.update({a.id: a for a in aggregates})
        else:
            self.save(*aggregates)

    def _get(self, aggregate_id, what):
        if self._pending is not None and aggregate_id in self._pending:
            return self._pending[aggregate_id]
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise InvalidCommand(f"No {what} has this id.") from None

    def _exists(self, aggregate_id):
        return (self._pending is not None and aggregate_id in self._pending) or aggregate_id in self.repository

    def __call__(self, command, now):
        a = command.args
        if command.kind == "doctor":
            if self._exists(a["doctor_id"]):
                raise AlreadyExists("A doctor with this id already exists.")
            self._save(Doctor(doctor_id=a["doctor_id"], name=validate.text(a["name"], "name", 200),
                              specialty=validate.text(a["specialty"], "specialty", 100)))
        elif command.kind == "patient":
            if self._exists(a["patient_id"]):
                raise AlreadyExists("A patient with this id already exists.")
            self._save(Patient(patient_id=a["patient_id"], name=validate.text(a["name"], "name", 200),
                               date_of_birth=validate.date_of_birth(a["date_of_birth"], now.date()).isoformat()))
        elif command.kind in ("arrive", "leave"):
            doctor = self._get(a["doctor_id"], "doctor")
            getattr(doctor, command.kind)(a["at"], now)
            self._save(doctor)
        elif command.kind == "book":
            self._book(**a)
        elif command.kind == "cancel":
            appointment = self._get(a["appointment_id"], "appointment")
            appointment.cancel(a["reason"])
            day_schedule = self._get(clinic_schedule.stream_id(appointment.doctor_id, appointment.day), "schedule")
            day_schedule.release(str(a["appointment_id"]))
            self._save(appointment, day_schedule)
        elif command.kind == "rename":
            patient = self._get(a["patient_id"], "patient")
            patient.rename(a["name"])
            self._save(patient)
        else:
            raise ValueError(command.kind)

    def _book(self, *, appointment_id, doctor_id, patient_id, day, time, duration_minutes):
        if self._exists(appointment_id):
            raise AlreadyExists("An appointment with this id already exists.")
        doctor = self._get(doctor_id, "doctor")
        self._get(patient_id, "patient")
        if time.second or time.microsecond:
            raise InvalidCommand("Appointments start on a whole minute (HH:MM).")
        clock = f"{time.hour:02d}:{time.minute:02d}"
        schedule_id = clinic_schedule.stream_id(doctor_id, day)
        try:
            day_schedule = self._get(schedule_id, "schedule")
        except InvalidCommand:
            day_schedule = Schedule(doctor_id=str(doctor_id), day=day.isoformat(), appointment_id=str(appointment_id),
                                    start=clock, duration_minutes=duration_minutes)
        else:
            day_schedule.book(str(appointment_id), clock, duration_minutes, doctor.name)
        self._save(Appointment(appointment_id=appointment_id, doctor_id=str(doctor_id), patient_id=str(patient_id),
                               day=day.isoformat(), time=clock, duration_minutes=duration_minutes), day_schedule)

    def batch(self, commands, now):
        """Run several commands and save all their events at once (one transaction)."""
        self._pending = {}
        try:
            for command in commands:
                self(command, now)
            pending = list(self._pending.values())
        finally:
            self._pending = None
        self.save(*pending)

    def read_log(self, page):
        """Read the whole notification log in order, ``page`` at a time, decoding
        each record to a domain event; returns how many were read."""
        count, start = 0, 1
        while True:
            notifications = self.recorder.select_notifications(start=start, limit=page)
            for notification in notifications:
                self.mapper.to_domain_event(notification)
            count += len(notifications)
            if len(notifications) < page:
                return count
            start = notifications[-1].id + 1

    def head(self):
        return self.recorder.max_notification_id() or 0


def environment(database):
    """The library's settings for Django's database settings dict ``database``."""
    if database["ENGINE"].endswith("sqlite3"):
        return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(database["NAME"]),
                "SQLITE_LOCK_TIMEOUT": "30"}
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": database["NAME"],
        "POSTGRES_HOST": database["HOST"] or "127.0.0.1",
        "POSTGRES_PORT": str(database["PORT"] or 5432),
        "POSTGRES_USER": database["USER"] or "",
        "POSTGRES_PASSWORD": database["PASSWORD"] or "",
    }
