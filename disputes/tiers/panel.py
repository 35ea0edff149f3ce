"""The tiers' actions on the case page: which forms a user sees (exactly those the services
would accept), and the records the page shows (hand-ons, supervisions, evaluation, transfers,
linked reports). ``disputes.views.CaseDetailView`` adds ``panel_context`` to its context; the
POSTs go to ``disputes.tiers.views.TierActionView``."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy

from governance import capabilities, scoping
from governance.models import User
from governance.roles import Role

from ..models import DisputeCase, Level, Status
from . import forms, rules, selectors, services
from .models import CaseTransfer, Evaluation, HandOn, LinkedReport, Supervision

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _d(form) -> dict[str, Any]:
    return form.cleaned_data


@dataclass(frozen=True)
class TierAction:
    key: str
    perm: str  # case.<perm> (or the level a tier handles: rules.may_act)
    form_class: type
    label: "StrOrPromise"
    done: "StrOrPromise"
    run: Callable[[User, DisputeCase, Any], Any]
    available: Callable[[User, DisputeCase], bool]
    on_read_only: bool = False  # offered on a case the user may only read (a transfer to accept)


def _pending_hand_ons(case: DisputeCase) -> list[HandOn]:
    return [h for h in case.hand_on_list if h.status == HandOn.Status.PENDING]


def _open_supervisions(case: DisputeCase) -> list[Supervision]:
    return [s for s in case.supervision_list if s.is_open]


def _pending_transfer(case: DisputeCase) -> CaseTransfer | None:
    return next((t for t in case.transfer_list if t.status == CaseTransfer.Status.PENDING), None)


def _may_hand_on(user: User, case: DisputeCase) -> bool:
    return case.is_open and (capabilities.role_of(user) != Role.TOWNSHIP or case.level == Level.TOWNSHIP)


def _may_supervise(user: User, case: DisputeCase) -> bool:
    return case.is_open and (
        capabilities.role_of(user) != Role.TOWNSHIP or case.level in (Level.GRID, Level.VILLAGE)
    )


def _may_decide_transfer(user: User, case: DisputeCase) -> bool:
    transfer = _pending_transfer(case)
    return transfer is not None and scoping.village_ids(user).filter(pk=transfer.to_village_id).exists()


TIER_ACTIONS: dict[str, TierAction] = {
    a.key: a
    for a in [
        TierAction(
            "take-over",
            "take_over",
            forms.TakeOverForm,
            gettext_lazy("接手"),
            gettext_lazy("已接手本案。"),
            lambda u, c, f: services.case_take_over(actor=u, case=c, note=_d(f)["note"]),
            lambda u, c: (
                c.is_open
                and c.level in rules.HANDLED_LEVELS
                and c.status != Status.REPORTED
                and c.responsible_id != u.pk
            ),
        ),
        TierAction(
            "hand-on",
            "hand_on",
            forms.HandOnForm,
            gettext_lazy("交办"),
            gettext_lazy("已交办,待承办单位签收。"),
            lambda u, c, f: services.hand_on_create(actor=u, case=c, **_d(f)),
            _may_hand_on,
        ),
        TierAction(
            "acknowledge",
            "acknowledge",
            forms.AcknowledgeForm,
            gettext_lazy("签收"),
            gettext_lazy("已签收交办。"),
            lambda u, c, f: services.hand_on_acknowledge(
                actor=u, hand_on=_d(f)["hand_on"], note=_d(f)["note"]
            ),
            lambda u, c: any(rules.is_receiver(u, h) for h in _pending_hand_ons(c)),
        ),
        TierAction(
            "supervise",
            "supervise",
            forms.SuperviseForm,
            gettext_lazy("督办"),
            gettext_lazy("已督办,承办单位须按期反馈。"),
            lambda u, c, f: services.supervision_open(actor=u, case=c, **_d(f)),
            _may_supervise,
        ),
        TierAction(
            "supervision-reply",
            "supervision_reply",
            forms.SupervisionReplyForm,
            gettext_lazy("反馈督办"),
            gettext_lazy("已反馈督办。"),
            lambda u, c, f: services.supervision_reply(
                actor=u, supervision=_d(f)["supervision"], text=_d(f)["text"]
            ),
            lambda u, c: bool(_open_supervisions(c)),
        ),
        TierAction(
            "supervision-close",
            "supervise",
            forms.SupervisionCloseForm,
            gettext_lazy("结束督办"),
            gettext_lazy("已结束督办。"),
            lambda u, c, f: services.supervision_close(
                actor=u, supervision=_d(f)["supervision"], note=_d(f)["note"]
            ),
            lambda u, c: any(
                s.opened_by_id == u.pk or capabilities.role_of(u) == Role.ADMIN for s in _open_supervisions(c)
            ),
        ),
        TierAction(
            "evaluate",
            "evaluate",
            forms.EvaluationForm,
            gettext_lazy("评价"),
            gettext_lazy("已评价办理情况。"),
            lambda u, c, f: services.evaluation_record(actor=u, case=c, **_d(f)),
            lambda u, c: c.status == Status.CLOSED and c.evaluation_record is None,
        ),
        TierAction(
            "transfer",
            "transfer",
            forms.TransferForm,
            gettext_lazy("移交"),
            gettext_lazy("已提出移交,待接收单位接收。"),
            lambda u, c, f: services.transfer_request(actor=u, case=c, **_d(f)),
            lambda u, c: c.is_open and _pending_transfer(c) is None,
        ),
        TierAction(
            "transfer-decide",
            "transfer_decide",
            forms.TransferDecideForm,
            gettext_lazy("接收或退回"),
            gettext_lazy("已处理移交。"),
            lambda u, c, f: services.transfer_decide(
                actor=u, transfer=_d(f)["transfer"], accept=_d(f)["decision"] == "accept", note=_d(f)["note"]
            ),
            _may_decide_transfer,
            on_read_only=True,
        ),
        TierAction(
            "link-report",
            "link_duplicate",
            forms.LinkReportForm,
            gettext_lazy("登记重复上报"),
            gettext_lazy("已把重复上报关联到本案,未新建案件。"),
            lambda u, c, f: services.report_link(actor=u, case=c, source="walk_in", **_d(f)),
            lambda u, c: c.is_open,
        ),
        TierAction(
            "merge",
            "merge",
            forms.MergeForm,
            gettext_lazy("合并"),
            gettext_lazy("已合并案件。"),
            lambda u, c, f: services.case_merge(
                actor=u, keep=c, absorb=_d(f)["absorb"], reason=_d(f)["reason"]
            ),
            lambda u, c: c.is_open,
        ),
    ]
}


def load(case: DisputeCase, user: User) -> None:
    """Attach the tiers' records of the case for its page (a fixed number of queries). A case
    read by ``disputes.selectors.case_detail`` says which of them have rows (``has_…``): an
    empty one is not queried."""

    def present(name: str) -> bool:
        return getattr(case, f"has_{name}", True)

    hand_ons = selectors.hand_on_list(user=user, case_pk=case.pk) if present("hand_ons") else []
    case.hand_on_list = list(hand_ons)
    supervisions = selectors.supervision_list(user=user, case_pk=case.pk) if present("supervisions") else []
    case.supervision_list = list(supervisions)
    transfers = selectors.transfer_list(user=user, case_pk=case.pk) if present("transfers") else []
    case.transfer_list = list(transfers)
    reports = LinkedReport.objects.filter(case=case).select_related("reported_by")
    case.linked_report_list = list(reports) if present("linked_reports") else []
    evaluation = Evaluation.objects.filter(case=case).select_related("evaluator")
    case.evaluation_record = evaluation.first() if present("evaluation") else None


def may_take(user: User, case: DisputeCase, action: TierAction, *, read_only: bool) -> bool:
    if read_only and not action.on_read_only:
        return False
    return rules.may_act(user, case, action.perm) and action.available(user, case)


def panel_context(user: User, case: DisputeCase, bound: tuple[str, Any] | None = None) -> dict[str, Any]:
    load(case, user)
    read_only = selectors.case_is_read_only(user, case)
    acts = {}
    for key, action in TIER_ACTIONS.items():
        if bound is not None and bound[0] == key:
            form = bound[1]
        elif may_take(user, case, action, read_only=read_only):
            form = action.form_class(case=case, user=user, prefix=f"t-{key}")
        else:
            continue
        acts[key] = {"key": key, "form": form, "label": action.label}
    return {
        "actions": list(acts.values()),
        "open_action": bound[0] if bound else "",
        "read_only": read_only,
        "hand_ons": case.hand_on_list,
        "supervisions": case.supervision_list,
        "transfers": case.transfer_list,
        "linked_reports": case.linked_report_list,
        "evaluation": case.evaluation_record,
    }
