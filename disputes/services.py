"""Every write on a dispute case.

Each service is keyword-only, runs in one transaction, checks the actor's permission on the
case (``require_action``), validates, writes, and appends the timeline event. Status changes
go through ``_transition``: it checks ``TRANSITIONS`` and moves the status with a conditional
update, so of two people acting at once exactly one wins and the other gets a ``ConflictError``.
"""

import datetime as dt
import uuid
from collections import Counter
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ConflictError, DomainError, NotPermitted
from core.limits import PARTIES_MAX, check_not_future
from core.notifications import Message, notify, notify_select
from core.sql import as_text, insert_values, label_sql, text_sql
from core.versions import save_changed
from governance import capabilities, points, scoping
from governance.models import Grid, Mediator, Region, User
from governance.roles import Role
from governance.selectors import mediator_ids, users_with_capability_over
from governance.validators import normalize_id_number, normalize_phone
from stations.models import Incident
from stations.selectors import normalize_address, station_for_village

from . import clock
from .incidents.turns import criminal_turns_refresh_cases
from .models import (
    LEVEL_ORDER,
    OPEN_STATUSES,
    TRANSITIONS,
    Agreement,
    CaseCounter,
    CaseEvent,
    CaseExtension,
    CaseMediator,
    CasePause,
    DisputeCase,
    FollowUp,
    Level,
    MediationSession,
    MediatorRelation,
    Party,
    Referral,
    RiskAssessment,
    RiskLevel,
    Source,
    Status,
    next_level,
)
from .risk import assess_case, assess_cases_changed, current_rules, open_cases_of_incidents
from .selectors import case_ids
from .summary.store import ESCALATED_TO, month_of, summary_add, summary_touch_event
from .tiers import people as tier_people
from .tiers import rules as tier_rules


class CaseTransitionError(ConflictError):
    """The move is not allowed from the case's current status (409)."""


# --- Who may do what: the capability table (governance.capabilities), rows "case.*" ---------
def may(user: User | None, action: str) -> bool:
    """Whether the user's role may take ``action`` on a case in their scope (the capability
    ``case.<action>`` of the table)."""
    return capabilities.may(user, f"case.{action}")


def require_action(actor: User, case: DisputeCase, action: str) -> None:
    """The case must be in the actor's scope (else it does not exist for them) and the role
    must allow the action."""
    if not case_ids(actor, writable=True).filter(pk=case.pk).exists():
        if case_ids(actor).filter(pk=case.pk).exists():  # read-only for them (tiers.scope)
            raise NotPermitted(_("本案已移交其他单位,您只能查看。"))
        raise DomainError(_("案件不存在或不在您的辖区内。"), code="not_found")
    if not tier_rules.may_act(actor, case, action):  # the table, or the level a tier handles
        raise NotPermitted()


# --- Timeline -----------------------------------------------------------------------------
def _event(
    case: DisputeCase, actor: User | None, code: str, *, note: str = "", changes: dict[str, Any] | None = None
) -> CaseEvent:
    event = CaseEvent.objects.create(
        case=case, actor=actor, code=code, note=note or "", changes=_jsonable(changes or {})
    )
    # the stored monthly figures of the dashboards follow the change the event records
    summary_touch_event(case.pk, code)
    return event


def case_event_add(*, case: DisputeCase, actor: User | None, code: str, note: str = "") -> CaseEvent:
    """A timeline row written by another app about the case (a risk visit's check-in): the
    other app has checked its own rule; the code is listed in ``disputes.events``."""
    return _event(case, actor, code, note=note)


def _jsonable(changes: dict[str, Any]) -> dict[str, list[Any]]:
    def conv(v: Any) -> Any:
        if isinstance(v, (dt.datetime, dt.date)):
            return v.isoformat()
        if isinstance(v, Decimal | uuid.UUID):
            return str(v)
        if hasattr(v, "pk"):
            return str(v)
        return v

    return {k: [conv(o), conv(n)] for k, (o, n) in changes.items()}


# --- Transitions --------------------------------------------------------------------------
def _transition(
    *,
    case: DisputeCase,
    actor: User | None,
    to: str,
    code: str,
    note: str = "",
    updates: dict[str, Any] | None = None,
) -> DisputeCase:
    old = case.status
    if to not in TRANSITIONS.get(old, frozenset()):
        raise CaseTransitionError(
            _("案件当前状态为“%(old)s”,不能变更为“%(new)s”。")
            % {"old": Status(old).label, "new": Status(to).label},
            field="status",
            code="transition",
        )
    now = timezone.now()
    # the deadline is the case clock's (``disputes.clock``): a status change never moves it
    values: dict[str, Any] = {"status": to, "updated_at": now, **(updates or {})}
    if to in (Status.CLOSED, Status.NOT_ACCEPTED):
        values["closed_at"] = now
    # from the state (and version) the actor saw: the second of two identical requests is a conflict
    moved = DisputeCase.objects.filter(pk=case.pk, status=old, version=case.version).update(
        **values, version=F("version") + 1
    )
    if not moved:
        raise ConflictError(
            _("案件 %(number)s 刚刚已被他人处理,状态已变化。请刷新页面查看最新情况后再操作。")
            % {"number": case.number},
            code="conflict",
        )
    changes = {"status": [old, to]}
    for key, value in values.items():
        if key not in ("status", "updated_at") and getattr(case, key) != value:
            changes[key] = [getattr(case, key), value]
        setattr(case, key, value)
    case.version += 1
    _event(case, actor, code, note=note, changes=changes)
    if to in (Status.MEDIATION_FAILED, Status.REOPENED):
        _rescore(case)  # failed mediations and recurrences are factors
    return case


def _rescore(case: DisputeCase) -> None:
    """Re-score an open case after a change that can move a risk factor, in the same transaction
    (``risk.assess_case``: a rise to 红/橙 tells its people and asks for its visit at once), and
    raise it to the minimum handling level the risk policy sets for its new level."""
    if case.status in OPEN_STATUSES:
        assess_case(case=case, trigger=RiskAssessment.Trigger.ON_CHANGE)
        case_raise_to_risk_minimum(case=case)


def rescore_cases_of_incidents(*, incidents: list[Incident]) -> int:
    """New incidents (警情, recorded by hand or imported in bulk) are repeat incidents of the open
    cases from their source (place, or a party's phone): each such case is re-scored at once, in
    the transaction that records them, with the risk policy applied (the hook
    ``stations.services.register_incidents_recorded``, wired in ``DisputesConfig.ready``)."""
    cases = open_cases_of_incidents(incidents)
    for case in cases:
        try:
            with transaction.atomic():
                _rescore(case)
        except ConflictError:
            # someone changed the case at this moment: their change re-scores it, and the
            # nightly run would in any case; the incidents are recorded either way
            continue
    return len(cases)


def case_raise_to_risk_minimum(*, case: DisputeCase) -> DisputeCase:
    """A case whose risk level calls for a higher handling level than it has (red → township at
    least) is escalated, one step at a time, with the reason "风险升至红色" (each step its own
    deadline and timeline event, as any escalation). Also run by the sweep after the nightly
    scores (``sweeps.escalate_to_risk_minimum``)."""
    minimum = current_rules().for_level(case.risk_level).get("min_level") or Level.GRID
    if case.status not in OPEN_STATUSES:
        return case
    if minimum in LEVEL_ORDER and LEVEL_ORDER.index(Level(case.level)) < LEVEL_ORDER.index(Level(minimum)):
        # case_escalate re-scores, and so comes back here for the next step (and for the deadline)
        return case_escalate(actor=None, case=case, automatic=True, reason=_risk_reason(case.risk_level))
    return _shorten_for_risk(case)


def _shorten_for_risk(case: DisputeCase) -> DisputeCase:
    """An accepted case whose risk rose to a level with a shorter handling time (red, orange: the
    policy's ``handling_days``) gets that shorter time, counted from the rise: the deadline
    becomes the earlier of the one it has and now + the level's days. It never moves later; the
    old deadline stays in the timeline event."""
    if case.accepted_at is None or case.due_at is None or case.status not in OPEN_STATUSES:
        return case
    now = timezone.now()
    shorter = clock.handling_due(case.level, case.risk_level, now)
    if shorter >= case.due_at:
        return case
    old = case.due_at
    if not DisputeCase.objects.filter(pk=case.pk, due_at=old, version=case.version).update(
        due_at=shorter, updated_at=now, version=F("version") + 1
    ):
        raise ConflictError(
            _("案件 %(number)s 刚刚已被他人处理。请刷新页面查看最新情况后再操作。") % {"number": case.number},
            code="conflict",
        )
    case.due_at, case.version = shorter, case.version + 1
    _event(
        case,
        None,
        "disputes.case.deadline_shortened",
        note=_("风险升至%(l)s色,办理期限缩短为%(d)d天")
        % {"l": RiskLevel(case.risk_level).label, "d": clock.handling_days(case.level, case.risk_level)},
        changes={"due_at": [old, shorter]},
    )
    return case


def _require_note(note: str, field: str = "reason", message: str | None = None) -> str:
    note = (note or "").strip()
    if not note:
        raise DomainError(message or _("请填写原因。"), field=field)
    return note


# --- Reporting ----------------------------------------------------------------------------
def _next_number(county: Region, year: int) -> str:
    counter, _created = CaseCounter.objects.select_for_update().get_or_create(county=county, year=year)
    CaseCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    counter.refresh_from_db(fields=["last"])
    return f"{year}-{counter.last:06d}"


def _county_of(village: Region) -> Region:
    node = village
    while node.parent is not None:
        node = node.parent
    return node


PARTY_FIELDS = ("kind", "role", "name", "gender", "ethnicity", "id_number", "phone", "address", "clan")
CASE_EDITABLE = (
    "category",
    "summary",
    "address",
    "people_involved",
    "amount_involved",
    "threat_flag",
    "vulnerable_flag",
    "grid",
    "responsible",
    "occurred_on",
)


def _build_party(case: DisputeCase, data: dict[str, Any]) -> Party:
    unknown = set(data) - set(PARTY_FIELDS)
    if unknown:
        raise DomainError(_("不允许的当事人字段:%(f)s") % {"f": ", ".join(sorted(unknown))})
    clean = dict(data)
    if "phone" in clean:
        clean["phone"] = normalize_phone(clean["phone"] or "")
    if "id_number" in clean:
        clean["id_number"] = normalize_id_number(clean["id_number"] or "")
    party = Party(case=case, **clean)
    party.full_clean(exclude=["case"])
    return party


@transaction.atomic
def case_report(
    *,
    actor: User,
    village: Region,
    category: str,
    summary: str,
    grid: Grid | None = None,
    source: str = Source.WALK_IN,
    people_involved: int = 2,
    address: str = "",
    amount_involved: Decimal | int | None = None,
    threat_flag: bool = False,
    vulnerable_flag: bool = False,
    occurred_on: dt.date | None = None,
    level: str | None = None,
    responsible: User | None = None,
    parties: list[dict[str, Any]] | None = None,
    client_key: uuid.UUID | None = None,
    note: str = "",
) -> DisputeCase:
    """Register a new case (walk-in, grid report, screening, incident, referral in).

    With ``client_key`` the call is idempotent: a resend of the same report (a phone that lost
    its network and tried again) returns the case made the first time."""
    if client_key is not None:
        existing = DisputeCase.objects.filter(client_key=client_key).first()
        if existing is not None:
            if existing.reported_by_id != actor.pk:
                raise DomainError(_("提交键冲突,请重新填写。"), field="client_key")
            return existing
    if not may(actor, "report"):
        raise NotPermitted(_("您的角色不能登记矛盾纠纷。"))
    if not village.is_village_level:
        raise DomainError(_("请选择村或社区。"), field="village")
    if not scoping.village_ids(actor).filter(pk=village.pk).exists():
        raise DomainError(_("%(name)s 不在您的辖区内。") % {"name": village.name}, field="village")
    if grid is not None:
        if grid.village_id != village.pk:
            raise DomainError(_("所选网格不属于该村(社区)。"), field="grid")
        if not scoping.grid_ids(actor).filter(pk=grid.pk).exists():
            raise DomainError(_("该网格不在您的辖区内。"), field="grid")
    elif capabilities.role_of(actor) == Role.GRID:
        raise DomainError(_("请选择您负责的网格。"), field="grid")
    station = station_for_village(village.pk)
    if station is None:
        raise DomainError(
            _("%(name)s 尚未划入任何派出所辖区,请联系县指挥中心。") % {"name": village.name}, field="village"
        )
    level = level or (Level.GRID if grid is not None else Level.VILLAGE)
    now = timezone.now()
    county = _county_of(village)
    case = DisputeCase(
        county=county,
        category=category,
        source=source,
        village=village,
        grid=grid,
        station=station,
        address=address,
        address_key=normalize_address(address),
        summary=(summary or "").strip(),
        people_involved=people_involved,
        amount_involved=amount_involved,
        threat_flag=threat_flag,
        vulnerable_flag=vulnerable_flag,
        occurred_on=occurred_on,
        level=level,
        responsible=responsible,
        reported_by=actor,
        reported_at=now,
        feedback_due_at=clock.feedback_due(level, now),
        due_at=clock.feedback_due(level, now),
        client_key=client_key,
        number="pending",
    )
    case.full_clean(exclude=["number", "county", "station", "reported_by", "client_key"])
    if len(parties or []) > PARTIES_MAX:
        raise DomainError(_("一个案件最多登记 %(n)d 名当事人。") % {"n": PARTIES_MAX}, field="parties")
    built = [_build_party(case, p) for p in (parties or []) if (p.get("name") or "").strip()]
    case.number = _next_number(county, timezone.localtime(now).year)
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError:
        if client_key is not None and DisputeCase.objects.filter(client_key=client_key).exists():
            # the same report arrived twice at once: the other request made it
            raise ConflictError(_("该上报已提交,请勿重复提交。"), code="duplicate") from None
        raise
    for party in built:
        party.case = case
        party.save()
    _event(
        case,
        actor,
        "disputes.case.reported",
        note=note,
        changes={"status": [None, case.status], "level": [None, case.level]},
    )
    points.points_for_case_reported(case=case)  # 积分: never fails the report
    criminal_turns_refresh_cases(case_ids=[case.pk])  # 民转刑, stored
    _rescore(case)
    return case


@transaction.atomic
def case_update(*, actor: User, case: DisputeCase, data: dict[str, Any], note: str = "") -> DisputeCase:
    """Correct the facts of a case; each changed field is recorded old → new."""
    require_action(actor, case, "edit")
    unknown = set(data) - set(CASE_EDITABLE)
    if unknown:
        raise DomainError(_("不允许修改的字段:%(fields)s") % {"fields": ", ".join(sorted(unknown))})
    if "grid" in data and data["grid"] is not None and data["grid"].village_id != case.village_id:
        raise DomainError(_("所选网格不属于该村(社区)。"), field="grid")
    changes = {}
    for key, value in data.items():
        old = getattr(case, key)
        if old != value:
            changes[key] = [old, value]
            setattr(case, key, value)
    if not changes:
        return case
    case.address_key = normalize_address(case.address)
    case.full_clean()
    # only the changed fields, and only if nobody wrote since the version the editor saw: a
    # stale copy never puts back a status or level someone else has just set
    fields = {key: getattr(case, key) for key in changes}
    if "address" in changes:
        fields["address_key"] = case.address_key
    now = timezone.now()
    if not DisputeCase.objects.filter(pk=case.pk, version=case.version).update(
        **fields, updated_at=now, version=F("version") + 1
    ):
        raise ConflictError(_("案件已被他人修改,请刷新后再操作"), code="conflict")
    case.updated_at = now
    case.version += 1
    _event(case, actor, "disputes.case.updated", note=note, changes=changes)
    if changes.keys() & {"village", "address", "reported_at"}:  # its source moved: 民转刑, stored
        criminal_turns_refresh_cases(case_ids=[case.pk])
    _rescore(case)
    return case


@transaction.atomic
def case_add_note(*, actor: User, case: DisputeCase, note: str) -> CaseEvent:
    """A note or a correction: the timeline is never edited, a new line is appended."""
    require_action(actor, case, "note")
    return _event(case, actor, "disputes.case.noted", note=_require_note(note, "note", _("请填写说明内容。")))


def case_attachment_added(*, actor: User, obj: Any, attachment: Any) -> CaseEvent:
    """The timeline line of a photo or scan added to a case, one of its mediation sessions or
    its agreement (``core.attachments`` calls it inside the upload's transaction)."""
    case = obj if isinstance(obj, DisputeCase) else obj.case
    on = {MediationSession: _("调解记录"), Agreement: _("调解协议")}.get(type(obj), _("案件"))
    return _event(
        case,
        actor,
        "disputes.case.attachment_added",
        note=f"{on}:{attachment.get_kind_display()} {attachment.original_name}",
        changes={"attachment": (None, attachment.pk)},
    )


# --- Lifecycle ----------------------------------------------------------------------------
@transaction.atomic
def case_accept(
    *, actor: User, case: DisputeCase, responsible: User | None = None, note: str = ""
) -> DisputeCase:
    require_action(actor, case, "accept")
    now = timezone.now()
    # the handling clock starts at acceptance
    updates = {
        "responsible": responsible or case.responsible or actor,
        "accepted_at": now,
        "due_at": clock.handling_due(case.level, case.risk_level, now),
    }
    return _transition(
        case=case, actor=actor, to=Status.ACCEPTED, code="disputes.case.accepted", note=note, updates=updates
    )


@transaction.atomic
def case_not_accept(*, actor: User, case: DisputeCase, reason: str) -> DisputeCase:
    require_action(actor, case, "not_accept")
    reason = _require_note(reason, message=_("不予受理须说明理由。"))
    return _transition(
        case=case, actor=actor, to=Status.NOT_ACCEPTED, code="disputes.case.not_accepted", note=reason
    )


@transaction.atomic
def case_start_mediation(*, actor: User, case: DisputeCase, note: str = "") -> DisputeCase:
    require_action(actor, case, "start_mediation")
    return _transition(
        case=case, actor=actor, to=Status.IN_MEDIATION, code="disputes.case.mediation_started", note=note
    )


@transaction.atomic
def case_mark_failed(*, actor: User, case: DisputeCase, reason: str) -> DisputeCase:
    require_action(actor, case, "mark_failed")
    reason = _require_note(reason, message=_("请说明调解未成的原因。"))
    return _transition(
        case=case, actor=actor, to=Status.MEDIATION_FAILED, code="disputes.case.mediation_failed", note=reason
    )


@transaction.atomic
def case_close(*, actor: User, case: DisputeCase, note: str = "") -> DisputeCase:
    """办结. Plans the follow-up visits (回访) after closure."""
    require_action(actor, case, "close")
    if case.paused_at is not None:
        _end_pause(case, actor, note=_("案件办结,中止随之结束。"))
    _transition(case=case, actor=actor, to=Status.CLOSED, code="disputes.case.closed", note=note)
    points.points_for_case_closed(case=case)  # 积分 when closed with an agreement; never fails the closure
    today = timezone.localdate()
    FollowUp.objects.bulk_create(
        [
            FollowUp(case=case, due_date=today + dt.timedelta(days=days))
            for days in settings.DISPUTES["FOLLOW_UP_DAYS"]
        ]
    )
    return case


@transaction.atomic
def case_settle_on_the_spot(
    *, actor: User, case: DisputeCase, place: str, attendees: str, record: str, terms: str
) -> DisputeCase:
    """就地化解: a grid-level dispute mediated where it arose and settled by an oral agreement
    performed on the spot (赔礼道歉、当场赔付 …), then closed — in one step from the phone, each
    move its own timeline event: accepted (if not yet), the session (达成一致), the oral
    agreement, its performance, the closure. Only at grid level: from the village on, a case
    goes through the station's full procedure."""
    require_action(actor, case, "close")  # before anything is read or written: the last step's right
    if case.level != Level.GRID:
        raise CaseTransitionError(
            _("只有网格级案件可以就地化解办结,本案为%(level)s级。") % {"level": Level(case.level).label},
            field="level",
            code="transition",
        )
    if case.status not in (Status.REPORTED, *_MEDIATION_READY, Status.IN_MEDIATION):
        raise CaseTransitionError(
            _("案件当前状态为“%(s)s”,不能就地化解办结。") % {"s": Status(case.status).label},
            code="transition",
        )
    terms = _require_note(terms, field="terms", message=_("请填写当场达成的协议内容。"))
    now = timezone.now()
    if case.status == Status.REPORTED:
        case_accept(actor=actor, case=case, note=_("网格员就地化解"))
    session_record(
        actor=actor,
        case=case,
        held_at=now,
        place=place,
        attendees=attendees,
        record=record,
        outcome=MediationSession.Outcome.AGREED,
    )
    today = timezone.localdate()
    agreement = agreement_create(
        actor=actor,
        case=case,
        form=Agreement.Form.ORAL,
        facts=case.summary,
        disputed_matters=case.summary,
        terms=terms,
        performance_method=_("当场履行"),
        performance_place=place,
        performance_deadline=today,
        signed_on=today,
    )
    agreement_set_performance(actor=actor, agreement=agreement, status=Agreement.Performance.PERFORMED)
    return case_close(actor=actor, case=case, note=_("就地化解,口头协议已当场履行。"))


@transaction.atomic
def case_reopen(*, actor: User | None, case: DisputeCase, reason: str) -> DisputeCase:
    """A closed case that flares up again is re-opened (recurrence), never lost."""
    if actor is not None:
        require_action(actor, case, "reopen")
    reason = _require_note(reason, message=_("请说明复发情况。"))
    _transition(
        case=case,
        actor=actor,
        to=Status.REOPENED,
        code="disputes.case.reopened",
        note=reason,
        updates={"recurrence_count": case.recurrence_count + 1, "closed_at": None},
    )
    # the visits planned for a closure that did not hold are no longer due (kept, marked cancelled)
    FollowUp.objects.filter(case=case, visited_at__isnull=True, is_cancelled=False).update(is_cancelled=True)
    return case


@transaction.atomic
def case_escalate(
    *, actor: User | None, case: DisputeCase, reason: str, automatic: bool = False
) -> DisputeCase:
    """Raise the handling level one step (grid → village → township → county), from any open
    status. ``actor=None, automatic=True`` is the overdue sweep."""
    if actor is not None:
        require_action(actor, case, "escalate")
    reason = _require_note(reason, message=_("升级须说明原因。"))
    if case.status not in OPEN_STATUSES:
        raise CaseTransitionError(_("案件已办结或不予受理,不能升级。"), field="level", code="transition")
    new_level = next_level(case.level)
    if new_level is None:
        raise CaseTransitionError(_("案件已在县级处置,不能再升级。"), field="level", code="transition")
    now = timezone.now()
    # the new level gets its own deadline, counted from now (the old one stays in the event)
    values: dict[str, Any] = {"level": new_level, "updated_at": now}
    if case.accepted_at is None:
        values["due_at"] = values["feedback_due_at"] = clock.feedback_due(new_level, now)
    else:
        values["due_at"] = clock.handling_due(new_level, case.risk_level, now)
    if case.paused_at is not None:
        # a paused case stays paused: the new deadline's clock starts when the pause ends
        values["paused_at"] = now
        values["paused_seconds"] = case.paused_seconds + int((now - case.paused_at).total_seconds())
    due = values["due_at"]
    moved = DisputeCase.objects.filter(
        pk=case.pk, level=case.level, status=case.status, paused_at=case.paused_at, version=case.version
    ).update(escalation_count=F("escalation_count") + 1, version=F("version") + 1, **values)
    if not moved:
        raise ConflictError(
            _("案件 %(number)s 刚刚已被他人处理。请刷新页面查看最新情况后再操作。") % {"number": case.number},
            code="conflict",
        )
    changes = {"level": [case.level, new_level], "due_at": [case.due_at, due]}
    for key, value in values.items():
        setattr(case, key, value)
    case.escalation_count += 1
    case.version += 1
    _event(
        case,
        actor,
        "disputes.case.escalated_auto" if automatic else "disputes.case.escalated",
        note=reason,
        changes=changes,
    )
    _rescore(case)  # escalations are a factor
    _notify_receiving_level(case, reason)
    return case


# what ``cases_escalate_overdue`` reads of its cases (the overdue sweep loads only these)
ESCALATION_FIELDS = (
    "id",
    "level",
    "status",
    "paused_at",
    "accepted_at",
    "due_at",
    "feedback_due_at",
    "escalation_count",
    "version",
    "risk_level",
    "risk_score",
    "risk_assessed_at",
    "station",
    "village",
)


def cases_escalate_overdue(*, cases: list[DisputeCase], reason: str) -> list[DisputeCase]:
    """The overdue sweep's ``case_escalate(actor=None, automatic=True)`` for a chunk of cases,
    set-based, in the caller's transaction: the cases are locked (``FOR UPDATE``; one being
    changed by someone else right now is skipped, as a conflict is), each group of cases with
    the same new level and deadline moves with one conditional UPDATE, the timeline events go in
    with one INSERT, the re-score is one set-based assessment (``risk.assess_cases_changed``),
    and the notices of the receiving level one INSERT … SELECT. The cases whose new risk calls for a
    higher level go on, set-based again, with the risk's reason (``case_raise_to_risk_minimum``
    after any escalation), those whose risk calls for a shorter deadline get it (one UPDATE per
    deadline); each step's escalations are added to the monthly figures (``summary_add``). A case that is paused, closed or
    already at the county is left to ``case_escalate`` (which refuses or handles it). Returns
    the escalated cases (their fields as now stored)."""
    touched: Counter[tuple[int, int, dt.date, str]] = Counter()
    moved = _escalate_set(cases=cases, reason=reason, touched=touched)
    # the events written in bulk, not by ``_event``: each escalation (every step) of an open case
    # adds one to its month's count of escalations to its new level, and moves no other figure
    summary_add(touched)
    return moved


def _escalate_set(
    *, cases: list[DisputeCase], reason: str, touched: Counter[tuple[int, int, dt.date, str]]
) -> list[DisputeCase]:
    """``cases_escalate_overdue`` but the monthly figures: each escalation (in every step) is
    counted in ``touched`` under its (station, village, month, ``escalated_<level>``)."""
    if not cases:
        return []
    reason = _require_note(reason, message=_("升级须说明原因。"))
    by_pk = {c.pk: c for c in cases}
    locked = set(
        DisputeCase.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(pk__among=list(by_pk), status__in=OPEN_STATUSES, paused_at__isnull=True)
        .exclude(level=Level.COUNTY)
        .values_list("pk", flat=True)
    )
    now = timezone.now()
    due_cache: dict[tuple[str, bool, str], dt.datetime] = {}
    groups: dict[tuple[str, str, bool, str, dt.datetime], list[DisputeCase]] = {}
    for case in cases:
        if case.pk not in locked or case.status not in OPEN_STATUSES or case.paused_at is not None:
            continue
        new_level = next_level(case.level)
        if new_level is None:
            continue
        accepted = case.accepted_at is not None
        key = (new_level, accepted, case.risk_level)
        if key not in due_cache:
            due_cache[key] = (
                clock.handling_due(new_level, case.risk_level, now)
                if accepted
                else clock.feedback_due(new_level, now)
            )
        groups.setdefault((case.level, new_level, accepted, case.risk_level, due_cache[key]), []).append(case)
    moved: list[DisputeCase] = []
    events: list[tuple[Any, ...]] = []
    for (old_level, new_level, accepted, _risk, due), members in groups.items():
        values: dict[str, Any] = {"level": new_level, "updated_at": now, "due_at": due}
        if not accepted:
            values["feedback_due_at"] = due
        DisputeCase.objects.filter(
            pk__among=[c.pk for c in members],
            level=old_level,
            status__in=OPEN_STATUSES,
            paused_at__isnull=True,
        ).update(escalation_count=F("escalation_count") + 1, version=F("version") + 1, **values)
        for case in members:  # locked since the read: every one of them moved
            changes = {"level": [case.level, new_level], "due_at": [case.due_at, due]}
            for field, value in values.items():
                setattr(case, field, value)
            case.escalation_count += 1
            case.version += 1
            events.append((case.pk, None, "disputes.case.escalated_auto", reason, _jsonable(changes), now))
            moved.append(case)
    moved.sort(key=lambda c: c.pk)
    insert_values(CaseEvent, _EVENT_FIELDS, events)
    month = month_of(now)
    touched.update((c.station_id, c.village_id, month, ESCALATED_TO[Level(c.level)]) for c in moved)
    # the re-score (escalations are a factor), set-based; then its consequences, per case only
    # where there are any
    assess_cases_changed(case_ids=[c.pk for c in moved])
    scores = DisputeCase.objects.filter(pk__among=[c.pk for c in moved]).values_list(
        "pk", "risk_score", "risk_level", "risk_assessed_at"
    )
    for pk, score, level, assessed in scores.iterator(chunk_size=2000):
        case = by_pk[pk]
        case.risk_score, case.risk_level, case.risk_assessed_at = score, level, assessed
    # the consequences of the new risk, as ``case_raise_to_risk_minimum`` after each escalation:
    # one more escalation (set-based again, with the risk's reason) or a shorter deadline
    further, others = _below_risk_minimum(moved, current_rules())
    for risk_level, members in further.items():
        _escalate_set(cases=members, reason=_risk_reason(risk_level), touched=touched)
    _cases_shorten_for_risk(_shorter_deadlines(others, now), now)
    _notify_receiving_levels([c.pk for c in moved], reason)
    return moved


def _risk_reason(risk_level: str) -> str:
    return _("风险升至%(l)s色") % {"l": RiskLevel(risk_level).label}


def _below_risk_minimum(
    cases: list[DisputeCase], ruleset: Any
) -> tuple[dict[str, list[DisputeCase]], list[DisputeCase]]:
    """The open cases below the minimum handling level of their risk level, by risk level, and
    the others."""
    below: dict[str, list[DisputeCase]] = {}
    others = []
    for case in cases:
        minimum = ruleset.for_level(case.risk_level).get("min_level") or Level.GRID
        if (
            case.status in OPEN_STATUSES
            and minimum in LEVEL_ORDER
            and LEVEL_ORDER.index(Level(case.level)) < LEVEL_ORDER.index(Level(minimum))
        ):
            below.setdefault(case.risk_level, []).append(case)
        else:
            others.append(case)
    return below, others


def _shorter_deadlines(cases: list[DisputeCase], now: dt.datetime) -> dict[dt.datetime, list[DisputeCase]]:
    """``_shorten_for_risk``'s test for many cases: the accepted open ones whose risk calls for a
    deadline earlier than theirs, by that deadline."""
    shorter: dict[tuple[str, str], dt.datetime] = {}  # (level, risk level) → the deadline from now
    shorten: dict[dt.datetime, list[DisputeCase]] = {}
    for case in cases:
        if case.accepted_at is None or case.due_at is None or case.status not in OPEN_STATUSES:
            continue
        pair = (case.level, case.risk_level)
        if pair not in shorter:
            shorter[pair] = clock.handling_due(case.level, case.risk_level, now)
        if shorter[pair] < case.due_at:
            shorten.setdefault(shorter[pair], []).append(case)
    return shorten


def cases_raise_to_risk_minimum(*, cases: list[DisputeCase]) -> int:
    """``case_raise_to_risk_minimum`` for many cases (the sweep after the nightly scores),
    set-based, in the caller's transaction: the cases are locked (one being changed by someone
    else right now is skipped); those below the minimum handling level of their risk level are
    escalated by ``cases_escalate_overdue`` with the reason "风险升至红色" (one step per round
    until they reach it, each step its deadline, timeline event, re-score and notice), a paused
    one by ``case_raise_to_risk_minimum`` (``case_escalate`` keeps its pause); the others whose
    risk calls for a shorter handling time get it (one UPDATE per new deadline, one INSERT of the
    events). Returns how many cases changed level. ``test_risk_minimum_set_based`` holds it to
    the one-by-one raise."""
    if not cases:
        return 0
    locked = set(
        DisputeCase.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(pk__among=[c.pk for c in cases], status__in=OPEN_STATUSES)
        .values_list("pk", flat=True)
    )
    mine = [c for c in cases if c.pk in locked]
    levels = {c.pk: c.level for c in mine}
    below, others = _below_risk_minimum(mine, current_rules())
    for risk_level, members in below.items():
        paused = [c for c in members if c.paused_at is not None]
        cases_escalate_overdue(
            cases=[c for c in members if c.paused_at is None], reason=_risk_reason(risk_level)
        )
        for case in paused:
            try:
                with transaction.atomic():
                    case_raise_to_risk_minimum(case=case)
            except ConflictError:
                continue  # changed meanwhile: the next sweep takes it up
    now = timezone.now()
    _cases_shorten_for_risk(_shorter_deadlines(others, now), now)
    return sum(c.level != levels[c.pk] for c in mine)


# the columns of the timeline events a set-based service writes (``core.sql.insert_values``)
_EVENT_FIELDS = ("case_id", "actor_id", "code", "note", "changes", "created_at")


def _cases_shorten_for_risk(groups: dict[dt.datetime, list[DisputeCase]], now: dt.datetime) -> None:
    """``_shorten_for_risk`` for cases locked by the caller, grouped by their shorter deadline:
    one UPDATE per group, one INSERT of the timeline events."""
    events: list[tuple[Any, ...]] = []
    days: dict[tuple[str, str], int] = {}
    for due, members in groups.items():
        DisputeCase.objects.filter(pk__among=[c.pk for c in members], due_at__gt=due).update(
            due_at=due, updated_at=now, version=F("version") + 1
        )
        for case in members:
            old = case.due_at
            case.due_at, case.version = due, case.version + 1
            if (case.level, case.risk_level) not in days:
                days[(case.level, case.risk_level)] = clock.handling_days(case.level, case.risk_level)
            note = _("风险升至%(l)s色,办理期限缩短为%(d)d天") % {
                "l": RiskLevel(case.risk_level).label,
                "d": days[(case.level, case.risk_level)],
            }
            events.append(
                (
                    case.pk,
                    None,
                    "disputes.case.deadline_shortened",
                    note,
                    _jsonable({"due_at": [old, due]}),
                    now,
                )
            )
    insert_values(CaseEvent, _EVENT_FIELDS, events)


def _notify_receiving_levels(case_ids: list[int], reason: str) -> None:
    """``_notify_receiving_level`` for many cases (their level and escalation count as now
    stored), in SQL: one INSERT … SELECT of the notices (``notify_select``) to the handlers of
    each level (``tier_people.level_handler_joins``). ``test_escalation_set_based`` holds it to
    the notices built one case at a time."""
    if not case_ids:
        return
    cases_sql, cases_params = (
        DisputeCase.objects.filter(pk__among=case_ids, level__in=list(tier_rules.HANDLED_LEVELS))
        .order_by()
        .values("id", "number", "level", "escalation_count", township_id=F("village__parent_id"))
        .query.sql_with_params()
    )
    title, title_params = text_sql(
        _("案件 %(number)s 已升级到%(level)s处置,请接手办理"),
        columns={"number": "o.number", "level": label_sql("o.level", Level.choices)},
    )
    select = f"""SELECT h.id AS recipient_id, %s AS kind, 'case-' || {as_text("o.id")} AS target,
                   o.level || '-' || {as_text("o.escalation_count")} AS period, {title} AS title, %s AS body,
                   '/cases/' || {as_text("o.id")} || '/' AS url
            FROM ({cases_sql}) o {{join}}"""  # noqa: S608  (table names)
    params = ["case.escalated_to_level", *title_params, reason, *cases_params]
    parts = tier_people.level_handler_joins("o")
    notify_select(
        " UNION ALL ".join(select.format(join=join) for join, _params in parts),
        [p for _join, join_params in parts for p in (*params, *join_params)],
    )


def _notify_receiving_level(case: DisputeCase, reason: str) -> None:
    """An escalation to the township or the county is the receiving level's to take on: its
    handlers (the township's 综治中心, the county command centre) are told, in the same
    transaction; the case is in their 我的待办 (``disputes.tiers.selectors.work_queue``)."""
    if case.level not in tier_rules.HANDLED_LEVELS:
        return
    notify(recipients=tier_people.level_handlers(case), message=_receiving_level_message(case, reason))


def _receiving_level_message(case: DisputeCase, reason: str) -> Message:
    """The notice to the level an escalation reached (one case, or the set-based sweep)."""
    return Message(
        kind="case.escalated_to_level",
        target=f"case-{case.pk}",
        period=f"{case.level}-{case.escalation_count}",
        title=_("案件 %(number)s 已升级到%(level)s处置,请接手办理")
        % {"number": case.number, "level": Level(case.level).label},
        body=reason,
        url=f"/cases/{case.pk}/",
    )


# --- The case clock: pauses (中止) and extensions (延期) --------------------------------------
def _pausable(case: DisputeCase) -> None:
    if not case.is_open:
        raise CaseTransitionError(_("案件已办结或不予受理,不能中止。"), code="transition")
    if case.accepted_at is None:
        raise CaseTransitionError(_("案件尚未受理,受理后才能中止办理期限。"), code="transition")


@transaction.atomic
def case_pause(
    *, actor: User, case: DisputeCase, kind: str, reason: str, referral: Referral | None = None
) -> CasePause:
    """中止: the handling clock stops while the case waits for something outside the handler's
    hands (a party absent, a court, an expert opinion, the answer to a referral). Not once the
    deadline has passed: then only an extension or an escalation moves it."""
    require_action(actor, case, "pause")
    _pausable(case)
    reason = _require_note(reason, message=_("中止须说明原因。"))
    if case.paused_at is not None:
        raise ConflictError(_("本案已处于中止状态。"), code="conflict")
    now = timezone.now()
    if case.due_at is not None and case.due_at < now:
        raise DomainError(_("案件已超过办理期限,不能中止;请申请延期或升级处置。"), field="kind")
    if referral is not None and (referral.case_id != case.pk or not referral.is_open):
        raise DomainError(_("请选择本案尚未答复的移送。"), field="referral")
    pause = CasePause(
        case=case, kind=kind, reason=reason, referral=referral, started_at=now, started_by=actor
    )
    pause.full_clean(exclude=["case", "started_by"])
    if not DisputeCase.objects.filter(pk=case.pk, paused_at__isnull=True, status=case.status).update(
        paused_at=now, updated_at=now
    ):
        raise ConflictError(_("案件刚刚已被他人处理,请刷新页面后再操作。"), code="conflict")
    pause.save()
    case.paused_at = now
    note = f"{pause.get_kind_display()}:{reason}"
    if referral is not None:
        note += _("(答复后自动恢复:%(t)s)") % {"t": referral.target_name}
    _event(case, actor, "disputes.case.paused", note=note, changes={"paused_at": [None, now]})
    return pause


def _end_pause(case: DisputeCase, actor: User | None, *, note: str) -> CasePause:
    """End the open pause: its time is added to the deadline. A conditional update on the pause's
    start, so of two ends at once one wins."""
    pause = CasePause.objects.filter(case=case, ended_at__isnull=True).first()
    if case.paused_at is None or pause is None:
        raise CaseTransitionError(_("本案未处于中止状态。"), code="transition")
    now = timezone.now()
    old_due = case.due_at
    new_due = clock.resumed_due(old_due, case.paused_at, now) if old_due is not None else None
    seconds = case.paused_seconds + int(max(dt.timedelta(0), now - case.paused_at).total_seconds())
    if not DisputeCase.objects.filter(pk=case.pk, paused_at=case.paused_at).update(
        paused_at=None, paused_seconds=seconds, due_at=new_due, updated_at=now
    ):
        raise ConflictError(_("案件刚刚已被他人恢复办理,请刷新页面后再操作。"), code="conflict")
    CasePause.objects.filter(pk=pause.pk).update(ended_at=now, ended_by=actor, end_note=note)
    pause.ended_at, pause.ended_by, pause.end_note = now, actor, note
    changes = {"paused_at": [case.paused_at, None], "due_at": [old_due, new_due]}
    case.paused_at, case.paused_seconds, case.due_at = None, seconds, new_due
    _event(case, actor, "disputes.case.resumed", note=note, changes=changes)
    return pause


@transaction.atomic
def case_resume(*, actor: User, case: DisputeCase, note: str = "") -> CasePause:
    """恢复办理 by hand: the clock runs again, its deadline later by the paused time."""
    require_action(actor, case, "pause")
    return _end_pause(case, actor, note=(note or "").strip() or _("恢复办理"))


_EXTENSION_APPROVAL_CAPABILITIES = {
    Level.GRID: "case.approve_extension_grid",
    Level.VILLAGE: "case.approve_extension_village",
    Level.TOWNSHIP: "case.approve_extension_township",
    Level.COUNTY: "case.approve_extension_county",
}


def may_approve_extension(user: User | None, case: DisputeCase) -> bool:
    """Whether ``user``'s role may decide extensions of a case at the case's level: someone at
    the level above, or the county (the ``case.approve_extension_<level>`` rows of the table)."""
    return capabilities.may(user, _EXTENSION_APPROVAL_CAPABILITIES[Level(case.level)])


@transaction.atomic
def extension_request(*, actor: User, case: DisputeCase, days: int, reason: str) -> CaseExtension:
    """Ask for more time (延期), before the handling deadline passes; limited in count and length
    by ``DISPUTES["EXTENSION_MAX_COUNT"]`` / ``["EXTENSION_MAX_DAYS"]``."""
    require_action(actor, case, "request_extension")
    if not case.is_open or case.accepted_at is None:
        raise CaseTransitionError(_("只有已受理、尚未办结的案件才能申请延期。"), code="transition")
    reason = _require_note(reason, message=_("延期须说明理由。"))
    limit_days, limit_count = (
        settings.DISPUTES["EXTENSION_MAX_DAYS"],
        settings.DISPUTES["EXTENSION_MAX_COUNT"],
    )
    if not 1 <= int(days) <= limit_days:
        raise DomainError(_("延期天数须在1至%(n)d天之间。") % {"n": limit_days}, field="days")
    if case.extension_count >= limit_count:
        raise DomainError(
            _("本案已延期%(n)d次,达到上限,不能再申请延期;请升级处置。") % {"n": case.extension_count},
            field="days",
        )
    if case.due_at is not None and case.due_at < timezone.now() and case.paused_at is None:
        raise DomainError(_("案件已超过办理期限,不能再申请延期;请升级处置。"), field="days")
    if case.extensions.filter(status=CaseExtension.Status.PENDING).exists():
        raise DomainError(_("本案已有待审批的延期申请。"), field="days")
    extension = CaseExtension(case=case, days=int(days), reason=reason, requested_by=actor)
    extension.full_clean(exclude=["case", "requested_by"])
    try:
        with transaction.atomic():
            extension.save()
    except IntegrityError:
        raise ConflictError(_("本案已有待审批的延期申请。"), code="conflict") from None
    _event(
        case,
        actor,
        "disputes.case.extension_requested",
        note=_("申请延期%(d)d天:%(r)s") % {"d": extension.days, "r": reason},
    )
    approvers = [
        user
        for user in users_with_capability_over(
            _EXTENSION_APPROVAL_CAPABILITIES[Level(case.level)], case.village_id
        )
        if user.pk != actor.pk
    ]
    notify(
        recipients=approvers,
        message=Message(
            kind="case.extension_requested",
            target=f"caseextension-{extension.pk}",
            period="request",
            title=_("案件 %(n)s 申请延期%(d)d天,待您审批") % {"n": case.number, "d": extension.days},
            body=reason,
            url=f"/cases/{case.pk}/",
        ),
    )
    return extension


@transaction.atomic
def extension_decide(
    *, actor: User, extension: CaseExtension, approve: bool, note: str = ""
) -> CaseExtension:
    """Approve or refuse an extension: by someone at the level above the case's (or the county),
    never by the one who asked. Approved, the handling deadline moves by its days."""
    case = extension.case
    require_action(actor, case, "approve_extension")
    if not may_approve_extension(actor, case):
        raise NotPermitted(
            _("%(l)s级案件的延期须由上一级或县指挥中心审批。") % {"l": Level(case.level).label}
        )
    if extension.requested_by_id == actor.pk:
        raise NotPermitted(_("不能审批自己提出的延期申请。"))
    note = (note or "").strip()
    if not approve and not note:
        raise DomainError(_("不予批准须说明理由。"), field="note")
    if extension.status != CaseExtension.Status.PENDING:
        raise ConflictError(_("该延期申请已审批。"), code="conflict")
    now = timezone.now()
    status = CaseExtension.Status.APPROVED if approve else CaseExtension.Status.REFUSED
    values: dict[str, Any] = {"status": status, "decided_by": actor, "decided_at": now, "decision_note": note}
    old_due = case.due_at
    new_due = clock.extended_due(old_due, extension.days) if approve and old_due is not None else None
    if approve:
        if case.extension_count >= settings.DISPUTES["EXTENSION_MAX_COUNT"]:
            raise DomainError(_("本案延期次数已达上限。"), field="note")
        if not case.is_open:
            raise CaseTransitionError(_("案件已办结,无需延期。"), code="transition")
        values.update(old_due_at=old_due, new_due_at=new_due)
    if not CaseExtension.objects.filter(pk=extension.pk, status=CaseExtension.Status.PENDING).update(
        **values
    ):
        raise ConflictError(_("该延期申请刚刚已被他人审批。"), code="conflict")
    for key, value in values.items():
        setattr(extension, key, value)
    if approve:
        if not DisputeCase.objects.filter(pk=case.pk, due_at=old_due).update(
            due_at=new_due, extension_count=F("extension_count") + 1, updated_at=now
        ):
            raise ConflictError(_("案件的办理期限刚刚已变化,请刷新页面后再审批。"), code="conflict")
        case.due_at = new_due
        case.extension_count += 1
        _event(
            case,
            actor,
            "disputes.case.extension_approved",
            note=_("批准延期%(d)d天") % {"d": extension.days} + (f":{note}" if note else ""),
            changes={"due_at": [old_due, new_due]},
        )
    else:
        _event(
            case,
            actor,
            "disputes.case.extension_refused",
            note=_("不予批准延期%(d)d天:%(n)s") % {"d": extension.days, "n": note},
        )
    return extension


# --- Parties ------------------------------------------------------------------------------
@transaction.atomic
def party_add(*, actor: User, case: DisputeCase, **data: Any) -> Party:
    require_action(actor, case, "party")
    party = _build_party(case, data)
    party.save()
    _event(case, actor, "disputes.party.added", note=f"{party.get_role_display()}:{party.name}")
    recusal_recheck(case=case, actor=actor)
    if party.phone:  # a party's phone can bring 民转刑 (stored) and repeat incidents
        criminal_turns_refresh_cases(case_ids=[case.pk])
    _rescore(case)
    return party


@transaction.atomic
def party_update(*, actor: User, party: Party, data: dict[str, Any], note: str = "") -> Party:
    case = party.case
    require_action(actor, case, "party")
    unknown = set(data) - set(PARTY_FIELDS)
    if unknown:
        raise DomainError(_("不允许修改的字段:%(fields)s") % {"fields": ", ".join(sorted(unknown))})
    changes = {}
    for key, value in data.items():
        if key == "phone":
            value = normalize_phone(value or "")
        if key == "id_number":
            value = normalize_id_number(value or "")
        if getattr(party, key) != value:
            changes[f"party.{key}"] = [getattr(party, key), value]
            setattr(party, key, value)
    if changes:
        party.full_clean()
        save_changed(party)  # only the changed fields, from the version the editor saw (else 409)
        _event(case, actor, "disputes.party.updated", note=note or party.name, changes=changes)
        recusal_recheck(case=case, actor=actor)
        if "party.phone" in changes:
            criminal_turns_refresh_cases(case_ids=[case.pk])  # 民转刑, stored
        _rescore(case)
    return party


# --- Mediators ----------------------------------------------------------------------------
def mediator_conflicts(*, case: DisputeCase, mediator: Mediator) -> list[str]:
    """Why a mediator should step aside (回避): same family clan as a party, or a recorded
    relation to a party."""
    reasons = []
    parties = list(case.parties.all())
    clans = {p.clan.strip() for p in parties if p.clan.strip()}
    if mediator.clan and mediator.clan.strip() in clans:
        reasons.append(_("与当事人同属“%(clan)s”家支") % {"clan": mediator.clan})
    ids = {p.id_number for p in parties if p.id_number}
    names = {p.name for p in parties}
    for rel in mediator.relations.all():
        if (rel.id_number and rel.id_number in ids) or (not rel.id_number and rel.person_name in names):
            reasons.append(
                _("与当事人%(name)s存在利害关系(%(rel)s)") % {"name": rel.person_name, "rel": rel.relation}
            )
    return reasons


@transaction.atomic
def mediator_assign(*, actor: User, case: DisputeCase, mediator: Mediator, reason: str = "") -> CaseMediator:
    require_action(actor, case, "assign_mediator")
    if not case.is_open:
        raise CaseTransitionError(_("案件已办结,不能再指派调解员。"), code="transition")
    if not mediator.is_active:
        raise DomainError(_("%(name)s 已不在册,不能指派。") % {"name": mediator.name}, field="mediator")
    if not mediator_ids(actor).filter(pk=mediator.pk).exists():
        # every channel, not only the form's choices: a mediator the user may not see
        raise DomainError(_("%(name)s 不在您的辖区内,不能指派。") % {"name": mediator.name}, field="mediator")
    if case.mediator_assignments.filter(mediator=mediator, is_active=True).exists():
        raise DomainError(_("该调解员已在本案调解员名单中。"), field="mediator")
    conflicts = mediator_conflicts(case=case, mediator=mediator)
    reason = (reason or "").strip()
    if conflicts and not reason:
        raise DomainError(
            _("%(name)s 需要回避:%(why)s。如确需指派,请填写书面理由。")
            % {"name": mediator.name, "why": ";".join(conflicts)},
            field="reason",
            code="recusal",
        )
    assignment = CaseMediator.objects.create(
        case=case,
        mediator=mediator,
        assigned_by=actor,
        conflict_note=(";".join(conflicts) + ":" + reason) if conflicts else "",
    )
    note = str(mediator)
    if conflicts:
        note += _(" [回避事由:%(why)s;仍指派理由:%(reason)s]") % {
            "why": ";".join(conflicts),
            "reason": reason,
        }
    _event(
        case,
        actor,
        "disputes.mediator.assigned_despite_conflict" if conflicts else "disputes.mediator.assigned",
        note=note,
    )
    # the other mediators already on the case are checked again too (a relation recorded since)
    recusal_recheck(case=case, actor=actor)
    return assignment


def recusal_recheck(*, case: DisputeCase, actor: User | None) -> list[CaseMediator]:
    """Re-check every active mediator of the case against its parties (after a party is added
    or corrected): a reason to step aside not already written down at the assignment, nor
    confirmed since, flags the assignment, is a timeline event, and tells the case's responsible
    person (or the station's staff). Returns the assignments flagged now."""
    flagged = []
    now = timezone.now()
    for assignment in case.mediator_assignments.filter(is_active=True).select_related("mediator"):
        accepted = assignment.conflict_note + (
            assignment.conflict_found if assignment.conflict_resolved_at else ""
        )
        reasons = [
            r for r in mediator_conflicts(case=case, mediator=assignment.mediator) if r not in accepted
        ]
        found = ";".join(reasons)
        if not reasons or (assignment.has_open_conflict and assignment.conflict_found == found):
            continue
        CaseMediator.objects.filter(pk=assignment.pk).update(
            conflict_found=found,
            conflict_found_at=now,
            conflict_resolved_at=None,
            conflict_resolved_by=None,
            conflict_resolution="",
        )
        assignment.conflict_found, assignment.conflict_found_at = found, now
        assignment.conflict_resolved_at = None
        _event(
            case,
            actor,
            "disputes.mediator.conflict_found",
            note=_("%(name)s 需要回避:%(why)s") % {"name": assignment.mediator.name, "why": found},
        )
        flagged.append(assignment)
    if flagged:
        recipients = (
            [case.responsible]
            if case.responsible is not None
            else list(
                User.objects.filter(
                    officer__station_id=case.station_id, officer__is_active=True, is_active=True
                )
            )
        )
        for assignment in flagged:
            notify(
                recipients=recipients,
                message=Message(
                    kind="case.recusal",
                    target=f"casemediator-{assignment.pk}",
                    period=timezone.localtime(now).strftime("%Y%m%d%H%M%S"),
                    title=_("案件 %(n)s 的调解员 %(m)s 需要回避")
                    % {"n": case.number, "m": assignment.mediator.name},
                    body=assignment.conflict_found,
                    url=f"/cases/{case.pk}/",
                ),
            )
    return flagged


@transaction.atomic
def mediator_conflict_confirm(*, actor: User, assignment: CaseMediator, reason: str) -> CaseMediator:
    """Keep a mediator despite a conflict found after the assignment: a written reason, on the
    timeline. (The other way out is ``mediator_unassign``: replace the mediator.)"""
    require_action(actor, assignment.case, "assign_mediator")
    reason = _require_note(reason, message=_("仍由其调解须写明理由。"))
    if not assignment.has_open_conflict:
        raise ConflictError(_("该调解员没有待处理的回避事由。"), code="conflict")
    now = timezone.now()
    if not CaseMediator.objects.filter(pk=assignment.pk, conflict_resolved_at__isnull=True).update(
        conflict_resolved_at=now, conflict_resolved_by=actor, conflict_resolution=reason
    ):
        raise ConflictError(_("该回避事由刚刚已被他人处理。"), code="conflict")
    assignment.conflict_resolved_at, assignment.conflict_resolved_by = now, actor
    assignment.conflict_resolution = reason
    _event(
        assignment.case,
        actor,
        "disputes.mediator.conflict_confirmed",
        note=_("%(name)s 回避事由(%(why)s)已确认,仍由其调解:%(reason)s")
        % {"name": assignment.mediator.name, "why": assignment.conflict_found, "reason": reason},
    )
    return assignment


@transaction.atomic
def mediator_unassign(*, actor: User, assignment: CaseMediator, reason: str) -> CaseMediator:
    require_action(actor, assignment.case, "assign_mediator")
    reason = _require_note(reason)
    CaseMediator.objects.filter(pk=assignment.pk).update(is_active=False)
    assignment.is_active = False
    _event(assignment.case, actor, "disputes.mediator.removed", note=f"{assignment.mediator}:{reason}")
    return assignment


# --- Sessions and agreements --------------------------------------------------------------
_MEDIATION_READY = (Status.ACCEPTED, Status.REOPENED, Status.MEDIATION_FAILED)


def _ensure_in_mediation(case: DisputeCase, actor: User) -> None:
    if case.status in _MEDIATION_READY:
        _transition(case=case, actor=actor, to=Status.IN_MEDIATION, code="disputes.case.mediation_started")
    elif case.status != Status.IN_MEDIATION:
        raise CaseTransitionError(
            _("案件当前状态为“%(s)s”,不能进行调解。") % {"s": Status(case.status).label}, code="transition"
        )


@transaction.atomic
def session_record(
    *,
    actor: User,
    case: DisputeCase,
    held_at: dt.datetime,
    place: str,
    attendees: str,
    record: str,
    outcome: str = MediationSession.Outcome.CONTINUING,
) -> MediationSession:
    require_action(actor, case, "session")
    if held_at > timezone.now() + dt.timedelta(minutes=5):
        raise DomainError(_("调解时间不能晚于现在。"), field="held_at")
    session = MediationSession(
        case=case,
        held_at=held_at,
        place=place,
        attendees=attendees,
        record=record,
        outcome=outcome,
        recorded_by=actor,
    )
    session.full_clean()
    _ensure_in_mediation(case, actor)
    session.save()
    _event(
        case,
        actor,
        "disputes.session.recorded",
        note=f"{timezone.localtime(held_at):%Y-%m-%d %H:%M} {place}:{session.get_outcome_display()}",
    )
    if outcome == MediationSession.Outcome.FAILED:
        _transition(
            case=case,
            actor=actor,
            to=Status.MEDIATION_FAILED,
            code="disputes.case.mediation_failed",
            note=_("调解记录结果:调解未成"),
        )
    return session


AGREEMENT_FIELDS = (
    "form",
    "facts",
    "disputed_matters",
    "terms",
    "performance_method",
    "performance_place",
    "performance_deadline",
    "signed_on",
)


@transaction.atomic
def agreement_create(*, actor: User, case: DisputeCase, **data: Any) -> Agreement:
    """Record the 调解协议; the case moves to 达成协议."""
    require_action(actor, case, "agreement")
    unknown = set(data) - set(AGREEMENT_FIELDS)
    if unknown:
        raise DomainError(_("不允许的协议字段:%(f)s") % {"f": ", ".join(sorted(unknown))})
    agreement = Agreement(case=case, created_by=actor, **data)
    agreement.full_clean()
    if agreement.performance_deadline < agreement.signed_on:
        raise DomainError(_("履行期限不能早于签订日期。"), field="performance_deadline")
    if agreement.signed_on > timezone.localdate():
        raise DomainError(_("签订日期不能晚于今天。"), field="signed_on")
    if not case.parties.exists():
        raise DomainError(_("请先登记当事人,再制作调解协议。"))
    _ensure_in_mediation(case, actor)
    agreement.save()
    _transition(
        case=case,
        actor=actor,
        to=Status.AGREEMENT_REACHED,
        code="disputes.case.agreement_reached",
        note=_("%(form)s,履行期限 %(d)s")
        % {"form": agreement.get_form_display(), "d": agreement.performance_deadline},
    )
    return agreement


@transaction.atomic
def agreement_set_performance(*, actor: User, agreement: Agreement, status: str, note: str = "") -> Agreement:
    """Record how the agreement is being performed. Performed → the case is 协议已履行;
    breached → the case goes back to 调解未成 (and may be referred or escalated)."""
    case = agreement.case
    require_action(actor, case, "performance")
    if status not in Agreement.Performance.values:
        raise DomainError(_("履行情况无效。"), field="status")
    old = agreement.performance_status
    if old == status:
        # nothing to record, unless the writer saw an older version (If-Match): then it is a 409
        if not Agreement.objects.filter(pk=agreement.pk, version=agreement.version).exists():
            raise ConflictError(_("协议履行情况刚刚已被他人更新,请刷新后重试。"), code="conflict")
        return agreement
    if old in (Agreement.Performance.PERFORMED, Agreement.Performance.BREACHED):
        raise CaseTransitionError(
            _("协议履行情况已确定为“%(s)s”,如有变化请登记复发或新的协议。")
            % {"s": agreement.get_performance_status_display()},
            code="transition",
        )
    agreement.performance_status = status
    # from the state and version the actor saw: the second of two identical requests is a 409
    save_changed(
        agreement,
        fields=["performance_status"],
        message=_("协议履行情况刚刚已被他人更新,请刷新后重试。"),
        performance_status=old,
    )
    _event(
        case,
        actor,
        "disputes.agreement.performance",
        note=note,
        changes={"performance_status": [old, status]},
    )
    if status == Agreement.Performance.PERFORMED and case.status == Status.AGREEMENT_REACHED:
        _transition(case=case, actor=actor, to=Status.PERFORMED, code="disputes.case.performed", note=note)
    elif status == Agreement.Performance.BREACHED and case.status == Status.AGREEMENT_REACHED:
        _transition(
            case=case,
            actor=actor,
            to=Status.MEDIATION_FAILED,
            code="disputes.case.mediation_failed",
            note=_("协议未履行") + (f":{note}" if note else ""),
        )
    return agreement


# --- Referrals ----------------------------------------------------------------------------
@transaction.atomic
def referral_create(
    *,
    actor: User,
    case: DisputeCase,
    kind: str,
    target_name: str,
    reason: str,
    department: str = "",
    due_date: dt.date | None = None,
    agreement: Agreement | None = None,
) -> Referral:
    """公调对接 / 庭所对接 / 律师进所 / 部门移交. A court referral with an agreement is an
    application for judicial confirmation (司法确认) and leaves the case's status as it is;
    the others hand the case over (status 已移交)."""
    require_action(actor, case, "refer")
    today = timezone.localdate()
    due_date = due_date or today + dt.timedelta(days=settings.DISPUTES["REFERRAL_ANSWER_DAYS"])
    if due_date < today:
        raise DomainError(_("答复期限不能早于今天。"), field="due_date")
    if agreement is not None and agreement.case_id != case.pk:
        raise DomainError(_("所选协议不属于本案。"), field="agreement")
    confirmation = kind == Referral.Kind.COURT and agreement is not None
    if agreement is not None and confirmation and today > agreement.judicial_confirmation_deadline:
        raise DomainError(
            _("司法确认申请期限(协议生效后%(n)d日内,至%(d)s)已过。")
            % {
                "n": settings.DISPUTES["JUDICIAL_CONFIRMATION_DAYS"],
                "d": agreement.judicial_confirmation_deadline,
            },
            field="agreement",
        )
    referral = Referral(
        case=case,
        kind=kind,
        department=department if kind == Referral.Kind.DEPARTMENT else "",
        target_name=(target_name or "").strip(),
        reason=(reason or "").strip(),
        due_date=due_date,
        agreement=agreement,
        created_by=actor,
    )
    referral.full_clean()
    return referral_send(
        actor=actor,
        case=case,
        referral=referral,
        hand_over=not confirmation and case.status != Status.REFERRED,
    )


def referral_send(*, actor: User, case: DisputeCase, referral: Referral, hand_over: bool) -> Referral:
    """Save a checked referral (``referral_create``, a 交办 to a unit): the case moves to 已移交
    when the referral hands it over, and the timeline says where it went and by when."""
    if hand_over:
        _transition(
            case=case,
            actor=actor,
            to=Status.REFERRED,
            code="disputes.case.referred",
            note=f"{referral.get_kind_display()} → {referral.target_name}",
        )
    referral.save()
    _event(
        case,
        actor,
        "disputes.referral.sent",
        note=_("%(kind)s → %(target)s,答复期限 %(due)s:%(reason)s")
        % {
            "kind": referral.get_kind_display(),
            "target": referral.target_name,
            "due": referral.due_date,
            "reason": referral.reason,
        },
    )
    return referral


@transaction.atomic
def referral_update(*, actor: User, referral: Referral, status: str, answer: str = "") -> Referral:
    case = referral.case
    require_action(actor, case, "referral_update")
    old = referral.status
    if status not in Referral.TRANSITIONS.get(old, frozenset()):
        raise CaseTransitionError(
            _("移送状态为“%(old)s”,不能变更为“%(new)s”。")
            % {
                "old": Referral.Status(old).label,
                "new": Referral.Status(status).label if status in Referral.Status.values else status,
            },
            field="status",
            code="transition",
        )
    if status in (Referral.Status.ANSWERED, Referral.Status.DECLINED):
        answer = _require_note(answer, "answer", _("请填写对方的答复内容。"))
    now = timezone.now()
    values: dict[str, Any] = {"status": status}
    if answer:
        values.update(answer=answer, answered_at=now)
    for k, v in values.items():
        setattr(referral, k, v)
    save_changed(
        referral, fields=list(values), message=_("该移送刚刚已被他人更新,请刷新后重试。"), status=old
    )
    _event(
        case,
        actor,
        "disputes.referral.updated",
        note=f"{referral.target_name}:{answer}".rstrip(":"),
        changes={"referral.status": [old, status]},
    )
    awaited = CasePause.objects.filter(case=case, referral=referral, ended_at__isnull=True)
    if not referral.is_open and case.paused_at is not None and awaited.exists():
        # a pause that awaited this answer ends with it
        _end_pause(case, actor, note=_("移送已答复,自动恢复办理:%(t)s") % {"t": referral.target_name})
    return referral


# --- Follow-up visits ---------------------------------------------------------------------
@transaction.atomic
def follow_up_record(
    *,
    actor: User,
    case: DisputeCase,
    result: str,
    satisfaction: str,
    note: str = "",
    follow_up: FollowUp | None = None,
    visited_at: dt.datetime | None = None,
) -> FollowUp:
    """Record a 回访. A planned visit is filled in (or an extra one added); a recurring result
    re-opens the case."""
    require_action(actor, case, "follow_up")
    if case.status != Status.CLOSED:
        raise CaseTransitionError(_("只有已办结的案件才能回访。"), code="transition")
    visited_at = visited_at or timezone.now()
    check_not_future(visited_at, field="visited_at")
    if case.closed_at is not None and visited_at < case.closed_at:
        raise DomainError(_("回访时间不能早于案件办结时间。"), field="visited_at")
    if follow_up is None:
        follow_up = case.follow_ups.filter(visited_at__isnull=True, is_cancelled=False).order_by(
            "due_date"
        ).first() or FollowUp(case=case, due_date=timezone.localdate(visited_at))
    elif follow_up.case_id != case.pk:
        raise DomainError(_("回访计划不属于本案。"))
    if follow_up.visited_at is not None:
        raise ConflictError(_("该次回访已登记。"), code="conflict")
    follow_up.visited_at, follow_up.visitor = visited_at, actor
    follow_up.result, follow_up.satisfaction, follow_up.note = result, satisfaction, (note or "").strip()
    follow_up.full_clean()
    if follow_up._state.adding:
        follow_up.save()
    else:  # a planned visit, filled in once: from the version the page showed (else 409)
        save_changed(
            follow_up,
            message=_("该次回访刚刚已被他人登记或修改,请刷新后再操作"),
            visited_at__isnull=True,
        )
    _event(
        case,
        actor,
        "disputes.followup.recorded",
        note=f"{follow_up.get_result_display()},{follow_up.get_satisfaction_display()}"
        + (f":{follow_up.note}" if follow_up.note else ""),
    )
    if result == FollowUp.Result.RECURRING:
        case_reopen(actor=actor, case=case, reason=_("回访发现复发:%(n)s") % {"n": follow_up.note or "-"})
    return follow_up


# --- Risk ---------------------------------------------------------------------------------
def case_assess_risk(*, actor: User, case: DisputeCase) -> RiskAssessment:
    """Score one case now (the on-demand counterpart of the nightly run)."""
    require_action(actor, case, "assess_risk")
    if not case.is_open:
        raise CaseTransitionError(_("案件已办结,无需评估风险。"), code="transition")
    return assess_case(case=case)


# --- Mediators' recorded relations (回避) -------------------------------------------------
@transaction.atomic
def mediator_relation_add(
    *, actor: User, mediator: Mediator, person_name: str, relation: str, id_number: str = ""
) -> MediatorRelation:
    """Record that a mediator is related to a person (kin, in-law, employer…): from then on the
    mediator is flagged, and never suggested, for that person's cases (matched by ID number, or
    by name when no ID number is given)."""
    if not capabilities.may(actor, "mediator_relation.record"):
        raise NotPermitted(_("只有派出所民警、县指挥中心或系统管理员可以登记利害关系。"))
    if not mediator_ids(actor).filter(pk=mediator.pk).exists():
        raise DomainError(_("该调解员不在您的辖区内。"), field="mediator", code="not_found")
    rel = MediatorRelation(
        mediator=mediator,
        person_name=(person_name or "").strip(),
        id_number=normalize_id_number(id_number or ""),
        relation=(relation or "").strip(),
    )
    rel.full_clean()
    if MediatorRelation.objects.filter(
        mediator=mediator, person_name=rel.person_name, id_number=rel.id_number
    ).exists():
        raise DomainError(_("该利害关系已登记。"), field="person_name")
    rel.save()
    # the open cases the mediator is already on are checked again at once
    for assignment in CaseMediator.objects.filter(
        mediator=mediator, is_active=True, case__status__in=OPEN_STATUSES
    ).select_related("case"):
        recusal_recheck(case=assignment.case, actor=actor)
    return rel
