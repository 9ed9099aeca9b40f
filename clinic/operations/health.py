"""Is the site healthy? The database answers, the broker (if any) answers, and
no projection trails the head of the log by more than ``CLINIC_HEALTH_MAX_LAG``.

The broker's absence is reported but is not ill health: commands still commit,
and the read side catches up when it returns (docs/architecture.md).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, connection

from events import store
from readmodels import runner


@dataclass
class Health:
    database: str = "ok"
    broker: str = "absent"
    projections: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def healthy(self) -> bool:
        return self.database == "ok" and all(
            p["lag"] <= settings.CLINIC_HEALTH_MAX_LAG for p in self.projections.values())

    def as_json(self) -> dict:
        return {"status": "ok" if self.healthy else "degraded", "database": self.database,
                "broker": self.broker, "projections": self.projections}


def check() -> Health:
    health = Health(broker=broker_state())
    try:
        health.projections = projection_lag()
    except DatabaseError:
        health.database = "unreachable"
        connection.close()  # the next check connects afresh
    return health


def projection_lag() -> dict[str, dict[str, int]]:
    """{projector: {"position", "lag"}} from the head and the checkpoints: two
    indexed reads, whatever the size of the log."""
    head = store.head_position()
    return {name: {"position": position, "lag": head - position}
            for name, position in runner.checkpoint_positions().items()}


def broker_state() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "absent"  # embedded mode: no broker, projection runs in-process
    import redis

    try:
        redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError:
        return "absent"
    return "ok"
