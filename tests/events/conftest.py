import dataclasses
import threading
import types
import uuid

import pytest

from events import store
from events.domain.messages import Event

_TEST_EVENTS: dict[str, type[Event]] = {}
_MAKING = threading.Lock()  # writer threads of the concurrency tests ask for the same type at once


def test_event(type_name, n=None):
    """An event of a type only these tests use ("THING_HAPPENED", "A", ...), on a
    "thing" stream, with one optional number ``n``: the store's guarantees hold
    for any registered event class, not just the clinic's."""
    with _MAKING:
        cls = _TEST_EVENTS.get(type_name)
        if cls is None:
            cls = _TEST_EVENTS[type_name] = _event_class(type_name)
    return cls(n=n)


def _event_class(type_name):
    def body(namespace):
        namespace["__annotations__"] = {"n": int | None}
        namespace["n"] = None
    return dataclasses.dataclass(frozen=True)(
        types.new_class(f"Test{type_name.title()}", (Event,), {"type": type_name, "stream": "thing"}, body))


test_event.__test__ = False  # a factory, not a test


@pytest.fixture
def meta():
    return store.metadata(actor="tester", source="seed")


@pytest.fixture
def write(meta):
    """Append ``n`` events to one stream (new unless ``stream_id`` given); return the position."""

    def write(stream_id=None, *, n=1, expected=0, type="THING_HAPPENED", stream_type="thing", occurred_at=None):
        stream_id = stream_id or uuid.uuid4()
        events = [test_event(type, i) for i in range(1, n + 1)]
        return store.append([store.StreamWrite(stream_id, stream_type, expected, events)],
                            metadata=meta, occurred_at=occurred_at)

    return write
