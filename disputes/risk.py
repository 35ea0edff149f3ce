"""Explainable risk scoring of open dispute cases.

``RULES`` is the one versioned table of weights. A case's score is the sum of its factors'
points (capped at 100); its level follows the thresholds. Each assessment stores every
factor's contribution and the rule version, so a page can say why a case is red.

The nightly run is set-based: one query loads every open case with its counts annotated, the
scores are computed in memory, the assessments are bulk-inserted (one per case and day: a second
run the same day adds nothing), and one UPDATE copies the day's scores onto the cases.
"""

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.db import transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.notifications import Message, notify_bulk
from governance.models import User
from governance.selectors import users_with_capability
from stations.models import Incident, Officer
from stations.selectors import REPEAT_WINDOW_DAYS

from .models import (
    OPEN_STATUSES,
    RISK_LEVEL_RANK,
    CaseEvent,
    Category,
    DisputeCase,
    Level,
    Party,
    RiskAssessment,
    RiskLevel,
    RiskRuleSet,
)
from .selectors import case_incidents

RULES: dict[str, Any] = {
    "version": "2026.1",
    "category": {
        Category.LAND_ACQUISITION: 15,
        Category.LABOUR_DEBT: 15,
        Category.LAND_FOREST: 12,
        Category.MEDICAL: 12,
        Category.HOMESTEAD: 10,
        Category.MARRIAGE_FAMILY: 10,
        Category.ROMANCE: 10,
        Category.DAMAGES: 8,
        Category.TRAFFIC: 8,
        Category.SCHOOL_EMPLOYMENT: 8,
        Category.ENVIRONMENT: 8,
        Category.NEIGHBOUR: 6,
        Category.CONTRACT: 5,
        Category.BUSINESS: 5,
        Category.PROPERTY_MGMT: 4,
        Category.CONSUMER: 3,
        Category.OTHER: 4,
    },
    # (at least this many people, points): a group of five or more weighs heavily
    "people": [(10, 25), (5, 20), (3, 6)],
    # (at least this amount in yuan, points)
    "amount": [(100_000, 15), (50_000, 10), (10_000, 5)],
    "threat": 25,
    "vulnerable": 10,
    "overdue_per_day": 2,
    "overdue_max": 16,
    "escalation_each": 5,
    "escalation_max": 15,
    "failed_mediation_each": 8,
    "failed_mediation_max": 16,
    "recurrence_each": 10,
    "recurrence_max": 20,
    # 110 incidents in the last N days at the case's address or from a party's phone: the first
    # is the dispute itself, each one after it is a repeat
    "repeat_incident_days": REPEAT_WINDOW_DAYS,
    "repeat_incident_each": 6,
    "repeat_incident_max": 18,
    # (at least this score, level)
    "levels": [(70, RiskLevel.RED), (50, RiskLevel.ORANGE), (30, RiskLevel.YELLOW)],
}

# Per risk level: the minimum handling level a case of that risk is raised to (red → township:
# 大事不出乡镇), its handling deadline in days (``disputes.clock``), and who is told when a case
# rises to it ("station": the station's staff, "county": the holders of ``case.red_alert``).
DEFAULT_POLICY: dict[str, dict[str, Any]] = {
    RiskLevel.RED: {"min_level": Level.TOWNSHIP, "handling_days": 10, "notify": ["station", "county"]},
    RiskLevel.ORANGE: {"min_level": Level.GRID, "handling_days": 15, "notify": ["station"]},
    RiskLevel.YELLOW: {"min_level": Level.GRID, "handling_days": 30, "notify": []},
    RiskLevel.BLUE: {"min_level": Level.GRID, "handling_days": 30, "notify": []},
}


@dataclass(frozen=True)
class RuleSet:
    """The rules in force: weights (with their ``version``) and the per-level policy."""

    rules: dict[str, Any]
    policy: dict[str, dict[str, Any]]

    @property
    def version(self) -> str:
        return str(self.rules["version"])

    def for_level(self, risk_level: str) -> dict[str, Any]:
        return {**DEFAULT_POLICY.get(risk_level, {}), **self.policy.get(risk_level, {})}


def current_rules() -> RuleSet:
    """The newest active ``RiskRuleSet`` (admin-editable, every version kept), or the built-in
    ``RULES`` / ``DEFAULT_POLICY`` when the database has none."""
    row = RiskRuleSet.objects.filter(is_active=True).order_by("-created_at", "-pk").first()
    if row is None:
        return RuleSet(rules=RULES, policy=DEFAULT_POLICY)
    return RuleSet(rules={**RULES, **row.weights, "version": row.version}, policy=row.level_policy or {})


FACTOR_LABELS = {
    "category": gettext_lazy("纠纷类别"),
    "people": gettext_lazy("涉及人数"),
    "amount": gettext_lazy("涉及金额"),
    "threat": gettext_lazy("扬言/过激言行"),
    "vulnerable": gettext_lazy("弱势群体"),
    "overdue": gettext_lazy("超期天数"),
    "escalations": gettext_lazy("升级次数"),
    "failed_mediations": gettext_lazy("调解失败次数"),
    "recurrence": gettext_lazy("复发次数"),
    "repeat_incidents": gettext_lazy("近期重复警情"),
}


# --- What a rise to 红/橙 owes, beyond the notice ------------------------------------------
# ``patrols`` (to the right of ``disputes``) registers the visit it asks for from its
# ``AppConfig.ready``; a rise calls every handler with the risen cases' ids in the same
# transaction as the assessment, so the visit exists as soon as the change that raised the risk.
RiseHandler = Callable[..., Any]
_RISE_HANDLERS: list[RiseHandler] = []


def register_risk_rise_handler(handler: RiseHandler) -> None:
    """``handler(*, case_ids: list[int], now: datetime)``, called on every rise to 红/橙."""
    if handler not in _RISE_HANDLERS:
        _RISE_HANDLERS.append(handler)


def _risen(raised: Sequence[tuple[DisputeCase, str]], now: dt.datetime, ruleset: RuleSet) -> None:
    if not raised:
        return
    notify_bulk(_rise_messages(raised, ruleset))
    ids = [case.pk for case, _level in raised]
    for handler in _RISE_HANDLERS:
        handler(case_ids=ids, now=now)


def _level_event(
    case: DisputeCase, old: str, new: str, score: int, now: dt.datetime, trigger: str, version: str
) -> CaseEvent:
    return CaseEvent(
        case=case,
        actor=None,
        code="disputes.case.risk_changed",
        created_at=now,
        changes={"risk_level": [old, new]},
        note=_("风险分 %(s)d(%(t)s,规则 %(v)s)") % {"s": score, "t": trigger, "v": version},
    )


def _threshold(value, table) -> int:
    for minimum, points in table:
        if value is not None and value >= minimum:
            return points
    return 0


def score_case(
    case: DisputeCase,
    *,
    failed_mediations: int,
    now: dt.datetime,
    repeat_incidents: int = 0,
    rules: dict[str, Any] = RULES,
) -> tuple[int, str, dict[str, dict]]:
    """The score, the level and each factor's contribution ({factor: {"value", "points"}})."""
    overdue_days = 0
    if case.due_at is not None and case.due_at < now and case.paused_at is None:  # selectors.is_overdue
        overdue_days = (now - case.due_at).days + 1
    values = {
        "category": case.category,
        "people": case.people_involved,
        "amount": float(case.amount_involved) if case.amount_involved is not None else None,
        "threat": case.threat_flag,
        "vulnerable": case.vulnerable_flag,
        "overdue": overdue_days,
        "escalations": case.escalation_count,
        "failed_mediations": failed_mediations,
        "recurrence": case.recurrence_count,
        "repeat_incidents": repeat_incidents,
    }
    points = {
        "category": rules["category"].get(case.category, 0),
        "people": _threshold(case.people_involved, rules["people"]),
        "amount": _threshold(values["amount"], rules["amount"]),
        "threat": rules["threat"] if case.threat_flag else 0,
        "vulnerable": rules["vulnerable"] if case.vulnerable_flag else 0,
        "overdue": min(rules["overdue_max"], overdue_days * rules["overdue_per_day"]),
        "escalations": min(rules["escalation_max"], case.escalation_count * rules["escalation_each"]),
        "failed_mediations": min(
            rules["failed_mediation_max"], failed_mediations * rules["failed_mediation_each"]
        ),
        "recurrence": min(rules["recurrence_max"], case.recurrence_count * rules["recurrence_each"]),
        "repeat_incidents": min(
            rules["repeat_incident_max"], max(0, repeat_incidents - 1) * rules["repeat_incident_each"]
        ),
    }
    score = min(100, sum(points.values()))
    level = RiskLevel.BLUE
    for minimum, lvl in rules["levels"]:
        if score >= minimum:
            level = lvl
            break
    factors = {name: {"value": values[name], "points": points[name]} for name in points}
    return score, str(level), factors


def _failed_mediations() -> Coalesce:
    return Coalesce(
        Subquery(
            CaseEvent.objects.filter(case=OuterRef("pk"), code="disputes.case.mediation_failed")
            .values("case")
            .annotate(n=Count("pk"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


class _SubqueryCount(Subquery):
    template = "(SELECT COUNT(*) FROM (%(subquery)s) _counted)"
    output_field = IntegerField()


def _repeat_incidents(now: dt.datetime) -> _SubqueryCount:
    """Incidents received in the last ``repeat_incident_days`` at the case's village and address,
    or from a phone of one of its parties (a correlated subquery: one query for every case)."""
    since = now - dt.timedelta(days=RULES["repeat_incident_days"])
    return _SubqueryCount(
        Incident.objects.filter(case_incidents(), received_at__gte=since, received_at__lte=now).values("pk")
    )


def _rise_messages(
    raised: Sequence[tuple[DisputeCase, str]], ruleset: RuleSet
) -> list[tuple[list[User], Message]]:
    """红/橙 rises: who is told is the policy's ``notify`` of the level (by default the station's
    staff, and the county command centre too for 红)."""
    if not raised:
        return []
    station_ids = {case.station_id for case, _level in raised}
    staff: dict[int, list[User]] = {}
    for officer in Officer.objects.filter(
        station_id__in=station_ids, is_active=True, user__isnull=False
    ).select_related("user"):
        staff.setdefault(officer.station_id, []).append(cast(User, officer.user))  # user__isnull=False
    county = list(users_with_capability("case.red_alert"))
    pairs = []
    for case, level in raised:
        notify = ruleset.for_level(level).get("notify", [])
        recipients = list(staff.get(case.station_id, [])) if "station" in notify else []
        if "county" in notify:
            recipients += county
        label = RiskLevel(level).label
        pairs.append(
            (
                recipients,
                Message(
                    kind="case.risk_raised",
                    target=f"case-{case.pk}",
                    period=level,
                    title=_("案件 %(n)s 风险升至%(l)s色") % {"n": case.number, "l": label},
                    body=_("%(village)s · %(cat)s · 风险分 %(s)d")
                    % {
                        "village": case.village.name,
                        "cat": case.get_category_display(),
                        "s": case.risk_score,
                    },
                    url=f"/cases/{case.pk}/",
                ),
            )
        )
    return pairs


def assess_open_cases(*, now: dt.datetime) -> int:
    """The nightly run. Returns how many cases were assessed (0 on a second run that day)."""
    today = timezone.localdate(now)
    ruleset = current_rules()
    done_today = RiskAssessment.objects.filter(assessed_on=today, trigger=RiskAssessment.Trigger.NIGHTLY)
    cases = list(
        DisputeCase.objects.filter(status__in=OPEN_STATUSES)
        .exclude(pk__in=done_today.values("case_id"))
        .select_related("village")
        .annotate(failed_mediations=_failed_mediations(), repeat_incidents=_repeat_incidents(now))
    )
    assessments, raised, events = [], [], []
    for case in cases:
        score, level, factors = score_case(
            case,
            failed_mediations=case.failed_mediations,
            now=now,
            repeat_incidents=case.repeat_incidents,
            rules=ruleset.rules,
        )
        assessments.append(
            RiskAssessment(
                case=case,
                assessed_at=now,
                assessed_on=today,
                trigger=RiskAssessment.Trigger.NIGHTLY,
                score=score,
                level=level,
                previous_level=case.risk_level,
                factors=factors,
                rule_version=ruleset.version,
            )
        )
        if level != case.risk_level:
            events.append(
                _level_event(case, case.risk_level, level, score, now, _("夜间评估"), ruleset.version)
            )
        if (
            level in (RiskLevel.RED, RiskLevel.ORANGE)
            and RISK_LEVEL_RANK[level] > RISK_LEVEL_RANK[case.risk_level]
        ):
            case.risk_score = score
            raised.append((case, level))
    with transaction.atomic():
        RiskAssessment.objects.bulk_create(assessments, ignore_conflicts=True)
        CaseEvent.objects.bulk_create(events)
        today_rows = RiskAssessment.objects.filter(
            case=OuterRef("pk"), assessed_on=today, trigger=RiskAssessment.Trigger.NIGHTLY
        )
        DisputeCase.objects.filter(pk__in=done_today.filter(assessed_at=now).values("case_id")).update(
            risk_score=Subquery(today_rows.values("score")[:1]),
            risk_level=Subquery(today_rows.values("level")[:1]),
            risk_assessed_at=now,
        )
        # the rise notices and visits commit with the new levels (the rerun selects by level, so
        # a notice written after the commit would be lost with a worker killed in between)
        _risen(raised, now, ruleset)
    return len(assessments)


@transaction.atomic
def assess_case(
    *, case: DisputeCase, now: dt.datetime | None = None, trigger: str = RiskAssessment.Trigger.ON_DEMAND
) -> RiskAssessment:
    """Score one case now (on demand, or after a change that can move a factor: ``trigger=
    ON_CHANGE``), with the same ``score_case`` as the nightly run; the history keeps every
    assessment. A rise to 红/橙 tells its people and asks for its visit at once."""
    now = now or timezone.now()
    ruleset = current_rules()
    counts = (
        DisputeCase.objects.filter(pk=case.pk)
        .annotate(failed=_failed_mediations(), repeats=_repeat_incidents(now))
        .values("failed", "repeats")
        .get()
    )
    score, level, factors = score_case(
        case,
        failed_mediations=counts["failed"],
        now=now,
        repeat_incidents=counts["repeats"],
        rules=ruleset.rules,
    )
    previous = case.risk_level
    assessment = RiskAssessment.objects.create(
        case=case,
        assessed_at=now,
        assessed_on=timezone.localdate(now),
        trigger=trigger,
        score=score,
        level=level,
        previous_level=previous,
        factors=factors,
        rule_version=ruleset.version,
    )
    DisputeCase.objects.filter(pk=case.pk).update(risk_score=score, risk_level=level, risk_assessed_at=now)
    if level != previous:
        label = _("变更时评估") if trigger == RiskAssessment.Trigger.ON_CHANGE else _("即时评估")
        _level_event(case, previous, level, score, now, label, ruleset.version).save()
    case.risk_score, case.risk_level, case.risk_assessed_at = score, level, now
    if level in (RiskLevel.RED, RiskLevel.ORANGE) and RISK_LEVEL_RANK[level] > RISK_LEVEL_RANK[previous]:
        _risen([(case, level)], now, ruleset)
    return assessment


def open_cases_of_incidents(incidents: Sequence[Incident]) -> list[DisputeCase]:
    """The open cases a batch of new incidents (警情) is a repeat incident of: same village and
    place (address key), or a party with the caller's phone (as ``stations.selectors.same_source``
    defines a repeat). In chunks of 500 incidents; each case once, in id order."""
    found: dict[int, DisputeCase] = {}
    incidents = list(incidents)
    for start in range(0, len(incidents), 500):
        chunk = incidents[start : start + 500]
        places = {(i.village_id, i.address_key) for i in chunk if i.address_key}
        phones = {i.caller_phone for i in chunk if i.caller_phone}
        same_place = Q(village_id__in={v for v, _k in places}, address_key__in={k for _v, k in places}) & ~Q(
            address_key=""
        )
        by_phone = (
            Exists(Party.objects.filter(case=OuterRef("pk"), phone__in=phones)) if phones else Value(False)
        )
        cases = (
            DisputeCase.objects.filter(status__in=OPEN_STATUSES)
            .annotate(by_phone=by_phone)
            .filter(same_place | Q(by_phone=True))
        )
        for case in cases:
            # the village/place filter is a cross product: keep the exact pairs only
            if (case.village_id, case.address_key) in places or case.by_phone:
                found.setdefault(case.pk, case)
    return [found[pk] for pk in sorted(found)]
