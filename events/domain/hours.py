"""Working hours: when a doctor sees patients, week after week.

A week is a set of blocks — a weekday (Monday 0) with a start and an end in
the clinic's local time; a day may have several (a lunch break is the gap
between two). A doctor whose hours were never set works the clinic's default
week, so hours are held as ``None`` until set and resolved by ``Clinic``.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import time
from typing import Any

from .errors import InvalidCommand

END_OF_DAY = 24 * 60  # "24:00": a block may run to midnight
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True, order=True)
class Block:
    weekday: int  # Monday 0 … Sunday 6
    start: int    # minutes after midnight
    end: int      # exclusive

    def covers(self, start: int, end: int) -> bool:
        return self.start <= start and end <= self.end

    def to_data(self) -> dict[str, Any]:
        return {"weekday": self.weekday, "start": clock(self.start), "end": clock(self.end)}


Week = tuple[Block, ...]


def week(blocks: Iterable[Mapping[str, Any] | Block], field: str = "weekly") -> Week:
    """Blocks as given ({"weekday", "start", "end"}, times as HH:MM or ``time``)
    checked and sorted: each ends after it starts, none overlaps another that day.
    The refusal names the field and the block in words, so a manager sees which."""
    result = []
    for given in blocks:
        block = given if isinstance(given, Block) else _block(given, field)
        if block.end <= block.start:
            raise InvalidCommand(f"On {WEEKDAYS[block.weekday]} the block from {clock(block.start)} must end after "
                                 f"it starts, not at {clock(block.end)}.", field=field)
        result.append(block)
    result.sort()
    for before, after in zip(result, result[1:], strict=False):
        if before.weekday == after.weekday and after.start < before.end:
            raise InvalidCommand(f"On {WEEKDAYS[before.weekday]} the blocks {describe_block(before)} and "
                                 f"{describe_block(after)} overlap.", field=field)
    return tuple(result)


def _block(given: Mapping[str, Any], field: str) -> Block:
    try:
        weekday = given["weekday"]
        start, end = minutes_of(given["start"]), minutes_of(given["end"])
    except (KeyError, TypeError, ValueError):
        raise InvalidCommand("Give each block as a weekday (Monday 0 to Sunday 6), a start and an end (HH:MM).",
                             field=field) from None
    if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
        raise InvalidCommand("Give the weekday as a number from 0 (Monday) to 6 (Sunday).", field=field)
    return Block(weekday, start, end)


def minutes_of(value: time | str) -> int:
    """A time of day (``time`` or "HH:MM", "24:00" for the end of the day) as minutes after midnight."""
    if isinstance(value, str):
        if value == "24:00":
            return 24 * 60
        value = time.fromisoformat(value)
    if not isinstance(value, time) or value.second or value.microsecond:
        raise ValueError("not a whole minute")
    return value.hour * 60 + value.minute


def on(week_: Week, weekday: int) -> list[Block]:
    return [block for block in week_ if block.weekday == weekday]


def describe(week_: Week, weekday: int) -> str:
    """A weekday's hours in words: "08:00 to 12:00 and 13:00 to 18:00"."""
    return " and ".join(describe_block(block) for block in on(week_, weekday))


def describe_block(block: Block) -> str:
    return f"{clock(block.start)} to {clock(block.end)}"


def clock(minutes: int) -> str:
    """Minutes after midnight as HH:MM."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
