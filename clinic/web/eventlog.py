"""The event log as pages, newest first.

Pages are cut by position ("before #1234"), not by page number: an older page
never shifts when new events arrive, while the first page grows live.
"""
import uuid
from dataclasses import dataclass

from events import store

from . import activity

PAGE_SIZE = 50


@dataclass(frozen=True)
class LogPage:
    entries: list[activity.Activity]  # newest first
    older: int | None  # the position to continue from, if there are older events


def page(*, type: str | None = None, stream_type: str | None = None, stream: uuid.UUID | None = None,
         before: int | None = None, size: int = PAGE_SIZE) -> LogPage:
    events = store.read_all(types=[type] if type else None).order_by("-position")
    if stream_type:
        events = events.filter(stream_type=stream_type)
    if stream:
        events = events.filter(stream_id=stream)
    if before:
        events = events.filter(position__lt=before)
    rows = list(events[:size + 1])
    older = rows[size - 1].position if len(rows) > size else None
    return LogPage(activity.told(rows[:size]), older)
