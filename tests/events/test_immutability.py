"""A stored event never changes and is never removed: the model, its queryset and
the database itself refuse."""
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
