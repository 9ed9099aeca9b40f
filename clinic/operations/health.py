"""Is the site healthy? The database answers, the broker (if any) answers, and
no projection trails the head of the log by more than ``CLINIC_HEALTH_MAX_LAG``.
Dead letters are counted, not judged: one event a projector could not apply is
an operator's task (docs/operations.md), not a reason to take the site out of a
load balancer.

The broker's absence is reported but is not ill health: commands still commit,
and the read side catches up when it returns (docs/architecture.md).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count

from events import store
from readmodels import runner
from readmodels.models import DeadLetter


@dataclass
class Health:
    database: str = "ok"
    broker: str = "absent"
    projections: dict[str, dict[str, int]] = field(default_factory=dict)
    dead_letters: int = 0

    @property
    def healthy(self) -> bool:
        return self.database == "ok" and all(
            p["lag"] <= settings.CLINIC_HEALTH_MAX_LAG for p in self.projections.values())

    def as_json(self) -> dict:
        return {"status": "ok" if self.healthy else "degraded", "database": self.database,
                "broker": self.broker, "projections": self.projections, "deadLetters": self.dead_letters}


def check() -> Health:
    health = Health(broker=broker_state())
    try:
        health.projections = projection_lag()
        health.dead_letters = DeadLetter.objects.count()
    except DatabaseError:
        health.database = "unreachable"
        connection.close()  # the next check connects afresh
    return health


def projection_lag() -> dict[str, dict[str, int]]:
    """{subscriber: {"position", "lag"}} from the head and the checkpoints — every
    projector, and the processes that write the appointment cards: two indexed
    reads, whatever the size of the log."""
    head = store.head_position()
    return {name: {"position": position, "lag": head - position}
            for name, position in runner.checkpoint_positions(runner.SUBSCRIBERS).items()}


def dead_letter_counts() -> dict[str, int]:
    counted = dict(DeadLetter.objects.values_list("projector").annotate(n=Count("pk")).values_list("projector", "n"))
    return {subscriber.name: counted.get(subscriber.name, 0) for subscriber in runner.SUBSCRIBERS}


def broker_state() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "absent"  # embedded mode: no broker, projection runs in-process
    import redis

    try:
        redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError:
        return "absent"
    return "ok"
