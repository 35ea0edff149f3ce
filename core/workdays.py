"""The working-day calendar: weekends and the days ``CalendarDay`` lists (public holidays off,
make-up working days on). Deadlines counted in working days where policy says so
(``disputes.clock``) step through it; one query per computation, whatever the number of days.
The year's official schedule is seeded by ``core/migrations/0003_seed_2026_holidays.py`` and kept
in the admin (节假日与调休)."""

import datetime as dt

from .models import CalendarDay


def _exceptions(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    return dict(CalendarDay.objects.filter(date__gte=start, date__lte=end).values_list("date", "is_workday"))


def is_workday(day: dt.date) -> bool:
    return _exceptions(day, day).get(day, day.weekday() < 5)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The ``days``-th working day after ``start`` (``start`` itself not counted)."""
    # long enough for any run of holidays: a week of rest per five working days, and a margin
    horizon = start + dt.timedelta(days=days * 2 + 30)
    exceptions = _exceptions(start, horizon)
    day, left = start, days
    while left > 0:
        day += dt.timedelta(days=1)
        if exceptions.get(day, day.weekday() < 5):
            left -= 1
    return day
