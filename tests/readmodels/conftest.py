import datetime

import pytest

from events import handlers

# A fixed "now", so shift lengths and totals are exact.
NOW = datetime.datetime(2026, 3, 2, 18, 0, tzinfo=datetime.timezone.utc)


@pytest.fixture
def at():
    """``at(h, m)``: that time on the day of NOW (UTC)."""
    return lambda hour, minute=0: NOW.replace(hour=hour, minute=minute)


@pytest.fixture
def fixed_ctx():
    return handlers.Context(actor="tester", source="seed", now=NOW)
