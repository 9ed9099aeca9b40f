"""The read-model rows one batch of events touches, held in memory and written
back together.

Projecting event by event with one ORM statement each caps a rebuild at a few
thousand events a second. Instead, projectors add new rows and change rows they
look up here; at the end of the batch every new row goes in with one
statement per table and every changed row with one ``bulk_update``. A row
looked up twice in a batch is the same object, so later events see earlier
ones' changes before anything is written.

New rows go in with ``bulk_create``, except on PostgreSQL, where they go in
with COPY (``_copy``): profiling a rebuild of 1,000,000 events showed
``bulk_create`` taking 45% of the time, mostly in Django compiling the INSERT
and psycopg dumping its arrays, not in PostgreSQL.
"""
from collections.abc import Collection
from functools import cache
from typing import Any, TypeVar, cast

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import AutoField, Field, Model, UniqueConstraint

from events.copy_in import copy_in

M = TypeVar("M", bound=Model)
Key = tuple[Any, ...]


class Rows:
    def __init__(self) -> None:
        # model -> {key: row}, in the order models were first added
        self._new: dict[type[Model], dict[Key, Model]] = {}
        self._changed: dict[type[Model], dict[Key, Model]] = {}  # model -> {key: row}
        self._deleted: list[tuple[type[Model], dict[str, Any]]] = []  # (model, lookup), in order

    def add(self, row: Model) -> None:
        """A row this batch creates."""
        self._new.setdefault(type(row), {})[_key_of(row)] = row

    def get(self, model: type[M], *key: Any) -> M:
        """The row with this key (see ``key_fields``), created earlier in the batch
        or loaded once; whatever the projector changes on it is written back."""
        for rows in (self._new.get(model, {}), self._changed.get(model, {})):
            if key in rows:
                return cast(M, rows[key])  # the rows under ``model`` are its instances
        row = model._default_manager.get(**dict(zip(key_fields(model), key, strict=True)))
        self._changed.setdefault(model, {})[key] = row
        return row

    def matching(self, model: type[M], **lookup: Any) -> list[M]:
        """Every row matching ``lookup`` (attribute names, plain equality), stored or
        added earlier in the batch, each once; whatever the projector changes on
        them is written back."""
        for row in model._default_manager.filter(**lookup):
            key = _key_of(row)
            if key not in self._new.get(model, {}) and key not in self._changed.get(model, {}):
                self._changed.setdefault(model, {})[key] = row
        return [cast(M, row) for rows in (self._new.get(model, {}), self._changed.get(model, {}))
                for row in rows.values() if all(getattr(row, name) == value for name, value in lookup.items())]

    def delete(self, model: type[Model], **lookup: Any) -> None:
        """Rows matching ``lookup`` (attribute names, plain equality) go, whether
        stored or added earlier in the batch (a doctor's week replaced twice).
        Stored rows are deleted before the batch's new rows are written."""
        def matches(row: Model) -> bool:
            return all(getattr(row, name) == value for name, value in lookup.items())
        for rows in (self._new.get(model, {}), self._changed.get(model, {})):
            for key in [key for key, row in rows.items() if matches(row)]:
                del rows[key]
        self._deleted.append((model, lookup))

    def write(self) -> None:
        for model, lookup in self._deleted:
            model._default_manager.filter(**lookup).delete()
        for model, rows in self._new.items():
            if connection.vendor == "postgresql":
                _copy(model, rows.values())
            else:
                model._default_manager.bulk_create(rows.values(), batch_size=1000)
        for model, rows in self._changed.items():
            fields = [f.name for f in model._meta.concrete_fields if not f.primary_key]
            model._default_manager.bulk_update(rows.values(), fields, batch_size=500)


def _copy(model: type[Model], rows: Collection[Model]) -> None:
    """New rows, stored as ``bulk_create`` stores them: each value is what the
    field's ``pre_save`` gives, converted by ``get_db_prep_save`` (a JSON
    document becomes psycopg's ``Jsonb``); a key the database numbers is left
    out, as ``bulk_create`` leaves out an unset one."""
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if not f.generated and not isinstance(f, AutoField)]
    this_thread = connections[DEFAULT_DB_ALIAS]  # not the ``connection`` proxy: a third of the time went there
    with copy_in(model._meta.db_table, [f.column for f in fields]) as copy:
        for row in rows:
            copy.write_row([f.get_db_prep_save(f.pre_save(row, True), this_thread) for f in fields])


@cache
def key_fields(model: type[Model]) -> tuple[str, ...]:
    """How a row is found: by its primary key, or — for rows the database numbers,
    like timesheet entries — by the fields of the model's unique constraint."""
    pk = model._meta.pk
    if not pk.auto_created:
        return (pk.attname,)
    (unique,) = [c for c in model._meta.constraints if isinstance(c, UniqueConstraint)]
    return tuple(_attname(model, name) for name in unique.fields)


def _attname(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, Field)  # a unique constraint names concrete fields
    return field.attname


def _key_of(row: Model) -> Key:
    return tuple(getattr(row, name) for name in key_fields(type(row)))
