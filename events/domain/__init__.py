"""The pure domain: aggregates as fold functions over plain data.

Each aggregate module declares its event classes, its state, ``evolve(state,
event) -> state`` and one deciding function per command that returns the new
events or raises a ``DomainError``. Nothing here touches the database, the clock
or the network: the handlers pass ``now`` in, so every decision can be replayed
and tested without Django. ``catalogue`` lists every message there is.
"""
from .messages import Command, Event, fold

__all__ = ["Command", "Event", "fold"]
