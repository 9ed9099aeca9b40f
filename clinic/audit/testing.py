"""Test-only: empty the audit table despite its triggers, as
``events.testing.reset_event_store`` empties the event log. Nothing in the
application imports this module."""
from events.testing import empty

from .immutability import AUDIT


def reset_audit() -> None:
    empty(AUDIT)
