"""The pure domain: aggregates as fold functions over plain data.

Each aggregate module offers ``evolve(state, event) -> state`` and one ``decide``
function per command that returns the new events or raises a ``DomainError``.
Nothing here touches the database, the clock or the network: the handlers pass
``now`` in, so every decision can be replayed and tested without Django.
"""
from .messages import NewEvent, fold

__all__ = ["NewEvent", "fold"]
