"""Prototypes of the fixes the figures point at — measured, not used by the app.

    python -m bench.prototypes append  --database-url URL [--events 3000]
    python -m bench.prototypes rebuild --database-url URL [--events 100000]

(URL: a sqlite:///path file or a postgres://…/database that this command may fill;
the harness's own databases are made and dropped by ``python -m bench``.)

The benchmark measures the real paths (``events.handlers``, ``manage.py
rebuild_readmodels``). Where those miss a target, these show what a change in
``events/store.py`` or ``readmodels/`` would give, on the same data, so the
change can be judged before anyone makes it:

* ``append``: the command script through the real handlers, twice — as they
  are, then with ``store.read_stream`` reading three columns with one raw query
  into light records, and ``store.append`` inserting with one raw statement and
  leaving the version check to the unique (stream, version) constraint (which
  catches every stale expected version, because versions are contiguous) —
  instead of a MAX(version) query per stream, the ORM's model instances and
  ``bulk_create``. Same lock, same transaction, same conflict errors.
* ``rebuild``: ``readmodels.rebuild.rebuild`` as it is, then a batched replay:
  the log read once (not once per projector), only the event types some
  projector handles, 5,000 events at a time, rows created with
  ``bulk_create`` and changed with ``bulk_update`` per batch instead of one ORM
  statement per event. It checks that both give identical tables
  (``readmodels.rebuild.snapshot``) before printing the two rates.
"""
import argparse
import collections
import json
import os
import sys
import time
import uuid
from datetime import date, datetime, time as clock


def setup(database_url):
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    for name in ("CELERY_BROKER_URL", "REDIS_URL"):
        os.environ.pop(name, None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from events.store import events_committed
    from readmodels.signals import project_new_events

    events_committed.disconnect(project_new_events)


# --- Appends --------------------------------------------------------------------

Record = collections.namedtuple("Record", "version type data")


def lean_store():
    """Replacements for ``store.read_stream`` and ``store.append`` (see the module docstring)."""
    from django.db import IntegrityError, connection, transaction
    from django.utils import timezone

    from events import store

    postgresql = connection.vendor == "postgresql"

    def db_uuid(value):
        value = value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
        return value if postgresql else value.hex

    def read_stream(stream_id, *, up_to_version=None, until=None):
        if up_to_version is not None or until is not None:
            return original_read_stream(stream_id, up_to_version=up_to_version, until=until)
        with connection.cursor() as cursor:
            cursor.execute("SELECT version, type, data FROM events_storedevent WHERE stream_id = %s "
                           "ORDER BY version", [db_uuid(stream_id)])
            return [Record(v, t, d if isinstance(d, dict) else json.loads(d)) for v, t, d in cursor.fetchall()]

    def append(writes, *, metadata, occurred_at=None):
        writes = [w for w in writes if w.events]
        if not writes:
            raise ValueError("append() needs at least one event")
        now = timezone.now()
        adapt = (lambda v: v) if postgresql else connection.ops.adapt_datetimefield_value
        meta = json.dumps(metadata)
        params = []
        for write in writes:
            for offset, event in enumerate(write.events, start=1):
                params += [db_uuid(uuid.uuid4()), db_uuid(write.stream_id), write.stream_type,
                           write.expected_version + offset, event.type, json.dumps(event.data), meta,
                           adapt(occurred_at or now), adapt(now)]
        rows = len(params) // 9
        sql = ("INSERT INTO events_storedevent (event_id, stream_id, stream_type, version, type, data, metadata, "
               "occurred_at, recorded_at) VALUES " + ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s)"] * rows)
               + " RETURNING position")
        with transaction.atomic():
            store._serialize_appends()
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(sql, params)
                    position = max(p for (p,) in cursor.fetchall())
            except IntegrityError as error:
                raise store.ConcurrencyConflict("The stream changed meanwhile; reload and try again.") from error
            transaction.on_commit(lambda: store.events_committed.send(sender=None, position=position))
        return position

    original_read_stream = store.read_stream
    return read_stream, append


def measure_appends(events):
    from events import store
    from events.models import StoredEvent

    from .data import ClinicCommands, command_script

    commands = ClinicCommands()
    rates = {}
    for name, seed in (("as is", 11), ("lean", 12)):
        if name == "lean":
            store.read_stream, store.append = lean_store()
        script = command_script(events, seed=seed)
        for command in script[:200]:  # warm up; doctors and patients registered
            commands(command)
        before, started = StoredEvent.objects.count(), time.perf_counter()
        for command in script[200:]:
            commands(command)
        rates[name] = (StoredEvent.objects.count() - before) / (time.perf_counter() - started)
        print(f"append, handlers {name}: {rates[name]:,.0f} events/s", flush=True)
    print(f"lean / as is: {rates['lean'] / rates['as is']:.1f}x")


# --- Rebuild ----------------------------------------------------------------------

def batched_rebuild(batch_size=5000):
    """The same tables as ``rebuild.rebuild``, from one pass over the log."""
    from django.db import connection, transaction

    from events import store
    from events.domain import appointment, doctor, patient
    from readmodels.models import Appointment, Checkpoint, Doctor, Patient, TimesheetEntry
    from readmodels.projectors import PROJECTORS
    from readmodels import runner

    lock = getattr(runner, "locked_checkpoint", None) or getattr(runner, "_locked_checkpoint")

    handled = sorted({t for p in PROJECTORS for t in p.handlers()})
    postgresql = connection.vendor == "postgresql"
    with transaction.atomic():
        head = store.head_position()
        for projector in PROJECTORS:
            lock(projector.name)
            for model in projector.tables:
                model.objects.all().delete()
        after, count = 0, 0
        placeholders = ", ".join(["%s"] * len(handled))
        while True:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT position, stream_id, version, type, data FROM events_storedevent "
                               f"WHERE position > %s AND position <= %s AND type IN ({placeholders}) "
                               f"ORDER BY position LIMIT %s", [after, head, *handled, batch_size])
                rows = cursor.fetchall()
            if not rows:
                break
            after = rows[-1][0]
            count += len(rows)
            events = [(uuid.UUID(str(s)) if not isinstance(s, uuid.UUID) else s, v, t,
                       d if isinstance(d, dict) else json.loads(d)) for _, s, v, t, d in rows]
            _apply_batch(events, Doctor, TimesheetEntry, Patient, Appointment, doctor, patient, appointment)
        Checkpoint.objects.filter(projector__in=[p.name for p in PROJECTORS]).update(position=head)
    return count


def _apply_batch(events, Doctor, TimesheetEntry, Patient, Appointment, doctor, patient, appointment):
    created = {Doctor: {}, Patient: {}, Appointment: {}}
    changed = {Doctor: {}, Patient: {}, Appointment: {}}
    wanted = {Doctor: set(), Patient: set(), Appointment: set()}
    model_of = {doctor.DOCTOR_ARRIVED: Doctor, doctor.DOCTOR_LEFT: Doctor, patient.PATIENT_UPDATED: Patient,
                appointment.APPOINTMENT_CANCELLED: Appointment}
    for stream, _, event_type, _ in events:
        if event_type in model_of:
            wanted[model_of[event_type]].add(stream)
    existing = {model: model.objects.in_bulk(list(ids)) if ids else {} for model, ids in wanted.items()}
    new_shifts, open_shifts = [], {}

    def row(model, pk):
        if pk in created[model]:
            return created[model][pk]
        instance = changed[model].get(pk) or existing[model][pk]
        changed[model][pk] = instance
        return instance

    for stream, version, event_type, data in events:
        if event_type == doctor.DOCTOR_CREATED:
            created[Doctor][stream] = Doctor(id=stream, name=data["name"], specialty=data["specialty"],
                                             version=version)
        elif event_type == doctor.DOCTOR_ARRIVED:
            at = datetime.fromisoformat(data["at"])
            shift = TimesheetEntry(doctor_id=stream, arrived_at=at)
            new_shifts.append(shift)
            open_shifts[stream] = shift
            d = row(Doctor, stream)
            d.on_shift_since, d.version = at, version
        elif event_type == doctor.DOCTOR_LEFT:
            at = datetime.fromisoformat(data["at"])
            shift = open_shifts.pop(stream, None)
            if shift is None:  # opened in an earlier batch
                shift = TimesheetEntry.objects.get(doctor_id=stream, left_at__isnull=True)
                seconds = doctor.worked_seconds(shift.arrived_at, at)
                TimesheetEntry.objects.filter(pk=shift.pk).update(left_at=at, seconds_worked=seconds)
            else:
                seconds = doctor.worked_seconds(shift.arrived_at, at)
                shift.left_at, shift.seconds_worked = at, seconds
            d = row(Doctor, stream)
            d.on_shift_since, d.total_seconds_worked, d.version = None, d.total_seconds_worked + seconds, version
        elif event_type == patient.PATIENT_CREATED:
            created[Patient][stream] = Patient(id=stream, name=data["name"],
                                               date_of_birth=date.fromisoformat(data["date_of_birth"]),
                                               version=version)
        elif event_type == patient.PATIENT_UPDATED:
            p = row(Patient, stream)
            if "name" in data:
                p.name = data["name"]
            if "date_of_birth" in data:
                p.date_of_birth = date.fromisoformat(data["date_of_birth"])
            p.version = version
        elif event_type == appointment.APPOINTMENT_CREATED:
            created[Appointment][stream] = Appointment(
                id=stream, doctor_id=uuid.UUID(data["doctor_id"]), patient_id=uuid.UUID(data["patient_id"]),
                day=date.fromisoformat(data["day"]), time=clock.fromisoformat(data["time"]),
                duration_minutes=data["duration_minutes"], status=Appointment.BOOKED, version=version)
        elif event_type == appointment.APPOINTMENT_CANCELLED:
            a = row(Appointment, stream)
            a.status, a.cancel_reason, a.version = Appointment.CANCELLED, data.get("reason", ""), version
    for model in (Doctor, Patient, Appointment):
        model.objects.bulk_create(created[model].values(), batch_size=1000)
    TimesheetEntry.objects.bulk_create(new_shifts, batch_size=1000)
    fields = {Doctor: ["on_shift_since", "total_seconds_worked", "version"], Patient: ["name", "date_of_birth", "version"],
              Appointment: ["status", "cancel_reason", "version"]}
    for model, rows in changed.items():
        if rows:
            model.objects.bulk_update(rows.values(), fields[model], batch_size=500)


def measure_rebuild(events):
    from events import importing, store
    from events.models import StoredEvent
    from readmodels import rebuild

    from .data import History

    missing = events - StoredEvent.objects.count()
    history = History(seed=2)
    while missing > 0:
        chunk = history.take(min(100_000, missing))
        importing.import_events(chunk, metadata=store.metadata(actor="prototype", source="seed"))
        missing -= len(chunk)
    total = StoredEvent.objects.count()
    started = time.perf_counter()
    rebuild.rebuild()
    as_is = total / (time.perf_counter() - started)
    reference = rebuild.snapshot()
    print(f"rebuild as is: {as_is:,.0f} events/s over {total:,} events", flush=True)
    started = time.perf_counter()
    batched_rebuild()
    batched = total / (time.perf_counter() - started)
    same = rebuild.snapshot() == reference
    print(f"rebuild batched: {batched:,.0f} events/s; tables identical to the rebuild as is: {same}")
    print(f"batched / as is: {batched / as_is:.1f}x")
    if not same:
        raise SystemExit(1)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.prototypes", description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["append", "rebuild"])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--events", type=int)
    args = parser.parse_args(argv)
    setup(args.database_url)
    if args.what == "append":
        measure_appends(args.events or 3000)
    else:
        measure_rebuild(args.events or 100_000)


if __name__ == "__main__":
    sys.exit(main())
