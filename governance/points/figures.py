"""Figures of points for the command centre (composed by ``dashboards``)."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from governance.models import User

from .selectors import GroupTotal, previous_month, village_ranking

AREA_TOP_N = 5


@dataclass(frozen=True)
class AreaPoints:
    month: dt.date
    top: list[GroupTotal]  # the villages of the area with the best average, best first
    bottom: list[GroupTotal]  # the lowest averages, lowest first (only when there are more than top)


def points_area_figures(*, user: User, village_ids: QuerySet, today: dt.date) -> AreaPoints:
    """Last month's grid-worker points of the area's villages, ranked by average (the same
    ranking as the points page, narrowed to the area)."""
    month = previous_month(today.replace(day=1))
    groups = [g for g in village_ranking(user=user, month=month, among=village_ids) if g.people]
    bottom = list(reversed(groups[-AREA_TOP_N:])) if len(groups) > AREA_TOP_N else []
    return AreaPoints(month=month, top=groups[:AREA_TOP_N], bottom=bottom)
