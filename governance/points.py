"""Points (积分) and stars (以绩定星): services and scoped selectors, both in this one module.

The ledger (``PointsEntry``) is append-only: rows are inserted, never updated nor deleted; a
mistaken award is corrected by a manual entry of the opposite sign with its reason. Each award
names its source event (``source_key``, e.g. ``case-12:reported``), unique per person, so a
replayed event (a retried task, a re-closed case, a sweep run twice) never awards twice.

* Services: ``points_award`` (one rule, one person, one event; idempotent),
  ``points_award_manual`` (station staff, county, admin; a reason is required; person in scope),
  ``points_rule_update`` (the admin's edits of a rule),
  ``points_update_stars`` (sets ``GridWorker.stars`` from a month's total) and the sweep
  ``points_screening_missed``.
* Hooks, called by the services of the apps to the right when the event happens, each wrapped
  so that a missing or switched-off rule never breaks the action it rewards:
  ``points_for_case_reported``, ``points_for_case_closed`` (disputes), ``points_for_screening_report``
  (disputes.screening), ``points_for_patrol`` (patrols), ``points_for_visit`` (stations/patrols).
* Selectors (scoped by ``governance.scoping``): ``points_monthly`` (totals, stars and rankings
  per village or township, one query), ``points_person_get`` (404 outside scope),
  ``points_ledger`` and ``points_person_months``.

This module never imports ``stations`` or ``disputes``: the screening sweep reaches the rounds
and reports through the reverse relation ``Grid.screening_reports`` that ``disputes`` declares,
and the hooks take duck-typed objects (a case, a report).
"""

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThanOrEqual
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError, NotPermitted

from . import scoping, selectors
from .models import CommitteeMember, Grid, GridWorker, PointsEntry, PointsRule, Region, User, VolunteerMember

logger = logging.getLogger(__name__)

Person = GridWorker | CommitteeMember | VolunteerMember
Kind = Literal["grid_worker", "committee_member", "volunteer_member"]
GroupBy = Literal["village", "township"]
KINDS: dict[str, type] = {
    PointsEntry.Kind.GRID_WORKER: GridWorker,
    PointsEntry.Kind.COMMITTEE_MEMBER: CommitteeMember,
    PointsEntry.Kind.VOLUNTEER_MEMBER: VolunteerMember,
}
GROUPS = {"village": gettext_lazy("村(社区)"), "township": gettext_lazy("乡镇(街道)")}
MANUAL = "manual"
# A grid that has not reported 7 days after the deadline (when the screening sweeps stop chasing
# it) has missed the round; the sweep looks back 30 days, so a scheduler down for weeks loses nothing.
MISSED_AFTER = dt.timedelta(days=7)
MISSED_LOOKBACK = dt.timedelta(days=30)
TOP_N = 10
BOTTOM_N = 5


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


def _people(kind: str, user) -> QuerySet:
    """The people of ``kind`` that ``user`` may see (active or not)."""
    if kind == PointsEntry.Kind.GRID_WORKER:
        return selectors.grid_worker_list(user=user, include_inactive=True)
    if kind == PointsEntry.Kind.COMMITTEE_MEMBER:
        return selectors.committee_member_list(user=user, include_inactive=True)
    if kind == PointsEntry.Kind.VOLUNTEER_MEMBER:
        return selectors.volunteer_member_list(user=user)
    raise DomainError(_("不支持的人员类别。"), field="kind")


# --- Awards -------------------------------------------------------------------------------
@transaction.atomic
def points_award(
    *, person: Person, rule_code: str, source_key: str, when: dt.datetime | None = None, reason: str = ""
) -> PointsEntry | None:
    """Award ``person`` the points of the rule ``rule_code`` for the event ``source_key``.

    Returns the new entry, or ``None`` when nothing was written: the event was already awarded
    to this person (idempotent), or the rule is missing or switched off in the admin. ``when``
    is when the event happened (default now); it decides the month the points count for."""
    if rule_code == MANUAL:
        raise DomainError(_("手工加减分请使用手工记分功能。"))
    source_key = (source_key or "").strip()
    if not source_key:
        raise DomainError(_("缺少记分来源。"), field="source_key")
    rule = PointsRule.objects.filter(code=rule_code).first()
    if rule is None or not rule.is_active:
        logger.info("points rule %s missing or inactive: %s not awarded", rule_code, source_key)
        return None
    kind = person_kind(person)
    if not rule.applies_to_kind(kind):
        raise DomainError(
            _("规则“%(rule)s”不适用于%(kind)s。") % {"rule": rule.name, "kind": PointsEntry.Kind(kind).label}
        )
    when = when or timezone.now()
    entry, created = PointsEntry.objects.get_or_create(
        **{kind: person, "source_key": source_key},
        defaults={
            "rule": rule,
            "points": rule.points,
            "reason": reason or rule.name,
            "month": month_of(when),
            "awarded_at": when,
        },
    )
    return entry if created else None


def _award_quietly(**kwargs: Any) -> PointsEntry | None:
    """For the hooks in other apps' services: an award that fails is logged, never breaks the
    action it rewards (its own savepoint, so the caller's transaction stays usable)."""
    try:
        with transaction.atomic():
            return points_award(**kwargs)
    except (DomainError, DatabaseError):
        logger.exception("points award failed: %s", kwargs.get("source_key"))
        return None


@transaction.atomic
def points_award_manual(
    *, actor: User, person: Person, points: int, reason: str, when: dt.datetime | None = None
) -> PointsEntry:
    """手工加减分: station staff (for people in their jurisdiction), the county or an admin add or
    deduct points with a reason. Also the way to correct a mistaken award. Nothing is written
    when a check fails."""
    if not (scoping.has_scope(actor) and actor.can_manage_reference_data):
        raise NotPermitted(_("只有派出所民警、县指挥中心或系统管理员可以手工加减分。"))
    kind = person_kind(person)
    if not _people(kind, actor).filter(pk=person.pk).exists():
        raise DomainError(
            _("%(name)s 不在您的辖区内。") % {"name": person.name}, field="person", code="not_found"
        )
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("手工加减分须填写事由。"), field="reason")
    if len(reason) > PointsEntry._meta.get_field("reason").max_length:
        raise DomainError(_("事由不能超过255个字。"), field="reason")
    if isinstance(points, bool) or not isinstance(points, int):
        raise DomainError(_("分值须为整数。"), field="points")
    if points == 0:
        raise DomainError(_("分值不能为0;加分填正数,扣分填负数。"), field="points")
    rule = PointsRule.objects.filter(code=MANUAL).first()
    if rule is None or not rule.is_active:
        raise DomainError(_("手工加减分已停用,请联系系统管理员。"))
    if not rule.applies_to_kind(kind):
        raise DomainError(_("手工加减分不适用于%(kind)s。") % {"kind": PointsEntry.Kind(kind).label})
    if rule.points > 0 and abs(points) > rule.points:
        raise DomainError(_("单次调整不能超过±%(n)d分。") % {"n": rule.points}, field="points")
    when = when or timezone.now()
    entry = PointsEntry(
        **{kind: person},
        rule=None,
        points=points,
        source_key=f"manual:{uuid.uuid4().hex}",
        reason=reason,
        month=month_of(when),
        awarded_at=when,
        awarded_by=actor,
    )
    entry.full_clean()
    entry.save()
    return entry


RULE_EDITABLE = ("name", "points", "applies_to", "description", "is_active")


@transaction.atomic
def points_rule_update(*, actor: User, rule: PointsRule, data: dict[str, Any]) -> PointsRule:
    """The county or an admin change a rule's name, points, who it applies to, or switch it off;
    never its code (the services look rules up by it). Past entries keep the points they got."""
    if not scoping.is_county_wide(actor):
        raise NotPermitted(_("只有县指挥中心或系统管理员可以修改积分规则。"))
    unknown = set(data) - set(RULE_EDITABLE)
    if unknown:
        raise DomainError(_("不允许修改的字段:%(fields)s") % {"fields": ", ".join(sorted(unknown))})
    for key, value in data.items():
        setattr(rule, key, value)
    if rule.code == MANUAL and rule.points < 0:
        raise DomainError(_("手工加减分的分值是单次调整的上限,不能为负数。"), field="points")
    rule.full_clean()
    rule.save()
    return rule


# --- Hooks for the services of other apps -------------------------------------------------
def _account_worker(user_id: int | None) -> GridWorker | None:
    if user_id is None:
        return None
    return GridWorker.objects.filter(user_id=user_id, is_active=True).first()


def _grid_leader(grid_id: int | None) -> GridWorker | None:
    if grid_id is None:
        return None
    return GridWorker.objects.filter(grid_id=grid_id, role=GridWorker.Role.LEADER, is_active=True).first()


def points_for_case_reported(*, case: Any) -> PointsEntry | None:
    """上报矛盾纠纷: the grid worker who reported the case (nothing when staff reported it)."""
    worker = _account_worker(case.reported_by_id)
    if worker is None:
        return None
    return _award_quietly(
        person=worker,
        rule_code="dispute.reported",
        source_key=f"case-{case.pk}:reported",
        when=case.reported_at,
    )


def points_for_case_closed(*, case: Any) -> PointsEntry | None:
    """化解矛盾纠纷: a case closed with a mediation agreement. To the grid worker who reported
    it, or — reported by staff — to the leader of the case's grid. Once per case, however often
    it is re-opened and closed again."""
    if not case.agreements.exists():
        return None
    worker = _account_worker(case.reported_by_id) or _grid_leader(case.grid_id)
    if worker is None:
        return None
    return _award_quietly(
        person=worker,
        rule_code="dispute.resolved",
        source_key=f"case-{case.pk}:resolved",
        when=case.closed_at,
    )


def _missed_key(round_id: int, grid_id: int) -> str:
    return f"round-{round_id}:grid-{grid_id}:missed"


def points_for_screening_report(*, report: Any) -> PointsEntry | None:
    """排查按时报告 / 排查逾期报告: to the grid worker who filed it, or — filed on the grid's
    behalf by staff — to the grid's leader. A report so late that the grid was already
    deducted for missing the round earns no second deduction."""
    on_time = report.filed_at <= report.round.due_at
    worker = GridWorker.objects.filter(
        user_id=report.filed_by_id, grid_id=report.grid_id, is_active=True
    ).first() or _grid_leader(report.grid_id)
    if worker is None:
        return None
    if (
        not on_time
        and PointsEntry.objects.filter(source_key=_missed_key(report.round_id, report.grid_id)).exists()
    ):
        return None
    return _award_quietly(
        person=worker,
        rule_code="screening.on_time" if on_time else "screening.late",
        source_key=f"round-{report.round_id}:grid-{report.grid_id}:filed",
        when=report.filed_at,
    )


def points_for_patrol(*, people: list[Person], patrol_id: int, when: dt.datetime | None = None) -> int:
    """参加巡逻: for the patrols app, once per patrol and participant. Returns how many were awarded."""
    awarded = [
        _award_quietly(
            person=p, rule_code="patrol.participation", source_key=f"patrol-{patrol_id}", when=when
        )
        for p in people
    ]
    return sum(1 for a in awarded if a is not None)


def points_for_visit(
    *, person: Person, source_key: str, when: dt.datetime | None = None
) -> PointsEntry | None:
    """走访核查: for a verified visit (``source_key`` names the visit or the task it completes)."""
    return _award_quietly(person=person, rule_code="visit.done", source_key=source_key, when=when)


# --- Sweeps and monthly jobs --------------------------------------------------------------
def points_screening_missed(*, now: dt.datetime) -> int:
    """排查未报告: for every round whose deadline passed more than ``MISSED_AFTER`` ago (looking
    back ``MISSED_LOOKBACK``), each active grid that never reported deducts its leader once
    (source ``round-<id>:grid-<id>:missed``). One query finds them all; running twice, or
    after a crash, awards nothing twice. Returns how many were awarded."""
    rule = PointsRule.objects.filter(code="screening.missed", is_active=True).first()
    if rule is None:
        return 0
    report_model = Grid._meta.get_field("screening_reports").related_model
    round_model = report_model._meta.get_field("round").related_model
    grids = "county__children__children__grids"
    reported = report_model.objects.filter(round=OuterRef("pk"), grid=OuterRef("grid_id"))
    rows = list(
        round_model.objects.filter(
            due_at__lte=now - MISSED_AFTER, due_at__gt=now - MISSED_AFTER - MISSED_LOOKBACK
        )
        .filter(
            **{
                f"{grids}__is_active": True,
                "county__children__children__is_archived": False,
                f"{grids}__workers__role": GridWorker.Role.LEADER,
                f"{grids}__workers__is_active": True,
            }
        )
        .annotate(grid_id=F(f"{grids}__id"), leader_id=F(f"{grids}__workers__id"))
        .filter(~Exists(reported))
        .order_by("pk", "grid_id")
        .values_list("pk", "grid_id", "leader_id", "due_at")
    )
    if not rows:
        return 0
    keys = {_missed_key(r, g) for r, g, _l, _d in rows}
    done = set(PointsEntry.objects.filter(source_key__in=keys).values_list("grid_worker_id", "source_key"))
    new = [
        PointsEntry(
            grid_worker_id=leader,
            rule=rule,
            points=rule.points,
            source_key=_missed_key(r, g),
            reason=rule.name,
            month=month_of(due),
            awarded_at=due,
        )
        for r, g, leader, due in rows
        if (leader, _missed_key(r, g)) not in done
    ]
    with transaction.atomic():
        PointsEntry.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
    return len(new)


def _month_total(month: dt.date) -> Coalesce:
    entries = (
        PointsEntry.objects.filter(grid_worker=OuterRef("pk"), month=month)
        .order_by()
        .values("grid_worker")
        .annotate(s=Sum("points"))
        .values("s")
    )
    return Coalesce(Subquery(entries, output_field=IntegerField()), 0)


def points_update_stars(*, month: dt.date) -> int:
    """以绩定星: set every active grid worker's stars from their total for ``month`` (one UPDATE;
    running it again gives the same result). Returns the number of grid workers updated."""
    month = month_of(month)
    total = _month_total(month)
    whens = [
        When(GreaterThanOrEqual(total, threshold), then=Value(stars))
        for threshold, stars in sorted(settings.POINTS_STAR_THRESHOLDS, reverse=True)
    ]
    return GridWorker.objects.filter(is_active=True).update(stars=Case(*whens, default=Value(0)))


# --- Selectors ----------------------------------------------------------------------------
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
    user,
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
        _people(kind, user)
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


def _rank(items: list, score) -> None:
    """Competition ranking (1, 2, 2, 4) over items already sorted by ``score`` descending."""
    previous = None
    for index, item in enumerate(items, start=1):
        value = score(item)
        item.rank = index if value != previous else items[index - 2].rank
        previous = value


def points_person_get(*, user, kind: str, pk) -> Person:
    """A grid worker, committee member or volunteer the user may see (404 otherwise)."""
    if kind not in KINDS:
        raise Http404(_("不支持的人员类别。"))
    qs = _people(kind, user)
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
