"""Rebuild replays the log into empty tables and gives what incremental projection
built; verify says so, or names the table that differs. Both run unattended."""
import builtins
import datetime
import io
import sys

import pytest
from django.core.management import call_command
from django.db import connection

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
from events.models import StoredEvent
from readmodels import runner
from readmodels.models import Appointment, Checkpoint, Doctor, Patient, TimesheetEntry
from readmodels.rebuild import snapshot

DAY = datetime.date(2030, 1, 7)


@pytest.fixture
def no_prompt(monkeypatch):
    """Any attempt to ask the operator something fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError("the command prompted for input")

    monkeypatch.setattr(builtins, "input", refuse)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))


@pytest.fixture
def clinic(committed_db, fixed_ctx, at, no_prompt):
    """A small clinic's history, projected as it happened."""
    ctx = fixed_ctx
    ada = handlers.dispatch(ctx, RegisterDoctor(name="Ada Lovelace", specialty="Cardiology")).id
    bob = handlers.dispatch(ctx, RegisterDoctor(name="Bob Builder", specialty="Surgery")).id
    grace = handlers.dispatch(ctx, RegisterPatient(name="Grace Hopper", date_of_birth=datetime.date(1980, 12, 9))).id
    alan = handlers.dispatch(ctx, RegisterPatient(name="Alan Turing", date_of_birth=datetime.date(1954, 6, 7))).id
    handlers.dispatch(ctx, Arrive(ada, at=at(7, 45)))
    handlers.dispatch(ctx, Leave(ada, at=at(16, 15)))
    handlers.dispatch(ctx, Arrive(bob, at=at(9)))
    first = handlers.dispatch(ctx, BookAppointment(doctor_id=ada, patient_id=grace, day=DAY, time=datetime.time(9))).id
    handlers.dispatch(ctx, BookAppointment(doctor_id=bob, patient_id=alan, day=DAY, time=datetime.time(9)))
    handlers.dispatch(ctx, CancelAppointment(first, reason="clash"))
    handlers.dispatch(ctx, BookAppointment(doctor_id=ada, patient_id=grace, day=DAY, time=datetime.time(9, 15),
                              duration_minutes=45))
    handlers.dispatch(ctx, UpdatePatient(grace, name="Grace B. Hopper"))
    return {"ada": ada, "bob": bob, "grace": grace, "alan": alan}


def run(command, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue()


def verify_fails(*args):
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("verify_readmodels", *args, stdout=out, stderr=io.StringIO())
    return exit_.value.code, out.getvalue()


def checkpoints():
    return {c.projector: c.position for c in Checkpoint.objects.all()}


def test_verify_finds_nothing_to_report_after_incremental_projection(clinic):
    assert "match" in run("verify_readmodels")


def test_rebuild_then_verify_reports_no_difference(clinic):
    before = snapshot()
    output = run("rebuild_readmodels")
    head = store.head_position()
    assert f"up to position {head}" in output
    assert snapshot() == before
    # The projectors' replayed, and the card process's, which a rebuild leaves where it was: at the head.
    assert checkpoints() == {subscriber.name: head for subscriber in runner.SUBSCRIBERS}
    assert "match" in run("verify_readmodels")


@pytest.mark.parametrize("batch", [1, 2, 3, 7])
def test_any_replay_batch_size_gives_the_tables_projection_built(clinic, monkeypatch, batch):
    """Rows changed in a later batch than the one that created them (a shift closed,
    an appointment cancelled, a patient renamed) are loaded and written back."""
    from readmodels import rebuild

    before = snapshot()
    monkeypatch.setattr(rebuild, "REPLAY_BATCH", batch)
    run("rebuild_readmodels")
    assert snapshot() == before


def test_rebuild_restores_wiped_or_damaged_tables(clinic):
    before = snapshot()
    Appointment.objects.all().delete()
    TimesheetEntry.objects.all().delete()
    Patient.objects.filter(id=clinic["alan"]).delete()
    Doctor.objects.filter(id=clinic["ada"]).update(name="Mallory", total_seconds_worked=1)
    Doctor.objects.create(id=clinic["grace"], name="Ghost", specialty="None", version=1)
    run("rebuild_readmodels")
    assert snapshot() == before


def test_what_the_api_shows_is_the_same_before_and_after_a_rebuild(clinic, api):
    def everything():
        pages = {path: api.get(path).json()
                 for path in ("/api/doctors/", "/api/patients/", "/api/appointments/")}
        pages.update({f"/api/doctors/{d}/": api.get(f"/api/doctors/{d}/").json()
                      for d in (clinic["ada"], clinic["bob"])})
        return pages

    before = everything()
    assert before["/api/appointments/"]["count"] == 3
    assert before["/api/doctors/"]["count"] == 2
    run("rebuild_readmodels")
    assert everything() == before


def test_verify_names_a_tampered_table_and_exits_1(clinic):
    Doctor.objects.filter(id=clinic["ada"]).update(name="Dr Tampered")
    code, output = verify_fails()
    assert code == 1
    assert "readmodels.Doctor" in output
    assert f"id={clinic['ada']}: differs in name" in output
    assert "readmodels.Patient" not in output and "readmodels.Appointment" not in output
    # verify only looks: the live row is still the tampered one, checkpoints unmoved
    assert Doctor.objects.get(id=clinic["ada"]).name == "Dr Tampered"


def test_verify_leaves_live_tables_and_checkpoints_alone(clinic):
    Patient.objects.filter(id=clinic["alan"]).delete()
    before, positions = snapshot(), checkpoints()
    code, output = verify_fails()
    assert code == 1 and "readmodels.Patient" in output
    assert snapshot() == before
    assert checkpoints() == positions


@pytest.mark.parametrize("damage, table", [
    (lambda c: Patient.objects.filter(id=c["alan"]).delete(), "readmodels.Patient"),
    (lambda c: Appointment.objects.filter(status="cancelled").update(status="booked"), "readmodels.Appointment"),
    (lambda c: TimesheetEntry.objects.update(seconds_worked=1), "readmodels.TimesheetEntry"),
    (lambda c: Doctor.objects.create(id=c["grace"], name="Ghost", specialty="x", version=1), "readmodels.Doctor"),
])
def test_verify_detects_missing_changed_and_extra_rows(clinic, damage, table):
    damage(clinic)
    code, output = verify_fails()
    assert code == 1 and table in output
    run("rebuild_readmodels")
    assert "match" in run("verify_readmodels")


def test_rebuild_of_one_projector_leaves_the_others_alone(clinic):
    Doctor.objects.filter(id=clinic["ada"]).update(name="Dr Tampered")
    Patient.objects.filter(id=clinic["grace"]).update(name="Also Tampered")
    run("rebuild_readmodels", "--projector", "patients")
    assert Patient.objects.get(id=clinic["grace"]).name == "Grace B. Hopper"
    assert Doctor.objects.get(id=clinic["ada"]).name == "Dr Tampered"


@pytest.mark.parametrize("lag", ["-1", "some"])
def test_a_max_lag_that_is_not_a_count_is_refused(committed_db, lag):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="whole number of events"):
        call_command("verify_readmodels", "--max-lag", lag, stdout=io.StringIO(), stderr=io.StringIO())


def test_unknown_projector_is_refused_with_exit_2(clinic):
    with pytest.raises(SystemExit) as exit_:
        call_command("rebuild_readmodels", "--projector", "nope", stdout=io.StringIO(), stderr=io.StringIO())
    assert exit_.value.code == 2


def test_rebuild_and_verify_on_an_empty_log(committed_db, no_prompt):
    assert "position 0" in run("rebuild_readmodels")
    assert "match" in run("verify_readmodels")


@pytest.mark.postgresql
@pytest.mark.parametrize("how", [[], ["--shadow"]], ids=["in-place", "shadow"])
def test_a_rebuild_first_tells_postgresql_how_long_the_log_has_grown(clinic, fixed_ctx, how):
    """With statistics from a shorter log, PostgreSQL read each replay batch by
    sorting the rest of the log: half of a rebuild's time at 1,000,000 events
    (``store.analyze_log``)."""
    store.analyze_log()  # statistics of the log as it is now...
    for n in range(60):  # the log grows well past what the statistics say
        handlers.dispatch(fixed_ctx, RegisterPatient(name=f"Patient {n}", date_of_birth=datetime.date(1990, 1, 1)))
    assert _rows_postgresql_counts(StoredEvent) < StoredEvent.objects.count()
    run("rebuild_readmodels", *how)
    assert _rows_postgresql_counts(StoredEvent) == StoredEvent.objects.count()


def _rows_postgresql_counts(model):
    """The table's row count in the planner's statistics (exact for a small table once analyzed)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table])
        return cursor.fetchone()[0]


def test_verify_compares_at_the_projected_position_not_the_head(clinic, fixed_ctx, projection_stalled):
    """Events committed but not projected yet are lag, not damage: within the
    lag allowed, the tables match."""
    handlers.dispatch(fixed_ctx, RegisterDoctor(name="Late Arrival", specialty="Radiology"))
    assert runner.projected_position() == store.head_position() - 1
    assert "match" in run("verify_readmodels", "--max-lag", "1")
    run("rebuild_readmodels")
    assert Doctor.objects.filter(name="Late Arrival").exists()
    assert "match" in run("verify_readmodels")


def test_verify_reports_checkpoints_trailing_the_head_and_exits_1(clinic, fixed_ctx, projection_stalled):
    before = store.head_position()
    handlers.dispatch(fixed_ctx, RegisterDoctor(name="Late Arrival", specialty="Radiology"))
    handlers.dispatch(fixed_ctx, RegisterPatient(name="Late Patient", date_of_birth=datetime.date(1990, 1, 1)))
    head = store.head_position()
    code, output = verify_fails()
    assert code == 1
    for projector in ("doctors", "patients", "appointments"):
        assert f"{projector} is at position {before}, 2 events behind the head ({head})" in output
    assert "Celery worker" in output and "verify again" in output
    assert "match a replay" in output  # what is projected is right; it is only behind
    assert "Projection is behind." in output
    code, output = verify_fails("--max-lag", "1")
    assert code == 1 and "more than 1 event behind" in output
    assert "match" in run("verify_readmodels", "--max-lag", "2")
    runner.run_all()
    assert "match" in run("verify_readmodels")


def test_verify_prints_ids_and_columns_never_the_values(clinic):
    """Rows hold patients' names and birth dates; the report names rows by id and
    says which columns differ, so it can be pasted into a ticket."""
    Patient.objects.filter(id=clinic["grace"]).update(name="Grace Tampered", date_of_birth=datetime.date(1999, 9, 9))
    Patient.objects.filter(id=clinic["alan"]).delete()
    Patient.objects.create(id=clinic["ada"], name="Impostor Person", date_of_birth=datetime.date(1970, 1, 1),
                           version=1)
    TimesheetEntry.objects.filter(doctor_id=clinic["bob"]).update(seconds_worked=1)
    code, output = verify_fails()
    assert code == 1
    assert f"id={clinic['grace']}: differs in name, date_of_birth" in output
    assert f"id={clinic['alan']}: only in the replay" in output
    assert f"id={clinic['ada']}: only in the live table" in output
    assert f"doctor_id={clinic['bob']}, arrived_at=" in output and "differs in seconds_worked" in output
    for personal in ("Grace", "Hopper", "Tampered", "Alan", "Turing", "Impostor", "1999-09-09", "1980-12-09",
                     "1954-06-07", "1970-01-01"):
        assert personal not in output
