"""Processes: write-side subscribers. Each reads events (by the one runner,
``readmodels.runner``, from its checkpoint) and sends commands through
``handlers.dispatch`` — never writing a read model, never reading one. The
runner runs them before the projectors, in the transaction that moves their
checkpoint, so a command's events and the checkpoint commit together."""
from .card import CardFinder, CardTracker

PROCESSES = (CardTracker(), CardFinder())

__all__ = ["PROCESSES", "CardFinder", "CardTracker"]
