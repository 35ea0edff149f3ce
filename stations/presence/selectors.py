"""Village presence (驻村签到, 一村一警、一村一辅警): the reads. ``presence_coverage`` is the monthly
table (attached officer / auxiliary officer × village, days in the village); ``presence_assignments``
the same unscoped, for the reminder sweep; ``visit_list`` the check-ins in a user's scope."""

import datetime as dt
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from governance import scoping
from governance.models import User
from stations.models import VillageAssignment, VillageVisit

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class PresenceDays(TypedDict):
    days: int  # distinct days in the village in the range


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def presence_min_days() -> int:
    return int(getattr(settings, "PRESENCE_MIN_DAYS", 3))


def visit_list(
    *, user: User, village_id: int | None = None, month: dt.date | None = None
) -> QuerySet[VillageVisit]:
    qs = VillageVisit.objects.filter(village__in=scoping.village_ids(user)).select_related(
        "village", "officer", "auxiliary_officer"
    )
    if village_id:
        qs = qs.filter(village_id=village_id)
    if month:
        qs = qs.filter(visited_on__range=month_bounds(month))
    return qs


def _days_subquery(first: dt.date, last: dt.date) -> Coalesce:
    """Distinct days the assignment's person checked in to the assignment's village in [first, last]."""
    visits = VillageVisit.objects.filter(village=OuterRef("village"), visited_on__range=(first, last))
    by_officer = (
        visits.filter(officer=OuterRef("officer"))
        .order_by()
        .values("officer")
        .annotate(n=Count("visited_on", distinct=True))
        .values("n")
    )
    by_auxiliary = (
        visits.filter(auxiliary_officer=OuterRef("auxiliary_officer"))
        .order_by()
        .values("auxiliary_officer")
        .annotate(n=Count("visited_on", distinct=True))
        .values("n")
    )
    return Coalesce(
        Subquery(by_officer, output_field=IntegerField()),
        Subquery(by_auxiliary, output_field=IntegerField()),
        Value(0),
    )


def presence_assignments(
    *, first: dt.date, last: dt.date
) -> "QuerySet[WithAnnotations[VillageAssignment, PresenceDays]]":
    """Assignments that overlap [first, last], each with ``days``: distinct days its person was in
    its village in that range. Unscoped (the reminder sweep uses it); pages go through
    ``presence_coverage``."""
    return (
        VillageAssignment.objects.filter(start_date__lte=last)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
        .annotate(days=_days_subquery(first, last))
    )


def presence_coverage(
    *, user: User, month: dt.date, station_id: int | None = None, kind: str = ""
) -> QuerySet[VillageAssignment]:
    """The monthly coverage table: every attached officer and auxiliary officer × each village
    they were assigned to in ``month`` (within the user's scope), with ``days`` in the village
    that month and ``meets`` (days ≥ ``PRESENCE_MIN_DAYS``; the rule binds attached officers).
    Two queries whatever the size: this one and the page's count."""
    first, last = month_bounds(month)
    qs = (
        presence_assignments(first=first, last=last)
        .filter(village__in=scoping.village_ids(user))
        .select_related(
            "village",
            "village__parent",
            "officer",
            "officer__station",
            "auxiliary_officer",
            "auxiliary_officer__station",
        )
        .order_by("village__parent__code", "village__code", "kind", "-start_date", "pk")
    )
    if station_id:
        qs = qs.filter(Q(officer__station_id=station_id) | Q(auxiliary_officer__station_id=station_id))
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def my_assignments(*, user: User) -> QuerySet[VillageAssignment]:
    """The current assignments of the officer or auxiliary officer whose account ``user`` is."""
    if not scoping.has_scope(user):
        return VillageAssignment.objects.none()
    return (
        VillageAssignment.objects.filter(end_date__isnull=True)
        .filter(
            Q(officer__user=user, officer__is_active=True)
            | Q(auxiliary_officer__user=user, auxiliary_officer__is_active=True)
        )
        .select_related("village", "village__parent")
        .order_by("village__code")
    )
