"""Command cost against a doctor's history: does a booking, an arrival or a
departure cost the same for a doctor who has worked twenty years as for one
registered today?

For each history size (events on the doctor's stream besides the registration)
a doctor is made — registered through the command layer for 0, imported with
``events.importing`` for the others (one shift a day, ending a month ago, as
``bench.data.History`` writes shifts) — and then, through ``handlers.dispatch``:

* ``booking_ms_p50_history_<n>``: bookings of that doctor, 30 minutes each on
  weekdays a week or more ahead, each with a patient of its own (so only the
  doctor's stream is long; the day schedules hold the same few events at every
  size). Median wall time per command in ms.
* ``arrival_ms_p50_history_<n>``: arrivals and departures of that doctor,
  alternating, an hour apart, after the history's last departure. Median per
  command in ms.

Both kinds, and the three doctors, take turns command by command after a short
warm-up, so they see the same machine. The commands write: the doctor's stream grows by the
arrivals and departures timed, a few dozen events against thousands.
"""
import time
import uuid
from datetime import datetime, timedelta, timezone

HISTORY_SIZES = (0, 2_000, 20_000)


def measure(commands, warmup=5, sizes=HISTORY_SIZES):
    """{figure: ms} for every history size; ``commands`` of each kind are timed.
    Every doctor is made first and the sizes take turns command by command, so a
    change in the machine's load (or the database tidying up after the imports)
    falls on all of them alike."""
    from .suite import percentile

    doctors = {size: doctor_with_history(size) for size in sizes}
    runs = {size: _Run(doctor_id, warmup + commands) for size, doctor_id in doctors.items()}
    for n in range(warmup + commands):
        for run in runs.values():
            run.step(n)
    figures = {}
    for size, run in runs.items():
        figures[f"booking_ms_p50_history_{size}"] = percentile(run.bookings[warmup:], 50)
        figures[f"arrival_ms_p50_history_{size}"] = percentile(run.shifts[warmup:], 50)
    return figures


def doctor_with_history(size):
    from events import handlers, importing, store
    from events.domain.commands import RegisterDoctor
    from events.domain.doctor import DoctorArrived, DoctorCreated, DoctorLeft

    if not size:
        return handlers.dispatch(_ctx(), RegisterDoctor(name="Ada Newcomer", specialty="Cardiology")).id
    doctor_id, shifts = uuid.uuid4(), size // 2
    first = datetime.now(timezone.utc).replace(hour=8, minute=0, second=0, microsecond=0) \
        - timedelta(days=shifts + 30)
    events = [DoctorCreated(name="Ada Veteran", specialty="Cardiology")]
    for day in range(shifts):
        arrived = first + timedelta(days=day)
        events += [DoctorArrived(at=arrived), DoctorLeft(at=arrived + timedelta(hours=8))]
    importing.import_events(
        [importing.ImportedEvent(stream_id=doctor_id, stream_type=event.stream_type, version=version,
                                 type=event.type, data=event.to_data(), occurred_at=first)
         for version, event in enumerate(events, start=1)],
        metadata=store.metadata(actor="bench-history", source="seed"), batch_size=20_000)
    return doctor_id


class _Run:
    """One doctor's timed commands: a booking, then an arrival or a departure, per step."""

    def __init__(self, doctor_id, total):
        from events import handlers
        from events.domain.commands import RegisterPatient

        self.doctor_id, self.bookings, self.shifts = doctor_id, [], []
        self.patients = [handlers.dispatch(_ctx(), RegisterPatient(name=f"Patient {n}", date_of_birth=datetime(
            1980, 1, 1).date())).id for n in range(total)]
        self.slots = _slots(total)
        self.shift_start = datetime.now(timezone.utc) - timedelta(days=20)

    def step(self, n):
        from events import handlers
        from events.domain.commands import Arrive, BookAppointment, Leave

        day, at = self.slots[n]
        started = time.perf_counter()
        handlers.dispatch(_ctx(), BookAppointment(doctor_id=self.doctor_id, patient_id=self.patients[n], day=day,
                                                  time=at, duration_minutes=30))
        self.bookings.append((time.perf_counter() - started) * 1000)
        command = (Arrive if n % 2 == 0 else Leave)(self.doctor_id, at=self.shift_start + timedelta(hours=n))
        started = time.perf_counter()
        handlers.dispatch(_ctx(), command)
        self.shifts.append((time.perf_counter() - started) * 1000)


def _slots(count):
    """Half-hour slots from 09:00 to 17:00 on weekdays from a week ahead: inside
    the clinic's default hours, in the future whatever the time zone."""
    from datetime import time as clock

    day, slots = datetime.now(timezone.utc).date() + timedelta(days=7), []
    while len(slots) < count:
        if day.weekday() < 5:
            slots += [(day, clock(9 + n // 2, 30 * (n % 2))) for n in range(16)]
        day += timedelta(days=1)
    return slots[:count]


def _ctx():
    from events import handlers

    return handlers.Context(actor="bench", source="seed")
