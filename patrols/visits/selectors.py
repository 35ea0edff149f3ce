"""Risk → visit: the scoped reads, and "done" / "verified", which are derived in the query
(``done_filter``, ``verified_filter``, ``risk_visit_list``), never stored.
"""

import datetime as dt
from typing import Any, cast

from django.db.models import Exists, F, Min, OuterRef, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone

from governance import scoping
from governance.models import Grid, User
from stations.models import VillageVisit

from .models import GridCheckIn, RiskVisit


# --- Derived state: the one definition of "done" and "verified" ------------------------
# A visit is done by a check-in made for it (``risk_visit``) by one of its assignees, at or after
# the moment it was asked for (server time): a village check-in (驻村签到) or a grid check-in
# (网格签到). It is verified by such a check-in that is verified (a position within
# VISIT_VERIFY_DISTANCE_M of the grid or village). Lists, the phone page, the sweep and the
# dashboards' figures all read these querysets.
def _by_assignee(user_field: str) -> Exists:
    return Exists(
        RiskVisit.assignees.through.objects.filter(
            riskvisit_id=OuterRef("risk_visit_id"), user_id=OuterRef(user_field)
        )
    )


def _village_visits_for() -> QuerySet[VillageVisit]:
    return VillageVisit.objects.filter(
        _by_assignee("created_by_id"), risk_visit=OuterRef("pk"), checked_in_at__gte=OuterRef("created_at")
    )


def _grid_check_ins_for() -> QuerySet[GridCheckIn]:
    return GridCheckIn.objects.filter(
        _by_assignee("user_id"), risk_visit=OuterRef("pk"), checked_in_at__gte=OuterRef("created_at")
    )


def first_check_ins(visits: QuerySet[RiskVisit]) -> dict[int, tuple[dt.datetime, dt.datetime | None]]:
    """The visits of ``visits`` that are done, by id: (when, when verified or ``None``) — the
    earliest of ``with_check_ins``' times, read from the check-ins' side (two grouped queries over
    the check-ins made for these visits), for a figure over thousands of visits of which few are
    done (``with_check_ins`` asks four subqueries of every visit)."""
    first: dict[int, tuple[dt.datetime, dt.datetime | None]] = {}
    for check_ins, user_field in ((VillageVisit.objects, "created_by_id"), (GridCheckIn.objects, "user_id")):
        rows = (
            check_ins.filter(
                _by_assignee(user_field),
                risk_visit__in=visits.values("pk"),
                checked_in_at__gte=F("risk_visit__created_at"),
            )
            .values("risk_visit_id")
            .annotate(
                first_at=Min("checked_in_at"), verified_at=Min("checked_in_at", filter=Q(verified=True))
            )
            .values_list("risk_visit_id", "first_at", "verified_at")
            .order_by()
        )
        for visit_id, done, verified in rows:
            done_before, verified_before = first.get(visit_id, (None, None))
            first[visit_id] = (
                cast(dt.datetime, earliest(done, done_before)),  # ``done``: a check-in's time
                earliest(verified, verified_before),
            )
    return first


def _first(qs: QuerySet) -> Subquery:
    return Subquery(qs.order_by("checked_in_at").values("checked_in_at")[:1])


def with_check_ins(qs: QuerySet[RiskVisit]) -> QuerySet[RiskVisit]:
    """Annotate ``village_visit_at`` and ``grid_check_in_at`` (the first check-in of each kind made
    for the visit; ``done_at`` is the earlier of the two) and ``verified_at`` (the first verified
    one, of either kind)."""
    return qs.annotate(
        village_visit_at=_first(_village_visits_for()),
        grid_check_in_at=_first(_grid_check_ins_for()),
        verified_village_at=_first(_village_visits_for().filter(verified=True)),
        verified_grid_at=_first(_grid_check_ins_for().filter(verified=True)),
    )


def earliest(*times: dt.datetime | None) -> dt.datetime | None:
    found = [t for t in times if t is not None]
    return min(found) if found else None


def done_at(visit: Any) -> dt.datetime | None:
    """When a visit annotated by ``with_check_ins`` was done (``None``: not yet)."""
    return earliest(visit.village_visit_at, visit.grid_check_in_at)


def verified_at(visit: Any) -> dt.datetime | None:
    """When a visit annotated by ``with_check_ins`` got its first verified check-in."""
    return earliest(visit.verified_village_at, visit.verified_grid_at)


def done_filter(done: bool) -> Q:
    """Done (or not): a check-in made for the visit by an assignee after it was asked for."""
    visited = Q(Exists(_village_visits_for())) | Q(Exists(_grid_check_ins_for()))
    return visited if done else ~visited


def verified_filter() -> Q:
    """Verified: such a check-in that is verified."""
    return Q(Exists(_village_visits_for().filter(verified=True))) | Q(
        Exists(_grid_check_ins_for().filter(verified=True))
    )


def visit_check_ins(visit: RiskVisit) -> list[GridCheckIn | VillageVisit]:
    """The check-ins made for a visit (both kinds), oldest first (two queries)."""
    rows: list[GridCheckIn | VillageVisit] = [
        *GridCheckIn.objects.filter(risk_visit=visit).select_related("user"),
        *VillageVisit.objects.filter(risk_visit=visit).select_related("created_by"),
    ]
    return sorted(rows, key=lambda r: (r.checked_in_at, r.pk))


# --- Scoped reads -------------------------------------------------------------------------
def risk_visit_list(*, user: User, status: str = "", search: str = "") -> QuerySet[RiskVisit]:
    """Visits in the user's scope, newest first, annotated by ``with_check_ins``. ``status``:
    "open" (not done), "done", "verified", "overdue" (not done, past due); ``search``: case
    number or village name."""
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
    elif status == "verified":
        qs = qs.filter(verified_filter())
    elif status == "overdue":
        qs = qs.filter(done_filter(False), due_at__lt=timezone.now())
    if search:
        qs = qs.filter(Q(case__number__icontains=search) | Q(village__name__icontains=search))
    return qs.order_by("-created_at", "-pk")


def risk_visit_get(*, user: User, pk: int | str) -> RiskVisit:
    return get_object_or_404(risk_visit_list(user=user).prefetch_related("assignees"), pk=pk)


def my_grids(user: User) -> QuerySet[Grid]:
    return Grid.objects.filter(workers__user=user, workers__is_active=True, is_active=True).distinct()


def assigned_visit_ids(*, user: User, visit_ids: list[int]) -> set[int]:
    """Which of these visits ``user`` is an assignee of (one query)."""
    return set(
        RiskVisit.assignees.through.objects.filter(user_id=user.pk, riskvisit_id__in=visit_ids).values_list(
            "riskvisit_id", flat=True
        )
    )
