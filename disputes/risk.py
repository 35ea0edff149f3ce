"""Explainable risk scoring of open dispute cases.

``RULES`` is the one versioned table of weights. A case's score is the sum of its factors'
points (capped at 100); its level follows the thresholds. Each assessment stores every
factor's contribution and the rule version, so a page can say why a case is red.

The nightly run is set-based: ``score_case`` as SQL expressions (``scored_cases``), each chunk of
open cases one INSERT … SELECT of its assessments (one per case and day: a second run the same
day adds nothing), one of its timeline events and one UPDATE copying the scores onto the cases;
the rises to 红/橙 get their notices and visits by INSERT … SELECT too: no case is loaded.
"""

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, Concat, JSONArray, JSONObject
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.notifications import notify_select
from core.sql import as_text, insert_select, label_sql, text_sql
from governance.models import Region
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
    """``handler(*, case_ids, now: datetime)``, called on every rise to 红/橙: ``case_ids`` is a
    values-queryset of the risen cases' ids (a subquery: thousands of cases on a first night)."""
    if handler not in _RISE_HANDLERS:
        _RISE_HANDLERS.append(handler)


def _risen(rises: QuerySet[RiskAssessment], now: dt.datetime, ruleset: RuleSet) -> None:
    """What the rises of ``rises`` (assessments whose level rose to 红/橙, their cases already
    carrying it) owe, set-based: their notices (``_notify_rises``), then every handler with the
    cases' ids as a subquery (the visits)."""
    _notify_rises(rises, ruleset)
    ids = rises.order_by().values("case_id")
    for handler in _RISE_HANDLERS:
        handler(case_ids=ids, now=now)


def rises_of(assessments: QuerySet[RiskAssessment]) -> QuerySet[RiskAssessment]:
    """The assessments of ``assessments`` whose level rose to 红 or 橙 (from a lower rank)."""
    rose = Q(pk__in=[])
    for level in (RiskLevel.RED, RiskLevel.ORANGE):
        lower = [p for p, rank in RISK_LEVEL_RANK.items() if rank < RISK_LEVEL_RANK[level]]
        rose |= Q(level=level, previous_level__in=lower)
    return assessments.filter(rose)


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


def _notify_rises(rises: QuerySet[RiskAssessment], ruleset: RuleSet) -> int:
    """The 红/橙 rise notices of ``rises``, in one INSERT … SELECT: who is told is the policy's
    ``notify`` of the level (by default the station's staff, and the county command centre too for
    红). ``test_risk_rise_set_based`` holds it to the notices built one case at a time."""
    case_t, region_t, officer_t = (m._meta.db_table for m in (DisputeCase, Region, Officer))
    rises_sql, rises_params = rises.order_by().values("case_id", "level", "score").query.sql_with_params()
    county_sql, county_params = (
        users_with_capability("case.red_alert").order_by().values(uid=F("pk")).query.sql_with_params()
    )
    body_columns: dict[str, str | tuple[str, list]] = {
        "village": "v.name",
        "cat": label_sql("c.category", Category.choices),
        "s": as_text("ra.score"),
    }
    body, body_params = text_sql(_("%(village)s · %(cat)s · 风险分 %(s)d"), columns=body_columns)
    selects: list[str] = []
    params: list[Any] = []
    for level in (RiskLevel.RED, RiskLevel.ORANGE):
        notify = ruleset.for_level(level).get("notify", [])
        title, title_params = text_sql(
            _("案件 %(n)s 风险升至%(l)s色"), columns={"n": "c.number"}, values={"l": RiskLevel(level).label}
        )
        who: list[tuple[str, str, list[Any]]] = []
        if "station" in notify:
            who.append(
                (
                    f"JOIN {officer_t} o ON o.station_id = c.station_id AND o.is_active AND o.user_id IS NOT NULL",
                    "o.user_id",
                    [],
                )
            )
        if "county" in notify:
            who.append((f"JOIN ({county_sql}) cu ON TRUE", "cu.uid", list(county_params)))
        for join, recipient, join_params in who:
            selects.append(
                f"""SELECT {recipient} AS recipient_id, 'case.risk_raised' AS kind,
                       'case-' || {as_text("c.id")} AS target, ra.level AS period, {title} AS title,
                       {body} AS body, '/cases/' || {as_text("c.id")} || '/' AS url
                FROM ({rises_sql}) ra JOIN {case_t} c ON c.id = ra.case_id
                JOIN {region_t} v ON v.id = c.village_id {join}
                WHERE ra.level = %s"""  # noqa: S608  (table names and constant text)
            )
            params += [*title_params, *body_params, *rises_params, *join_params, str(level)]
    if not selects:
        return 0
    return notify_select(" UNION ALL ".join(selects), params)


# --- The nightly run, set-based (issue 15) ----------------------------------------------------
# ``score_case`` as SQL: every factor's points, the score, the level and the factors' JSON are
# expressions on the case query, and each chunk of cases is one INSERT … SELECT of its
# assessments, one of its timeline events, one UPDATE of the cases, and the rises' notices and
# visits (``_risen``) by INSERT … SELECT: no case is loaded into Python. Memory is bounded by the chunk
# (its ids), whatever the number of cases. ``test_risk_nightly_set_based`` holds the SQL to
# ``score_case`` on a constructed set.
NIGHTLY_CHUNK = 50_000
_CASE_TABLE = DisputeCase._meta.db_table


def _raw_int(sql: str, params: list) -> RawSQL:
    """An integer expression of constant SQL (table names and fixed text; values as parameters)."""
    return RawSQL(sql, params, output_field=IntegerField())  # noqa: S611


def _overdue_days(now: dt.datetime) -> Case:
    """``score_case``'s overdue days: whole days past the deadline plus one (0 when not due or
    paused), as SQL."""
    if connection.vendor == "postgresql":
        days = f"FLOOR(EXTRACT(EPOCH FROM (%s - {_CASE_TABLE}.due_at)) / 86400)::integer"
    else:  # SQLite: ISO text; the difference is positive here, so the cast is the floor
        days = f"CAST(julianday(%s) - julianday({_CASE_TABLE}.due_at) AS INTEGER)"
    return Case(
        When(
            Q(due_at__isnull=False, due_at__lt=now, paused_at__isnull=True),
            then=_raw_int(days, [connection.ops.adapt_datetimefield_value(now)]) + Value(1),
        ),
        default=Value(0),
        output_field=IntegerField(),
    )


def _repeat_incidents_set_based(now: dt.datetime) -> RawSQL:
    """``_repeat_incidents`` (``case_incidents``: at the case's place, or from a party's phone, in
    the window) as a union of two index lookups per case instead of one scan with an OR."""
    since = now - dt.timedelta(days=RULES["repeat_incident_days"])
    incident, party = Incident._meta.db_table, Party._meta.db_table
    sql = f"""(SELECT COUNT(*) FROM (
        SELECT ri.id FROM {incident} ri
        WHERE ri.village_id = {_CASE_TABLE}.village_id AND ri.address_key = {_CASE_TABLE}.address_key
          AND {_CASE_TABLE}.address_key <> '' AND ri.received_at >= %s AND ri.received_at <= %s
        UNION
        SELECT ri.id FROM {party} rp JOIN {incident} ri ON ri.caller_phone = rp.phone
        WHERE rp.case_id = {_CASE_TABLE}.id AND rp.phone <> ''
          AND ri.received_at >= %s AND ri.received_at <= %s
    ) repeats)"""  # noqa: S608  (table names, never input)
    since, now = (connection.ops.adapt_datetimefield_value(t) for t in (since, now))  # type: ignore[assignment]
    return _raw_int(sql, [since, now, since, now])


def _counted_cases_sql(cases: QuerySet[DisputeCase], *, now: dt.datetime) -> tuple[str, list]:
    """Each case's factor values, with its failed mediations (``_failed_mediations``) and its
    incidents in the window (``_repeat_incidents``: at its place or from a party's phone) counted
    by grouped joins over the chunk's cases, not by a correlated subquery per case.

    The chunk's cases are read once (``chunk``, materialized: ``cases``' own query, an index range
    of the open cases' ids, not repeated in each join), and so are the window's incidents
    (``recent``: one range of the covering index on the receiving time); the place and phone
    matches are joins of the two, the parties read by the chunk's case ids."""
    pg = connection.vendor == "postgresql"
    chunk_sql, chunk_params = (
        cases.order_by()
        .values(
            "id",
            "category",
            "people_involved",
            "amount_involved",
            "threat_flag",
            "vulnerable_flag",
            "due_at",
            "paused_at",
            "escalation_count",
            "recurrence_count",
            "risk_level",
            "village_id",
            "address_key",
        )
        .query.sql_with_params()
    )
    case_t, event_t, party_t, incident_t = (
        m._meta.db_table for m in (DisputeCase, CaseEvent, Party, Incident)
    )
    if pg:
        days = "FLOOR(EXTRACT(EPOCH FROM (%s - c.due_at)) / 86400)::integer"
    else:  # SQLite: ISO text; the difference is positive here, so the cast is the floor
        days = "CAST(julianday(%s) - julianday(c.due_at) AS INTEGER)"
    since = now - dt.timedelta(days=RULES["repeat_incident_days"])
    at, since_at = (connection.ops.adapt_datetimefield_value(t) for t in (now, since))
    sql = f"""
        WITH chunk AS MATERIALIZED (
            SELECT c.id, c.category, c.people_involved, c.amount_involved, c.threat_flag,
                   c.vulnerable_flag, CASE WHEN c.due_at IS NOT NULL AND c.due_at < %s AND c.paused_at IS NULL
                   THEN {days} + 1 ELSE 0 END AS overdue, c.escalation_count, c.recurrence_count,
                   c.risk_level, c.village_id, c.address_key
            FROM ({chunk_sql}) c
        ), recent AS MATERIALIZED (
            SELECT ri.id, ri.village_id, ri.address_key, ri.caller_phone FROM {incident_t} ri
            WHERE ri.received_at >= %s AND ri.received_at <= %s
        )
        SELECT c.id AS v_id, c.category AS v_category, c.people_involved AS v_people,
               CAST(c.amount_involved AS {"double precision" if pg else "REAL"}) AS v_amount,
               c.threat_flag AS v_threat, c.vulnerable_flag AS v_vulnerable, c.overdue AS v_overdue,
               c.escalation_count AS v_escalations, COALESCE(f.n, 0) AS v_failed,
               c.recurrence_count AS v_recurrence, COALESCE(r.n, 0) AS v_repeats, c.risk_level AS v_level
        FROM chunk c
        LEFT JOIN (
            SELECT e.case_id, COUNT(*) AS n FROM {event_t} e JOIN chunk ch ON ch.id = e.case_id
            WHERE e.code = 'disputes.case.mediation_failed'
            GROUP BY e.case_id
        ) f ON f.case_id = c.id
        LEFT JOIN (
            SELECT u.case_id, COUNT(*) AS n FROM (
                SELECT c2.id AS case_id, ri.id AS incident_id FROM chunk c2
                JOIN recent ri ON ri.village_id = c2.village_id AND ri.address_key = c2.address_key
                WHERE c2.address_key <> ''
                UNION
                SELECT rp.case_id, ri.id FROM {party_t} rp JOIN recent ri ON ri.caller_phone = rp.phone
                WHERE rp.case_id IN (SELECT id FROM chunk) AND rp.phone <> ''
            ) u GROUP BY u.case_id
        ) r ON r.case_id = c.id
    """  # noqa: S608  (table names and constant text; values as parameters)
    return sql, [at, at, *chunk_params, since_at, at]


def scored_cases_sql(
    cases: QuerySet[DisputeCase],
    *,
    now: dt.datetime,
    rules: dict[str, Any],
) -> tuple[str, list]:
    """What ``score_case`` computes, in SQL, for every case of ``cases``: a SELECT of ``case_id``,
    ``score``, ``level``, ``previous_level`` (the case's level now) and ``factors`` ({factor:
    {"value", "points"}}). Three layers: the values and counts (``_counted_cases_sql``), the
    points, then the score, level and JSON."""
    pg = connection.vendor == "postgresql"
    least, greatest = ("LEAST", "GREATEST") if pg else ("MIN", "MAX")
    json_object = "JSONB_BUILD_OBJECT" if pg else "JSON_OBJECT"
    inner_sql, inner_params = _counted_cases_sql(cases, now=now)
    # a subquery with OFFSET/LIMIT is not flattened into the outer ones: each value is computed
    # once per case, not once per reference to it
    fence = "OFFSET 0" if pg else "LIMIT -1 OFFSET 0"
    params: list[Any] = []

    def threshold(column: str, table: list[tuple[float, int]]) -> str:
        whens = " ".join(f"WHEN {column} >= {float(m)!r} THEN {int(p)}" for m, p in table)
        return f"CASE {whens} ELSE 0 END" if table else "0"

    def capped(column: str, each: Any, most: Any) -> str:
        return f"{least}({int(most)}, {column} * {int(each)})"

    category_whens = []
    for key, value in rules["category"].items():
        category_whens.append(f"WHEN %s THEN {int(value)}")
        params.append(str(key))
    points = {
        "category": f"CASE v_category {' '.join(category_whens)} ELSE 0 END" if category_whens else "0",
        "people": threshold("v_people", rules["people"]),
        "amount": threshold("v_amount", rules["amount"]),
        "threat": f"CASE WHEN v_threat THEN {int(rules['threat'])} ELSE 0 END",
        "vulnerable": f"CASE WHEN v_vulnerable THEN {int(rules['vulnerable'])} ELSE 0 END",
        "overdue": capped("v_overdue", rules["overdue_per_day"], rules["overdue_max"]),
        "escalations": capped("v_escalations", rules["escalation_each"], rules["escalation_max"]),
        "failed_mediations": capped(
            "v_failed", rules["failed_mediation_each"], rules["failed_mediation_max"]
        ),
        "recurrence": capped("v_recurrence", rules["recurrence_each"], rules["recurrence_max"]),
        "repeat_incidents": f"{least}({int(rules['repeat_incident_max'])}, "
        f"{greatest}(0, v_repeats - 1) * {int(rules['repeat_incident_each'])})",
    }
    values = {
        "category": "v_category",
        "people": "v_people",
        "amount": "v_amount",
        "threat": "v_threat",
        "vulnerable": "v_vulnerable",
        "overdue": "v_overdue",
        "escalations": "v_escalations",
        "failed_mediations": "v_failed",
        "recurrence": "v_recurrence",
        "repeat_incidents": "v_repeats",
    }
    if not pg:  # SQLite has no booleans: true/false in the JSON as the Python scoring writes
        for flag in ("threat", "vulnerable"):
            values[flag] = f"JSON(CASE WHEN v_{flag} THEN 'true' ELSE 'false' END)"
    level_whens = []
    for minimum, lvl in rules["levels"]:
        level_whens.append(f"WHEN score >= {int(minimum)} THEN %s")
        params.append(str(lvl))
    params.append(str(RiskLevel.BLUE))
    if pg:
        # the JSON written as text and read once (``::jsonb``): building it with eleven nested
        # ``JSONB_BUILD_OBJECT`` took 20 µs a case, most of the scoring; the same document
        # (``to_json``: strings quoted and escaped, numbers and booleans as PostgreSQL prints them,
        # NULL as null)
        members = " || ', ' || ".join(
            f"""'"{name}": {{"value": ' || COALESCE(to_json({values[name]})::text, 'null')"""
            f""" || ', "points": ' || p_{name} || '}}'"""
            for name in points
        )
        factors_sql = f"""('{{' || {members} || '}}')::jsonb"""
    else:
        factors = ", ".join(
            f"'{name}', {json_object}('value', {values[name]}, 'points', p_{name})" for name in points
        )
        factors_sql = f"{json_object}({factors})"
    sql = f"""
        SELECT v_id AS case_id, score, CASE {" ".join(level_whens)} ELSE %s END AS level,
               v_level AS previous_level, {factors_sql} AS factors
        FROM (
            SELECT pts.*, {least}(100, {" + ".join(f"p_{name}" for name in points)}) AS score
            FROM (
                SELECT counted.*, {", ".join(f"{expr} AS p_{name}" for name, expr in points.items())}
                FROM ({inner_sql} {fence}) counted
            ) pts
        ) scored
    """  # noqa: S608  (numbers and names of the rules, strings as parameters)
    # the parameters in the order of the text: the level (outer layer), the category (points
    # layer), then the inner query's
    level_params = params[len(category_whens) :]
    return sql, [*level_params, *params[: len(category_whens)], *inner_params]


def _assess_chunk(
    cases: QuerySet[DisputeCase],
    *,
    span: Q,
    now: dt.datetime,
    today: dt.date,
    ruleset: RuleSet,
    trigger: str = RiskAssessment.Trigger.NIGHTLY,
) -> int:
    """One chunk of the nightly run (or of a set-based re-score, ``trigger=ON_CHANGE``), in one
    transaction: the assessments, the level-change events, the cases' scores, and the rise
    notices and visits (all commit together or not at all)."""
    version = ruleset.version
    nightly = trigger
    label = _("夜间评估") if trigger == RiskAssessment.Trigger.NIGHTLY else _("变更时评估")
    scored_sql, params = scored_cases_sql(cases, now=now, rules=ruleset.rules)
    # the assessments this statement writes are above every id before it: a case assessed twice
    # at one ``now`` in a transaction (a set-based escalation of two steps) counts its second
    floor = RiskAssessment.objects.aggregate(top=Max("pk"))["top"] or 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # compiling this one statement with JIT costs more than running it (1.7 s of 3.6 s);
            # its joins and groupings over a chunk's cases fit in memory with a little more
            # than the default (they went to disk in batches)
            # and its joins of a chunk's cases with the window's incidents are hash joins (the
            # planner, misled by the materialized rows' estimates, sorted 180,000 incidents twice
            # a chunk for merge joins: a third of the statement at 2 M cases)
            cursor.execute(
                "SELECT set_config('jit', 'off', true), set_config('work_mem', '64MB', true),"
                " set_config('enable_mergejoin', 'off', true)"
            )
        cursor.execute(
            f"""INSERT INTO {RiskAssessment._meta.db_table} (case_id, assessed_at, assessed_on, trigger, score,
                    level, previous_level, factors, rule_version)
                SELECT case_id, %s, %s, %s, score, level, previous_level, factors, %s FROM ({scored_sql}) s
                WHERE TRUE ON CONFLICT DO NOTHING""",  # noqa: S608  (table name; values as parameters)
            [
                connection.ops.adapt_datetimefield_value(now),
                connection.ops.adapt_datefield_value(today),
                str(nightly),
                version,
                *params,
            ],
        )
        n = cursor.rowcount
    # this run's assessments of the chunk (``span``: its id range; ``cases`` is empty by now,
    # since its cases are assessed today)
    mine = RiskAssessment.objects.filter(
        span, assessed_on=today, trigger=nightly, assessed_at=now, pk__gt=floor
    )
    # the timeline: one event per case whose level changed (``_level_event``'s text)
    marker = 987_654_321
    before, after = (_("风险分 %(s)d(%(t)s,规则 %(v)s)") % {"s": marker, "t": label, "v": version}).split(
        str(marker)
    )
    insert_select(
        CaseEvent._meta.db_table,
        ["case_id", "actor_id", "code", "created_at", "changes", "note"],
        mine.exclude(level=F("previous_level"))
        .annotate(
            ev_actor=Value(None, output_field=IntegerField()),
            ev_code=Value("disputes.case.risk_changed", output_field=CharField()),
            ev_changes=JSONObject(risk_level=JSONArray(F("previous_level"), F("level"))),
            ev_note=Concat(Value(before), Cast("score", CharField()), Value(after), output_field=CharField()),
        )
        .order_by("case_id")
        .values_list("case_id", "ev_actor", "ev_code", "assessed_at", "ev_changes", "ev_note"),
    )
    # the day's scores onto the cases whose score or level moved: one UPDATE … FROM the run's
    # assessments (not two correlated subqueries per case). A case whose score stands is not
    # rewritten (most of them, most nights: rewriting every open case's row and its indexes was
    # most of the run); its ``risk_assessed_at`` stays the time its score was set, and its latest
    # assessment says when it was last scored
    mine_sql, mine_params = mine.order_by().values("case_id", "score", "level").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {_CASE_TABLE} SET risk_score = ra.score, risk_level = ra.level, risk_assessed_at = %s
                FROM ({mine_sql}) ra WHERE ra.case_id = {_CASE_TABLE}.id
                  AND ({_CASE_TABLE}.risk_score IS NULL OR {_CASE_TABLE}.risk_score <> ra.score
                       OR {_CASE_TABLE}.risk_level <> ra.level)""",  # noqa: S608  (table name)
            [connection.ops.adapt_datetimefield_value(now), *mine_params],
        )
    # the rise notices and visits commit with the new levels (the rerun selects by level, so
    # a notice written after the commit would be lost with a worker killed in between)
    _risen(rises_of(mine), now, ruleset)
    return n


def assess_open_cases(*, now: dt.datetime, chunk: int = NIGHTLY_CHUNK) -> int:
    """The nightly run. Returns how many cases were assessed (0 on a second run that day).

    Set-based, in chunks of ``chunk`` open cases in id order, each its own transaction: a worker
    killed halfway leaves whole chunks done (assessments, events, scores and notices together)
    and the rerun the same day takes up the cases not yet assessed (one nightly assessment per
    case and day), so nothing is sent twice nor lost."""
    today = timezone.localdate(now)
    ruleset = current_rules()
    done_today = RiskAssessment.objects.filter(assessed_on=today, trigger=RiskAssessment.Trigger.NIGHTLY)
    open_cases = DisputeCase.objects.filter(status__in=OPEN_STATUSES)
    pending = open_cases.exclude(pk__in=done_today.values("case_id"))
    total, last = 0, 0
    while True:
        with transaction.atomic():
            # the chunk's last id among the open cases (an index-only range of ``case_open_id``;
            # the cases already assessed today are left out by the chunk's own query)
            bound = (
                open_cases.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[chunk - 1 : chunk]
            )
            upper = next(iter(bound), None)
            span = Q(case_id__gt=last) if upper is None else Q(case_id__gt=last, case_id__lte=upper)
            cases = pending.filter(pk__gt=last)
            if upper is not None:
                cases = cases.filter(pk__lte=upper)
            done = _assess_chunk(cases, span=span, now=now, today=today, ruleset=ruleset)
        total += done
        if upper is None:
            return total
        last = upper


def assess_cases_changed(*, case_ids: Sequence[int], now: dt.datetime | None = None) -> int:
    """``assess_case(trigger=ON_CHANGE)`` for many cases at once (a sweep that changed a factor of
    each, such as the automatic escalation): the same scores, events, case updates and rise
    notices and visits, with one INSERT … SELECT, one UPDATE … FROM and one rise pass for the
    whole set, in the caller's transaction. Returns how many were assessed."""
    if not case_ids:
        return 0
    now = now or timezone.now()
    ids = list(case_ids)
    with transaction.atomic():
        return _assess_chunk(
            DisputeCase.objects.filter(pk__among=ids, status__in=OPEN_STATUSES),
            span=Q(case_id__among=ids),
            now=now,
            today=timezone.localdate(now),
            ruleset=current_rules(),
            trigger=RiskAssessment.Trigger.ON_CHANGE,
        )


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
    # as the nightly run: a score that stands is not rewritten (``risk_assessed_at``: when it was set)
    if (
        DisputeCase.objects.filter(pk=case.pk)
        .exclude(risk_score=score, risk_level=level)
        .update(risk_score=score, risk_level=level, risk_assessed_at=now)
    ):
        case.risk_assessed_at = now
    case.risk_score, case.risk_level = score, level
    if level != previous:
        label = _("变更时评估") if trigger == RiskAssessment.Trigger.ON_CHANGE else _("即时评估")
        _level_event(case, previous, level, score, now, label, ruleset.version).save()
    if level in (RiskLevel.RED, RiskLevel.ORANGE) and RISK_LEVEL_RANK[level] > RISK_LEVEL_RANK[previous]:
        _risen(RiskAssessment.objects.filter(pk=assessment.pk), now, ruleset)
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
