"""The command centre's page of figures for one area, composed from the apps' figure selectors.

This module owns no query: each figure is computed by the app that owns its data, with the same
expressions as that app's lists (``disputes.figures``, ``screening.figures``,
``stations.figures``, ``patrols.figures``, ``patrols.visits.figures``,
``governance.points.figures``), over the area's village ids (already scoped to the user, see
``areas``). The definitions of the rates are in ``disputes.figures`` and shown on the page.
"""

import datetime as dt
from typing import NamedTuple, TypedDict

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from core.periods import Period
from disputes import figures as cases
from disputes.models import Level
from disputes.tiers.figures import TierFigures, tier_figures
from governance import selectors as territory
from governance.models import User
from governance.points.figures import points_area_figures
from patrols.figures import PatrolFigures, patrol_figures
from patrols.visits.figures import VisitFigures, visited_within
from screening.figures import RoundFigures, screening_figures
from stations import selectors as stations
from stations.figures import IncidentFigures, PresenceFigures, incident_figures, presence_figures

from .areas import Area, child_kind

LEVEL_LABELS = {str(k): v for k, v in Level.choices}  # labels stay lazy: translated when shown


class FieldFigures(TypedDict):
    incidents: IncidentFigures
    criminal_turns: int
    presence: PresenceFigures
    patrols: PatrolFigures
    visits: VisitFigures
    points_month: dt.date
    points_top: list
    points_bottom: list


class Headline(TypedDict):
    key: str
    label: str | Promise
    unit: str | Promise
    value: float | int | None
    previous: float | int | None
    last_year: float | int | None


class AreaFigures(TypedDict):
    period: Period
    previous_period: Period
    last_year_period: Period
    headline: list[Headline]
    current: cases.DisputeFigures
    open_now: cases.OpenCaseFigures
    escalations: list[tuple[str | Promise, int]]
    resolved_share: list[tuple[str | Promise, float | None]]
    screening: list[RoundFigures]
    field: FieldFigures
    tiers: TierFigures


class ChildRow(cases.ChildRow):
    name: str
    url: str


def field_figures(
    village_ids: QuerySet, period: Period, *, station_ids: QuerySet, user: User
) -> FieldFigures:
    start, end = period.bounds
    today = timezone.localdate()
    points = points_area_figures(user=user, village_ids=village_ids, today=today)
    return {
        "incidents": incident_figures(village_ids, start=start, end=end),
        "criminal_turns": cases.criminal_turns(village_ids, period),
        "presence": presence_figures(village_ids, month=today),
        "patrols": patrol_figures(station_ids=station_ids, start=start, end=end),
        "visits": visited_within(village_ids, start=start, end=end),
        "points_month": points.month,
        "points_top": points.top,
        "points_bottom": points.bottom,
    }


def _headline(
    current: cases.DisputeFigures, previous: cases.DisputeFigures, last_year: cases.DisputeFigures
) -> list[Headline]:
    """The headline figures with their values in the previous period and a year before."""
    spec: list[tuple[str, str | Promise, str | Promise]] = [
        ("new", _("新增纠纷"), ""),
        ("closed", _("办结"), ""),
        ("resolution_rate", _("化解率"), "%"),
        ("completion_rate", _("办结率"), "%"),
        ("on_time_rate", _("按期办结率"), "%"),
        ("median_days", _("化解用时中位数"), _("天")),
        ("recurrence_rate", _("复发率"), "%"),
        ("satisfaction_rate", _("回访满意率"), "%"),
    ]
    # keys are the headline ones of DisputeFigures (spec above); mypy cannot follow a loop variable
    return [
        {
            "key": key,
            "label": label,
            "unit": unit,
            "value": current[key],  # type: ignore[literal-required]
            "previous": previous[key],  # type: ignore[literal-required]
            "last_year": last_year[key],  # type: ignore[literal-required]
        }
        for key, label, unit in spec
    ]


def station_ids_of(area: Area) -> QuerySet:
    if area.kind == "station":
        return stations.station_ids_for(area.obj.pk)
    return stations.stations_serving(area.village_ids)


def area_figures(
    area: Area, period: Period, user: User, *, open_now: cases.OpenCaseFigures | None = None
) -> AreaFigures:
    """Every figure of the area's page; ``open_now``: today's picture when the caller has it
    already (``children``' totals), not counted again."""
    current = cases.dispute_figures(area.village_ids, period)
    previous = cases.dispute_figures(area.village_ids, period.previous())
    last_year = cases.dispute_figures(area.village_ids, period.last_year())
    return {
        "period": period,
        "previous_period": period.previous(),
        "last_year_period": period.last_year(),
        "headline": _headline(current, previous, last_year),
        "current": current,
        "open_now": cases.open_case_figures(area.village_ids) if open_now is None else open_now,
        "escalations": [(LEVEL_LABELS[k], v) for k, v in current["escalations"].items()],
        "resolved_share": [(LEVEL_LABELS[k], v) for k, v in current["resolved_share"].items()],
        "screening": screening_figures(area.village_ids),
        "field": field_figures(area.village_ids, period, station_ids=station_ids_of(area), user=user),
        "tiers": tier_figures(area.village_ids, period),
    }


class Children(NamedTuple):
    kind: str
    rows: list[ChildRow]
    open_now: cases.OpenCaseFigures  # the area's open picture: the sums over every child


def children(area: Area, user: User, period: Period) -> Children:
    """One level down (stations, townships, villages or grids) with their case figures, and the
    area's open picture from the same grouped counts (``disputes.figures.open_totals``)."""
    kind = child_kind(area)
    if kind == "station":
        objs: list = stations.stations_in_scope(user, county_id=area.obj.pk)
    elif kind == "township":
        objs = territory.townships_of(area.village_ids)
    elif kind == "village":
        objs = territory.villages_of(area.village_ids)
    else:
        objs = territory.active_grids_of(area.village_ids)
    table = cases.figures_by(area.village_ids, group=kind, period=period)
    rows: list[ChildRow] = []
    for obj in objs:
        url = (
            reverse("governance:grid-detail", args=[obj.pk])
            if kind == "grid"
            else reverse("dashboards:area", args=[kind, obj.pk])
        )
        rows.append({"name": str(obj), "url": url, **table.get(obj.pk, cases.EMPTY_CHILD_ROW)})
    return Children(kind, rows, cases.open_totals(table))
