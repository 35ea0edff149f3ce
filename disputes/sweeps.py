"""Scheduled sweeps over dispute cases: reminders and automatic escalation.

Each sweep selects its targets with one query, then writes set-wise. Reminders go through
``core.notifications.notify_bulk`` or, built in SQL, ``notify_select``, with a key of kind,
target and period, so a sweep run
twice, retried, or killed halfway and run again sends every reminder exactly once; a reminder
whose condition has cleared (case closed, referral answered, visit done) is simply not selected.
Escalation is set-based in chunks (``services.cases_escalate_overdue``: the cases locked, one
UPDATE per new level and deadline, one INSERT of the timeline events, one set-based re-score),
each chunk committed in one transaction with the notices it owes (INSERT … SELECTs of the
cases as escalated: no case is loaded for its notices): a case being changed by
someone else meanwhile is skipped, and a worker that dies between chunks loses no notice.
"""

import datetime as dt
import logging
import time
from typing import Any, cast

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import TruncMinute
from django.utils import timezone
from django.utils.translation import gettext as _

from core.notifications import Message, notify_bulk, notify_select
from core.periods import local_tz
from core.sql import as_text, label_sql, text_sql
from governance.models import Region, User
from stations.models import Officer

from . import clock, risk, services
from .models import (
    LEVEL_ORDER,
    Agreement,
    Category,
    DisputeCase,
    FollowUp,
    Level,
    Referral,
    RiskLevel,
    Status,
)
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
    """Open cases past their due date: the responsible person (or, when none is named, the
    station's staff) is reminded once per due date, with an SMS. Set-based: one INSERT … SELECT of
    the notices (``core.notifications.notify_select``) per ``SWEEP_SELECT_CHUNK_SIZE`` cases in
    id order, each chunk its own transaction (``SWEEP_CHUNK_PAUSE`` seconds apart), so a worker
    killed halfway leaves whole chunks sent and the rerun sends the rest (each notice has its
    key); no case is loaded into Python (``test_overdue_reminder_set_based`` holds it to the
    notices built one case at a time). Returns how many notices were written."""
    overdue = DisputeCase.objects.filter(is_overdue(now))
    size = max(1, settings.SWEEP_SELECT_CHUNK_SIZE)
    total, last = 0, 0
    while True:
        bound = overdue.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[size - 1 : size]
        upper = next(iter(bound), None)
        chunk = overdue.filter(pk__gt=last) if upper is None else overdue.filter(pk__gt=last, pk__lte=upper)
        with transaction.atomic():
            total += notify_select(*_overdue_notices(chunk))
        if upper is None:
            return total
        last = upper
        if settings.SWEEP_CHUNK_PAUSE:
            time.sleep(settings.SWEEP_CHUNK_PAUSE)


def _overdue_notices(cases: models.QuerySet[DisputeCase]) -> tuple[str, list[Any]]:
    """The overdue notices of ``cases`` as the SELECT ``notify_select`` takes: the due date in
    local time, to the minute (the key's period and the text), the category and level labels."""
    local = TruncMinute("due_at", tzinfo=local_tz())
    cases_sql, cases_params = (
        cases.order_by()
        .values("id", "number", "category", "level", "station_id", "responsible_id", "village_id", due=local)
        .query.sql_with_params()
    )
    if connection.vendor == "postgresql":
        period, shown = "to_char(o.due, %s)", "to_char(o.due, %s)"
        period_params, shown_params = ["YYYYMMDDHH24MI"], ["YYYY-MM-DD HH24:MI"]
    else:  # SQLite: the truncated local time as text
        period, shown = "strftime(%s, o.due)", "strftime(%s, o.due)"
        period_params, shown_params = ["%Y%m%d%H%M"], ["%Y-%m-%d %H:%M"]
    title, title_params = text_sql(_("案件 %(n)s 已超过办理期限"), columns={"n": "o.number"})
    body, body_params = text_sql(
        _("%(v)s · %(cat)s · 期限 %(d)s · 当前层级:%(l)s"),
        columns={
            "v": "v.name",
            "cat": label_sql("o.category", Category.choices),
            "d": (shown, shown_params),
            "l": label_sql("o.level", Level.choices),
        },
    )
    region_t = Region._meta.db_table
    select = f"""SELECT {{recipient}} AS recipient_id, %s AS kind, 'case-' || {as_text("o.id")} AS target,
                   {period} AS period, {title} AS title, {body} AS body, '/cases/' || {as_text("o.id")} || '/' AS url
            FROM ({cases_sql}) o JOIN {region_t} v ON v.id = o.village_id {{join}}"""  # noqa: S608  (table names)
    params = ["case.overdue", *period_params, *title_params, *body_params, *cases_params]
    return _responsible_or_staff(select, "o"), [*params, *params]


def _responsible_or_staff(select: str, case: str) -> str:
    """``select`` (its ``{recipient}`` and ``{join}`` to fill) for the case's responsible person,
    and for its station's active staff where none is named (``_responsible`` in SQL): a UNION
    ALL of the two, whose parameters are ``select``'s twice. ``case``: the alias of the rows with
    the case's ``responsible_id`` and ``station_id``."""
    responsible = select.format(
        recipient=f"{case}.responsible_id", join=f"WHERE {case}.responsible_id IS NOT NULL"
    )
    staff = select.format(
        recipient="ofc.user_id", join=f"{_station_staff_join(case)} WHERE {case}.responsible_id IS NULL"
    )
    return f"{responsible} UNION ALL {staff}"


def _station_staff_join(case: str) -> str:
    """The JOIN of the active officers (with an account) of the station of the rows at ``case``,
    as ``ofc`` (``_station_staff`` in SQL; ``notify_select`` skips inactive accounts)."""
    return (
        f"JOIN {Officer._meta.db_table} ofc ON ofc.station_id = {case}.station_id AND ofc.is_active"
        " AND ofc.user_id IS NOT NULL"
    )


def _someone_to_tell(case: str = "") -> Q:
    """Whether ``_responsible_or_staff`` (with ``notify_select``, which skips inactive accounts)
    has anyone to tell of the case at ``case`` (a lookup prefix): its responsible person's
    account is active, or none is named and its station has an active officer with an active
    account."""
    staff = Officer.objects.filter(
        station_id=OuterRef(f"{case}station_id"), is_active=True, user__is_active=True
    )
    return Q(**{f"{case}responsible__is_active": True}) | Q(
        Exists(staff), **{f"{case}responsible__isnull": True}
    )


# cases per transaction: each chunk adds its escalations to the monthly figures and re-scores
# set-based, whose cost is mostly per chunk (at 200 k cases the sweeps took 17.0 s with 2,000, 14.8 s with 5,000)
ESCALATION_CHUNK = 5000


def escalate_overdue_cases(*, now: dt.datetime, chunk: int = ESCALATION_CHUNK) -> int:
    """Past the grace period after the due date, a case goes up one level automatically.

    Set-based, in chunks of ``chunk`` cases in id order, each its own transaction: the chunk's
    escalations, their timeline events, re-scores and notices commit together
    (``services.cases_escalate_overdue``), so a worker killed halfway leaves whole chunks done
    and the rerun takes up the cases still overdue (an escalated case has a new deadline, and
    each notice has its key: nothing is sent or escalated twice)."""
    grace = dt.timedelta(hours=settings.DISPUTES["ESCALATION_GRACE_HOURS"])
    reason = _("超过办理期限%(h)d小时仍未办结,系统自动提级") % {
        "h": settings.DISPUTES["ESCALATION_GRACE_HOURS"]
    }
    overdue = (
        DisputeCase.objects.filter(is_overdue(now - grace))
        .exclude(level=Level.COUNTY)
        # the fields the escalation reads (``services.cases_escalate_overdue``; its notices are
        # built in SQL), not the case's texts, amounts and other times: 98,000 cases a first night
        .only(*services.ESCALATION_FIELDS)
        .order_by("pk")
    )
    total, last = 0, 0
    while True:
        with transaction.atomic():
            cases = list(overdue.filter(pk__gt=last)[:chunk])
            if not cases:
                return total
            last = cases[-1].pk
            escalated = services.cases_escalate_overdue(cases=cases, reason=reason)
            if escalated:
                notify_select(
                    *_escalated_notices(DisputeCase.objects.filter(pk__among=[c.pk for c in escalated]))
                )
        total += len(escalated)
        skipped = len(cases) - len(escalated)
        if skipped:
            logger.info("%d overdue cases changed while escalating; skipped", skipped)


def _escalated_notices(cases: models.QuerySet[DisputeCase]) -> tuple[str, list[Any]]:
    """The notices of the escalation of ``cases`` (just escalated: their level as now stored) as
    the SELECT ``notify_select`` takes: to the responsible person and the station's active staff
    (``_responsible(case, staff) + staff.get(case.station_id, [])`` in SQL, each once), once
    per level reached."""
    cases_sql, cases_params = (
        cases.order_by()
        .values("id", "number", "level", "station_id", "responsible_id")
        .query.sql_with_params()
    )
    title, title_params = text_sql(
        _("案件 %(n)s 逾期未办结,已自动提级至%(l)s"),
        columns={"n": "o.number", "l": label_sql("o.level", Level.choices)},
    )
    select = f"""SELECT {{recipient}} AS recipient_id, %s AS kind, 'case-' || {as_text("o.id")} AS target,
                   o.level AS period, {title} AS title, '' AS body, '/cases/' || {as_text("o.id")} || '/' AS url
            FROM ({cases_sql}) o {{join}}"""  # noqa: S608  (table names)
    params = ["case.escalated", *title_params, *cases_params]
    responsible = select.format(recipient="o.responsible_id", join="WHERE o.responsible_id IS NOT NULL")
    staff = select.format(recipient="ofc.user_id", join=_station_staff_join("o"))
    # UNION: a responsible person who is also on the station's staff is told once
    return f"{responsible} UNION {staff}", [*params, *params]


def escalate_to_risk_minimum(*, now: dt.datetime) -> int:
    """After the nightly scores: open cases below the minimum handling level their risk level
    calls for (the policy of the rules in force) are escalated to it ("风险升至红色"), and
    accepted cases whose risk calls for a shorter handling time get it. Returns how many were
    escalated. Set-based in chunks (``services.cases_raise_to_risk_minimum``)."""
    ruleset = risk.current_rules()
    longest = max(settings.DISPUTES["MEDIATION_DAYS"].values())
    # the service's deadlines start from its own clock, read after this one: the cases selected
    # here are all it would shorten (and a few it may find no longer need it)
    start = timezone.now()
    below = Q(pk__in=[])
    for risk_level in RiskLevel.values:
        minimum = ruleset.for_level(risk_level).get("min_level") or Level.GRID
        if minimum in LEVEL_ORDER:
            lower = LEVEL_ORDER[: LEVEL_ORDER.index(Level(minimum))]
            below |= Q(risk_level=risk_level, level__in=lower)
        if ruleset.for_level(risk_level).get("handling_days", longest) < longest:
            # accepted cases whose deadline is later than their risk's handling time from now
            # (before: every accepted case of the risk level, 7,000 read each night at 2 M cases
            # for none to change)
            for level in LEVEL_ORDER:
                below |= Q(
                    risk_level=risk_level,
                    level=level,
                    accepted_at__isnull=False,
                    due_at__gt=clock.handling_due(level, risk_level, start),
                )
    below_minimum = (
        DisputeCase.objects.filter(is_open())
        .filter(below)
        .select_related("village", "village__parent", "responsible")
        .order_by("pk")
    )
    moved, last = 0, 0
    while True:
        # in chunks of ``ESCALATION_CHUNK``, each its own transaction (``cases_raise_to_risk_minimum``:
        # set-based); a case raised leaves the selection, one skipped is taken up by the next sweep
        with transaction.atomic():
            cases = list(below_minimum.filter(pk__gt=last)[:ESCALATION_CHUNK])
            if not cases:
                return moved
            last = cases[-1].pk
            moved += services.cases_raise_to_risk_minimum(cases=cases)


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
    """Follow-up visits (回访) due by today on closed cases, not made nor cancelled: the case's
    responsible person, or the station's staff when none is named, is reminded once per visit
    and due date. One INSERT … SELECT of the notices, whatever their number (on PostgreSQL the
    same statement marks the visits: ``WITH marked AS (UPDATE … RETURNING …)``)
    (``test_reminders_set_based`` holds it to the notices built one visit at a time); a visit
    reminded is marked (``reminded_at``), so a night reads only the visits not yet reminded (at
    2 M cases the backlog of 350,000 visits never made was selected and its notices' keys checked
    every night). Returns how many were written."""
    today = timezone.localdate(now)
    due = FollowUp.objects.filter(
        visited_at__isnull=True, is_cancelled=False, due_date__lte=today, case__status=Status.CLOSED
    )
    stamp = timezone.now()
    marking = due.filter(_someone_to_tell("case__"), reminded_at__isnull=True)
    followup_t, case_t = FollowUp._meta.db_table, DisputeCase._meta.db_table
    marked, marked_params, source_params = "", list[Any](), list[Any]()
    if connection.vendor == "postgresql":
        # marked and told in one statement: the notices are built from the rows the UPDATE
        # returns (a first night's 350,000 visits: their mark, unknown to the planner, was read
        # back as one row, and the notices' join to the accounts spilled to disk 27 times over)
        ids_sql, ids_params = marking.order_by().values("pk").query.sql_with_params()
        marked = f"""WITH marked AS (UPDATE {followup_t} SET reminded_at = %s WHERE id IN ({ids_sql})
                         RETURNING id AS f_id, case_id AS f_case, due_date AS f_due)"""  # noqa: S608
        marked_params = [connection.ops.adapt_datetimefield_value(stamp), *ids_params]
        source = "marked"
    else:  # SQLite: marked first, then read back by their mark
        source_sql, source_args = (
            FollowUp.objects.filter(reminded_at=stamp)
            .order_by()
            .values(f_id=F("pk"), f_case=F("case_id"), f_due=F("due_date"))
            .query.sql_with_params()
        )
        source, source_params = f"({source_sql})", list(source_args)
    title, title_params = text_sql(
        _("案件 %(n)s 应于 %(d)s 回访"), columns={"n": "c.number", "d": as_text("f.f_due")}
    )
    select = f"""SELECT {{recipient}} AS recipient_id, %s AS kind, 'followup-' || {as_text("f.f_id")} AS target,
                   {as_text("f.f_due")} AS period, {title} AS title, '' AS body,
                   '/cases/' || {as_text("c.id")} || '/' AS url
            FROM {source} f JOIN {case_t} c ON c.id = f.f_case {{join}}"""  # noqa: S608  (table names)
    params = ["followup.due", *title_params, *source_params]
    with transaction.atomic():
        # marked first (the rows stay locked to the commit, so the notices are built from exactly
        # the visits marked), then their notices; a visit reminded is not selected again
        # (only those someone is told of: a visit with no one to tell is tried again next night)
        if not marked:
            marking.update(reminded_at=stamp)
        return notify_select(
            _responsible_or_staff(select, "c"), [*params, *params], with_sql=marked, with_params=marked_params
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
