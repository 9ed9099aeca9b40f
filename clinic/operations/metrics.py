"""The clinic's Prometheus metrics.

Counters and histograms are updated where things happen (a command dispatched,
events committed, a request answered); projection lag is read from the database
when Prometheus scrapes, so it is right whichever process answers the scrape.
With several web processes, set ``PROMETHEUS_MULTIPROC_DIR`` (scripts/serve-production
does) and the scrape adds up every process's counters.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from events import handlers, store

commands_log = logging.getLogger("clinic.commands")

COMMANDS = Counter("clinic_commands_total", "Commands dispatched, by command and outcome.",
                   ["command", "outcome"])
COMMAND_SECONDS = Histogram("clinic_command_seconds", "Time to decide and append one command.", ["command"])
EVENTS_APPENDED = Counter("clinic_events_appended_total", "Events committed to the log.")
REQUESTS = Counter("clinic_http_requests_total", "HTTP requests answered, by method, route and status.",
                   ["method", "route", "status"])
REQUEST_SECONDS = Histogram("clinic_http_request_seconds", "Time to answer an HTTP request.", ["method", "route"])


def listen() -> None:
    handlers.command_dispatched.connect(_count_command, dispatch_uid="clinic.operations.commands")
    store.events_committed.connect(_count_events, dispatch_uid="clinic.operations.events")


def _count_command(sender, outcome: str, seconds: float, ctx=None, **kwargs) -> None:
    COMMANDS.labels(sender.__name__, outcome).inc()
    COMMAND_SECONDS.labels(sender.__name__).observe(seconds)
    commands_log.info("command", extra={"command": sender.__name__, "outcome": outcome,
                                        "source": getattr(ctx, "source", None),
                                        "duration_ms": round(seconds * 1000, 2)})


def _count_events(sender, count: int = 1, **kwargs) -> None:
    EVENTS_APPENDED.inc(count)


class ProjectionLag(Collector):
    """Per projector: its checkpoint and how far it trails the head of the log."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from . import health

        lag = GaugeMetricFamily("clinic_projection_lag_events", "Events the projector trails the head by.",
                                labels=["projector"])
        position = GaugeMetricFamily("clinic_projection_position", "The projector's checkpoint.",
                                     labels=["projector"])
        for name, state in health.projection_lag().items():
            lag.add_metric([name], state["lag"])
            position.add_metric([name], state["position"])
        yield lag
        yield position
        parked = GaugeMetricFamily("clinic_dead_letters", "Events parked by a projector, waiting for a retry.",
                                   labels=["projector"])
        for name, count in health.dead_letter_counts().items():
            parked.add_metric([name], count)
        yield parked


def exposition() -> bytes:
    """The text Prometheus scrapes: this process's metrics, or every process's."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        for collector in (COMMANDS, COMMAND_SECONDS, EVENTS_APPENDED, REQUESTS, REQUEST_SECONDS):
            registry.register(collector)
    registry.register(ProjectionLag())
    return generate_latest(registry)


