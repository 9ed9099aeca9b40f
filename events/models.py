"""The event table: every fact the clinic knows, stored once, never changed.

Named ``StoredEvent`` so it cannot be mistaken for django-eventstream's ``Event``,
which is a short replay buffer for browsers, not a record of anything.
"""
import uuid

from django.db import models

from .immutability import ImmutableEventError


class StoredEventQuerySet(models.QuerySet):
    def update(self, *args, **kwargs):
        raise ImmutableEventError("Stored events cannot be updated.")

    def delete(self, *args, **kwargs):
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

    def __str__(self):
        return f"#{self.position} {self.type} {self.stream_type}/{self.stream_id} v{self.version}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableEventError("Stored events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableEventError("Stored events cannot be deleted.")


class IdempotentRequest(models.Model):
    """An API write done under an Idempotency-Key, recorded in the same transaction
    as its events, so a retry answers the first result and writes nothing."""

    actor = models.CharField(max_length=150)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="Hash of method, path and body.")
    position = models.BigIntegerField()
    resource_id = models.UUIDField(null=True)
    status_code = models.PositiveSmallIntegerField(null=True)
    response = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["actor", "key"], name="one_result_per_idempotency_key")]
