"""Points (积分) and stars (以绩定星): the reads, scoped by ``governance.scoping``. Writes are in
``governance.points.services``.

* ``points_monthly``: totals, stars and rankings per village or township (one query);
* ``points_person_get`` (404 outside scope), ``points_ledger`` and ``points_person_months``;
* the small helpers both sides share: ``person_kind``, ``person_list`` (the people of a kind in
  a user's scope), ``month_of``, ``previous_month``, ``stars_for``.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from django.conf import settings
from django.db.models import Case, Count, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError
from governance import selectors as gov_selectors
from governance.models import CommitteeMember, Grid, GridWorker, PointsEntry, Region, User, VolunteerMember

Person = GridWorker | CommitteeMember | VolunteerMember
Kind = Literal["grid_worker", "committee_member", "volunteer_member"]
GroupBy = Literal["village", "township"]
KINDS: dict[str, type] = {
    PointsEntry.Kind.GRID_WORKER: GridWorker,
    PointsEntry.Kind.COMMITTEE_MEMBER: CommitteeMember,
    PointsEntry.Kind.VOLUNTEER_MEMBER: VolunteerMember,
}
GROUPS = {"village": gettext_lazy("村(社区)"), "township": gettext_lazy("乡镇(街道)")}
TOP_N = 10
BOTTOM_N = 5
GRID_LIST_MAX = 5000


# --- Small helpers ------------------------------------------------------------------------
def person_kind(person: Person) -> str:
    for kind, model in KINDS.items():
        if isinstance(person, model):
            return kind
    raise DomainError(_("只能为网格员、治保会成员或群防群治队员记分。"), field="person")


def month_of(when: dt.datetime | dt.date) -> dt.date:
    """The first day of the (local) month of ``when``."""
    day = timezone.localdate(when) if isinstance(when, dt.datetime) else when
    return day.replace(day=1)


def previous_month(today: dt.date) -> dt.date:
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def stars_for(total: int) -> int:
    """Stars (0–5) for a month's total, by ``settings.POINTS_STAR_THRESHOLDS``."""
    for threshold, stars in sorted(settings.POINTS_STAR_THRESHOLDS, reverse=True):
        if total >= threshold:
            return stars
    return 0


def person_list(*, user: User, kind: str) -> QuerySet:
    """The people of ``kind`` that ``user`` may see (active or not)."""
    if kind == PointsEntry.Kind.GRID_WORKER:
        return gov_selectors.grid_worker_list(user=user, include_inactive=True)
    if kind == PointsEntry.Kind.COMMITTEE_MEMBER:
        return gov_selectors.committee_member_list(user=user, include_inactive=True)
    if kind == PointsEntry.Kind.VOLUNTEER_MEMBER:
        return gov_selectors.volunteer_member_list(user=user)
    raise DomainError(_("不支持的人员类别。"), field="kind")


# --- Rankings -----------------------------------------------------------------------------
@dataclass
class PersonTotal:
    kind: str
    pk: int
    name: str
    unit: str
    village_id: int | None
    village: str
    township_id: int | None
    township: str
    is_active: bool
    total: int
    rank: int = 0

    @property
    def stars(self) -> int:
        return stars_for(self.total)


@dataclass
class GroupTotal:
    key: int | None
    label: str
    parent: str
    people: int = 0
    total: int = 0
    rank: int = 0

    @property
    def average(self) -> float:
        return round(self.total / self.people, 1) if self.people else 0.0


@dataclass
class PointsMonthly:
    month: dt.date
    kind: str
    group: str
    group_id: int | None
    people: list[PersonTotal] = field(default_factory=list)
    groups: list[GroupTotal] = field(default_factory=list)

    @property
    def top(self) -> list[PersonTotal]:
        return self.people[:TOP_N]

    @property
    def bottom(self) -> list[PersonTotal]:
        """末位: the lowest totals, lowest first."""
        return list(reversed(self.people[-BOTTOM_N:]))

    @property
    def total(self) -> int:
        return sum(p.total for p in self.people)


_VILLAGE_LEVEL = Q(team__region__kind__in=Region.VILLAGE_KINDS)
_PLACE: dict[str, dict[str, Any]] = {
    "grid_worker": {
        "unit": F("grid__name"),
        "village_id": F("grid__village_id"),
        "village": F("grid__village__name"),
        "township_id": F("grid__village__parent_id"),
        "township": F("grid__village__parent__name"),
    },
    "committee_member": {
        "unit": F("committee__name"),
        "village_id": F("committee__village_id"),
        "village": F("committee__village__name"),
        "township_id": F("committee__village__parent_id"),
        "township": F("committee__village__parent__name"),
    },
    # a team belongs to a village or directly to a township
    "volunteer_member": {
        "unit": F("team__name"),
        "village_id": Case(When(_VILLAGE_LEVEL, then=F("team__region_id")), default=None),
        "village": Case(When(_VILLAGE_LEVEL, then=F("team__region__name")), default=Value("")),
        "township_id": Case(
            When(_VILLAGE_LEVEL, then=F("team__region__parent_id")), default=F("team__region_id")
        ),
        "township": Case(
            When(_VILLAGE_LEVEL, then=F("team__region__parent__name")), default=F("team__region__name")
        ),
    },
}


def points_monthly(
    *,
    user: User,
    month: dt.date,
    group: GroupBy = "village",
    kind: Kind = "grid_worker",
    group_id: int | None = None,
) -> PointsMonthly:
    """Each person of ``kind`` in ``user``'s scope with their total for ``month`` (people still
    active, and anyone who has points that month), ranked; and the same summed per village or
    township (``group``), ranked by average. ``group_id`` narrows the people to one village or
    township. One query whatever the number of people."""
    if group not in GROUPS:
        raise DomainError(_("不支持的分组方式。"), field="group")
    if kind not in KINDS:
        raise DomainError(_("不支持的人员类别。"), field="kind")
    month = month_of(month)
    with_points = PointsEntry.objects.filter(month=month, **{f"{kind}__isnull": False}).values(kind)
    place = _PLACE[kind]
    rows = (
        person_list(user=user, kind=kind)
        .filter(Q(is_active=True) | Q(pk__in=with_points))
        .select_related(None)
        .order_by()
        .annotate(**place)
        .values("pk", "name", "is_active", *place)
        .annotate(total=Coalesce(Sum("points_entries__points", filter=Q(points_entries__month=month)), 0))
    )
    people = [PersonTotal(kind=kind, **row) for row in rows]
    groups: dict[Any, GroupTotal] = {}
    for p in people:
        key = getattr(p, f"{group}_id")
        g = groups.get(key)
        if g is None:
            label = getattr(p, group) or _("乡镇直属")
            g = groups[key] = GroupTotal(
                key=key, label=label, parent=p.township if group == "village" else ""
            )
        g.people += 1
        g.total += p.total
    if group_id is not None:
        people = [p for p in people if getattr(p, f"{group}_id") == group_id]
    people.sort(key=lambda p: (-p.total, p.name, p.pk))
    _rank(people, lambda p: p.total)
    ranked_groups = sorted(groups.values(), key=lambda g: (-g.average, g.label))
    _rank(ranked_groups, lambda g: g.average)
    return PointsMonthly(
        month=month, kind=kind, group=group, group_id=group_id, people=people, groups=ranked_groups
    )


def village_ranking(*, user: User, month: dt.date, among: QuerySet | None = None) -> list[GroupTotal]:
    """The villages of ``points_monthly(group="village")`` for grid workers — the same people
    (active, or with points that month), totals and ranking — summed by the database: grouped
    queries, not one row per grid worker (the command centre's tiles over tens of thousands).
    Small queries instead of one join of people × ledger lines: the people per village
    (a count, no DISTINCT to sort), the month's points per village (everyone with points that
    month is one of the people), and the villages' names. ``among``: only these villages (a
    values-queryset of ids; the command centre's area): the same order, ranks within them."""
    month = month_of(month)
    workers = person_list(user=user, kind="grid_worker").select_related(None).order_by()
    if among is not None:  # only these villages (a values-queryset of ids): their order is the same
        # a station's or township's grids as a flat list (one small query): its people are then
        # read by grid from the index instead of a scan of every grid worker of the deployment;
        # a county's thousands of grids stay a subquery (a hash join reads them faster)
        grids = list(Grid.objects.filter(village__in=among).values_list("pk", flat=True)[:GRID_LIST_MAX])
        workers = (
            workers.filter(grid_id__among=grids)
            if len(grids) < GRID_LIST_MAX
            else workers.filter(grid_id__in=Grid.objects.filter(village__in=among).values("pk"))
        )
    with_points = PointsEntry.objects.filter(month=month, grid_worker__in=workers.values("pk"))
    people = dict(
        workers.filter(Q(is_active=True) | Q(pk__in=with_points.values("grid_worker")))
        .values("grid__village_id")
        .annotate(n=Count("pk"))
        .values_list("grid__village_id", "n")
    )
    totals = dict(
        with_points.order_by()
        .values("grid_worker__grid__village_id")
        .annotate(total=Sum("points"))
        .values_list("grid_worker__grid__village_id", "total")
    )
    names = Region.objects.filter(pk__in=list(people)).values_list("pk", "name", "parent__name")
    groups = [
        GroupTotal(key=pk, label=name, parent=parent or "", people=people[pk], total=totals.get(pk) or 0)
        for pk, name, parent in names
    ]
    groups.sort(key=lambda g: (-g.average, g.label))
    _rank(groups, lambda g: g.average)
    return groups


Ranked = TypeVar("Ranked", PersonTotal, GroupTotal)


def _rank(items: list[Ranked], score: Callable[[Ranked], float]) -> None:
    """Competition ranking (1, 2, 2, 4) over items already sorted by ``score`` descending."""
    previous = None
    for index, item in enumerate(items, start=1):
        value = score(item)
        item.rank = index if value != previous else items[index - 2].rank
        previous = value


def points_person_get(*, user: User, kind: str, pk: int | str) -> Person:
    """A grid worker, committee member or volunteer the user may see (404 otherwise)."""
    if kind not in KINDS:
        raise Http404(_("不支持的人员类别。"))
    qs = person_list(user=user, kind=kind)
    if kind == "volunteer_member":
        qs = qs.select_related("team", "team__region")
    return get_object_or_404(qs, pk=pk)


def points_ledger(*, person: Person, month: dt.date | None = None) -> QuerySet[PointsEntry]:
    """The person's ledger lines, newest first (read ``person`` through ``points_person_get``)."""
    qs = PointsEntry.objects.filter(**{person_kind(person): person}).select_related("rule", "awarded_by")
    if month is not None:
        qs = qs.filter(month=month_of(month))
    return qs.order_by("-awarded_at", "-pk")


def points_person_months(
    *, person: Person, months: int = 6, today: dt.date | None = None
) -> list[dict[str, Any]]:
    """The person's totals and stars for the last ``months`` months, newest first (one query)."""
    current = month_of(today or timezone.localdate())
    wanted = [current]
    while len(wanted) < months:
        wanted.append(previous_month(wanted[-1]))
    totals = dict(
        PointsEntry.objects.filter(**{person_kind(person): person}, month__in=wanted)
        .order_by()
        .values("month")
        .annotate(s=Sum("points"))
        .values_list("month", "s")
    )
    return [{"month": m, "total": totals.get(m, 0), "stars": stars_for(totals.get(m, 0))} for m in wanted]
