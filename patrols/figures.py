"""Figures of the patrols app for the command centre (read by ``dashboards``)."""

import datetime as dt
from typing import TypedDict

from django.db.models import Count, QuerySet

from .models import Patrol, PatrolAttendance, PatrolPlan


class PatrolFigures(TypedDict):
    patrols: int
    hours: float  # of the patrols that ended
    volunteers: int  # volunteer members checked in as present on the patrols (群防群治参与)
    teams: int


def patrol_figures(*, station_ids: QuerySet, start: dt.datetime, end: dt.datetime) -> PatrolFigures:
    """Patrols of these stations that started in [start, end): how many, the hours patrolled
    (ended ones), and how many volunteer members came (checked in as present: 群防群治参与)."""
    patrols = Patrol.objects.filter(station__in=station_ids, started_at__gte=start, started_at__lt=end)
    spans = list(patrols.exclude(ended_at__isnull=True).values_list("started_at", "ended_at"))
    hours = sum((e - s).total_seconds() for s, e in spans if e is not None) / 3600
    volunteers = (
        PatrolAttendance.objects.filter(patrol__in=patrols, volunteer_member__isnull=False)
        .values("volunteer_member")
        .distinct()
        .count()
    )
    teams = PatrolPlan.objects.filter(patrols__in=patrols).aggregate(
        n=Count("volunteer_teams", distinct=True)
    )["n"]
    return {"patrols": patrols.count(), "hours": round(hours, 1), "volunteers": volunteers, "teams": teams}
