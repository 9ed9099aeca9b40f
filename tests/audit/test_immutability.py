"""An audit record, once written, stays: the database refuses UPDATE, DELETE and
(on SQLite) REPLACE from any program, and only the test-only reset empties it."""
import sqlite3
import uuid

import pytest
from django.db import DatabaseError, connection, transaction

from clinic.audit.immutability import TABLE
from clinic.audit.models import PatientRead
from clinic.audit.testing import reset_audit

pytestmark = pytest.mark.django_db


def stored():
    return list(PatientRead.objects.order_by("id").values_list("id", "username", "view", "patient_id"))


@pytest.fixture
def records():
    PatientRead.objects.bulk_create([
        PatientRead(user_id=1, username="reception", view="api:patient", patient_id=uuid.uuid4()) for _ in range(2)])
    return stored()


def raw(sql, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_database_refuses_update(records):
    with pytest.raises(DatabaseError) as refused:
        raw(f"UPDATE {TABLE} SET username = %s", ["someone-else"])
    assert "append-only" in str(refused.value)
    with pytest.raises(DatabaseError):
        with transaction.atomic():
            PatientRead.objects.filter(pk=records[0][0]).update(patient_id=uuid.uuid4())
    assert stored() == records


def test_database_refuses_delete(records):
    with pytest.raises(DatabaseError) as refused:
        raw(f"DELETE FROM {TABLE} WHERE id = %s", [records[0][0]])
    assert "append-only" in str(refused.value)
    with pytest.raises(DatabaseError):
        with transaction.atomic():
            PatientRead.objects.all().delete()
    assert stored() == records


@pytest.mark.postgresql  # TRUNCATE is PostgreSQL's
def test_database_refuses_truncate(records):
    with pytest.raises(DatabaseError):
        raw(f"TRUNCATE {TABLE}")
    assert stored() == records


@pytest.mark.sqlite
@pytest.mark.parametrize("statement", ["REPLACE INTO", "INSERT OR REPLACE INTO"])
def test_another_program_cannot_replace_a_record(committed_db, statement):
    """As the sqlite3 command-line tool would: no Django, no recursive triggers,
    so REPLACE's own deletion of the stored row would fire no DELETE trigger."""
    PatientRead.objects.create(user_id=1, username="reception", view="api:patient", patient_id=uuid.uuid4())
    before = stored()
    db = sqlite3.connect(connection.settings_dict["NAME"], timeout=30)
    try:
        with pytest.raises(sqlite3.IntegrityError) as refused:
            db.execute(f"{statement} {TABLE} (id, at, user_id, username, view, patient_id, correlation_id, refresh) "
                       "VALUES (?, '2030-01-01 00:00:00', 2, 'intruder', 'api:patient', ?, '', 0)",
                       [before[0][0], uuid.uuid4().hex])
        db.commit()
    finally:
        db.close()
    assert "append-only" in str(refused.value)
    assert stored() == before


def test_new_records_are_still_written(records):
    PatientRead.objects.create(user_id=1, username="reception", view="web:patient", patient_id=uuid.uuid4())
    assert len(stored()) == 3


def test_test_only_reset_empties_the_table_and_puts_the_guards_back(records):
    reset_audit()
    assert stored() == []
    PatientRead.objects.create(user_id=1, username="reception", view="web:patient", patient_id=uuid.uuid4())
    with pytest.raises(DatabaseError):
        raw(f"DELETE FROM {TABLE}")
    with pytest.raises(DatabaseError):
        raw(f"UPDATE {TABLE} SET view = 'x'")
    assert len(stored()) == 1
