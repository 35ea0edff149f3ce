"""Figures of risk → visit for the command centre (composed by ``dashboards``)."""

import datetime as dt
from typing import TypedDict

from django.db.models import QuerySet
from django.utils import timezone

from core.periods import rate

from .models import RiskVisit
from .selectors import done_at, with_check_ins


class VisitFigures(TypedDict):
    total: int  # visits asked for in the period
    judged: int  # of those, done or past their deadline
    pending: int  # not done yet and still inside the deadline
    on_time: int  # done within the deadline (48 h)
    rate: float | None  # on_time ÷ judged


def visited_within(
    village_ids: QuerySet, *, start: dt.datetime, end: dt.datetime, now: dt.datetime | None = None
) -> VisitFigures:
    """Of the visits asked for in [start, end) in these villages, how many were made within
    their deadline. A visit still inside its deadline and not yet made is not judged yet. One
    query; "done" is ``selectors.done_at``, as on the visit list."""
    now = now or timezone.now()
    visits = with_check_ins(
        RiskVisit.objects.filter(village__in=village_ids, created_at__gte=start, created_at__lt=end)
    ).only("due_at", "created_at", "village_id", "grid_id")
    on_time = pending = total = 0
    for v in visits:
        total += 1
        done = done_at(v)
        if done is not None and done <= v.due_at:
            on_time += 1
        elif done is None and v.due_at > now:
            pending += 1
    judged = total - pending
    return {
        "total": total,
        "judged": judged,
        "pending": pending,
        "on_time": on_time,
        "rate": rate(on_time, judged),
    }
