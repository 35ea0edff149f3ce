"""Risk → visit: the scoped reads, and "done", which is derived in the query (``done_filter``,
``risk_visit_list``), never stored, so stations never call up into this app.
"""

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone

from governance import scoping
from governance.models import Grid, User
from stations.models import VillageVisit

from .models import GridCheckIn, RiskVisit


# --- Derived state: the one definition of "done" ----------------------------------------
# A visit is done by a check-in after it was asked for: a village visit (走访) in its village or
# a grid check-in (网格打卡) in its grid. Lists, the phone page, the sweep and the dashboards'
# on-time rate all read these two querysets.
def _village_visits_since() -> QuerySet[VillageVisit]:
    return VillageVisit.objects.filter(
        village=OuterRef("village_id"), checked_in_at__gte=OuterRef("created_at")
    )


def _grid_check_ins_since() -> QuerySet[GridCheckIn]:
    return GridCheckIn.objects.filter(grid=OuterRef("grid_id"), checked_in_at__gte=OuterRef("created_at"))


def _first_village_visit() -> Subquery:
    return Subquery(_village_visits_since().order_by("checked_in_at").values("checked_in_at")[:1])


def _first_grid_check_in() -> Subquery:
    return Subquery(_grid_check_ins_since().order_by("checked_in_at").values("checked_in_at")[:1])


def with_check_ins(qs: QuerySet[RiskVisit]) -> QuerySet[RiskVisit]:
    """Annotate ``village_visit_at`` and ``grid_check_in_at``: the first check-in of each kind
    after the visit was asked for (``done_at`` is the earlier of the two)."""
    return qs.annotate(village_visit_at=_first_village_visit(), grid_check_in_at=_first_grid_check_in())


def done_at(visit: Any) -> dt.datetime | None:
    """When a visit annotated by ``with_check_ins`` was done (``None``: not yet)."""
    times = [t for t in (visit.village_visit_at, visit.grid_check_in_at) if t is not None]
    return min(times) if times else None


def done_filter(done: bool) -> Q:
    """Done (or not): a village check-in in the village, or a grid check-in in the grid, after the
    visit was asked for."""
    visited = Q(Exists(_village_visits_since())) | Q(Exists(_grid_check_ins_since()))
    return visited if done else ~visited


# --- Scoped reads -------------------------------------------------------------------------
def risk_visit_list(*, user: User, status: str = "", search: str = "") -> QuerySet[RiskVisit]:
    """Visits in the user's scope, newest first, with ``village_visit_at`` / ``grid_check_in_at``
    annotated. ``status``: "open" (not done), "done", "overdue" (not done, past due); ``search``:
    case number or village name."""
    if not scoping.has_scope(user):
        return RiskVisit.objects.none()
    if not user.is_county_wide and user.role == User.Role.GRID:
        qs = RiskVisit.objects.filter(grid__in=scoping.grid_ids(user))
    else:
        qs = RiskVisit.objects.filter(village__in=scoping.village_ids(user))
    qs = with_check_ins(qs.select_related("case", "village", "grid"))
    if status == "open":
        qs = qs.filter(done_filter(False))
    elif status == "done":
        qs = qs.filter(done_filter(True))
    elif status == "overdue":
        qs = qs.filter(done_filter(False), due_at__lt=timezone.now())
    if search:
        qs = qs.filter(Q(case__number__icontains=search) | Q(village__name__icontains=search))
    return qs.order_by("-created_at", "-pk")


def risk_visit_get(*, user: User, pk: int | str) -> RiskVisit:
    return get_object_or_404(risk_visit_list(user=user).prefetch_related("assignees"), pk=pk)


def my_grids(user: User) -> QuerySet[Grid]:
    return Grid.objects.filter(workers__user=user, workers__is_active=True, is_active=True).distinct()
