"""What the clinic's rules are measured against: the time now in the clinic,
its slot grid and its default working week.

The handlers build a ``Clinic`` from their context's ``now`` (in the clinic's
time zone) and the settings, so the deciding functions stay pure and a test
decides at any moment it likes.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from . import hours
from .hours import Week


@dataclass(frozen=True)
class Clinic:
    now: datetime               # aware, in the clinic's time zone
    slot_minutes: int = 15      # bookings start on this grid, counted from midnight
    default_hours: Week = ()    # the week of a doctor whose hours were never set

    @property
    def today(self) -> date:
        return self.now.date()

    def start_of(self, day: date, at: time) -> datetime:
        """The moment an appointment starts, in the clinic's time zone."""
        return datetime.combine(day, at, tzinfo=self.now.tzinfo)

    def week_of(self, own: Week | None) -> Week:
        return self.default_hours if own is None else own

    def moment(self, at: datetime) -> str:
        """A moment as the clinic reads it: "13:46 on Monday 30 November 2026"."""
        local = at.astimezone(self.now.tzinfo)
        return f"{local:%H:%M} on {day_words(local.date())}"


def day_words(day: date) -> str:
    return f"{hours.WEEKDAYS[day.weekday()]} {day.day} {day:%B %Y}"
