"""A stored event never changes and is never removed: the model, its queryset and
the database itself refuse."""
import sqlite3
import uuid

import pytest
from django.db import DatabaseError, connection, transaction

from events.immutability import TABLE, ImmutableEventError
from events.models import StoredEvent
from events.testing import reset_event_store

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(write):
    write(n=2)
    return StoredEvent.objects.order_by("position").first()


def as_stored(event):
    """Everything about a row, read back from the database."""
    row = StoredEvent.objects.get(pk=event.pk)
    return (row.event_id, row.stream_id, row.stream_type, row.version, row.type, row.data, row.metadata,
            row.occurred_at, row.recorded_at)


def test_saving_an_existing_event_is_refused(event):
    before = as_stored(event)
    event.type = "SOMETHING_ELSE"
    event.data = {"n": 99}
    with pytest.raises(ImmutableEventError):
        event.save()
    with pytest.raises(ImmutableEventError):
        event.save(update_fields=["type"])
    assert as_stored(event) == before


def test_deleting_an_event_is_refused(event):
    with pytest.raises(ImmutableEventError):
        event.delete()
    assert StoredEvent.objects.filter(pk=event.pk).exists()


def test_queryset_update_and_delete_are_refused(event):
    before = as_stored(event)
    with pytest.raises(ImmutableEventError):
        StoredEvent.objects.filter(pk=event.pk).update(type="SOMETHING_ELSE")
    with pytest.raises(ImmutableEventError):
        StoredEvent.objects.all().update(data={})
    with pytest.raises(ImmutableEventError):
        StoredEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(ImmutableEventError):
        StoredEvent.objects.all().delete()
    assert as_stored(event) == before
    assert StoredEvent.objects.count() == 2


def test_bulk_update_and_raw_delete_are_refused_too(event):
    before = as_stored(event)
    event.type = "SOMETHING_ELSE"
    with pytest.raises(ImmutableEventError):
        StoredEvent.objects.bulk_update([event], ["type"])
    with pytest.raises(ImmutableEventError):
        StoredEvent.objects.all()._raw_delete(using="default")
    assert as_stored(event) == before
    assert StoredEvent.objects.count() == 2


def test_a_new_instance_cannot_overwrite_an_existing_position(event):
    before = as_stored(event)
    impostor = StoredEvent(position=event.position, stream_id=event.stream_id, stream_type="thing", version=1,
                           type="FORGED", data={}, metadata={}, occurred_at=event.occurred_at,
                           recorded_at=event.recorded_at)
    with pytest.raises((ImmutableEventError, DatabaseError)):
        with transaction.atomic():
            impostor.save()
    assert as_stored(event) == before


def test_database_refuses_raw_update(event):
    before = as_stored(event)
    with pytest.raises(DatabaseError) as refused:  # IntegrityError is a DatabaseError
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE {TABLE} SET type = %s WHERE position = %s", ["FORGED", event.pk])
    assert "immutable" in str(refused.value)
    assert as_stored(event) == before


def test_database_refuses_raw_delete(event):
    with pytest.raises(DatabaseError) as refused:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE} WHERE position = %s", [event.pk])
    assert "immutable" in str(refused.value)
    with pytest.raises(DatabaseError):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE}")
    assert StoredEvent.objects.count() == 2


@pytest.mark.postgresql  # TRUNCATE is PostgreSQL's
def test_database_refuses_truncate(event):
    with pytest.raises(DatabaseError):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {TABLE}")
    assert StoredEvent.objects.count() == 2


@pytest.mark.postgresql  # TRUNCATE is PostgreSQL's
def test_truncating_an_empty_log_is_allowed_as_it_loses_nothing():
    """Django's test flush truncates every table; with no event in it, that is harmless."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {TABLE}")
    assert StoredEvent.objects.count() == 0


def test_inserting_new_events_still_works(event, write):
    write(n=1)
    assert StoredEvent.objects.count() == 3


def test_test_only_reset_empties_the_table_and_puts_the_guard_back(event, write):
    reset_event_store()
    assert StoredEvent.objects.count() == 0
    write(n=1)
    with pytest.raises(DatabaseError):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE}")
    assert StoredEvent.objects.count() == 1


# --- REPLACE: SQLite's conflict resolution deletes without a DELETE trigger ----------

def stored_rows(db):
    return db.execute(f"SELECT * FROM {TABLE} ORDER BY position").fetchall()


@pytest.fixture
def other_client(committed_db, write):
    """Two committed streams, and a connection of another program to the same SQLite
    file (as the sqlite3 command-line tool would open it): no Django, no model, and
    no recursive triggers — the setting under which REPLACE's own deletion fires no
    DELETE trigger."""
    write(n=2)
    write(n=1)
    db = sqlite3.connect(connection.settings_dict["NAME"], timeout=30)
    assert db.execute("PRAGMA recursive_triggers").fetchone() == (0,)
    yield db
    db.close()


def colliding(db, key):
    """A forged row that collides with stored rows on ``key`` (``position``,
    ``event_id``, ``stream``: stream id and version), or with two different stored
    rows at once (``two``: the first row's position, the last row's event id)."""
    first, last = db.execute(f"SELECT position, event_id, stream_id, version FROM {TABLE} "
                             "ORDER BY position").fetchall()[::2]
    values = {"position": None, "event_id": uuid.uuid4().hex, "stream_id": uuid.uuid4().hex, "version": 1}
    if key == "position":
        values["position"] = first[0]
    elif key == "event_id":
        values["event_id"] = first[1]
    elif key == "stream":
        values["stream_id"], values["version"] = first[2], first[3]
    else:
        values["position"], values["event_id"] = first[0], last[1]
    return values


@pytest.mark.sqlite
@pytest.mark.parametrize("statement", ["REPLACE INTO", "INSERT OR REPLACE INTO"])
@pytest.mark.parametrize("key", ["position", "event_id", "stream", "two"])
def test_another_program_cannot_replace_a_stored_event(other_client, statement, key):
    before = stored_rows(other_client)
    forged = colliding(other_client, key)
    with pytest.raises(sqlite3.IntegrityError) as refused:
        other_client.execute(
            f"{statement} {TABLE} (position, event_id, stream_id, stream_type, version, type, data, metadata, "
            "occurred_at, recorded_at) VALUES (?, ?, ?, 'thing', ?, 'FORGED', '{}', '{}', "
            "'2030-01-01 00:00:00', '2030-01-01 00:00:00')",
            [forged["position"], forged["event_id"], forged["stream_id"], forged["version"]])
    other_client.commit()
    assert "immutable" in str(refused.value)
    assert stored_rows(other_client) == before


@pytest.mark.sqlite
def test_test_only_reset_puts_the_replace_guard_back_too(event, write):
    reset_event_store()
    write(n=1)
    stored = StoredEvent.objects.get()
    with pytest.raises(DatabaseError) as refused:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"REPLACE INTO {TABLE} (position, event_id, stream_id, stream_type, version, type, data, "
                           "metadata, occurred_at, recorded_at) SELECT position, event_id, stream_id, stream_type, "
                           f"version, 'FORGED', data, metadata, occurred_at, recorded_at FROM {TABLE}")
    assert "immutable" in str(refused.value)
    assert as_stored(stored) == as_stored(StoredEvent.objects.get())
    assert StoredEvent.objects.get().type == "THING_HAPPENED"


@pytest.mark.postgresql
def test_postgresql_has_no_replace_an_upsert_is_an_update_and_refused(event):
    """PostgreSQL's nearest to REPLACE, ``INSERT … ON CONFLICT DO UPDATE``, changes
    the stored row by UPDATE, which the trigger refuses; ``DO NOTHING`` leaves it."""
    before = as_stored(event)
    columns = "position, event_id, stream_id, stream_type, version, type, data, metadata, occurred_at, recorded_at"
    forged = (f"INSERT INTO {TABLE} ({columns}) SELECT position, event_id, stream_id, stream_type, version, "
              f"'FORGED', data, metadata, occurred_at, recorded_at FROM {TABLE} WHERE position = %s ")
    for conflict in ["(position)", "(event_id)", "(stream_id, version)"]:
        with pytest.raises(DatabaseError) as refused:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(forged + f"ON CONFLICT {conflict} DO UPDATE SET type = EXCLUDED.type", [event.pk])
        assert "immutable" in str(refused.value)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(forged + "ON CONFLICT DO NOTHING", [event.pk])
    assert as_stored(event) == before
    assert StoredEvent.objects.count() == 2
