"""The event table: every fact the clinic knows, stored once, never changed.

Named ``StoredEvent`` so it cannot be mistaken for django-eventstream's ``Event``,
which is a short replay buffer for browsers, not a record of anything.
"""
import uuid
from functools import cached_property
from typing import Any, NoReturn

from django.db import models

from .domain.catalogue import Event, decode
from .immutability import ImmutableEventError


class StoredEventQuerySet(models.QuerySet["StoredEvent"]):
    def update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ImmutableEventError("Stored events cannot be updated.")

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ImmutableEventError("Stored events cannot be deleted.")

    # bulk_update(objs, fields) and _raw_delete(using) take arguments, hence *args
    # above: they too are refused with ImmutableEventError, not a TypeError.
    _raw_delete = delete
    bulk_update = update


class StoredEvent(models.Model):
    position = models.BigAutoField(primary_key=True, help_text="Global order of all events.")
    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    stream_id = models.UUIDField()
    stream_type = models.CharField(max_length=32)
    version = models.PositiveIntegerField(help_text="1, 2, … within the stream.")
    type = models.CharField(max_length=64)
    data = models.JSONField(default=dict)
    metadata = models.JSONField(default=dict)
    occurred_at = models.DateTimeField(help_text="Business time: when it happened.")
    recorded_at = models.DateTimeField(help_text="Server time: when it was stored.")

    objects = StoredEventQuerySet.as_manager()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["stream_id", "version"], name="one_event_per_stream_version"),
        ]
        # Both serve "the latest events of one kind" (the event log's filters). An
        # index on ``type`` alone would also get, on PostgreSQL, a LIKE twin that
        # nothing uses and every insert pays for.
        indexes = [
            models.Index(fields=["stream_type", "position"], name="event_stream_type_position"),
            models.Index(fields=["type", "position"], name="event_type_position"),
        ]

    @cached_property
    def message(self) -> Event:
        """The stored ``type`` and ``data`` as their event class."""
        return decode(self.type, self.data)

    def __str__(self) -> str:
        return f"#{self.position} {self.type} {self.stream_type}/{self.stream_id} v{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableEventError("Stored events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ImmutableEventError("Stored events cannot be deleted.")


class Snapshot(models.Model):
    """A stream's state at a version, kept beside the log so that a command folds
    only the events after it (``events.snapshots``). A cache: rows may be deleted
    at any time and are made again from the log; nothing reads them but the
    command handlers. Never a patient's stream (``events.domain.snapshot``)."""

    stream_id = models.UUIDField(primary_key=True)
    stream_type = models.CharField(max_length=32)
    schema = models.CharField(max_length=64, help_text="The state's shape and revision it was written under.")
    version = models.PositiveIntegerField(help_text="The stream's version the state is folded up to.")
    state = models.JSONField()
    taken_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.stream_type}/{self.stream_id} at v{self.version}"
