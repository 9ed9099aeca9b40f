"""Hours worked per week, drawn on the server as SVG: the page needs no script
and the chart is part of the HTML a live update swaps in."""
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import formats, timezone

from readmodels.models import TimesheetEntry

WEEKS = 8


@dataclass(frozen=True)
class Week:
    start: date  # the Monday
    hours: float


def weekly_hours(shifts: Iterable[TimesheetEntry], today: date, weeks: int = WEEKS) -> list[Week]:
    """Hours of the completed shifts of the last ``weeks`` weeks (Monday to
    Sunday, in the clinic's time zone, the current week last). A shift counts in
    the week it began; one still open counts once it has ended.

    The weeks before the first one with hours are left out: a doctor who began
    three weeks ago has three bars, not five empty ones before them that read as
    weeks off. No hours at all: no weeks."""
    this_monday = today - timedelta(days=today.weekday())
    seconds = {this_monday - timedelta(weeks=back): 0 for back in reversed(range(weeks))}
    for shift in shifts:
        if shift.seconds_worked is None:
            continue
        began = timezone.localdate(shift.arrived_at)
        monday = began - timedelta(days=began.weekday())
        if monday in seconds:
            seconds[monday] += shift.seconds_worked
    worked = [Week(monday, round(total / 3600, 1)) for monday, total in seconds.items()]
    first = next((index for index, week in enumerate(worked) if seconds[week.start]), len(worked))
    return worked[first:]


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    hours: float
    label: str  # the week, e.g. "5 May"

    @property
    def center(self) -> float:
        return round(self.x + self.width / 2, 1)


@dataclass(frozen=True)
class Gridline:
    y: float
    hours: int


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    left: int
    baseline: float
    bars: list[Bar]
    gridlines: list[Gridline]

    @property
    def description(self) -> str:
        return "; ".join(f"week of {bar.label}: {bar.hours:g} hours" for bar in self.bars)


def bar_chart(weeks: Sequence[Week], *, width: int = 560, height: int = 220, left: int = 40, top: int = 18,
              bottom: int = 30, slots: int = WEEKS) -> BarChart:
    """Lay the weeks out as bars on a scale of round numbers of hours, from the
    left, each in one of ``slots`` places: a few weeks keep the bars' width."""
    step = _step(max((week.hours for week in weeks), default=0))
    scale_top = step * 4
    plot_height = height - top - bottom
    baseline = top + plot_height
    slot = (width - left) / max(len(weeks), slots, 1)
    bars = []
    for index, week in enumerate(weeks):
        bar_height = plot_height * week.hours / scale_top
        bars.append(Bar(
            x=round(left + index * slot + slot * 0.15, 1), y=round(baseline - bar_height, 1),
            width=round(slot * 0.7, 1), height=round(bar_height, 1), hours=week.hours,
            label=formats.date_format(week.start, "j M")))
    gridlines = [Gridline(y=round(baseline - plot_height * i / 4, 1), hours=step * i) for i in range(5)]
    return BarChart(width, height, left, baseline, bars, gridlines)


def _step(highest: float) -> int:
    """A round gridline step, so that four steps cover ``highest``."""
    for step in (1, 2, 5, 10, 15, 20, 25):
        if step * 4 >= highest:
            return step
    return int(math.ceil(highest / 40) * 10)
