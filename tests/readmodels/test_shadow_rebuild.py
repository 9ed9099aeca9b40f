"""rebuild_readmodels --shadow: fresh tables built beside the live ones while the
site serves, swapped in at once — no reader ever sees a missing row or an empty list."""
import datetime
import io
import threading

import pytest
from django.core.management import call_command
from django.db import connection

from events import handlers
from events.domain.commands import BookAppointment, RegisterDoctor, RegisterPatient
from readmodels import rebuild, runner, selectors, shadow
from readmodels.models import Appointment, DeadLetter, Patient

DAY = datetime.date(2030, 1, 7)


@pytest.fixture
def clinic_day(committed_db, ctx):
    """A doctor's fully booked day: enough events that a rebuild takes a while."""
    doctor = handlers.dispatch(ctx, RegisterDoctor(name="Ada Lovelace", specialty="Cardiology")).id
    booked = []
    for n in range(40):
        patient = handlers.dispatch(ctx, RegisterPatient(name=f"Patient {n}",
                                                         date_of_birth=datetime.date(1980, 1, 1))).id
        start = datetime.time(8 + n // 4, (n % 4) * 15)
        booked.append(handlers.dispatch(ctx, BookAppointment(doctor_id=doctor, patient_id=patient, day=DAY,
                                                             time=start, duration_minutes=15)).id)
    return {"doctor": doctor, "appointments": booked}


def test_the_swapped_in_tables_equal_a_replay_and_the_checkpoints_the_head(clinic_day):
    out = io.StringIO()

    call_command("rebuild_readmodels", "--shadow", stdout=out, stderr=io.StringIO())

    assert "swapped in" in out.getvalue()
    assert rebuild.verify() == {}
    assert set(runner.checkpoint_positions().values()) == {runner.store.head_position()}
    assert Appointment.objects.count() == 40
    assert _shadow_gone()


def test_readers_never_see_a_missing_row_or_an_empty_list_and_projection_goes_on(clinic_day, ctx):
    watched = clinic_day["appointments"][17]
    seen = {"reads": 0, "missing": 0, "short lists": 0}
    stop = threading.Event()

    def read():
        try:
            while not stop.is_set():
                if not selectors.appointments().filter(pk=watched).exists():
                    seen["missing"] += 1
                if selectors.appointments().filter(day=DAY).count() < 40:
                    seen["short lists"] += 1
                seen["reads"] += 1
        finally:
            connection.close()

    reader = threading.Thread(target=read)
    reader.start()
    live_during_build, written_at_swap = [], []

    def register_late(into):
        # In a thread, as another request would: its own connection, which sees the live tables.
        patient = handlers.dispatch(ctx, RegisterPatient(name="Late Comer", date_of_birth=datetime.date(1990, 1, 1)))
        into.append((patient.id, runner.wait_for(patient.position, 10) and
                     Patient.objects.filter(id=patient.id).exists()))
        connection.close()

    def while_building(step):
        if not live_during_build:  # once, between two batches of the replay
            writer = threading.Thread(target=register_late, args=(live_during_build,))
            writer.start()
            writer.join()

    at_swap = threading.Thread(target=register_late, args=(written_at_swap,))
    try:
        shadow.rebuild_in_shadow(progress=while_building, swapping=at_swap.start)
    finally:
        stop.set()
        reader.join()
    at_swap.join()

    assert seen["reads"] > 0
    assert seen["missing"] == 0 and seen["short lists"] == 0
    # The live projectors went on while the fresh tables were built ...
    assert live_during_build[0][1] is True
    # ... and what was written as the swap began is in the swapped-in tables.
    assert Patient.objects.filter(id__in=[live_during_build[0][0], written_at_swap[0][0]]).count() == 2
    assert rebuild.verify() == {}


def test_dead_letters_are_rebuilt_with_the_tables(clinic_day):
    from tests.readmodels.test_dead_letters import poison

    poison({"name": "Half Written"})
    runner.run_all()
    assert DeadLetter.objects.count() == 1

    shadow.rebuild_in_shadow()

    assert DeadLetter.objects.count() == 1
    assert Appointment.objects.count() == 40


def _shadow_gone():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT count(*) FROM pg_namespace WHERE nspname IN (%s, %s)",
                           [shadow.SCHEMA, shadow.RETIRED])
        else:
            # (sqlite_sequence stays: SQLite's own, made for the AUTOINCREMENT tables)
            cursor.execute("SELECT count(*) FROM temp.sqlite_master WHERE name != 'sqlite_sequence'")
        return cursor.fetchone()[0] == 0
