"""The rows one batch of events touches (``readmodels.rows``): looked up once,
shared by every event of the batch, and written back together."""
import datetime
import uuid

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from events import handlers
from events.domain.commands import Arrive, RegisterDoctor, RegisterPatient
from readmodels.models import Appointment, AppointmentCard, Doctor, Patient, TimesheetEntry, WorkingHours
from readmodels.rows import Rows, key_fields

UTC = datetime.timezone.utc
ARRIVED = datetime.datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def new_patient(name="Alan Turing"):
    return Patient(id=uuid.uuid4(), name=name, date_of_birth=datetime.date(1954, 6, 7), version=1)


def test_rows_are_keyed_by_primary_key_or_by_the_unique_constraint_where_the_database_numbers_them():
    assert key_fields(Doctor) == ("id",)
    assert key_fields(Patient) == ("id",)
    assert key_fields(Appointment) == ("id",)
    assert key_fields(TimesheetEntry) == ("doctor_id", "arrived_at")


def test_a_row_looked_up_twice_in_a_batch_is_the_same_object_loaded_once(doctor, django_assert_num_queries):
    rows = Rows()
    with django_assert_num_queries(1):
        first = rows.get(Doctor, doctor)
        second = rows.get(Doctor, doctor)
    assert first is second
    assert (first.id, first.name) == (doctor, "Ada Lovelace")


def test_a_change_is_seen_by_later_lookups_and_reaches_the_database_on_write(ctx, doctor):
    other = handlers.dispatch(ctx, RegisterDoctor(name="Joseph Lister", specialty="Surgery")).id
    rows = Rows()
    rows.get(Doctor, doctor).name = "Ada King"
    rows.get(Doctor, other)  # looked up, left as it was
    assert rows.get(Doctor, doctor).name == "Ada King"
    assert Doctor.objects.get(id=doctor).name == "Ada Lovelace"  # nothing written before write()

    with transaction.atomic():
        rows.write()
    assert dict(Doctor.objects.values_list("id", "name")) == {doctor: "Ada King", other: "Joseph Lister"}


def test_a_new_row_is_found_in_the_batch_and_inserted_on_write_with_its_later_changes(
        committed_db, django_assert_num_queries):
    rows = Rows()
    added = new_patient()
    rows.add(added)
    with django_assert_num_queries(0):
        found = rows.get(Patient, added.id)
    assert found is added
    found.name, found.version = "Alan M. Turing", 2  # a later event of the same batch
    assert not Patient.objects.exists()

    with transaction.atomic():
        rows.write()
    assert list(Patient.objects.values_list("id", "name", "version")) == [(added.id, "Alan M. Turing", 2)]


def test_a_batch_is_written_with_one_statement_per_table_for_new_rows_and_one_for_changed(
        ctx, doctor, patient, django_assert_num_queries):
    other = handlers.dispatch(ctx, RegisterPatient(name="Alan Turing", date_of_birth=datetime.date(1954, 6, 7))).id
    rows = Rows()
    for name in ("Ada Byron", "Barbara Liskov", "Edsger Dijkstra"):
        rows.add(new_patient(name))
    rows.get(Patient, patient).name = "Grace Brewster Hopper"
    rows.get(Patient, other).name = "Alan M. Turing"
    rows.get(Doctor, doctor).specialty = "Cardiac surgery"

    with transaction.atomic(), django_assert_num_queries(3):  # patients in, patients changed, doctor changed
        rows.write()
    assert sorted(Patient.objects.values_list("name", flat=True)) == [
        "Ada Byron", "Alan M. Turing", "Barbara Liskov", "Edsger Dijkstra", "Grace Brewster Hopper"]
    assert Doctor.objects.get(id=doctor).specialty == "Cardiac surgery"


def test_a_timesheet_entry_is_found_by_its_doctor_and_arrival(ctx, doctor, django_assert_num_queries):
    handlers.dispatch(ctx, Arrive(doctor, at=ARRIVED))
    stored = TimesheetEntry.objects.get()
    rows = Rows()
    with django_assert_num_queries(1):
        shift = rows.get(TimesheetEntry, doctor, ARRIVED)
        assert rows.get(TimesheetEntry, doctor, ARRIVED) is shift
    assert (shift.pk, shift.left_at) == (stored.pk, None)

    shift.left_at, shift.seconds_worked = ARRIVED + datetime.timedelta(hours=8), 8 * 3600
    with transaction.atomic():
        rows.write()
    assert list(TimesheetEntry.objects.values_list("pk", "left_at", "seconds_worked")) == [
        (stored.pk, ARRIVED + datetime.timedelta(hours=8), 8 * 3600)]


def test_a_shift_opened_and_closed_in_one_batch_is_one_new_entry(doctor, django_assert_num_queries):
    rows = Rows()
    rows.add(TimesheetEntry(doctor_id=doctor, arrived_at=ARRIVED))
    with django_assert_num_queries(0):
        shift = rows.get(TimesheetEntry, doctor, ARRIVED)
    shift.left_at, shift.seconds_worked = ARRIVED + datetime.timedelta(hours=2), 2 * 3600
    with transaction.atomic():
        rows.write()
    assert list(TimesheetEntry.objects.values_list("doctor_id", "arrived_at", "seconds_worked")) == [
        (doctor, ARRIVED, 2 * 3600)]


def test_a_row_neither_in_the_batch_nor_in_the_database_does_not_exist(ctx, doctor, unknown_id):
    handlers.dispatch(ctx, Arrive(doctor, at=ARRIVED))
    rows = Rows()
    rows.add(new_patient())
    with pytest.raises(Doctor.DoesNotExist):
        rows.get(Doctor, unknown_id)
    with pytest.raises(Patient.DoesNotExist):
        rows.get(Patient, unknown_id)
    with pytest.raises(TimesheetEntry.DoesNotExist):
        rows.get(TimesheetEntry, doctor, ARRIVED + datetime.timedelta(minutes=1))
    with pytest.raises(TimesheetEntry.DoesNotExist):
        rows.get(TimesheetEntry, unknown_id, ARRIVED)


def test_an_untouched_batch_writes_nothing(committed_db, django_assert_num_queries):
    with django_assert_num_queries(0):
        Rows().write()


def every_kind_of_row():
    """A row of each read-model table and a value of each kind they hold: UUIDs,
    dates, times (midnight too), aware times in another zone, booleans, large and
    small integers, empty and missing values, text COPY must escape, JSON."""
    doctor, patient, appointment = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    arrived = datetime.datetime(2026, 1, 6, 9, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))
    awkward = "Tab\there, new\nline, back\\slash, 'quote' \"double\" and ünïcødé ✓"
    return [
        Doctor(id=doctor, name=awkward, specialty="Cardiology", on_shift_since=arrived, total_seconds_worked=2**40,
               retired=True, hours_set=True, version=7),
        Doctor(id=uuid.uuid4(), name="Joseph Lister", specialty="", version=1),
        TimesheetEntry(doctor_id=doctor, arrived_at=ARRIVED, left_at=ARRIVED + datetime.timedelta(hours=8, seconds=1),
                       seconds_worked=8 * 3600 + 1),
        TimesheetEntry(doctor_id=doctor, arrived_at=arrived),  # still open
        WorkingHours(doctor_id=doctor, weekday=6, start=datetime.time(22, 30), end=datetime.time(0)),
        Patient(id=patient, name=awkward, date_of_birth=datetime.date(1954, 6, 7), phone="+441234567890",
                email="alan@example.org", version=3),
        Patient(id=uuid.uuid4(), name=None, date_of_birth=None, erased=True, version=4),  # erased
        Appointment(id=appointment, doctor_id=doctor, patient_id=patient, day=datetime.date(2030, 1, 7),
                    time=datetime.time(9, 15), duration_minutes=45, status=Appointment.CANCELLED,
                    cancel_reason=awkward, version=2),
        Appointment(id=uuid.uuid4(), doctor_id=doctor, patient_id=patient, day=datetime.date(2030, 1, 8),
                    time=datetime.time(0), duration_minutes=15, status=Appointment.BOOKED, version=1),
        AppointmentCard(id=appointment, card_id=uuid.uuid4(), doctor_id=doctor, patient_id=patient, complete=True,
                        document={"id": str(appointment), "time": "09:15", "status": "cancelled",
                                  "patient": {"name": awkward, "dateOfBirth": None, "erased": False, "tags": []},
                                  "doctor": {"retired": True, "weight": 1.5, "rank": 2**40}},
                        version=5),
    ]


def stored(models):
    """Every column of every row the database numbers no key for, as read back."""
    return {model: sorted(model.objects.values_list(
        *[f.attname for f in model._meta.concrete_fields if not f.auto_created]), key=repr) for model in models}


def test_new_rows_are_stored_exactly_as_bulk_create_stores_them(committed_db):
    """On PostgreSQL ``write`` sends new rows with COPY, converting each value
    itself: what it stores must be what the ORM's INSERT stores for the same rows."""
    made = every_kind_of_row()
    models = list(dict.fromkeys(type(row) for row in made))
    rows = Rows()
    for row in made:
        rows.add(row)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        rows.write()
    if connection.vendor == "postgresql":
        assert [q["sql"].split(" ")[0] for q in queries] == ["COPY"] * len(models)
    written = stored(models)
    assert all(written.values())

    for model in reversed(models):
        model.objects.all().delete()
    for model in models:  # the same rows again, as new instances
        model.objects.bulk_create(
            model(**{f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields if not f.auto_created})
            for row in made if type(row) is model)
    assert stored(models) == written
