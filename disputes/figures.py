"""Figures of dispute cases for the command centre (composed by ``dashboards``).

Every function takes the area's village ids (a values-queryset already scoped to the user) and
issues a fixed number of queries whatever the data size: conditional aggregation in the
database, never one query per row. They count with the same expressions as the case list
(``selectors.is_open``, ``is_overdue``, ``has_agreement``, ``case_incidents``), so the number
on a dashboard tile is the number of rows its link lists.

Definitions (shown on the page too):
- 新增: cases registered in the period.
- 办结: cases closed (已办结) in the period.
- 化解率 = 办结 cases that reached a mediation agreement ÷ 办结.
- 办结率 = cases registered in the period (and accepted) that are closed now ÷ those cases.
- 按期办结率 = 办结 cases closed by their due date ÷ 办结.
- 复发率 = cases re-opened in the period ÷ 办结.
- 回访满意率 = follow-up visits in the period answered 满意 or 基本满意 ÷ visits.
- 网格/村/乡镇化解占比: of the 办结 cases that reached an agreement, the share at each level.
- 民转刑: cases followed, within the period, by a criminal incident from the same source.
"""

import datetime as dt
import statistics
from typing import Any, Literal, TypedDict

from django.conf import settings
from django.db.models import Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet, Sum
from django.db.models.fields.json import KT
from django.utils import timezone

from core.periods import Period, add_months, rate
from governance.models import Grid
from stations.models import Incident

from .incidents.models import CriminalTurn
from .models import CaseEvent, DisputeCase, FollowUp, RiskLevel, Status
from .selectors import case_incidents, has_agreement, is_closed_on_time, is_open, is_overdue
from .summary import store
from .summary.models import METRICS


class DisputeFigures(TypedDict):
    new: int
    closed: int
    resolved: int
    resolution_rate: float | None
    completion_rate: float | None
    on_time_rate: float | None
    median_days: float | None
    escalations: dict[str, int]  # level → escalations to it in the period
    recurrence_rate: float | None
    satisfaction_rate: float | None
    follow_ups: int
    resolved_share: dict[str, float | None]  # level → share of the resolved cases


class OpenCaseFigures(TypedDict):
    open: int
    overdue: int
    red: int
    orange: int


class DisputeTrend(TypedDict):
    months: list[str]
    new: list[int]
    closed: list[int]
    resolution_rate: list[float | None]


class ChildRow(TypedDict):
    new: int
    closed: int
    resolved: int
    open: int
    overdue: int
    red: int
    orange: int
    resolution_rate: float | None


class FeatureCollection(TypedDict):
    type: str
    features: list[dict[str, Any]]


class GridMap(TypedDict):
    grids: FeatureCollection
    cases: FeatureCollection
    cases_total: int  # the open cases with a grid in the area; ``cases`` holds at most MAP_CASE_POINTS


GroupKey = Literal["station", "township", "village", "grid"]
_GROUP_FIELD: dict[str, str] = {
    "station": "station_id",
    "township": "village__parent_id",
    "village": "village_id",
    "grid": "grid_id",
}


def _cases(village_ids: QuerySet) -> QuerySet[DisputeCase]:
    return DisputeCase.objects.filter(village__in=village_ids)


def risk_counts(*, now: dt.datetime) -> dict[str, Count]:
    """The aggregates of "today's picture" on a case queryset: open, overdue, 红, 橙 (shared by
    the dashboards and the home page's panel)."""
    open_ = is_open()
    return {
        "open": Count("pk", filter=open_),
        "overdue": Count("pk", filter=is_overdue(now)),
        "red": Count("pk", filter=open_ & Q(risk_level=RiskLevel.RED)),
        "orange": Count("pk", filter=open_ & Q(risk_level=RiskLevel.ORANGE)),
    }


def _raw_counts(village_ids: QuerySet, start: dt.datetime, end: dt.datetime) -> dict[str, int]:
    """The additive figures of ``summary.models.METRICS`` for ``[start, end)`` from the raw rows,
    only the cases the range touches (registered or closed in it): two index ranges
    (``case_reported_desc``, ``case_status_closed``). For the parts of a period that are not
    whole months; the stored monthly rows hold the same numbers for whole months."""
    in_period = Q(reported_at__gte=start, reported_at__lt=end)
    closed = Q(status=Status.CLOSED, closed_at__gte=start, closed_at__lt=end)
    resolved = closed & Q(agreed=True)
    agg = (
        _cases(village_ids)
        .filter(in_period | closed)
        .annotate(agreed=has_agreement())
        .aggregate(
            new=Count("pk", filter=in_period),
            accepted_new=Count("pk", filter=in_period & ~Q(status=Status.NOT_ACCEPTED)),
            accepted_new_closed=Count("pk", filter=in_period & Q(status=Status.CLOSED)),
            closed=Count("pk", filter=closed),
            resolved=Count("pk", filter=resolved),
            on_time=Count("pk", filter=closed & is_closed_on_time()),
            **{name: Count("pk", filter=resolved & Q(level=lvl)) for lvl, name in store.RESOLVED_AT.items()},
        )
    )
    events = CaseEvent.objects.filter(
        case__village__in=village_ids, created_at__gte=start, created_at__lt=end
    )
    escalations = dict(
        events.filter(code__in=store.ESCALATION_CODES)
        .annotate(to_level=KT("changes__level__1"))
        .values("to_level")
        .annotate(n=Count("pk"))
        .values_list("to_level", "n")
    )
    visits = FollowUp.objects.filter(
        case__village__in=village_ids, visited_at__gte=start, visited_at__lt=end
    ).aggregate(n=Count("pk"), content=Count("pk", filter=Q(satisfaction__in=store.CONTENT)))
    return {
        **agg,
        **{name: escalations.get(lvl, 0) for lvl, name in store.ESCALATED_TO.items()},
        "reopened": events.filter(code=store.REOPEN_CODE).count(),
        "follow_ups": visits["n"],
        "follow_ups_content": visits["content"],
    }


def _parts(period: Period) -> tuple[tuple[dt.date, dt.date] | None, list[tuple[dt.datetime, dt.datetime]]]:
    """A period as its whole calendar months (read from ``CaseMonth``) and the partial months at
    its ends (counted from the raw rows): the default periods (a month, a quarter, a year) are
    whole months; a custom one has at most two partial months."""
    whole = store.whole_months(period.start, period.end)
    if whole is None:
        return None, [period.bounds]
    first, after = whole
    edges = [Period(a, b).bounds for a, b in ((period.start, first), (after, period.end)) if a < b]
    return whole, edges


def period_counts(village_ids: QuerySet, period: Period) -> dict[str, int]:
    """The additive figures of the area in the period: stored months plus raw edges."""
    whole, edges = _parts(period)
    counts = dict.fromkeys(METRICS, 0)
    if whole is not None:
        counts = store.summed(store.month_rows(village_ids, *whole))
    for start, end in edges:
        for name, value in _raw_counts(village_ids, start, end).items():
            counts[name] += value
    return counts


def _median_days(village_ids: QuerySet, period: Period) -> float | None:
    """化解用时中位数 of the cases closed in the period: the middle one or two durations, sorted
    by the database (no list of every duration in Python)."""
    start, end = period.bounds
    durations = (
        _cases(village_ids)
        .filter(status=Status.CLOSED, closed_at__gte=start, closed_at__lt=end)
        .annotate(d=ExpressionWrapper(F("closed_at") - F("reported_at"), output_field=DurationField()))
        .order_by("d")
        .values_list("d", flat=True)
    )
    n = durations.count()
    if not n:
        return None
    middle = [d.total_seconds() / 86400 for d in durations[(n - 1) // 2 : n // 2 + 1]]
    return round(statistics.median(middle), 1)


def dispute_figures(village_ids: QuerySet, period: Period) -> DisputeFigures:
    agg = period_counts(village_ids, period)
    return {
        "new": agg["new"],
        "closed": agg["closed"],
        "resolved": agg["resolved"],
        "resolution_rate": rate(agg["resolved"], agg["closed"]),
        "completion_rate": rate(agg["accepted_new_closed"], agg["accepted_new"]),
        "on_time_rate": rate(agg["on_time"], agg["closed"]),
        "median_days": _median_days(village_ids, period),
        "escalations": {str(lvl): agg[name] for lvl, name in store.ESCALATED_TO.items()},
        "recurrence_rate": rate(agg["reopened"], agg["closed"]),
        "satisfaction_rate": rate(agg["follow_ups_content"], agg["follow_ups"]),
        "follow_ups": agg["follow_ups"],
        "resolved_share": {
            str(lvl): rate(agg[name], agg["resolved"]) for lvl, name in store.RESOLVED_AT.items()
        },
    }


def open_case_figures(village_ids: QuerySet, now: dt.datetime | None = None) -> OpenCaseFigures:
    """Today's picture (not tied to the period): open cases, overdue, 红/橙."""
    agg = _cases(village_ids).filter(is_open()).aggregate(**risk_counts(now=now or timezone.now()))
    return {"open": agg["open"], "overdue": agg["overdue"], "red": agg["red"], "orange": agg["orange"]}


def open_totals(table: dict[Any, ChildRow]) -> OpenCaseFigures:
    """Today's picture of an area from its children's rows (``figures_by``): every open case is
    in exactly one row (those with no child, such as a case with no grid, under ``None``), so the
    sums are ``open_case_figures`` of the area without a second scan of its open cases."""
    return {
        "open": sum(r["open"] for r in table.values()),
        "overdue": sum(r["overdue"] for r in table.values()),
        "red": sum(r["red"] for r in table.values()),
        "orange": sum(r["orange"] for r in table.values()),
    }


def _month_key(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def dispute_trend(village_ids: QuerySet, *, months: int = 12, today: dt.date | None = None) -> DisputeTrend:
    """New, closed and resolved cases per month over the last ``months`` months (whole months:
    read from the stored monthly rows, one grouped query)."""
    today = today or timezone.localdate()
    first = add_months(dt.date(today.year, today.month, 1), -(months - 1))
    labels = [add_months(first, i) for i in range(months)]
    rows = {
        r["month"]: r
        for r in store.month_rows(village_ids, first, add_months(labels[-1], 1))
        .values("month")
        .annotate(new=Sum("new"), closed=Sum("closed"), resolved=Sum("resolved"))
        .order_by()
    }
    empty = {"new": 0, "closed": 0, "resolved": 0}
    return {
        "months": [f"{d:%Y-%m}" for d in labels],
        "new": [rows.get(d, empty)["new"] for d in labels],
        "closed": [rows.get(d, empty)["closed"] for d in labels],
        "resolution_rate": [
            rate(rows.get(d, empty)["resolved"], rows.get(d, empty)["closed"]) for d in labels
        ],
    }


EMPTY_CHILD_ROW: ChildRow = {
    "new": 0,
    "closed": 0,
    "resolved": 0,
    "open": 0,
    "overdue": 0,
    "red": 0,
    "orange": 0,
    "resolution_rate": None,
}


_SUMMARY_GROUP: dict[str, str] = {
    "station": "station_id",
    "township": "village__parent_id",
    "village": "village_id",
}


def _period_by(village_ids: QuerySet, key: str, start: dt.datetime, end: dt.datetime) -> QuerySet:
    """新增, 办结, 化解 per child from the raw rows of ``[start, end)``."""
    in_period = Q(reported_at__gte=start, reported_at__lt=end)
    closed = Q(status=Status.CLOSED, closed_at__gte=start, closed_at__lt=end)
    return (
        _cases(village_ids)
        .filter(in_period | closed)
        .annotate(agreed=has_agreement())
        .values(key)
        .annotate(
            new=Count("pk", filter=in_period),
            closed=Count("pk", filter=closed),
            resolved=Count("pk", filter=closed & Q(agreed=True)),
        )
        .order_by()
    )


def figures_by(village_ids: QuerySet, *, group: GroupKey, period: Period) -> dict[Any, ChildRow]:
    """One row per child area (``group``: station, township, village or grid), keyed by its id
    (the cases with none, such as those with no grid, under ``None``): new, closed, 化解率 (the
    stored months and the raw edges of the period; a grid's from the raw rows), open, overdue,
    红/橙 (the open cases) — a fixed number of grouped queries."""
    key = _GROUP_FIELD[group]
    whole, edges = _parts(period) if group in _SUMMARY_GROUP else (None, [period.bounds])
    parts: list[Any] = [_period_by(village_ids, key, start, end) for start, end in edges]
    if whole is not None:
        summary_key = _SUMMARY_GROUP[group]
        parts.append(
            store.month_rows(village_ids, *whole)
            .values(summary_key)
            .annotate(new=Sum("new"), closed=Sum("closed"), resolved=Sum("resolved"))
            .values_list(summary_key, "new", "closed", "resolved")
            .order_by()
        )
    table: dict[Any, ChildRow] = {}
    for part in parts:
        for row in part:
            child_id, new, closed, resolved = (
                row if isinstance(row, tuple) else (row[key], row["new"], row["closed"], row["resolved"])
            )
            child = table.setdefault(child_id, {**EMPTY_CHILD_ROW})
            child["new"] += new
            child["closed"] += closed
            child["resolved"] += resolved
    open_rows = (
        _cases(village_ids)
        .filter(is_open())
        .values(key)
        .annotate(**risk_counts(now=timezone.now()))
        .order_by()
    )
    for row in open_rows:
        child = table.setdefault(row[key], {**EMPTY_CHILD_ROW})
        child["open"], child["overdue"] = row["open"], row["overdue"]
        child["red"], child["orange"] = row["red"], row["orange"]
    for child in table.values():
        child["resolution_rate"] = rate(child["resolved"], child["closed"])
    return table


def criminal_turns(village_ids: QuerySet, period: Period) -> int:
    """民转刑: cases of the area followed, within the period, by a criminal incident (刑事警情)
    at the case's address or from a party's phone, received after the case was reported."""
    start, end = period.bounds
    # stored at write time and rebuilt nightly (``incidents.turns``): no correlated EXISTS over
    # every incident (23 s at 500 k incidents); ``criminal_turns_raw`` is the same figure
    # the area's turns of the period from one index range (the case's village is on the row)
    return CriminalTurn.objects.filter(
        village__in=village_ids, received_at__gte=start, received_at__lt=end
    ).aggregate(n=Count("case", distinct=True))["n"]


def criminal_turns_raw(village_ids: QuerySet, period: Period) -> int:
    """民转刑 computed from the raw rows, the definition ``CriminalTurn`` stores (the agreement
    test and the benchmark's reference; not for pages)."""
    start, end = period.bounds
    later_crime = Incident.objects.filter(
        case_incidents(),
        category=Incident.Category.CRIMINAL,
        received_at__gte=start,
        received_at__lt=end,
        received_at__gt=OuterRef("reported_at"),
    )
    return _cases(village_ids).filter(Exists(later_crime)).count()


# --- Map ----------------------------------------------------------------------------------
RISK_COLOURS = {
    "red": "#d63031",
    "orange": "#f39c12",
    "yellow": "#f1c40f",
    "blue": "#3498db",
    "none": "#95a5a6",
}


def _centre(boundary: dict[str, Any]) -> tuple[float, float, float, float]:
    ring = boundary["coordinates"][0]
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2, (max(xs) - min(xs)), (max(ys) - min(ys))


def _level(g: dict[str, Any]) -> str:
    for key, level in (("n_red", "red"), ("n_orange", "orange"), ("n_yellow", "yellow"), ("n_open", "blue")):
        if g[key]:
            return level
    return "none"


def grid_map(village_ids: QuerySet) -> GridMap:
    """GeoJSON of the area's grids coloured by their highest open risk level, and the open cases
    as points inside their grid: the ``settings.MAP_CASE_POINTS`` highest risk scores (a county of
    a prefecture has a hundred thousand open cases; a map of that many points shows nothing and
    weighs hundreds of MB), with the number of all of them (four queries)."""
    # the open cases per grid from the open-case index (not a join of every case, closed ones
    # included, grouped with each grid's boundary), then the grids themselves
    counts = {
        row["grid_id"]: row
        for row in _cases(village_ids)
        .filter(is_open(), grid__isnull=False)
        .values("grid_id")
        .annotate(
            n_open=Count("pk"),
            n_red=Count("pk", filter=Q(risk_level=RiskLevel.RED)),
            n_orange=Count("pk", filter=Q(risk_level=RiskLevel.ORANGE)),
            n_yellow=Count("pk", filter=Q(risk_level=RiskLevel.YELLOW)),
        )
        .order_by()
    }
    none = {"n_open": 0, "n_red": 0, "n_orange": 0, "n_yellow": 0}
    grids = [
        {**g, **counts.get(g["pk"], none)}
        for g in Grid.objects.filter(village__in=village_ids, is_active=True)
        .exclude(boundary__isnull=True)
        .values("pk", "name", "village__name", "boundary")
    ]
    features, centres = [], {}
    for g in grids:
        level = _level(g)
        centres[g["pk"]] = _centre(g["boundary"])
        features.append(
            {
                "type": "Feature",
                "geometry": g["boundary"],
                "properties": {
                    "id": g["pk"],
                    "name": g["name"],
                    "village": g["village__name"],
                    "level": level,
                    "colour": RISK_COLOURS[level],
                    "open": g["n_open"],
                    "red": g["n_red"],
                    "orange": g["n_orange"],
                },
            }
        )
    points = []
    # the open cases of the grids drawn (active, with a boundary)
    open_in_grids = _cases(village_ids).filter(is_open(), grid__is_active=True, grid__boundary__isnull=False)
    cases = open_in_grids.order_by("-risk_score", "-pk").values(
        "pk", "number", "risk_level", "grid_id", "category", "risk_score"
    )[: settings.MAP_CASE_POINTS]
    labels = dict(DisputeCase._meta.get_field("category").choices or [])
    for c in cases:
        if c["grid_id"] not in centres:
            continue
        cx, cy, w, h = centres[c["grid_id"]]
        # spread the points of one grid inside it, deterministically
        fx, fy = ((c["pk"] * 37) % 100) / 100 - 0.5, ((c["pk"] * 61) % 100) / 100 - 0.5
        points.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(cx + fx * w * 0.7, 6), round(cy + fy * h * 0.7, 6)],
                },
                "properties": {
                    "id": c["pk"],
                    "number": c["number"],
                    "level": c["risk_level"],
                    "score": c["risk_score"],
                    "colour": RISK_COLOURS.get(c["risk_level"], RISK_COLOURS["none"]),
                    "category": str(labels.get(c["category"], c["category"])),
                    "url": f"/cases/{c['pk']}/",
                },
            }
        )
    return {
        "grids": {"type": "FeatureCollection", "features": features},
        "cases": {"type": "FeatureCollection", "features": points},
        "cases_total": open_in_grids.count(),
    }
