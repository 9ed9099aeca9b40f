"""The catalogue: every kind of stream and event the clinic knows, in one place.

Importing the aggregate modules registers their event classes (see
``messages.Event``); this module adds which ``evolve`` folds each kind of stream.
Whatever dispatches on a stored type name — the store decoding a row (and
upcasting it from the schema version it was stored in), the importer checking
one, the event log's filters, time travel — asks here, so adding an event type,
or a version of one with its upcaster, touches only its aggregate module and the
projectors that care about it.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import appointment, card, doctor, patient, schedule
from .messages import (
    Event,
    UnknownEventType,
    UnreadableVersion,
    decode,
    event_class,
    missing_upcasters,
    registered,
    upcast,
)

__all__ = ["STREAMS", "Event", "UnknownEventType", "UnreadableVersion", "decode", "event_class", "event_types",
           "evolve_of", "missing_upcasters", "stream_types", "upcast"]

# Each kind of stream, and the function that folds its events into its state.
STREAMS: dict[str, Callable[[Any, Event], Any]] = {
    doctor.STREAM: doctor.evolve,
    patient.STREAM: patient.evolve,
    appointment.STREAM: appointment.evolve,
    schedule.STREAM: schedule.evolve,
    card.STREAM: card.evolve,
}


def event_types() -> list[str]:
    """The stored type name of every event on the clinic's streams, alphabetically
    (as the event log's filter lists them)."""
    return sorted(name for name, cls in registered().items() if cls.stream_type in STREAMS)


def stream_types() -> list[str]:
    return list(STREAMS)


def evolve_of(stream_type: str) -> Callable[[Any, Event], Any]:
    return STREAMS[stream_type]
