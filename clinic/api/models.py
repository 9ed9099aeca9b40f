"""What the API keeps of its own: answers to writes sent with an Idempotency-Key."""
from django.db import models


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
        # The table kept its name when the model moved here from the event store's app.
        db_table = "events_idempotentrequest"
        constraints = [models.UniqueConstraint(fields=["actor", "key"], name="one_result_per_idempotency_key")]
