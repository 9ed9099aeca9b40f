import uuid

import pytest

from events import store
from events.domain import NewEvent


@pytest.fixture
def meta():
    return store.metadata(actor="tester", source="seed")


@pytest.fixture
def write(meta):
    """Append ``n`` events to one stream (new unless ``stream_id`` given); return the position."""

    def write(stream_id=None, *, n=1, expected=0, type="THING_HAPPENED", stream_type="thing", occurred_at=None):
        stream_id = stream_id or uuid.uuid4()
        events = [NewEvent(type, {"n": i}) for i in range(1, n + 1)]
        return store.append([store.StreamWrite(stream_id, stream_type, expected, events)],
                            metadata=meta, occurred_at=occurred_at)

    return write
