"""Figures of the patrols app for the command centre (read by ``dashboards``)."""

import datetime as dt
from typing import TypedDict

from django.db.models import Count, QuerySet

from .models import Patrol, PatrolPlan


class PatrolFigures(TypedDict):
    patrols: int
    hours: float  # of the patrols that ended
    volunteers: int  # volunteer members on the patrols' plans (群防群治参与)
    teams: int


def patrol_figures(*, station_ids: QuerySet, start: dt.datetime, end: dt.datetime) -> PatrolFigures:
    """Patrols of these stations that started in [start, end): how many, the hours patrolled
    (ended ones), and how many volunteer members were on their plans (群防群治参与)."""
    patrols = Patrol.objects.filter(station__in=station_ids, started_at__gte=start, started_at__lt=end)
    spans = list(patrols.exclude(ended_at__isnull=True).values_list("started_at", "ended_at"))
    hours = sum((e - s).total_seconds() for s, e in spans if e is not None) / 3600
    volunteers = (
        PatrolPlan.objects.filter(patrols__in=patrols)
        .values("volunteer_members")
        .exclude(volunteer_members=None)
        .distinct()
        .count()
    )
    teams = PatrolPlan.objects.filter(patrols__in=patrols).aggregate(
        n=Count("volunteer_teams", distinct=True)
    )["n"]
    return {"patrols": patrols.count(), "hours": round(hours, 1), "volunteers": volunteers, "teams": teams}
