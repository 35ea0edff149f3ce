"""Every write of the tiers. Each is keyword-only, runs in one transaction, checks scope and
capability (``disputes.services.require_action`` for a case in the actor's scope), moves state
with a conditional update, writes the case's timeline event and the notices it owes in the same
transaction (a notice is a row: it commits with the change or not at all)."""

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ConflictError, DomainError, NotFound, NotPermitted
from core.notifications import Message, notify
from governance import capabilities, scoping
from governance.models import Region, User
from governance.roles import LiaisonUnit, Role
from stations.models import Station
from stations.selectors import station_for_village

from .. import services as case_services
from ..incidents.turns import criminal_turns_refresh_cases
from ..models import OPEN_STATUSES, DisputeCase, Level, Party, Referral, Status
from . import rules
from .models import (
    CaseMerge,
    CaseTransfer,
    Evaluation,
    HandOn,
    LinkedReport,
    ReferralRuling,
    Supervision,
    SupervisionReply,
)
from .people import level_handlers, station_staff, township_staff, unit_liaisons
from .selectors import liaison_referral_ids

_event = case_services._event
require_action = case_services.require_action


def _tiers(key: str) -> int:
    return int(settings.TIERS[key])


def _text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(message, field=field)
    return value


def _open(case: DisputeCase) -> None:
    if case.status not in OPEN_STATUSES:
        raise case_services.CaseTransitionError(_("案件已办结或不予受理,不能进行此操作。"), code="transition")


def _bump(case: DisputeCase, **values: Any) -> None:
    """Change the case from the version the service loaded: a conflict if someone wrote since."""
    now = timezone.now()
    if not DisputeCase.objects.filter(pk=case.pk, version=case.version, status=case.status).update(
        **values, updated_at=now, version=F("version") + 1
    ):
        raise ConflictError(_("案件已被他人修改,请刷新后再操作"), code="conflict")
    for key, value in values.items():
        setattr(case, key, value)
    case.updated_at = now
    case.version += 1


# --- Who to tell ----------------------------------------------------------------------------
def receivers(hand_on: HandOn) -> list[User]:
    if hand_on.target == HandOn.Target.STATION and hand_on.to_station_id is not None:
        return list(station_staff(hand_on.to_station_id))
    if hand_on.target == HandOn.Target.TOWNSHIP:
        return list(township_staff(hand_on.to_township_id))
    return list(unit_liaisons(hand_on.to_unit))


def handlers(case: DisputeCase) -> list[User]:
    """Who handles the case now: its responsible person, and the unit of its level (the county
    for county-level cases, the township 综治中心 for township-level ones, else the station)."""
    people: list[User] = [case.responsible] if case.responsible_id else []  # type: ignore[list-item]
    return people + list(level_handlers(case))


def _message(kind: str, case: DisputeCase, target: str, title: str, body: str = "") -> Message:
    return Message(kind=kind, target=target, period="", title=title, body=body, url=f"/cases/{case.pk}/")


# --- 接手 ---------------------------------------------------------------------------------
@transaction.atomic
def case_take_over(*, actor: User, case: DisputeCase, note: str = "") -> DisputeCase:
    """接手: a township or county handler becomes responsible for a case escalated to its level
    after it was accepted below (a case still 待受理 is accepted instead)."""
    require_action(actor, case, "take_over")
    _open(case)
    if case.level not in rules.HANDLED_LEVELS:
        raise NotPermitted(_("只有升级到乡镇或县级的案件需要接手。"))
    if case.status == Status.REPORTED:
        raise case_services.CaseTransitionError(_("案件尚未受理,请直接受理。"), code="transition")
    if case.responsible_id == actor.pk:
        raise ConflictError(_("您已是本案的承办人。"), code="conflict")
    old = case.responsible
    _bump(case, responsible=actor)
    _event(
        case,
        actor,
        "disputes.case.taken_over",
        note=(note or "").strip(),
        changes={"responsible": [old, actor]},
    )
    # taking it on is also the 签收 of a 交办 to the actor's unit still waiting for one
    for hand_on in HandOn.objects.filter(case=case, status=HandOn.Status.PENDING).select_related(
        "created_by", "case__village"
    ):
        if rules.is_receiver(actor, hand_on):
            hand_on_acknowledge(actor=actor, hand_on=hand_on)
    return case


# --- 交办 / 签收 ------------------------------------------------------------------------------
LEVEL_OF_TARGET = {HandOn.Target.STATION: Level.VILLAGE, HandOn.Target.TOWNSHIP: Level.TOWNSHIP}


@transaction.atomic
def hand_on_create(
    *,
    actor: User,
    case: DisputeCase,
    target: str,
    instructions: str,
    deadline: dt.datetime,
    to_unit: str = "",
) -> HandOn:
    """交办: the county hands a case on to the station of its village, its township's 综治中心 or a
    department; a township 综治中心 hands its township-level cases on to the station or a
    department. The case's level becomes the receiver's (a station: village; a township:
    township); the receiver must acknowledge within ``TIERS["ACK_HOURS"]``."""
    require_action(actor, case, "hand_on")
    # one hand-on at a time per case: two at once wait for each other here (the second supersedes
    # the first) instead of both inserting a pending one (the unique constraint, a 500)
    DisputeCase.objects.select_for_update().filter(pk=case.pk).exists()
    _open(case)
    role = capabilities.role_of(actor)
    if role == Role.TOWNSHIP and case.level != Level.TOWNSHIP:
        raise NotPermitted(_("乡镇综治中心只能交办乡镇级案件。"))
    if target not in HandOn.Target.values:
        raise DomainError(_("请选择承办单位。"), field="target")
    if role == Role.TOWNSHIP and target == HandOn.Target.TOWNSHIP:
        raise DomainError(_("乡镇综治中心可交办给派出所或部门。"), field="target")
    instructions = _text(instructions, "instructions", _("请填写交办要求。"))
    now = timezone.now()
    if deadline is None or deadline <= now:
        raise DomainError(_("办理期限须晚于现在。"), field="deadline")
    hand_on = HandOn(
        case=case,
        target=target,
        instructions=instructions,
        deadline=deadline,
        ack_due_at=now + dt.timedelta(hours=_tiers("ACK_HOURS")),
        from_level=case.level,
        created_by=actor,
        created_at=now,
    )
    if target == HandOn.Target.STATION:
        hand_on.to_station = case.station
    elif target == HandOn.Target.TOWNSHIP:
        hand_on.to_township = case.village.parent
    else:
        if to_unit not in LiaisonUnit.values:
            raise DomainError(_("请选择承办部门。"), field="to_unit")
        hand_on.to_unit = to_unit
    hand_on.full_clean(exclude=["case", "created_by", "to_station", "to_township"])
    # a pending hand-on is replaced: one receiver at a time
    HandOn.objects.filter(case=case, status=HandOn.Status.PENDING).update(status=HandOn.Status.SUPERSEDED)
    hand_on.save()
    new_level = LEVEL_OF_TARGET.get(HandOn.Target(target), case.level)
    changes: dict[str, Any] = {}
    if new_level != case.level:
        changes["level"] = [case.level, new_level]
        _bump(case, level=new_level)
    if hand_on.target == HandOn.Target.DEPARTMENT:
        _refer_to_unit(actor, case, hand_on)
    _event(
        case,
        actor,
        "disputes.case.handed_on",
        note=_("交办%(to)s,%(d)s前办结,%(a)s前签收:%(i)s")
        % {
            "to": hand_on.receiver_label,
            "d": timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M"),
            "a": timezone.localtime(hand_on.ack_due_at).strftime("%Y-%m-%d %H:%M"),
            "i": instructions,
        },
        changes=changes,
    )
    notify(
        recipients=receivers(hand_on),
        message=_message(
            "case.handed_on",
            case,
            f"handon-{hand_on.pk}",
            _("交办:案件 %(n)s 请签收") % {"n": case.number},
            instructions,
        ),
    )
    return hand_on


# the referral a hand-on to a unit opens: the kind of 对接 each liaison unit answers
UNIT_KIND = {
    LiaisonUnit.JUDICIAL: Referral.Kind.PEOPLE_MEDIATION,
    LiaisonUnit.COURT: Referral.Kind.COURT,
    LiaisonUnit.LAWYER: Referral.Kind.LAWYER,
}


def _refer_to_unit(actor: User, case: DisputeCase, hand_on: HandOn) -> Referral:
    """交办 to a department or court is a referral its liaison answers (``liaison_referral_*``):
    the hand-on's instructions and deadline go with it; an accepted case is 已移送 (a case not
    yet accepted keeps its status: the unit's answer comes back to whoever accepts it)."""
    unit = LiaisonUnit(hand_on.to_unit)
    kind = UNIT_KIND.get(unit, Referral.Kind.DEPARTMENT)
    referral = Referral(
        case=case,
        kind=kind,
        department=unit.value if kind == Referral.Kind.DEPARTMENT else "",
        target_name=str(unit.label)[:64],
        reason=hand_on.instructions,
        due_date=timezone.localtime(hand_on.deadline).date(),
        created_by=actor,
    )
    referral.full_clean(exclude=["case", "created_by"])
    # a case not yet accepted keeps its status (it cannot move to 已移交 from 待受理)
    hand_over = Status.REFERRED in case_services.TRANSITIONS.get(case.status, frozenset())
    return case_services.referral_send(actor=actor, case=case, referral=referral, hand_over=hand_over)


@transaction.atomic
def hand_on_acknowledge(*, actor: User, hand_on: HandOn, note: str = "") -> HandOn:
    """签收: the receiving unit takes the case on; a station's or township's officer becomes the
    case's responsible person."""
    if not capabilities.may(actor, "case.acknowledge"):
        raise NotPermitted()
    if not rules.is_receiver(actor, hand_on):
        raise NotFound()
    now = timezone.now()
    if not HandOn.objects.filter(pk=hand_on.pk, status=HandOn.Status.PENDING).update(
        status=HandOn.Status.ACKNOWLEDGED, acknowledged_by=actor, acknowledged_at=now
    ):
        raise ConflictError(_("该交办已签收或已改交。"), code="conflict")
    hand_on.status, hand_on.acknowledged_by, hand_on.acknowledged_at = HandOn.Status.ACKNOWLEDGED, actor, now
    case = DisputeCase.objects.select_related("village", "responsible").get(pk=hand_on.case_id)
    changes: dict[str, Any] = {}
    if hand_on.target != HandOn.Target.DEPARTMENT and case.responsible_id != actor.pk:
        changes["responsible"] = [case.responsible, actor]
        DisputeCase.objects.filter(pk=case.pk).update(
            responsible=actor, updated_at=now, version=F("version") + 1
        )
    _event(
        case,
        actor,
        "disputes.case.hand_on_acknowledged",
        note=_("%(to)s签收") % {"to": hand_on.receiver_label} + (f":{note.strip()}" if note.strip() else ""),
        changes=changes,
    )
    notify(
        recipients=[hand_on.created_by],
        message=_message(
            "case.hand_on_acknowledged",
            case,
            f"handon-{hand_on.pk}",
            _("案件 %(n)s 的交办已签收") % {"n": case.number},
        ),
    )
    return hand_on


# --- 督办 / 反馈 ------------------------------------------------------------------------------
@transaction.atomic
def supervision_open(*, actor: User, case: DisputeCase, reason: str, reply_by: dt.datetime) -> Supervision:
    """督办: a unit above the case's level asks its handler for progress by ``reply_by``."""
    require_action(actor, case, "supervise")
    _open(case)
    if capabilities.role_of(actor) == Role.TOWNSHIP and case.level not in (Level.GRID, Level.VILLAGE):
        raise NotPermitted(_("乡镇综治中心督办本乡镇村(社区)、网格级案件。"))
    reason = _text(reason, "reason", _("请填写督办事由。"))
    now = timezone.now()
    if reply_by is None or reply_by <= now:
        raise DomainError(_("反馈期限须晚于现在。"), field="reply_by")
    supervision = Supervision.objects.create(case=case, reason=reason, reply_by=reply_by, opened_by=actor)
    _event(
        case,
        actor,
        "disputes.case.supervised",
        note=_("督办,%(d)s前反馈:%(r)s")
        % {"d": timezone.localtime(reply_by).strftime("%Y-%m-%d %H:%M"), "r": reason},
    )
    notify(
        recipients=handlers(case),
        message=_message(
            "case.supervised",
            case,
            f"supervision-{supervision.pk}",
            _("督办:案件 %(n)s 请按期反馈") % {"n": case.number},
            reason,
        ),
    )
    return supervision


@transaction.atomic
def supervision_reply(*, actor: User, supervision: Supervision, text: str) -> SupervisionReply:
    """反馈: the handler answers the supervision with the progress so far."""
    case = DisputeCase.objects.select_related("village").get(pk=supervision.case_id)
    require_action(actor, case, "supervision_reply")
    if not supervision.is_open:
        raise ConflictError(_("该督办已结束。"), code="conflict")
    text = _text(text, "text", _("请填写反馈内容。"))
    reply = SupervisionReply.objects.create(supervision=supervision, text=text, author=actor)
    Supervision.objects.filter(pk=supervision.pk).update(replied_at=reply.created_at)
    supervision.replied_at = reply.created_at
    _event(case, actor, "disputes.case.supervision_replied", note=text)
    notify(
        recipients=[supervision.opened_by],
        message=_message(
            "case.supervision_replied",
            case,
            f"supervision-reply-{reply.pk}",
            _("案件 %(n)s 已反馈督办") % {"n": case.number},
            text,
        ),
    )
    return reply


@transaction.atomic
def supervision_close(*, actor: User, supervision: Supervision, note: str = "") -> Supervision:
    """The supervisor (or an administrator) ends the supervision."""
    case = DisputeCase.objects.get(pk=supervision.case_id)
    require_action(actor, case, "supervise")
    if supervision.opened_by_id != actor.pk and capabilities.role_of(actor) != Role.ADMIN:
        raise NotPermitted(_("督办由发起督办的单位结束。"))
    now = timezone.now()
    if not Supervision.objects.filter(pk=supervision.pk, status=Supervision.Status.OPEN).update(
        status=Supervision.Status.CLOSED, closed_by=actor, closed_at=now, close_note=(note or "").strip()
    ):
        raise ConflictError(_("该督办已结束。"), code="conflict")
    supervision.status, supervision.closed_at = Supervision.Status.CLOSED, now
    _event(case, actor, "disputes.case.supervision_closed", note=(note or "").strip())
    return supervision


# --- 评价 ---------------------------------------------------------------------------------
@transaction.atomic
def evaluation_record(*, actor: User, case: DisputeCase, rating: str, note: str = "") -> Evaluation:
    """评价 of a closed case: by the county, or by the township 综治中心 that handed it on."""
    require_action(actor, case, "evaluate")
    if case.status != Status.CLOSED:
        raise case_services.CaseTransitionError(_("案件办结后才能评价。"), code="transition")
    if (
        capabilities.role_of(actor) == Role.TOWNSHIP
        and not HandOn.objects.filter(
            case=case, created_by__role=Role.TOWNSHIP, created_by__township_id=actor.township_id
        ).exists()
    ):
        raise NotPermitted(_("由交办单位或县指挥中心评价。"))
    if rating not in Evaluation.Rating.values:
        raise DomainError(_("请选择评价。"), field="rating")
    evaluation = Evaluation(case=case, rating=rating, note=(note or "").strip(), evaluator=actor)
    try:
        with transaction.atomic():
            evaluation.save()
    except IntegrityError:
        raise ConflictError(_("本案已评价。"), code="conflict") from None
    _event(
        case,
        actor,
        "disputes.case.evaluated",
        note=evaluation.get_rating_display() + (f":{evaluation.note}" if evaluation.note else ""),
    )
    return evaluation


# --- 移交 ---------------------------------------------------------------------------------
@transaction.atomic
def transfer_request(*, actor: User, case: DisputeCase, to_village: Region, reason: str) -> CaseTransfer:
    """移交: the case belongs to another village (and perhaps another station); it moves when the
    receiving station accepts it."""
    require_action(actor, case, "transfer")
    _open(case)
    reason = _text(reason, "reason", _("请填写移交理由。"))
    if not to_village.is_village_level:
        raise DomainError(_("请选择村或社区。"), field="to_village")
    if to_village.pk == case.village_id:
        raise DomainError(_("案件已在该村(社区)。"), field="to_village")
    station = station_for_village(to_village.pk)
    if station is None:
        raise DomainError(
            _("%(name)s 尚未划入任何派出所辖区。") % {"name": to_village.name}, field="to_village"
        )
    transfer = CaseTransfer(
        case=case,
        from_village_id=case.village_id,
        from_station_id=case.station_id,
        to_village=to_village,
        to_station=station,
        reason=reason,
        requested_by=actor,
    )
    try:
        with transaction.atomic():
            transfer.save()
    except IntegrityError:
        raise ConflictError(_("本案已有待接收的移交。"), code="conflict") from None
    _event(
        case,
        actor,
        "disputes.case.transfer_requested",
        note=_("移交%(v)s(%(s)s):%(r)s") % {"v": to_village.name, "s": station.name, "r": reason},
    )
    notify(
        recipients=list(station_staff(station.pk)),
        message=_message(
            "case.transfer",
            case,
            f"transfer-{transfer.pk}",
            _("移交:案件 %(n)s 请接收或退回") % {"n": case.number},
            reason,
        ),
    )
    return transfer


def _may_decide_transfer(actor: User, transfer: CaseTransfer) -> bool:
    return (
        capabilities.may(actor, "case.transfer_decide")
        and scoping.village_ids(actor).filter(pk=transfer.to_village_id).exists()
    )


@transaction.atomic
def transfer_decide(*, actor: User, transfer: CaseTransfer, accept: bool, note: str = "") -> CaseTransfer:
    """The receiving station accepts (the case's village and station change, its grid and
    responsible person are cleared) or sends it back with a reason."""
    if not capabilities.may(actor, "case.transfer_decide"):
        raise NotPermitted()
    if not _may_decide_transfer(actor, transfer):
        raise NotFound()
    note = (note or "").strip()
    if not accept and not note:
        raise DomainError(_("退回须说明理由。"), field="note")
    case = DisputeCase.objects.select_related("village", "station", "responsible").get(pk=transfer.case_id)
    now = timezone.now()
    status = CaseTransfer.Status.ACCEPTED if accept else CaseTransfer.Status.RETURNED
    if not CaseTransfer.objects.filter(pk=transfer.pk, status=CaseTransfer.Status.PENDING).update(
        status=status, decided_by=actor, decided_at=now, decision_note=note
    ):
        raise ConflictError(_("该移交已处理。"), code="conflict")
    transfer.status, transfer.decided_by, transfer.decided_at, transfer.decision_note = (
        status,
        actor,
        now,
        note,
    )
    if accept:
        _open(case)
        station = Station.objects.get(pk=transfer.to_station_id)
        changes = {
            "village": [case.village, transfer.to_village],
            "station": [case.station, station],
            "responsible": [case.responsible, actor],
        }
        _bump(case, village=transfer.to_village, station=station, grid=None, responsible=actor)
        _event(case, actor, "disputes.case.transferred", note=note, changes=changes)
        criminal_turns_refresh_cases(case_ids=[case.pk])  # 民转刑, stored: its place moved
    else:
        _event(case, actor, "disputes.case.transfer_returned", note=note)
    notify(
        recipients=[transfer.requested_by],
        message=_message(
            "case.transfer_decided",
            case,
            f"transfer-{transfer.pk}",
            (_("案件 %(n)s 的移交已接收") if accept else _("案件 %(n)s 的移交被退回")) % {"n": case.number},
            note,
        ),
    )
    return transfer


# --- Duplicates ---------------------------------------------------------------------------
@transaction.atomic
def report_link(
    *,
    actor: User,
    case: DisputeCase,
    source: str,
    summary: str,
    contact_name: str = "",
    contact_phone: str = "",
    incident_id: int | None = None,
    client_key: uuid.UUID | None = None,
) -> LinkedReport:
    """A second report of an open dispute is linked to its case instead of opening a new one.
    With the phone's ``client_key``, a resend of the same submission returns the first link
    (one row, one timeline event), even when two resends race (the unique constraint)."""
    if client_key is not None and (first := linked_report_for_key(actor, client_key)) is not None:
        return first
    require_action(actor, case, "link_duplicate")
    _open(case)
    summary = _text(summary, "summary", _("请填写上报内容。"))
    try:
        with transaction.atomic():
            report = LinkedReport.objects.create(
                case=case,
                source=source,
                summary=summary,
                contact_name=(contact_name or "").strip()[:64],
                contact_phone=(contact_phone or "").strip()[:20],
                incident_id=incident_id,
                reported_by=actor,
                client_key=client_key,
            )
            _event(case, actor, "disputes.case.report_linked", note=summary)
    except IntegrityError:
        if client_key is None or (first := linked_report_for_key(actor, client_key)) is None:
            raise
        return first  # the other resend won
    return report


def linked_report_for_key(actor: User, client_key: uuid.UUID) -> LinkedReport | None:
    """The link an earlier send of this phone submission made, if any."""
    return (
        LinkedReport.objects.filter(reported_by=actor, client_key=client_key).select_related("case").first()
    )


@transaction.atomic
def case_merge(*, actor: User, keep: DisputeCase, absorb: DisputeCase, reason: str) -> CaseMerge:
    """Merge two open cases about one dispute: ``absorb`` closes as 合并; its parties are copied
    to ``keep`` (unless already there), both timelines say so, nothing is deleted."""
    require_action(actor, keep, "merge")
    require_action(actor, absorb, "merge")
    if keep.pk == absorb.pk:
        raise DomainError(_("不能与本案合并。"), field="absorb")
    _open(keep)
    _open(absorb)
    reason = _text(reason, "reason", _("请填写合并理由。"))
    now = timezone.now()
    old_status = absorb.status
    if not DisputeCase.objects.filter(pk=absorb.pk, status=old_status, version=absorb.version).update(
        status=Status.MERGED, closed_at=now, updated_at=now, version=F("version") + 1
    ):
        raise ConflictError(_("案件已被他人修改,请刷新后再操作"), code="conflict")
    absorb.status, absorb.closed_at = Status.MERGED, now
    merge = CaseMerge.objects.create(absorbed=absorb, into=keep, reason=reason, merged_by=actor)
    existing = {(p.name, p.id_number, p.phone) for p in Party.objects.filter(case=keep)}
    copies = [
        Party(case=keep, **{f: getattr(p, f) for f in case_services.PARTY_FIELDS})
        for p in Party.objects.filter(case=absorb).order_by("pk")
        if (p.name, p.id_number, p.phone) not in existing
    ]
    Party.objects.bulk_create(copies)
    _event(
        absorb,
        actor,
        "disputes.case.merged_into",
        note=_("并入案件 %(n)s:%(r)s") % {"n": keep.number, "r": reason},
        changes={"status": [old_status, Status.MERGED]},
    )
    _event(
        keep,
        actor,
        "disputes.case.merged",
        note=_("合并案件 %(n)s(当事人%(p)d人并入):%(r)s")
        % {"n": absorb.number, "p": len(copies), "r": reason},
    )
    return merge


# --- Liaisons answer referrals ------------------------------------------------------------
@transaction.atomic
def liaison_referral_update(
    *,
    actor: User,
    referral: Referral,
    status: str,
    answer: str = "",
    ruling_outcome: str = "",
    ruling_number: str = "",
    ruled_on: dt.date | None = None,
) -> Referral:
    """A department's or court's liaison accepts, declines or answers a referral sent to their
    unit; a court records its judicial-confirmation ruling with the answer. The case's handler is
    told; a pause awaiting this referral ends with the answer."""
    if not capabilities.may(actor, "referral.answer"):
        raise NotPermitted()
    if not liaison_referral_ids(actor).filter(pk=referral.pk).exists():
        raise NotFound()
    old = referral.status
    if status not in Referral.TRANSITIONS.get(old, frozenset()):
        raise case_services.CaseTransitionError(
            _("移送状态为“%(old)s”,不能变更为“%(new)s”。")
            % {
                "old": Referral.Status(old).label,
                "new": Referral.Status(status).label if status in Referral.Status.values else status,
            },
            field="status",
            code="transition",
        )
    closing = status in (Referral.Status.ANSWERED, Referral.Status.DECLINED)
    if closing:
        answer = _text(answer, "answer", _("请填写答复内容。"))
    ruling = None
    if ruling_outcome:
        if referral.kind != Referral.Kind.COURT or status != Referral.Status.ANSWERED:
            raise DomainError(_("只有法院答复司法确认申请时登记裁定。"), field="ruling_outcome")
        if ruling_outcome not in ReferralRuling.Outcome.values:
            raise DomainError(_("请选择裁定结果。"), field="ruling_outcome")
        ruling = ReferralRuling(
            referral=referral,
            outcome=ruling_outcome,
            ruling_number=_text(ruling_number, "ruling_number", _("请填写裁定书文号。")),
            ruled_on=ruled_on or timezone.localdate(),
            recorded_by=actor,
        )
        ruling.full_clean(exclude=["referral", "recorded_by"])
    now = timezone.now()
    values: dict[str, Any] = {"status": status}
    if answer:
        values.update(answer=answer, answered_at=now)
    if not Referral.objects.filter(pk=referral.pk, status=old).update(**values):
        raise ConflictError(_("该移送刚刚已被他人更新,请刷新后重试。"), code="conflict")
    for key, value in values.items():
        setattr(referral, key, value)
    if ruling is not None:
        ruling.save()
    case = DisputeCase.objects.select_related("village", "responsible").get(pk=referral.case_id)
    note = f"{referral.target_name}:{answer}".rstrip(":")
    if ruling is not None:
        note += " · " + _("%(o)s(%(n)s)") % {"o": ruling.get_outcome_display(), "n": ruling.ruling_number}
    _event(
        case,
        actor,
        "disputes.referral.answered_by_unit",
        note=note,
        changes={"referral.status": [old, status]},
    )
    if old == Referral.Status.SENT:
        # the unit's first answer (accepted, declined or answered) is its 签收 of the 交办 that
        # sent the referral: the liaison has no case page to acknowledge it on
        for hand_on in HandOn.objects.filter(
            case_id=referral.case_id,
            status=HandOn.Status.PENDING,
            target=HandOn.Target.DEPARTMENT,
            to_unit=actor.liaison_unit or "",
        ).select_related("created_by", "case__village"):
            if rules.is_receiver(actor, hand_on):
                hand_on_acknowledge(actor=actor, hand_on=hand_on)
    if (
        closing
        and case.paused_at is not None
        and case.pauses.filter(referral=referral, ended_at__isnull=True).exists()
    ):
        case_services._end_pause(
            case, actor, note=_("移送已答复,自动恢复办理:%(t)s") % {"t": referral.target_name}
        )
    notify(
        recipients=handlers(case),
        message=_message(
            "case.referral_answered",
            case,
            f"referral-{referral.pk}-{status}",
            _("案件 %(n)s 的移送:%(s)s") % {"n": case.number, "s": Referral.Status(status).label},
            answer,
        ),
    )
    return referral
