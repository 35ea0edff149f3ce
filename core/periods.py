"""Reporting periods and rates: what every app's figure selectors take and give back.

A ``Period`` is a half-open range of local dates ``[start, end)``; ``bounds`` gives the aware
datetimes a query filters on. ``rate`` is the one percentage rule of the figures: one decimal,
``None`` (shown as "—") when there is nothing to divide by, never a misleading 0 %.
"""

import calendar
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import DomainError
from .limits import DATE_MAX, DATE_MIN, date_range_message


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def add_months(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _shift_year(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


@dataclass(frozen=True)
class Period:
    start: dt.date  # inclusive
    end: dt.date  # exclusive

    @property
    def label(self) -> str:
        last = self.end - dt.timedelta(days=1)
        return _("%(start)s 至 %(end)s") % {"start": f"{self.start:%Y-%m-%d}", "end": f"{last:%Y-%m-%d}"}

    @property
    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        tz = local_tz()
        return (
            dt.datetime.combine(self.start, dt.time.min, tzinfo=tz),
            dt.datetime.combine(self.end, dt.time.min, tzinfo=tz),
        )

    def previous(self) -> "Period":
        length = self.end - self.start
        if self.start.day == 1 and self.end.day == 1:  # whole months: the months just before
            months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month
            return Period(add_months(self.start, -months), self.start)
        return Period(self.start - length, self.start)

    def last_year(self) -> "Period":
        return Period(_shift_year(self.start), _shift_year(self.end))


def month_period(year: int, month: int) -> Period:
    start = dt.date(year, month, 1)
    return Period(start, add_months(start, 1))


PERIOD_MAX_DAYS = 366 * 3


def period_from_params(params: Mapping[str, str], today: dt.date | None = None) -> Period:
    """``?period=month|last_month|quarter|year`` or ``?start=YYYY-MM-DD&end=YYYY-MM-DD`` (end
    inclusive, at most three years, within ``core.limits.DATE_MIN``..``DATE_MAX``). An unknown
    ``period`` is this month; a custom period that cannot be read or lies outside those bounds is
    refused with a ``DomainError`` naming ``start`` (pages answer 400 with the message), never
    computed into a date the calendar does not have."""
    today = today or timezone.localdate()
    kind = params.get("period", "month")
    if params.get("start") or params.get("end"):
        return _custom_period(params.get("start") or "", params.get("end") or "")
    this_month = month_period(today.year, today.month)
    if kind == "last_month":
        return this_month.previous()
    if kind == "quarter":
        q_start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        return Period(q_start, add_months(q_start, 3))
    if kind == "year":
        return Period(dt.date(today.year, 1, 1), dt.date(today.year + 1, 1, 1))
    return this_month


def _custom_period(start_text: str, end_text: str) -> Period:
    try:
        start = dt.date.fromisoformat(start_text)
        last = dt.date.fromisoformat(end_text)
    except ValueError:
        raise DomainError(_("自定义期间须填写起止日期(YYYY-MM-DD)。"), field="start") from None
    if not (DATE_MIN <= start and last <= DATE_MAX):
        raise DomainError(date_range_message(), field="start")
    if last < start or (last - start).days >= PERIOD_MAX_DAYS:
        raise DomainError(_("结束日期须不早于开始日期,且期间不超过三年。"), field="end")
    return Period(start, last + dt.timedelta(days=1))


def rate(numerator: int, denominator: int) -> float | None:
    return round(100.0 * numerator / denominator, 1) if denominator else None
