"""The command centre's figures, computed from the apps' data for an area's villages.

Every function takes the area's village ids (already scoped to the user, see ``areas``) and
issues a fixed number of queries whatever the data size: conditional aggregation in the
database, never one query per row.

Definitions (shown on the page too):
- 新增: cases registered in the period.
- 办结: cases closed (已办结) in the period.
- 化解率 = 办结 cases that reached a mediation agreement ÷ 办结.
- 办结率 = cases registered in the period (and accepted) that are closed now ÷ those cases.
- 按期办结率 = 办结 cases closed by their due date ÷ 办结.
- 复发率 = cases re-opened in the period ÷ 办结.
- 回访满意率 = follow-up visits in the period answered 满意 or 基本满意 ÷ visits.
- 网格/村/乡镇化解占比: of the 办结 cases that reached an agreement, the share at each level.
"""

import calendar
import datetime as dt
import statistics
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.models import (
    OPEN_STATUSES,
    Agreement,
    CaseEvent,
    DisputeCase,
    FollowUp,
    Level,
    RiskLevel,
    Status,
)

TZ = ZoneInfo(settings.TIME_ZONE)


# --- Periods ------------------------------------------------------------------------------
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
        return (
            dt.datetime.combine(self.start, dt.time.min, tzinfo=TZ),
            dt.datetime.combine(self.end, dt.time.min, tzinfo=TZ),
        )

    def previous(self) -> "Period":
        length = self.end - self.start
        if self.start.day == 1 and self.end.day == 1:  # whole months: the months just before
            months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month
            return Period(_add_months(self.start, -months), self.start)
        return Period(self.start - length, self.start)

    def last_year(self) -> "Period":
        return Period(_shift_year(self.start), _shift_year(self.end))


def _add_months(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _shift_year(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def month_period(year: int, month: int) -> Period:
    start = dt.date(year, month, 1)
    return Period(start, _add_months(start, 1))


def period_from_params(params, today: dt.date | None = None) -> Period:
    """``?period=month|last_month|quarter|year`` or ``?start=YYYY-MM-DD&end=YYYY-MM-DD`` (end
    inclusive). Anything unreadable falls back to this month."""
    today = today or timezone.localdate()
    kind = params.get("period", "month")
    if params.get("start") and params.get("end"):
        try:
            start = dt.date.fromisoformat(params["start"])
            end = dt.date.fromisoformat(params["end"]) + dt.timedelta(days=1)
            if start < end and (end - start).days <= 366 * 3:
                return Period(start, end)
        except ValueError:
            pass
    this_month = month_period(today.year, today.month)
    if kind == "last_month":
        return this_month.previous()
    if kind == "quarter":
        q_start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        return Period(q_start, _add_months(q_start, 3))
    if kind == "year":
        return Period(dt.date(today.year, 1, 1), dt.date(today.year + 1, 1, 1))
    return this_month


def rate(numerator: int, denominator: int) -> float | None:
    return round(100.0 * numerator / denominator, 1) if denominator else None


# --- Disputes -----------------------------------------------------------------------------
def _cases(village_ids: QuerySet) -> QuerySet:
    return DisputeCase.objects.filter(village__in=village_ids)


def dispute_figures(village_ids: QuerySet, period: Period) -> dict:
    start, end = period.bounds
    in_period = Q(reported_at__gte=start, reported_at__lt=end)
    closed = Q(status=Status.CLOSED, closed_at__gte=start, closed_at__lt=end)
    resolved = closed & Q(has_agreement=True)
    agg = (
        _cases(village_ids)
        .annotate(has_agreement=Exists(Agreement.objects.filter(case=OuterRef("pk"))))
        .aggregate(
            new=Count("pk", filter=in_period),
            accepted_new=Count("pk", filter=in_period & ~Q(status=Status.NOT_ACCEPTED)),
            accepted_new_closed=Count("pk", filter=in_period & Q(status=Status.CLOSED)),
            closed=Count("pk", filter=closed),
            resolved=Count("pk", filter=resolved),
            on_time=Count("pk", filter=closed & Q(closed_at__lte=F("due_at"))),
            resolved_grid=Count("pk", filter=resolved & Q(level=Level.GRID)),
            resolved_village=Count("pk", filter=resolved & Q(level=Level.VILLAGE)),
            resolved_township=Count("pk", filter=resolved & Q(level=Level.TOWNSHIP)),
            resolved_county=Count("pk", filter=resolved & Q(level=Level.COUNTY)),
        )
    )
    durations = [
        (closed_at - reported_at).total_seconds() / 86400
        for reported_at, closed_at in _cases(village_ids)
        .filter(closed)
        .values_list("reported_at", "closed_at")
    ]
    events = CaseEvent.objects.filter(
        case__village__in=village_ids, created_at__gte=start, created_at__lt=end
    )
    escalations = dict(
        events.filter(code__in=["disputes.case.escalated", "disputes.case.escalated_auto"])
        .annotate(to_level=KT("changes__level__1"))
        .values("to_level")
        .annotate(n=Count("pk"))
        .values_list("to_level", "n")
    )
    reopened = events.filter(code="disputes.case.reopened").count()
    visits = FollowUp.objects.filter(
        case__village__in=village_ids, visited_at__gte=start, visited_at__lt=end
    ).aggregate(total=Count("pk"), content=Count("pk", filter=Q(satisfaction__in=["satisfied", "fairly"])))
    return {
        "new": agg["new"],
        "closed": agg["closed"],
        "resolved": agg["resolved"],
        "resolution_rate": rate(agg["resolved"], agg["closed"]),
        "completion_rate": rate(agg["accepted_new_closed"], agg["accepted_new"]),
        "on_time_rate": rate(agg["on_time"], agg["closed"]),
        "median_days": round(statistics.median(durations), 1) if durations else None,
        "escalations": {
            lvl: escalations.get(lvl, 0) for lvl in (Level.VILLAGE, Level.TOWNSHIP, Level.COUNTY)
        },
        "recurrence_rate": rate(reopened, agg["closed"]),
        "satisfaction_rate": rate(visits["content"], visits["total"]),
        "follow_ups": visits["total"],
        "resolved_share": {
            lvl: rate(agg[f"resolved_{lvl}"], agg["resolved"])
            for lvl in (Level.GRID, Level.VILLAGE, Level.TOWNSHIP, Level.COUNTY)
        },
    }


def open_case_figures(village_ids: QuerySet, now: dt.datetime | None = None) -> dict:
    """Today's picture (not tied to the period): open cases, overdue, 红/橙."""
    now = now or timezone.now()
    return (
        _cases(village_ids)
        .filter(status__in=OPEN_STATUSES)
        .aggregate(
            open=Count("pk"),
            overdue=Count("pk", filter=Q(due_at__lt=now)),
            red=Count("pk", filter=Q(risk_level=RiskLevel.RED)),
            orange=Count("pk", filter=Q(risk_level=RiskLevel.ORANGE)),
        )
    )


def dispute_trend(village_ids: QuerySet, *, months: int = 12, today: dt.date | None = None) -> dict:
    """New, closed and resolved cases per month over the last ``months`` months."""
    today = today or timezone.localdate()
    first = _add_months(dt.date(today.year, today.month, 1), -(months - 1))
    start = dt.datetime.combine(first, dt.time.min, tzinfo=TZ)
    labels = [_add_months(first, i) for i in range(months)]
    new = dict(
        _cases(village_ids)
        .filter(reported_at__gte=start)
        .annotate(m=TruncMonth("reported_at", tzinfo=TZ))
        .values_list("m")
        .annotate(n=Count("pk"))
        .values_list("m", "n")
    )
    closed_rows = (
        _cases(village_ids)
        .filter(status=Status.CLOSED, closed_at__gte=start)
        .annotate(
            m=TruncMonth("closed_at", tzinfo=TZ),
            has_agreement=Exists(Agreement.objects.filter(case=OuterRef("pk"))),
        )
        .values("m")
        .annotate(n=Count("pk"), r=Count("pk", filter=Q(has_agreement=True)))
        .values_list("m", "n", "r")
    )
    closed = {m: (n, r) for m, n, r in closed_rows}

    def month_key(value) -> dt.date:
        return value.date() if isinstance(value, dt.datetime) else value

    new = {month_key(k): v for k, v in new.items()}
    closed = {month_key(k): v for k, v in closed.items()}
    return {
        "months": [f"{d:%Y-%m}" for d in labels],
        "new": [new.get(d, 0) for d in labels],
        "closed": [closed.get(d, (0, 0))[0] for d in labels],
        "resolution_rate": [rate(closed.get(d, (0, 0))[1], closed.get(d, (0, 0))[0]) for d in labels],
    }


def children_table(village_ids: QuerySet, *, group: str, period: Period) -> dict:
    """One row per child area (``group``: station, township, village or grid): new, closed,
    化解率, open, overdue, 红/橙 — one grouped query."""
    start, end = period.bounds
    key = {
        "station": "station_id",
        "township": "village__parent_id",
        "village": "village_id",
        "grid": "grid_id",
    }[group]
    now = timezone.now()
    closed = Q(status=Status.CLOSED, closed_at__gte=start, closed_at__lt=end)
    open_ = Q(status__in=OPEN_STATUSES)
    rows = (
        _cases(village_ids)
        .annotate(has_agreement=Exists(Agreement.objects.filter(case=OuterRef("pk"))))
        .values(key)
        .annotate(
            new=Count("pk", filter=Q(reported_at__gte=start, reported_at__lt=end)),
            closed=Count("pk", filter=closed),
            resolved=Count("pk", filter=closed & Q(has_agreement=True)),
            open=Count("pk", filter=open_),
            overdue=Count("pk", filter=open_ & Q(due_at__lt=now)),
            red=Count("pk", filter=open_ & Q(risk_level=RiskLevel.RED)),
            orange=Count("pk", filter=open_ & Q(risk_level=RiskLevel.ORANGE)),
        )
    )
    by_id = {}
    for row in rows:
        row["resolution_rate"] = rate(row["resolved"], row["closed"])
        by_id[row.pop(key)] = row
    return by_id


# --- Map ----------------------------------------------------------------------------------
RISK_COLOURS = {
    "red": "#d63031",
    "orange": "#f39c12",
    "yellow": "#f1c40f",
    "blue": "#3498db",
    "none": "#95a5a6",
}


def _centre(boundary: dict) -> tuple[float, float, float, float]:
    ring = boundary["coordinates"][0]
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2, (max(xs) - min(xs)), (max(ys) - min(ys))


def grid_map(village_ids: QuerySet) -> dict:
    """GeoJSON of the area's grids coloured by their highest open risk level, and the open cases
    as points inside their grid (two queries)."""
    from governance.models import Grid

    open_ = Q(dispute_cases__status__in=OPEN_STATUSES)
    grids = (
        Grid.objects.filter(village__in=village_ids, is_active=True)
        .exclude(boundary__isnull=True)
        .annotate(
            n_open=Count("dispute_cases", filter=open_),
            n_red=Count("dispute_cases", filter=open_ & Q(dispute_cases__risk_level=RiskLevel.RED)),
            n_orange=Count("dispute_cases", filter=open_ & Q(dispute_cases__risk_level=RiskLevel.ORANGE)),
            n_yellow=Count("dispute_cases", filter=open_ & Q(dispute_cases__risk_level=RiskLevel.YELLOW)),
        )
        .values("pk", "name", "village__name", "boundary", "n_open", "n_red", "n_orange", "n_yellow")
    )
    features, centres = [], {}
    for g in grids:
        level = (
            "red"
            if g["n_red"]
            else "orange"
            if g["n_orange"]
            else "yellow"
            if g["n_yellow"]
            else "blue"
            if g["n_open"]
            else "none"
        )
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
    cases = DisputeCase.objects.filter(
        village__in=village_ids, status__in=OPEN_STATUSES, grid__isnull=False
    ).values("pk", "number", "risk_level", "grid_id", "category", "risk_score")
    labels = dict(DisputeCase._meta.get_field("category").choices)
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
    }


# --- Screening ----------------------------------------------------------------------------
def screening_figures(village_ids: QuerySet, *, rounds: int = 3) -> list[dict]:
    """Completeness of the latest screening rounds over the area's active grids: reported on
    time, late, missing (one query for the rounds, one per round shown)."""
    from governance.models import Grid
    from screening.models import ScreeningReport, ScreeningRound

    county_ids = Grid.objects.filter(village__in=village_ids).values("village__parent__parent_id")
    latest = list(
        ScreeningRound.objects.filter(county_id__in=county_ids).order_by("-opens_on", "-pk")[:rounds]
    )
    out = []
    for r in latest:
        reports = ScreeningReport.objects.filter(round=r, grid=OuterRef("pk"))
        agg = (
            Grid.objects.filter(village__in=village_ids, is_active=True)
            .annotate(
                filed_on_time=Exists(reports.filter(filed_at__lte=r.due_at)),
                filed_late=Exists(reports.filter(filed_at__gt=r.due_at)),
            )
            .aggregate(
                total=Count("pk"),
                on_time=Count("pk", filter=Q(filed_on_time=True)),
                late=Count("pk", filter=Q(filed_late=True)),
            )
        )
        agg["missing"] = agg["total"] - agg["on_time"] - agg["late"]
        agg["rate"] = rate(agg["on_time"] + agg["late"], agg["total"])
        agg["on_time_rate"] = rate(agg["on_time"], agg["total"])
        out.append({"round": r, "is_open": r.due_at >= timezone.now(), **agg})
    return out


# --- Incidents, presence, patrols, risk → visit, points -----------------------------------
def criminal_turns(village_ids: QuerySet, period: Period) -> int:
    """民转刑: cases of the area followed, within the period, by a criminal incident (刑事警情)
    at the case's address or from a party's phone, received after the case was reported."""
    from disputes.selectors import case_incidents
    from stations.models import Incident

    start, end = period.bounds
    later_crime = Incident.objects.filter(
        case_incidents(),
        category=Incident.Category.CRIMINAL,
        received_at__gte=start,
        received_at__lt=end,
        received_at__gt=OuterRef("reported_at"),
    )
    return _cases(village_ids).filter(Exists(later_crime)).count()


def field_figures(village_ids: QuerySet, period: Period, *, station_ids: QuerySet, user) -> dict:
    from governance.points import selectors as points_selectors
    from patrols.figures import patrol_figures
    from patrols.visits.selectors import visited_within
    from stations.figures import incident_figures, presence_figures

    start, end = period.bounds
    visits = visited_within(village_ids, start=start, end=end)
    month = timezone.localdate().replace(day=1)
    ranking = points_selectors.points_monthly(
        user=user, month=points_selectors.previous_month(month), group="village"
    )
    in_area = set(village_ids.values_list("pk", flat=True))
    groups = [g for g in ranking.groups if g.key in in_area and g.people]
    return {
        "incidents": incident_figures(village_ids, start=start, end=end),
        "criminal_turns": criminal_turns(village_ids, period),
        "presence": presence_figures(village_ids, month=timezone.localdate()),
        "patrols": patrol_figures(station_ids=station_ids, start=start, end=end),
        "visits": {**visits, "rate": rate(visits["on_time"], visits["judged"])},
        "points_month": ranking.month,
        "points_top": groups[:5],
        "points_bottom": list(reversed(groups[-5:])) if len(groups) > 5 else [],
    }
