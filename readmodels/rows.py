"""The read-model rows one batch of events touches, held in memory and written
back together.

Projecting event by event with one ORM statement each caps a rebuild at a few
thousand events a second. Instead, projectors add new rows and change rows they
look up here; at the end of the batch every new row goes in with one
``bulk_create`` per table and every changed row with one ``bulk_update``. A row
looked up twice in a batch is the same object, so later events see earlier
ones' changes before anything is written.
"""
from functools import cache
from typing import Any, TypeVar, cast

from django.db.models import Field, Model, UniqueConstraint

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
            model._default_manager.bulk_create(rows.values(), batch_size=1000)
        for model, rows in self._changed.items():
            fields = [f.name for f in model._meta.concrete_fields if not f.primary_key]
            model._default_manager.bulk_update(rows.values(), fields, batch_size=500)


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
