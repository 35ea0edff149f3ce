"""Risk → visit: the scoped reads, and "done", which is derived in the query (``done_filter``,
``risk_visit_list``), never stored, so stations never call up into this app.
"""

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone

from governance import scoping
from governance.models import Grid, User
from stations.models import VillageVisit

from .models import GridCheckIn, RiskVisit


# --- Derived state ------------------------------------------------------------------------
def _first_village_visit() -> Subquery:
    return Subquery(
        VillageVisit.objects.filter(village=OuterRef("village_id"), checked_in_at__gte=OuterRef("created_at"))
        .order_by("checked_in_at")
        .values("checked_in_at")[:1]
    )


def _first_grid_check_in() -> Subquery:
    return Subquery(
        GridCheckIn.objects.filter(grid=OuterRef("grid_id"), checked_in_at__gte=OuterRef("created_at"))
        .order_by("checked_in_at")
        .values("checked_in_at")[:1]
    )


def _done_at(visit) -> dt.datetime | None:
    times = [t for t in (visit.village_visit_at, visit.grid_check_in_at) if t is not None]
    return min(times) if times else None


def done_filter(done: bool) -> Q:
    """Done (or not): a village check-in in the village, or a grid check-in in the grid, after the
    visit was asked for."""
    visited = Q(
        Exists(
            VillageVisit.objects.filter(
                village=OuterRef("village_id"), checked_in_at__gte=OuterRef("created_at")
            )
        )
    ) | Q(
        Exists(
            GridCheckIn.objects.filter(grid=OuterRef("grid_id"), checked_in_at__gte=OuterRef("created_at"))
        )
    )
    return visited if done else ~visited


# --- Scoped reads -------------------------------------------------------------------------
def risk_visit_list(*, user, status: str = "", search: str = "") -> QuerySet[RiskVisit]:
    """Visits in the user's scope, newest first, with ``village_visit_at`` / ``grid_check_in_at``
    annotated. ``status``: "open" (not done), "done", "overdue" (not done, past due); ``search``:
    case number or village name."""
    if not scoping.has_scope(user):
        return RiskVisit.objects.none()
    if not user.is_county_wide and user.role == User.Role.GRID:
        qs = RiskVisit.objects.filter(grid__in=scoping.grid_ids(user))
    else:
        qs = RiskVisit.objects.filter(village__in=scoping.village_ids(user))
    qs = qs.select_related("case", "village", "grid").annotate(
        village_visit_at=_first_village_visit(), grid_check_in_at=_first_grid_check_in()
    )
    if status == "open":
        qs = qs.filter(done_filter(False))
    elif status == "done":
        qs = qs.filter(done_filter(True))
    elif status == "overdue":
        qs = qs.filter(done_filter(False), due_at__lt=timezone.now())
    if search:
        qs = qs.filter(Q(case__number__icontains=search) | Q(village__name__icontains=search))
    return qs.order_by("-created_at", "-pk")


def risk_visit_get(*, user, pk) -> RiskVisit:
    return get_object_or_404(risk_visit_list(user=user).prefetch_related("assignees"), pk=pk)


def done_at(visit: RiskVisit) -> dt.datetime | None:
    return _done_at(visit)


def visited_within(
    village_ids: QuerySet, *, start: dt.datetime, end: dt.datetime, now: dt.datetime | None = None
) -> dict:
    """For the command centre: of the visits asked for in [start, end) in these villages (``total``),
    how many were made within their deadline (48 h). A visit still inside its deadline and not yet
    made is not judged yet (``pending``)."""
    now = now or timezone.now()
    visits = list(
        RiskVisit.objects.filter(village__in=village_ids, created_at__gte=start, created_at__lt=end)
        .annotate(village_visit_at=_first_village_visit(), grid_check_in_at=_first_grid_check_in())
        .values("due_at", "village_visit_at", "grid_check_in_at")
    )
    on_time = pending = 0
    for v in visits:
        times = [x for x in (v["village_visit_at"], v["grid_check_in_at"]) if x is not None]
        if times and min(times) <= v["due_at"]:
            on_time += 1
        elif not times and v["due_at"] > now:
            pending += 1
    return {"total": len(visits), "judged": len(visits) - pending, "pending": pending, "on_time": on_time}


def my_grids(user) -> QuerySet[Grid]:
    return Grid.objects.filter(workers__user=user, workers__is_active=True, is_active=True).distinct()
