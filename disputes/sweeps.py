"""Scheduled sweeps over dispute cases: reminders and automatic escalation.

Each sweep selects its targets with one query, then writes set-wise. Reminders go through
``core.notifications.notify_bulk`` with a key of kind, target and period, so a sweep run
twice, retried, or killed halfway and run again sends every reminder exactly once; a reminder
whose condition has cleared (case closed, referral answered, visit done) is simply not selected.
Escalation is a state change per case (``services.case_escalate``, a conditional update with its
timeline event), committed in one transaction with the notices it owes: a case moved by someone
else meanwhile is skipped, and a worker that dies between cases loses no notice.
"""

import datetime as dt
import logging
from typing import cast

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ConflictError
from core.notifications import Message, notify, notify_bulk
from governance.models import User
from stations.models import Officer

from . import risk, services
from .models import LEVEL_ORDER, Agreement, DisputeCase, FollowUp, Level, Referral, RiskLevel, Status
from .selectors import is_open, is_overdue

logger = logging.getLogger(__name__)


def _station_staff(station_ids: set[int]) -> dict[int, list[User]]:
    staff: dict[int, list[User]] = {}
    for officer in Officer.objects.filter(
        station_id__in=station_ids, is_active=True, user__isnull=False
    ).select_related("user"):
        staff.setdefault(officer.station_id, []).append(cast(User, officer.user))  # user__isnull=False
    return staff


def _responsible(case: DisputeCase, staff: dict[int, list[User]]) -> list[User]:
    """The case's responsible person, or the station's staff when none is named."""
    return [case.responsible] if case.responsible is not None else staff.get(case.station_id, [])


def remind_overdue_cases(*, now: dt.datetime) -> int:
    """Open cases past their due date: the responsible person is reminded, once per due date."""
    cases = list(DisputeCase.objects.filter(is_overdue(now)).select_related("responsible", "village"))
    staff = _station_staff({c.station_id for c in cases})
    pairs = [
        (
            _responsible(c, staff),
            Message(
                kind="case.overdue",
                target=f"case-{c.pk}",
                period=timezone.localtime(c.due_at).strftime("%Y%m%d%H%M"),
                title=_("案件 %(n)s 已超过办理期限") % {"n": c.number},
                body=_("%(v)s · %(cat)s · 期限 %(d)s · 当前层级:%(l)s")
                % {
                    "v": c.village.name,
                    "cat": c.get_category_display(),
                    "d": timezone.localtime(c.due_at).strftime("%Y-%m-%d %H:%M"),
                    "l": c.get_level_display(),
                },
                url=f"/cases/{c.pk}/",
            ),
        )
        for c in cases
    ]
    return notify_bulk(pairs, sms=True)


def escalate_overdue_cases(*, now: dt.datetime) -> int:
    """Past the grace period after the due date, a case goes up one level automatically."""
    grace = dt.timedelta(hours=settings.DISPUTES["ESCALATION_GRACE_HOURS"])
    cases = list(
        DisputeCase.objects.filter(is_overdue(now - grace))
        .exclude(level=Level.COUNTY)
        .select_related("village", "village__parent", "responsible")
    )
    staff = _station_staff({c.station_id for c in cases})
    escalated = []
    for case in cases:
        try:
            # the escalation and its notices commit together: a worker killed or cut off from
            # the database between them leaves neither, and the rerun does both
            with transaction.atomic():
                services.case_escalate(
                    actor=None,
                    case=case,
                    automatic=True,
                    reason=_("超过办理期限%(h)d小时仍未办结,系统自动提级")
                    % {"h": settings.DISPUTES["ESCALATION_GRACE_HOURS"]},
                )
                notify(
                    recipients=_responsible(case, staff) + staff.get(case.station_id, []),
                    message=Message(
                        kind="case.escalated",
                        target=f"case-{case.pk}",
                        period=case.level,
                        title=_("案件 %(n)s 逾期未办结,已自动提级至%(l)s")
                        % {"n": case.number, "l": case.get_level_display()},
                        url=f"/cases/{case.pk}/",
                    ),
                )
        except ConflictError:
            logger.info("case %s changed while escalating; skipped", case.pk)
            continue
        escalated.append(case)
    return len(escalated)


def escalate_to_risk_minimum(*, now: dt.datetime) -> int:
    """After the nightly scores: open cases below the minimum handling level their risk level
    calls for (the policy of the rules in force) are escalated to it ("风险升至红色"), and
    accepted cases whose risk calls for a shorter handling time get it. Returns how many were
    escalated."""
    ruleset = risk.current_rules()
    longest = max(settings.DISPUTES["MEDIATION_DAYS"].values())
    below = Q(pk__in=[])
    for risk_level in RiskLevel.values:
        minimum = ruleset.for_level(risk_level).get("min_level") or Level.GRID
        if minimum in LEVEL_ORDER:
            lower = LEVEL_ORDER[: LEVEL_ORDER.index(Level(minimum))]
            below |= Q(risk_level=risk_level, level__in=lower)
        if ruleset.for_level(risk_level).get("handling_days", longest) < longest:
            # accepted cases whose risk calls for a shorter handling time (the service decides)
            below |= Q(risk_level=risk_level, accepted_at__isnull=False, due_at__isnull=False)
    moved = 0
    for case in DisputeCase.objects.filter(is_open()).filter(below).select_related("village"):
        level = case.level
        try:
            services.case_raise_to_risk_minimum(case=case)
        except ConflictError:
            logger.info("case %s changed while raising to its risk minimum; skipped", case.pk)
            continue
        moved += case.level != level
    return moved


def remind_confirmation_lapsing(*, now: dt.datetime) -> int:
    """司法确认: agreements whose 30-day window closes within the warning period and for which no
    court referral exists yet."""
    today = timezone.localdate(now)
    agreements = list(
        Agreement.objects.filter(Agreement.closing_on(today), form=Agreement.Form.WRITTEN)
        .exclude(performance_status=Agreement.Performance.BREACHED)
        .exclude(Exists(Referral.objects.filter(agreement=OuterRef("pk"), kind=Referral.Kind.COURT)))
        .filter(case__status__in=[Status.AGREEMENT_REACHED, Status.PERFORMED, Status.CLOSED])
        .select_related("case", "case__responsible")
    )
    staff = _station_staff({a.case.station_id for a in agreements})
    return notify_bulk(
        [
            (
                _responsible(a.case, staff),
                Message(
                    kind="agreement.confirmation",
                    target=f"agreement-{a.pk}",
                    period=str(a.judicial_confirmation_deadline),
                    title=_("案件 %(n)s 的调解协议司法确认申请将于 %(d)s 截止")
                    % {"n": a.case.number, "d": a.judicial_confirmation_deadline},
                    url=f"/cases/{a.case_id}/",
                ),
            )
            for a in agreements
        ]
    )


def remind_referrals_unanswered(*, now: dt.datetime) -> int:
    today = timezone.localdate(now)
    referrals = list(
        Referral.objects.filter(
            status__in=[Referral.Status.SENT, Referral.Status.ACCEPTED], due_date__lt=today
        ).select_related("case", "case__responsible", "created_by")
    )
    staff = _station_staff({r.case.station_id for r in referrals})
    return notify_bulk(
        [
            (
                _responsible(r.case, staff) + [r.created_by],
                Message(
                    kind="referral.overdue",
                    target=f"referral-{r.pk}",
                    period=str(r.due_date),
                    title=_("案件 %(n)s 移送%(t)s,至 %(d)s 仍未答复")
                    % {"n": r.case.number, "t": r.target_name, "d": r.due_date},
                    url=f"/cases/{r.case_id}/",
                ),
            )
            for r in referrals
        ]
    )


def remind_follow_ups_due(*, now: dt.datetime) -> int:
    today = timezone.localdate(now)
    visits = list(
        FollowUp.objects.filter(
            visited_at__isnull=True, is_cancelled=False, due_date__lte=today, case__status=Status.CLOSED
        ).select_related("case", "case__responsible")
    )
    staff = _station_staff({v.case.station_id for v in visits})
    return notify_bulk(
        [
            (
                _responsible(v.case, staff),
                Message(
                    kind="followup.due",
                    target=f"followup-{v.pk}",
                    period=str(v.due_date),
                    title=_("案件 %(n)s 应于 %(d)s 回访") % {"n": v.case.number, "d": v.due_date},
                    url=f"/cases/{v.case_id}/",
                ),
            )
            for v in visits
        ]
    )


def run_all(*, now: dt.datetime) -> dict[str, int]:
    """Remind first, then escalate: an overdue case's responsible person hears of it before the
    grace period moves it up."""
    return {
        "overdue_reminded": remind_overdue_cases(now=now),
        "escalated": escalate_overdue_cases(now=now),
        "raised_to_risk_minimum": escalate_to_risk_minimum(now=now),
        "confirmation_reminded": remind_confirmation_lapsing(now=now),
        "referrals_reminded": remind_referrals_unanswered(now=now),
        "follow_ups_reminded": remind_follow_ups_due(now=now),
    }


__all__ = [
    "run_all",
    "remind_overdue_cases",
    "escalate_overdue_cases",
    "escalate_to_risk_minimum",
    "remind_confirmation_lapsing",
    "remind_referrals_unanswered",
    "remind_follow_ups_due",
]
