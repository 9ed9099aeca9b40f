"""The hours-per-week chart's arithmetic (no database needed)."""
import datetime
from types import SimpleNamespace

from clinic.web.charts import bar_chart, weekly_hours

UTC = datetime.timezone.utc
TODAY = datetime.date(2026, 3, 12)  # a Thursday


def shift(day, hours):
    arrived = datetime.datetime.combine(day, datetime.time(8), tzinfo=UTC)
    return SimpleNamespace(arrived_at=arrived, seconds_worked=None if hours is None else int(hours * 3600))


def test_counts_completed_shifts_in_the_week_they_began(settings):
    settings.TIME_ZONE = "UTC"
    weeks = weekly_hours([
        shift(datetime.date(2026, 3, 9), 8),       # this week's Monday
        shift(datetime.date(2026, 3, 11), 7.5),
        shift(datetime.date(2026, 3, 8), 6),       # last week's Sunday
        shift(datetime.date(2026, 3, 12), None),   # still on shift
        shift(datetime.date(2025, 12, 1), 9),      # long ago
    ], TODAY)
    assert [w.start for w in weeks] == [datetime.date(2026, 3, 2), datetime.date(2026, 3, 9)]
    assert [w.hours for w in weeks] == [6, 15.5]


def test_leaves_out_the_empty_weeks_before_the_first_hours_not_those_after(settings):
    settings.TIME_ZONE = "UTC"
    weeks = weekly_hours([shift(datetime.date(2026, 2, 17), 8)], TODAY)  # four weeks ago, a Tuesday
    assert [w.start for w in weeks] == [datetime.date(2026, 2, 16) + datetime.timedelta(weeks=n) for n in range(4)]
    assert [w.hours for w in weeks] == [8, 0, 0, 0]


def test_a_few_weeks_keep_the_width_of_a_bar_among_eight():
    few = bar_chart(weekly_hours([shift(TODAY, 8)], TODAY))
    many = bar_chart(weekly_hours([shift(TODAY - datetime.timedelta(weeks=7), 8)], TODAY))
    assert len(few.bars) == 1 and len(many.bars) == 8
    assert few.bars[0].width == many.bars[0].width
    assert few.bars[0].x == many.bars[0].x


def test_bars_grow_with_hours_on_a_round_scale():
    weeks = weekly_hours([shift(TODAY, 10), shift(TODAY - datetime.timedelta(days=7), 35)], TODAY)
    chart = bar_chart(weeks)
    assert [line.hours for line in chart.gridlines] == [0, 10, 20, 30, 40]
    last, before = chart.bars[-1], chart.bars[-2]
    assert before.height == 3.5 * last.height
    assert all(bar.y + bar.height == chart.baseline for bar in chart.bars)
    assert "week of 9 Mar: 10 hours" in chart.description


def test_an_empty_timesheet_has_no_weeks_to_draw():
    assert weekly_hours([], TODAY) == []
    assert weekly_hours([shift(TODAY, None)], TODAY) == []  # on shift for the first time: nothing worked yet
