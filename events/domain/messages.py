"""The shape events take inside the domain, before and after they are stored."""
from dataclasses import dataclass, field
from functools import reduce


@dataclass(frozen=True)
class NewEvent:
    """A fact the domain decided on: its type and JSON-ready data."""

    type: str
    data: dict = field(default_factory=dict)


def fold(evolve, events, state=None):
    """Replay ``events`` (anything with ``.type`` and ``.data``) through ``evolve``."""
    return reduce(evolve, events, state)
