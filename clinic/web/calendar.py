"""The calendar grid behind the week calendar and the day sheet.

One table for both: a row per step of the clinic's slot grid, a column per
(doctor, day) — seven days of one doctor, or every doctor on one day. Each cell
says in words what it is (closed, free, booked), not only in colour, and a
booking spans its rows (``rowspan``), so the grid needs no inline style, which
the Content-Security-Policy would refuse.

Built from rows already read (doctors with their hours prefetched, the
appointments of the period in one query): nothing here touches the database.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, time

from events.domain import hours
from events.domain.clinic import Clinic
from readmodels import selectors
from readmodels.models import Appointment, Doctor

# The hours shown when no column works and nothing is booked: an ordinary clinic day.
QUIET_DAY = (8 * 60, 18 * 60)

CLOSED, FREE, OPEN, BOOKED = "closed", "free", "open", "booked"


@dataclass(frozen=True)
class Column:
    doctor: Doctor
    day: date


@dataclass
class Cell:
    """One slot of one column. ``kind``: closed (outside working hours), free (a
    booking of the asked length may start here), open (working hours, but no
    such booking fits or it is past), booked (an appointment starts here and
    spans ``rows``)."""

    column: Column
    at: time
    kind: str
    appointment: Appointment | None = None
    rows: int = 1
    now: bool = False
    actions: dict = field(default_factory=dict)  # forms a view puts beside a booking


@dataclass
class Row:
    at: time
    cells: list[Cell]
    now: bool = False


@dataclass
class Grid:
    columns: list[Column]
    rows: list[Row]
    step: int

    @property
    def shows_now(self) -> bool:
        return any(row.now for row in self.rows)

    @property
    def bookings(self) -> list[Cell]:
        return [cell for row in self.rows for cell in row.cells if cell.appointment is not None]


def grid(columns: Sequence[Column], appointments: Iterable[Appointment], clinic: Clinic,
         length: int) -> Grid:
    """The grid of these columns. ``appointments`` may hold any of the period's;
    cancelled ones hold no time and are left out. A free cell is where a booking
    of ``length`` minutes could start (``selectors.open_starts``, the API's rule)."""
    step = clinic.slot_minutes
    held: dict[tuple, list[Appointment]] = defaultdict(list)
    for each in appointments:
        if each.status != Appointment.CANCELLED:
            held[(each.doctor_id, each.day)].append(each)
    first, last = _span(columns, held)
    minutes = range(first, last, step)
    now = clinic.now.hour * 60 + clinic.now.minute
    table = [Row(_clock(m), [], now=False) for m in minutes]
    for column in columns:
        week = selectors.week_of(column.doctor)
        booked = sorted(held[(column.doctor.pk, column.day)], key=lambda a: a.time)
        taken = [selectors.held_slot(a.time, a.duration_minutes) for a in booked]
        free = set() if column.doctor.retired else set(
            selectors.open_starts(week, column.day, taken, length, clinic))
        blocks = hours.on(week, column.day.weekday())
        covered_until = first
        starts = {_minutes(a.time): a for a in booked}
        for index, m in enumerate(minutes):
            is_now = column.day == clinic.today and m <= now < m + step
            if m < covered_until:
                continue  # inside a booking drawn above
            appointment = next((a for start, a in starts.items() if m <= start < m + step), None)
            if appointment is not None:
                end = _minutes(appointment.time) + appointment.duration_minutes
                later = [start for start in starts if start >= m + step]
                end = min([end, *later, last])
                rows = max(1, -(-(end - m) // step))
                covered_until = m + rows * step
                table[index].cells.append(Cell(column, _clock(m), BOOKED, appointment, rows, is_now))
                continue
            at = _clock(m)
            working = any(block.covers(m, m + step) for block in blocks)
            kind = FREE if at in free else OPEN if working else CLOSED
            table[index].cells.append(Cell(column, at, kind, now=is_now))
    for row, m in zip(table, minutes, strict=True):
        row.now = any(c.day == clinic.today for c in columns) and m <= now < m + step
    return Grid(list(columns), table, step)


def _span(columns: Sequence[Column], held: dict[tuple, list[Appointment]]) -> tuple[int, int]:
    """The minutes the grid covers: every column's working hours and bookings,
    on whole hours."""
    starts, ends = [], []
    for column in columns:
        for block in hours.on(selectors.week_of(column.doctor), column.day.weekday()):
            starts.append(block.start)
            ends.append(block.end)
        for appointment in held[(column.doctor.pk, column.day)]:
            starts.append(_minutes(appointment.time))
            ends.append(_minutes(appointment.time) + appointment.duration_minutes)
    if not starts:
        return QUIET_DAY
    return min(starts) // 60 * 60, min(-(-max(ends) // 60) * 60, hours.END_OF_DAY)


def _minutes(at: time) -> int:
    return at.hour * 60 + at.minute


def _clock(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)
