"""A doctor is never double-booked, even by requests that arrive at the same moment.

Two ways in: threads in this test process, each with its own database connection
(needs the test database to be a file: shared in-memory SQLite refuses a second
writer at once instead of waiting), and separate processes against one SQLite
file, as several web processes in the embedded mode would be.
"""
import datetime
import json
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections

from events import handlers, store
from events.domain import schedule
from events.domain.commands import BookAppointment
from events.domain.errors import Conflict, DoubleBooking
from events.models import StoredEvent
from readmodels.models import Appointment

CONTENDERS = 8
DAY = datetime.date(2030, 1, 7)
WORKER = Path(__file__).with_name("booking_worker.py")


def in_threads(n, attempt):
    """Run ``attempt(i)`` in n threads released together; return results or Conflict errors."""
    barrier = threading.Barrier(n)

    def run(i):
        try:
            barrier.wait(timeout=30)
            return attempt(i)
        except Conflict as refused:
            return refused
        finally:
            connections.close_all()

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


@pytest.fixture
def file_db(committed_db):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("threads need a file test database (shared-cache memory fails with 'table is locked')")


def test_threads_booking_the_same_slot_exactly_one_wins(file_db, doctor, patient, ctx):
    results = in_threads(CONTENDERS, lambda i: handlers.dispatch(ctx, BookAppointment(
        doctor_id=doctor, patient_id=patient, day=DAY, time=datetime.time(9, 0))))

    won = [r for r in results if isinstance(r, handlers.Written)]
    lost = [r for r in results if isinstance(r, Conflict)]
    assert len(won) == 1, results
    assert len(lost) == CONTENDERS - 1
    assert all(isinstance(r, DoubleBooking) for r in lost), lost
    assert StoredEvent.objects.filter(type="APPOINTMENT_CREATED").count() == 1
    for day_id in (schedule.stream_id(doctor, DAY), schedule.patient_stream_id(patient, DAY)):  # both days
        assert [e.data["appointment_id"] for e in StoredEvent.objects.filter(type="SLOT_BOOKED", stream_id=day_id)] \
            == [str(won[0].id)]
    assert list(Appointment.objects.values_list("id", flat=True)) == [won[0].id]


def test_threads_booking_different_slots_all_succeed(file_db, doctor, patient, ctx):
    """Same schedule stream, no overlap: a version conflict is decided again, not refused.
    (Four contenders: each loses at most three races, within the handler's retries.)"""
    results = in_threads(4, lambda i: handlers.dispatch(ctx, BookAppointment(
        doctor_id=doctor, patient_id=patient, day=DAY, time=datetime.time(9 + i, 0))))
    assert all(isinstance(r, handlers.Written) for r in results), results
    doctor_day = [e for e in store.read_stream(schedule.stream_id(doctor, DAY)) if e.type == "SLOT_BOOKED"]
    assert [e.version for e in doctor_day] == [1, 2, 3, 4]
    assert sorted(a.time.hour for a in Appointment.objects.all()) == [9, 10, 11, 12]


def test_processes_booking_the_same_slot_on_one_sqlite_file_exactly_one_wins(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"CELERY_BROKER_URL", "REDIS_URL"}}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'clinic.sqlite3'}", DJANGO_SETTINGS_MODULE="clinic.settings")
    base = str(settings.BASE_DIR)

    def python(*args, **kwargs):
        return subprocess.run([sys.executable, *args], cwd=base, env=env, capture_output=True, text=True,
                              timeout=120, **kwargs)

    migrated = python("manage.py", "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    seeded = python(str(WORKER), "seed")
    assert seeded.returncode == 0, seeded.stderr
    ids = json.loads(seeded.stdout.strip().splitlines()[-1])

    workers = [subprocess.Popen([sys.executable, str(WORKER), "book", ids["doctor"], ids["patient"]], cwd=base,
                                env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True) for _ in range(CONTENDERS)]
    try:
        for worker in workers:  # every process is set up and waiting ...
            assert worker.stdout.readline().strip() == "ready"
        for worker in workers:  # ... then all are released at once
            worker.stdin.write("go\n")
            worker.stdin.flush()
        outcomes = []
        for worker in workers:
            out, err = worker.communicate(timeout=120)
            assert worker.returncode == 0, err
            outcomes.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()

    booked = [o["booked"] for o in outcomes if "booked" in o]
    assert len(booked) == 1, outcomes
    assert sorted(o["refused"] for o in outcomes if "refused" in o) == ["DoubleBooking"] * (CONTENDERS - 1)

    import sqlite3

    with sqlite3.connect(tmp_path / "clinic.sqlite3") as db:
        types = dict(db.execute("SELECT type, COUNT(*) FROM events_storedevent GROUP BY type").fetchall())
        appointments = [row[0] for row in db.execute("SELECT id FROM readmodels_appointment")]
    # The appointment card's process ran in every contender as it caught up: its card was written once.
    assert types == {"DOCTOR_CREATED": 1, "PATIENT_CREATED": 1, "APPOINTMENT_CREATED": 1, "SLOT_BOOKED": 2,
                     "CARD_STARTED": 1, "CARD_DOCTOR_FOUND": 1, "CARD_PATIENT_FOUND": 1, "CARD_COMPLETED": 1}
    assert [a.replace("-", "") for a in appointments] == [booked[0].replace("-", "")]


@pytest.fixture
def log_only(projection_stalled):  # only the log matters here
    pass


WAYS_TO_APPEND = ("in a transaction", "after the transaction wrote", "alone", "a new patient, alone",
                  "each way in turn")


@pytest.mark.postgresql  # commit order vs. position order: SQLite has one writer at a time
@pytest.mark.parametrize("how", WAYS_TO_APPEND)
def test_a_reader_following_the_log_never_skips_a_late_commit(log_only, how):
    """Concurrent writers, each holding its transaction open a little after its insert
    (as a busy web request would), and a reader asking "what is after position N?"
    over and over, as a projector does. Every event the writers committed must reach
    the reader, in order — none may become visible below a position it has passed.

    A writer appends in its transaction; or in a transaction that wrote before
    (a request's own work: its id is given then, before the append lock — the
    store's savepoint is what keeps the rows' writer newer than the lock); or
    alone, no transaction around it (the store's own: one statement, no
    savepoint); or alone, registering a new patient, whose key the same
    statement stores after the lock (``store._locked``); or each of these in turn."""
    import random
    import uuid

    from django.db import transaction
    from django.utils import timezone

    from events.domain.patient import PatientCreated
    from events.models import Snapshot
    from tests.events.conftest import test_event

    writers, appends = 6, 15
    meta = store.metadata(actor="tester", source="seed")
    done = threading.Event()
    seen = []

    def write(i):
        stream, version = uuid.uuid4(), 0  # the writer's "thing" stream and its version
        for turn in range(appends):
            way = WAYS_TO_APPEND[(i + turn) % 4] if how == WAYS_TO_APPEND[-1] else how
            if way == "a new patient, alone":
                registration = PatientCreated(name=f"Writer {i}", date_of_birth=datetime.date(1980, 1, 2))
                store.append([store.StreamWrite(uuid.uuid4(), "patient", 0, [registration])], metadata=meta)
                continue
            tick = store.StreamWrite(stream, "thing", version, [test_event("TICK")])
            version += 1
            if way == "alone":
                store.append([tick], metadata=meta)
                continue
            with transaction.atomic():
                if way == "after the transaction wrote":
                    Snapshot.objects.create(stream_id=uuid.uuid4(), stream_type="thing", schema="none", version=1,
                                            state={}, taken_at=timezone.now())
                    threading.Event().wait(random.uniform(0, 0.004))
                store.append([tick], metadata=meta)
                time_to_commit = random.uniform(0, 0.004)
                threading.Event().wait(time_to_commit)

    def read():
        last = 0
        try:
            while True:
                finished = done.is_set()
                batch = [e.position for e in store.read_all(after=last)]
                seen.extend(batch)
                last = batch[-1] if batch else last
                # Done once the writers are, and the reader has reached the last event
                # (which may become readable a moment after its commit: events.store).
                if finished and not batch and last >= store.last_position():
                    return
        finally:
            connections.close_all()

    reader = threading.Thread(target=read)
    reader.start()
    try:
        results = in_threads(writers, write)
    finally:
        done.set()
        reader.join(timeout=60)
    assert results == [None] * writers
    committed = list(StoredEvent.objects.order_by("position").values_list("position", flat=True))
    assert len(committed) == writers * appends
    assert [p for p in committed if p not in set(seen)] == []  # nothing skipped
    assert seen == committed  # nothing twice, in order


@pytest.mark.postgresql  # SQLite has one writer at a time: no append waits for a lock while keys change
def test_an_append_waiting_for_the_lock_while_its_patient_is_erased_writes_nothing(log_only, ctx):
    """An append seals before it takes the append lock (``store._sealed``). Here it
    reads the patient's key while an erasure holding the lock has deleted it but
    not yet committed, then waits for the lock; the erasure commits. The append
    must then write nothing — no data sealed under a key that is gone, after the
    patient's erasure — and say the patient was erased."""
    import uuid

    from events import shredding
    from events.domain.appointment import AppointmentCancelled
    from events.domain.commands import ErasePatient, RegisterPatient
    from events.domain.patient import ErasedPatient
    from events.models import DataKey

    patient_id, appointment_id = uuid.uuid4(), uuid.uuid4()
    handlers.dispatch(ctx, RegisterPatient(name="Zebulon Quimby", date_of_birth=datetime.date(1980, 1, 2),
                                           patient_id=patient_id))
    erased_uncommitted, let_commit = threading.Event(), threading.Event()

    def hold_the_erasure(sender, patient_id, **kwargs):
        erased_uncommitted.set()
        let_commit.wait(timeout=30)

    def erase():
        try:
            return handlers.dispatch(ctx, ErasePatient(patient_id=patient_id, reason="asked"))
        finally:
            connections.close_all()

    def cancel():
        try:
            erased_uncommitted.wait(timeout=30)
            return store.append([store.StreamWrite(appointment_id, "appointment", 0, [AppointmentCancelled(
                reason="Zebulon's knee", patient_id=patient_id)])], metadata=store.metadata(actor="t", source="seed"))
        except ErasedPatient as refused:
            return refused
        finally:
            connections.close_all()

    shredding.erased.connect(hold_the_erasure)
    try:
        with ThreadPoolExecutor(2) as pool:
            erasing, cancelling = pool.submit(erase), pool.submit(cancel)
            assert erased_uncommitted.wait(timeout=30)
            _wait_for_a_writer_waiting_for_the_append_lock()
            let_commit.set()
            erased, cancelled = erasing.result(timeout=30), cancelling.result(timeout=30)
    finally:
        let_commit.set()
        shredding.erased.disconnect(hold_the_erasure)
    assert isinstance(erased, handlers.Written)
    assert isinstance(cancelled, ErasedPatient), cancelled
    assert not StoredEvent.objects.filter(stream_id=appointment_id).exists()
    assert DataKey.objects.get(subject=patient_id).key is None


def _wait_for_a_writer_waiting_for_the_append_lock():
    """Until some session waits for the log's append lock (its INSERT has begun)."""
    import time

    deadline = time.monotonic() + 30
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                           "AND objid = %s", [store.APPEND_LOCK_KEY & 0xFFFF_FFFF])
            if cursor.fetchone()[0]:
                return
            time.sleep(0.01)
    raise AssertionError("no append came to wait for the append lock")
