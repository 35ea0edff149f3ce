"""Figures of rolling screening for the command centre (composed by ``dashboards``).

Completeness counts the same grids as the completeness page (``selectors.counted_grids``), so a
round's rate on the dashboard is the rate its page shows for the same area: it reads the
completeness summary (``RoundGrid``), which holds exactly those grids."""

from typing import TypedDict

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from core.periods import rate
from governance.models import Grid

from .models import RoundGrid, ScreeningRound


class RoundFigures(TypedDict):
    round: ScreeningRound
    is_open: bool
    total: int
    on_time: int
    late: int
    missing: int
    rate: float | None  # reported (on time or late) ÷ grids
    on_time_rate: float | None


def screening_figures(village_ids: QuerySet, *, rounds: int = 3) -> list[RoundFigures]:
    """Completeness of the latest ``rounds`` rounds over the area's grids: reported on time,
    late, missing (one query for the rounds, one per round shown)."""
    county_ids = Grid.objects.filter(village__in=village_ids).values("village__parent__parent_id")
    latest = list(
        ScreeningRound.objects.filter(county_id__in=county_ids).order_by("-opens_on", "-pk")[:rounds]
    )
    now = timezone.now()
    out: list[RoundFigures] = []
    for r in latest:
        # from the completeness summary (``RoundGrid``: the round's counted grids, kept by the
        # services, rebuilt nightly), not the round × grid anti-join over the territory
        agg = RoundGrid.objects.filter(round=r, village__in=village_ids).aggregate(
            total=Count("pk"),
            on_time=Count("pk", filter=Q(filed_at__lte=r.due_at)),
            late=Count("pk", filter=Q(filed_at__gt=r.due_at)),
        )
        filed = agg["on_time"] + agg["late"]
        out.append(
            {
                "round": r,
                "is_open": r.due_at >= now,
                "total": agg["total"],
                "on_time": agg["on_time"],
                "late": agg["late"],
                "missing": agg["total"] - filed,
                "rate": rate(filed, agg["total"]),
                "on_time_rate": rate(agg["on_time"], agg["total"]),
            }
        )
    return out
