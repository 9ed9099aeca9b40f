"""The event table: every fact the clinic knows, stored once, never changed.

Named ``StoredEvent`` so it cannot be mistaken for django-eventstream's ``Event``,
which is a short replay buffer for browsers, not a record of anything.
"""
import uuid
from functools import cached_property
from typing import Any, NoReturn

from django.db import models

from .domain.catalogue import Event, decode, upcast
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
    # Nullable without a default: on SQLite only that adds the column in place,
    # where anything else copies the table and drops its immutability triggers.
    schema_version = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The schema version of its type that data was written in; "
                                         "empty: 1 (stored before versions were recorded).")
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
    def plain_data(self) -> dict[str, Any]:
        """``data`` with its personal fields opened: what they say while the
        patient's key exists, "[erased]" once it does not (``events.shredding``).
        ``store.opened`` fills this for a list of events with one query."""
        from .shredding import Keyring  # the key store's model is defined below
        return Keyring.for_rows([self.data]).opened(self.data)

    @cached_property
    def message(self) -> Event:
        """The stored ``type`` and ``data`` as their event class, upcast from the
        schema version they were stored in."""
        return decode(self.type, self.plain_data, self.schema_version)

    @cached_property
    def current_data(self) -> dict[str, Any]:
        """``data`` in the shape its class writes today (upcast, if stored in an
        older version): what the API and the pages show, so a reader of the log
        meets one shape per type, not one per year it was written in."""
        return upcast(self.type, self.schema_version, self.plain_data)

    def __str__(self) -> str:
        return f"#{self.position} {self.type} {self.stream_type}/{self.stream_id} v{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableEventError("Stored events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ImmutableEventError("Stored events cannot be deleted.")


class DataKey(models.Model):
    """One patient's data key: the only way to read their personal fields in the
    log (``events.shredding``). Erasing a patient is deleting their key's bytes;
    the row stays, so no key is ever made for them again."""

    subject = models.UUIDField(primary_key=True, help_text="The patient whose personal data this key seals.")
    key = models.BinaryField(null=True, help_text="AES-256 key, wrapped under CLINIC_MASTER_KEY when that is "
                                                  "set; none once the patient is erased (the row is the tombstone).")
    wrapped = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"data key of {self.subject}"


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


class CardLink(models.Model):
    """The appointment card process's own correlation index: which cards name a
    doctor or a patient, so that a doctor's rename reaches their cards without
    scanning the log. Written by the card finder (``events.processes.card``) in
    the transaction that moves its checkpoint, from the card events it reads;
    replaying the finder from position 0 writes the same rows. Ids only: nothing
    here needs erasing. Not a read model: nothing but the finder reads it."""

    card_id = models.UUIDField(primary_key=True, help_text="The card's stream.")
    appointment_id = models.UUIDField(unique=True)
    doctor_id = models.UUIDField(db_index=True, help_text="The doctor the card holds now.")
    patient_id = models.UUIDField(db_index=True)

    def __str__(self) -> str:
        return f"card of {self.appointment_id}"
