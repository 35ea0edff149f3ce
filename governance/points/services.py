"""Points (积分) and stars (以绩定星): the writes. Reads are in ``governance.points.selectors``.

* ``points_award`` (one rule, one person, one event; idempotent),
  ``points_award_manual`` (station staff, county, admin; a reason is required; person in scope),
  ``points_rule_update`` (the admin's edits of a rule),
  ``points_update_stars`` (sets ``GridWorker.stars`` from a month's total).
* Hooks, called by the services of the apps to the right when the event happens (through the
  package: ``governance.points.points_for_*``), each wrapped so that a missing or switched-off
  rule never breaks the action it rewards: ``points_for_case_reported``,
  ``points_for_case_closed`` (disputes), ``points_for_screening_report`` and
  ``points_for_screening_missed`` (rolling screening),
  ``points_for_patrol`` (patrols), ``points_for_visit`` (stations/patrols).

This module never imports the apps to its right (``stations``, ``disputes``, ``screening`` …): the
hooks take duck-typed objects (a case, a report) or plain ids that the calling app found with its
own queries.
"""

import datetime as dt
import logging
import uuid
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Case, IntegerField, OuterRef, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError, NotPermitted
from governance import scoping
from governance.capabilities import may
from governance.models import GridWorker, PointsEntry, PointsRule, User

from .selectors import Person, month_of, person_kind, person_list

logger = logging.getLogger(__name__)

MANUAL = "manual"


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
    if not (scoping.has_scope(actor) and may(actor, "points.award")):
        raise NotPermitted(_("只有派出所民警、县指挥中心或系统管理员可以手工加减分。"))
    kind = person_kind(person)
    if not person_list(user=actor, kind=kind).filter(pk=person.pk).exists():
        raise DomainError(
            _("%(name)s 不在您的辖区内。") % {"name": person.name}, field="person", code="not_found"
        )
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("手工加减分须填写事由。"), field="reason")
    max_length = PointsEntry._meta.get_field("reason").max_length
    if max_length is not None and len(reason) > max_length:
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
    if not may(actor, "points.manage_rules"):
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


# --- Bulk hooks and monthly jobs --------------------------------------------------------------
def points_for_screening_missed(*, missed: list[tuple[int, int, int, dt.datetime]]) -> int:
    """排查未报告: for the rolling-screening sweep (``screening.services.screening_deduct_missed``),
    which finds the rounds a grid never reported. ``missed`` holds (round id, grid id, id of the
    grid's leader, the round's deadline); each leader is deducted once per grid and round (source
    ``round-<id>:grid-<id>:missed``), so running twice, or after a crash, awards nothing twice.
    Returns how many were awarded."""
    rule = PointsRule.objects.filter(code="screening.missed", is_active=True).first()
    if rule is None or not missed:
        return 0
    keys = {_missed_key(r, g) for r, g, _l, _d in missed}
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
        for r, g, leader, due in missed
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
