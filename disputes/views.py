"""Pages for dispute cases (矛盾纠纷): the list with filters, the walk-in intake form, the case
page with its timeline and every action as a small form, the printable 调解协议书, the Excel
ledger and the mediators' recorded relations (回避). Mounted at ``/cases/`` (``app_name =
"disputes"``).

Views stay thin: reads go through ``disputes.selectors`` (404 outside scope), each action calls
one service. ``CaseActionView`` is the one place where a service's errors become page errors:
bad input → the form re-rendered with its errors (HTTP 400), ``ConflictError`` (someone else
moved the case first, or the move is no longer allowed) → the page re-read with a message to
check the new state (HTTP 409), ``NotPermitted`` → 403. Nothing is written unless the service
succeeds (each service is one transaction).
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import BadRequest, PermissionDenied
from django.db.models import Model
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from core.errors import DomainError, add_to_form, service_call
from core.exportjobs import services as export_services
from core.pagination import LargeListPaginator
from core.submissions import submit
from core.versions import use_version
from core.views import PageMixin, ScopedListView, ServiceFormMixin
from governance import privacy
from governance.models import User

from . import exports, forms, selectors, services
from .events import event_label
from .models import (
    Agreement,
    CaseExtension,
    Category,
    DisputeCase,
    Level,
    Party,
    Referral,
    RiskLevel,
    Source,
    Status,
    next_level,
)
from .risk import FACTOR_LABELS
from .tiers import intake as tier_intake
from .tiers import panel as tier_panel
from .tiers import rules as tier_rules
from .tiers import selectors as tier_selectors

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _is_mediator(user) -> bool:
    return getattr(user, "role", "") == User.Role.MEDIATOR and not user.is_superuser


def cases_title(user) -> str:
    return _("我的案件") if _is_mediator(user) else _("矛盾纠纷")


STATUS_TAGS = {
    Status.REPORTED: "tag-amber",
    Status.ACCEPTED: "tag-blue",
    Status.IN_MEDIATION: "tag-blue",
    Status.AGREEMENT_REACHED: "tag-green",
    Status.PERFORMED: "tag-green",
    Status.CLOSED: "tag-grey",
    Status.NOT_ACCEPTED: "tag-grey",
    Status.MERGED: "tag-grey",
    Status.MEDIATION_FAILED: "tag-red",
    Status.REFERRED: "tag-amber",
    Status.REOPENED: "tag-red",
}


# --- List ---------------------------------------------------------------------------------
class CaseListView(ScopedListView):
    template_name = "disputes/case_list.html"
    nav_key = "cases"
    filter_form_class = forms.CaseFilterForm
    # a county keeps years of cases: no exact count(*) of the whole list on every page
    paginator_class = LargeListPaginator

    def get_page_title(self) -> str:
        return cases_title(self.request.user)

    def get_queryset(self, filters):
        return selectors.case_list(user=self.request.user, filters=filters)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            create_url=reverse("disputes:case-create") if services.may(user, "report") else "",
            export_url=reverse("disputes:case-export") + (f"?{query.urlencode()}" if query else ""),
            status_tags=STATUS_TAGS,
            labels=_row_labels(),
            empty_hint=_("您被指派的案件会显示在这里。")
            if _is_mediator(user)
            else _("您的辖区内还没有矛盾纠纷案件。"),
        )
        return context


def _row_labels() -> dict[str, dict[str, str]]:
    """The labels of the list rows' choice fields, translated once per page: each row's
    ``get_FOO_display`` translated and hashed every choice of the field (a page of 25 rows: ≈ 800
    translations, a tenth of the page's time)."""
    return {
        name: {value: str(label) for value, label in choices.choices}
        for name, choices in (
            ("category", Category),
            ("level", Level),
            ("risk_level", RiskLevel),
            ("status", Status),
        )
    }


# --- Intake (来访登记) ----------------------------------------------------------------------
class CaseCreateView(ServiceFormMixin, FormView):
    template_name = "disputes/case_form.html"
    form_class = forms.CaseIntakeForm
    nav_key = "cases"
    page_title = gettext_lazy("来访登记")
    submit_label = gettext_lazy("登记")
    success_message = gettext_lazy("已登记案件 %(name)s。")

    def may_write(self, user) -> bool:
        return services.may(user, "report")

    def get_breadcrumbs(self):
        return [(cases_title(self.request.user), reverse("disputes:case-list"))]

    def get_cancel_url(self) -> str:
        return reverse("disputes:case-list")

    def get_formset(self):
        data = self.request.POST if self.request.method == "POST" else None
        return forms.PartyFormSet(data, prefix="parties")

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        self.formset = self.get_formset()
        if form.is_valid() and self.formset.is_valid():
            # duplicates (disputes.tiers.intake): offer the open cases this may be, once
            data, parties = form.cleaned_data, self.formset.parties()
            choice = request.POST.get("duplicate_choice", "")
            self.candidates = tier_intake.candidates_for(
                user=request.user, village=data["village"], address=data.get("address", ""), parties=parties
            )
            if self.candidates and not choice:
                return self.render_to_response(self.get_context_data(form=form))
            if (case := tier_intake.chosen(choice, self.candidates)) is not None:
                with service_call(request=request) as call:
                    tier_intake.link(
                        actor=request.user,
                        case=case,
                        source=Source.WALK_IN,
                        summary=data["summary"],
                        parties=parties,
                    )
                if not call.refused:
                    messages.success(request, _("已关联到案件 %(n)s,未新建案件。") % {"n": case.number})
                    return redirect("disputes:case-detail", pk=case.pk)
                # the user chose to link (the message says why it could not be): never a new case
                response = self.render_to_response(self.get_context_data(form=form))
                response.status_code = 400
                return response
            return self.form_valid(form)
        return self.form_invalid(form)

    def perform(self, form):
        data = form.service_data()
        return services.case_report(
            actor=self.request.user,
            village=data.pop("village"),
            source=Source.WALK_IN,
            parties=self.formset.parties(),
            **data,
        )

    def form_invalid(self, form):
        if not form.errors and any(self.formset.errors):
            messages.error(self.request, _("当事人信息有误,请按提示修改后再保存。"))
        response = super().form_invalid(form)
        response.status_code = 400
        return response

    def get_success_message(self, obj) -> str:
        return self.success_message % {"name": obj.number}

    def get_success_url(self, obj) -> str:  # type: ignore[override]  # ServiceFormMixin's: of the saved object
        return reverse("disputes:case-detail", args=[obj.pk])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["formset"] = getattr(self, "formset", None) or self.get_formset()
        context["candidates"] = getattr(self, "candidates", [])
        return context


# --- Actions ------------------------------------------------------------------------------
def _d(form) -> dict[str, Any]:
    return form.cleaned_data


@dataclass(frozen=True)
class Action:
    key: str
    perm: str  # the services.ACTION_ROLES key
    form_class: type
    label: "StrOrPromise"  # button
    done: "StrOrPromise"  # success message
    run: Callable[[User, DisputeCase, Any], Any]
    available: Callable[[DisputeCase], bool]
    danger: bool = False
    # beyond the role's capability: whether this user may take it on this case (a level rule)
    permitted: Callable[[User, DisputeCase], bool] | None = None


def _to(status: str) -> Callable[[DisputeCase], bool]:
    return lambda case: status in case.allowed_statuses()


_MEDIATING = (Status.ACCEPTED, Status.REOPENED, Status.MEDIATION_FAILED, Status.IN_MEDIATION)


ACTIONS: dict[str, Action] = {
    a.key: a
    for a in [
        Action(
            "accept",
            "accept",
            forms.AcceptForm,
            gettext_lazy("受理"),
            gettext_lazy("已受理。"),
            lambda u, c, f: services.case_accept(
                actor=u, case=c, responsible=_d(f)["responsible"], note=_d(f)["note"]
            ),
            _to(Status.ACCEPTED),
        ),
        Action(
            "not-accept",
            "not_accept",
            forms.ReasonForm,
            gettext_lazy("不予受理"),
            gettext_lazy("已记录不予受理。"),
            lambda u, c, f: services.case_not_accept(actor=u, case=c, reason=_d(f)["reason"]),
            _to(Status.NOT_ACCEPTED),
            danger=True,
        ),
        Action(
            "start-mediation",
            "start_mediation",
            forms.NoteForm,
            gettext_lazy("开始调解"),
            gettext_lazy("已开始调解。"),
            lambda u, c, f: services.case_start_mediation(actor=u, case=c, note=_d(f)["note"]),
            _to(Status.IN_MEDIATION),
        ),
        Action(
            "mark-failed",
            "mark_failed",
            forms.ReasonForm,
            gettext_lazy("调解未成"),
            gettext_lazy("已记录调解未成。"),
            lambda u, c, f: services.case_mark_failed(actor=u, case=c, reason=_d(f)["reason"]),
            _to(Status.MEDIATION_FAILED),
            danger=True,
        ),
        Action(
            "escalate",
            "escalate",
            forms.ReasonForm,
            gettext_lazy("升级处置"),
            gettext_lazy("已升级处置层级。"),
            lambda u, c, f: services.case_escalate(actor=u, case=c, reason=_d(f)["reason"]),
            lambda c: c.is_open and next_level(c.level) is not None,
        ),
        Action(
            "close",
            "close",
            forms.NoteForm,
            gettext_lazy("办结"),
            gettext_lazy("已办结,已安排回访。"),
            lambda u, c, f: services.case_close(actor=u, case=c, note=_d(f)["note"]),
            _to(Status.CLOSED),
        ),
        Action(
            "settle",
            "close",
            forms.SettleForm,
            gettext_lazy("就地化解办结"),
            gettext_lazy("已就地化解办结,已安排回访。"),
            lambda u, c, f: services.case_settle_on_the_spot(actor=u, case=c, **_d(f)),
            lambda c: c.level == Level.GRID and c.status in (Status.REPORTED, *_MEDIATING),
        ),
        Action(
            "reopen",
            "reopen",
            forms.ReasonForm,
            gettext_lazy("复发重启"),
            gettext_lazy("已重启案件。"),
            lambda u, c, f: services.case_reopen(actor=u, case=c, reason=_d(f)["reason"]),
            _to(Status.REOPENED),
            danger=True,
        ),
        Action(
            "note",
            "note",
            forms.RequiredNoteForm,
            gettext_lazy("添加说明"),
            gettext_lazy("已添加说明。"),
            lambda u, c, f: services.case_add_note(actor=u, case=c, note=_d(f)["note"]),
            lambda c: True,
        ),
        Action(
            "add-party",
            "party",
            forms.AddPartyForm,
            gettext_lazy("添加当事人"),
            gettext_lazy("已添加当事人。"),
            lambda u, c, f: services.party_add(actor=u, case=c, **f.party_data()),
            lambda c: True,
        ),
        Action(
            "assign-mediator",
            "assign_mediator",
            forms.AssignMediatorForm,
            gettext_lazy("指派"),
            gettext_lazy("已指派调解员。"),
            lambda u, c, f: services.mediator_assign(
                actor=u, case=c, mediator=_d(f)["mediator"], reason=_d(f)["reason"]
            ),
            lambda c: c.is_open,
        ),
        Action(
            "unassign-mediator",
            "assign_mediator",
            forms.UnassignMediatorForm,
            gettext_lazy("撤换"),
            gettext_lazy("已撤换调解员。"),
            lambda u, c, f: services.mediator_unassign(
                actor=u, assignment=_d(f)["assignment"], reason=_d(f)["reason"]
            ),
            lambda c: bool(c.active_mediators),
            danger=True,
        ),
        Action(
            "confirm-conflict",
            "assign_mediator",
            forms.ConfirmConflictForm,
            gettext_lazy("确认仍由其调解"),
            gettext_lazy("已确认回避事由,仍由其调解。"),
            lambda u, c, f: services.mediator_conflict_confirm(
                actor=u, assignment=_d(f)["assignment"], reason=_d(f)["reason"]
            ),
            lambda c: any(a.has_open_conflict for a in c.active_mediators),
        ),
        Action(
            "session",
            "session",
            forms.SessionForm,
            gettext_lazy("保存调解记录"),
            gettext_lazy("已记录调解。"),
            lambda u, c, f: services.session_record(actor=u, case=c, **_d(f)),
            lambda c: c.status in _MEDIATING,
        ),
        Action(
            "agreement",
            "agreement",
            forms.AgreementForm,
            gettext_lazy("保存调解协议"),
            gettext_lazy("已记录调解协议。"),
            lambda u, c, f: services.agreement_create(actor=u, case=c, **_d(f)),
            lambda c: c.status in _MEDIATING,
        ),
        Action(
            "performance",
            "performance",
            forms.PerformanceForm,
            gettext_lazy("登记履行情况"),
            gettext_lazy("已登记协议履行情况。"),
            lambda u, c, f: services.agreement_set_performance(
                actor=u, agreement=_d(f)["agreement"], status=_d(f)["status"], note=_d(f)["note"]
            ),
            lambda c: any(
                a.performance_status in (Agreement.Performance.PENDING, Agreement.Performance.PARTLY)
                for a in c.agreement_list
            ),
        ),
        Action(
            "refer",
            "refer",
            forms.ReferralForm,
            gettext_lazy("移送"),
            gettext_lazy("已移送。"),
            lambda u, c, f: services.referral_create(actor=u, case=c, **_d(f)),
            lambda c: (
                Status.REFERRED in c.allowed_statuses()
                or c.status == Status.REFERRED
                or bool(c.agreement_list)
            ),
        ),
        Action(
            "referral-update",
            "referral_update",
            forms.ReferralUpdateForm,
            gettext_lazy("登记答复"),
            gettext_lazy("已更新移送情况。"),
            lambda u, c, f: services.referral_update(
                actor=u, referral=_d(f)["referral"], status=_d(f)["status"], answer=_d(f)["answer"]
            ),
            lambda c: any(r.is_open for r in c.referral_list),
        ),
        Action(
            "follow-up",
            "follow_up",
            forms.FollowUpForm,
            gettext_lazy("登记回访"),
            gettext_lazy("已登记回访。"),
            lambda u, c, f: services.follow_up_record(actor=u, case=c, **_d(f)),
            lambda c: c.status == Status.CLOSED,
        ),
        Action(
            "pause",
            "pause",
            forms.PauseForm,
            gettext_lazy("中止"),
            gettext_lazy("已中止办理期限,中止期间不计入办理期限。"),
            lambda u, c, f: services.case_pause(
                actor=u, case=c, kind=_d(f)["kind"], reason=_d(f)["reason"], referral=_d(f)["referral"]
            ),
            lambda c: c.is_open and c.accepted_at is not None and c.paused_at is None,
        ),
        Action(
            "resume",
            "pause",
            forms.NoteForm,
            gettext_lazy("恢复办理"),
            gettext_lazy("已恢复办理,办理期限已顺延中止的时间。"),
            lambda u, c, f: services.case_resume(actor=u, case=c, note=_d(f)["note"]),
            lambda c: c.paused_at is not None,
        ),
        Action(
            "request-extension",
            "request_extension",
            forms.ExtensionRequestForm,
            gettext_lazy("申请延期"),
            gettext_lazy("已提交延期申请,待上一级审批。"),
            lambda u, c, f: services.extension_request(
                actor=u, case=c, days=_d(f)["days"], reason=_d(f)["reason"]
            ),
            lambda c: (
                c.is_open
                and c.accepted_at is not None
                and not any(e.status == CaseExtension.Status.PENDING for e in c.extension_list)
            ),
        ),
        Action(
            "decide-extension",
            "approve_extension",
            forms.ExtensionDecideForm,
            gettext_lazy("审批延期"),
            gettext_lazy("已审批延期申请。"),
            lambda u, c, f: services.extension_decide(
                actor=u,
                extension=_d(f)["extension"],
                approve=_d(f)["decision"] == "approve",
                note=_d(f)["note"],
            ),
            lambda c: any(e.status == CaseExtension.Status.PENDING for e in c.extension_list),
            permitted=services.may_approve_extension,
        ),
        Action(
            "assess-risk",
            "assess_risk",
            forms.ActionForm,
            gettext_lazy("立即重新评估"),
            gettext_lazy("已重新评估风险。"),
            lambda u, c, f: services.case_assess_risk(actor=u, case=c),
            lambda c: c.is_open,
        ),
    ]
}

# the lifecycle actions, in the order the side panel shows them
LIFECYCLE = [
    "accept",
    "not-accept",
    "start-mediation",
    "mark-failed",
    "close",
    "settle",
    "reopen",
    "escalate",
    "note",
]


def action_forms(case: DisputeCase, user, bound: tuple[str, Any] | None = None) -> dict[str, Any]:
    """The forms of the actions this user may take on the case now (``key`` → form)."""
    result = {}
    read_only = tier_selectors.case_is_read_only(user, case)  # transferred away: what it did stays visible
    for key, action in ACTIONS.items():
        if read_only or not (tier_rules.may_act(user, case, action.perm) and action.available(case)):
            continue
        if action.permitted is not None and not action.permitted(user, case):
            continue
        if bound is not None and bound[0] == key:
            result[key] = bound[1]
        else:
            result[key] = action.form_class(case=case, user=user, prefix=key)
    if bound is not None and bound[0] not in result:
        result[bound[0]] = bound[1]  # no longer available, but show what went wrong
    return result


# --- Timeline labels (event codes: disputes.events) ---------------------------------------
CHANGE_LABELS = {
    "status": gettext_lazy("状态"),
    "level": gettext_lazy("处置层级"),
    "due_at": gettext_lazy("办理期限"),
    "closed_at": gettext_lazy("办结时间"),
    "responsible": gettext_lazy("化解责任人"),
    "risk_level": gettext_lazy("风险等级"),
    "performance_status": gettext_lazy("履行情况"),
    "referral.status": gettext_lazy("移送状态"),
    "recurrence_count": gettext_lazy("复发次数"),
}
VALUE_LABELS = {
    "status": dict(Status.choices),
    "level": dict(Level.choices),
    "risk_level": dict(RiskLevel.choices),
    "performance_status": dict(Agreement.Performance.choices),
    "referral.status": dict(Referral.Status.choices),
    "category": dict(Category.choices),
    "party.role": dict(Party.Role.choices),
    "party.kind": dict(Party.Kind.choices),
}


def _change_label(field: str) -> str:
    if field in CHANGE_LABELS:
        return str(CHANGE_LABELS[field])
    model, name = (Party, field[6:]) if field.startswith("party.") else (DisputeCase, field)
    try:
        label = str(model._meta.get_field(name).verbose_name)  # type: ignore[union-attr]  # a reverse relation has none: caught below
    except Exception:  # noqa: BLE001  (an unknown key: show it as stored)
        return field
    return _("当事人%(f)s") % {"f": label} if model is Party else label


def _value_label(field: str, value) -> str:
    if value is None or value == "":
        return "—"
    if field in VALUE_LABELS:
        return str(VALUE_LABELS[field].get(value, value))
    if (masked := privacy.masked_value(field, value)) is not value:
        return str(masked)  # personal data: masked in the history whoever looks (governance.privacy)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, str) and len(value) >= 16 and "T" in value and (moment := parse_datetime(value)):
        return (
            timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(moment) else str(value)
        )
    if isinstance(value, str) and len(value) == 10 and parse_date(value):
        return value
    return str(value)


def timeline_rows(events) -> list[dict[str, Any]]:
    rows = []
    for event in events:
        rows.append(
            {
                "event": event,
                "label": event_label(event.code),
                "actor": (event.actor.full_name or event.actor.username) if event.actor else _("系统"),
                "changes": [
                    change
                    for field, pair in (event.changes or {}).items()
                    if isinstance(pair, list | tuple)
                    and len(pair) == 2
                    # a due date moved by seconds reads the same to the minute: not worth a line
                    and (
                        change := {
                            "label": _change_label(field),
                            "old": _value_label(field, pair[0]),
                            "new": _value_label(field, pair[1]),
                        }
                    )["old"]
                    != change["new"]
                ],
            }
        )
    return rows


# --- Case page ----------------------------------------------------------------------------
class CaseDetailView(PageMixin, TemplateView):
    template_name = "disputes/case_detail.html"
    nav_key = "cases"
    bound: tuple[str, Any] | None = None

    def get_page_title(self) -> str:
        return _("案件 %(n)s") % {"n": self.case.number}

    def get_breadcrumbs(self):
        return [(cases_title(self.request.user), reverse("disputes:case-list"))]

    def get(self, request, *args, **kwargs):
        self.case = selectors.case_detail(user=request.user, pk=kwargs["pk"])
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, case = self.request.user, self.case
        forms_ = action_forms(case, user, self.bound)
        today = timezone.localdate()
        for agreement in case.agreement_list:
            agreement.lapsed = agreement.confirmation_lapsed(today)
            agreement.closing = agreement.confirmation_closing(today)
            agreement.confirmation_applied = any(r.agreement_id == agreement.pk for r in case.referral_list)
        act = {
            key.replace("-", "_"): {
                "key": key,
                "form": form,
                "label": ACTIONS[key].label,
                "danger": ACTIONS[key].danger,
            }
            for key, form in forms_.items()
        }
        context.update(
            case=case,
            object=case,
            act=act,
            lifecycle=[act[key.replace("-", "_")] for key in LIFECYCLE if key in forms_],
            open_action=self.bound[0] if self.bound else "",
            suggestions=selectors.mediator_suggestions(case=case) if "assign-mediator" in forms_ else [],
            timeline=timeline_rows(reversed(case.timeline)),
            status_tags=STATUS_TAGS,
            may_see_personal=privacy.may_see_personal_data(user),
            next_level_label=Level(next_level(case.level)).label if next_level(case.level) else "",
            risk=risk_explanation(user, case),
            has_recusal_conflict=any(a.has_open_conflict for a in case.active_mediators),
            tiers=tier_panel.panel_context(user, case, getattr(self, "tier_bound", None)),
            clock={
                "open_pause": next((p for p in case.pause_list if p.is_open), None),
                "paused_days": round(
                    (
                        case.paused_seconds
                        + ((timezone.now() - case.paused_at).total_seconds() if case.paused_at else 0)
                    )
                    / 86400,
                    1,
                ),
                "extension_max": settings.DISPUTES["EXTENSION_MAX_COUNT"],
                "extension_days": settings.DISPUTES["EXTENSION_MAX_DAYS"],
            },
        )
        return context


def risk_explanation(user, case: DisputeCase) -> dict:
    """Why the case has its risk level: the latest assessment's factors (largest first) and the
    history of levels."""
    history = getattr(case, "risk_list", None)  # read by case_detail
    if history is None:
        history = list(selectors.risk_history(user=user, case_pk=case.pk)[: selectors.RISK_HISTORY_SHOWN])
    latest = history[0] if history else None
    factors = []
    if latest is not None:
        for name, item in latest.factors.items():
            if item.get("points"):
                factors.append(
                    {
                        "label": FACTOR_LABELS.get(name, name),
                        "value": item.get("value"),
                        "points": item["points"],
                        "name": name,
                    }
                )
        factors.sort(key=lambda f: -f["points"])
    changes = [a for i, a in enumerate(history) if i + 1 == len(history) or history[i + 1].level != a.level]
    return {
        "latest": latest,
        "factors": factors,
        "changes": changes[:10],
        "category_label": dict(Category.choices).get(case.category, ""),
    }


def perform_action(
    request, case: DisputeCase, key: str, *, client_key: uuid.UUID | None = None
) -> tuple[Action, Any, Any]:
    """Parse one action's form from the POST and call its one service (the case page's and the
    phone's): ``(action, form, call)``, ``call`` None when the form did not parse. An unknown
    action is a 404, one the user may not take on this case a 403. With the phone's
    ``client_key`` (core.submissions), a resend of the same submission runs nothing again."""
    action = ACTIONS.get(key)
    if action is None:
        raise Http404(_("没有这个操作。"))
    if not tier_rules.may_act(request.user, case, action.perm):
        raise PermissionDenied(_("您的角色只能查看本案,不能进行此操作。"))
    form = action.form_class(request.POST, case=case, user=request.user, prefix=action.key)
    if not form.is_valid():
        return action, form, None
    with service_call() as call:
        submit(
            user=request.user,
            form=f"disputes.case.{key}",
            client_key=client_key,
            create=lambda: _run_seen(request, case, action, form),
        )
    return action, form, call


def _run_seen(request, case: DisputeCase, action: Action, form) -> Any:
    use_version(case, request)  # the version the page showed: a stale one is a 409
    result = action.run(request.user, case, form)
    return result if isinstance(result, Model) else case


class CaseActionView(CaseDetailView):
    """POST ``/cases/<pk>/<action>/``: parse the action's form, call its one service, then back
    to the case page; on error, the case page again with the error (400 / 409)."""

    http_method_names = ["get", "post"]

    def get(self, request, *args, **kwargs):
        case = selectors.case_get(user=request.user, pk=kwargs["pk"])  # 404 outside scope, as for POST
        return redirect("disputes:case-detail", pk=case.pk)

    def post(self, request, *args, **kwargs):
        case = selectors.case_get(user=request.user, pk=kwargs["pk"])  # 404 outside scope
        action, form, call = perform_action(request, case, kwargs["action"])
        if call is None:
            return self.rerender(form, action, status=400)
        if call.status == 409:
            messages.error(
                request, _("%(msg)s 页面已显示案件的最新情况,请核对后再操作。") % {"msg": call.message}
            )
            return self.rerender(
                action.form_class(case=case, user=request.user, prefix=action.key),
                action,
                status=409,
                show=False,
            )
        if call.refused:
            add_to_form(form, call.error)
            return self.rerender(form, action, status=400)
        messages.success(request, str(action.done))
        return redirect(reverse("disputes:case-detail", args=[case.pk]) + f"#act-{action.key}-done")

    def rerender(self, form, action: Action, *, status: int, show: bool = True):
        if show:
            messages.error(self.request, _("“%(a)s”未保存:请按提示修改后再提交。") % {"a": action.label})
        user = cast(User, self.request.user)  # a signed-in page
        self.case = selectors.case_detail(user=user, pk=self.kwargs["pk"])
        self.bound = (action.key, form) if show else None
        response = self.render_to_response(self.get_context_data())
        response.status_code = status
        return response


# --- Printable agreement ------------------------------------------------------------------
_CN_NUMERALS = dict(enumerate("零一二三四五六七八九十", start=0))


def _copies(n: int) -> str:
    """The number of copies as the agreement writes it: 一式三份 in Chinese, a figure otherwise."""
    if (get_language() or "").startswith("zh"):
        return _CN_NUMERALS.get(n, str(n))
    return str(n)


class AgreementPrintView(PageMixin, TemplateView):
    template_name = "disputes/agreement_print.html"
    nav_key = "cases"

    def get(self, request, *args, **kwargs):
        self.agreement = selectors.related_get(Agreement, user=request.user, pk=kwargs["pk"])
        self.case = selectors.case_detail(user=request.user, pk=self.agreement.case_id)
        return super().get(request, *args, **kwargs)

    def get_page_title(self) -> str:
        return _("人民调解协议书")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        case, agreement = self.case, self.agreement
        mediators = [a.mediator for a in case.active_mediators]
        committee = next((m.organisation for m in mediators if m.organisation), "") or _(
            "%(v)s人民调解委员会"
        ) % {"v": case.village.name}
        parties = [
            {
                "party": p,
                "id_number": privacy.shown(self.request, p, "id_number"),
                "phone": privacy.shown(self.request, p, "phone"),
            }
            for p in case.party_list
        ]
        context.update(
            case=case,
            agreement=agreement,
            parties=parties,
            mediators=mediators,
            committee=committee,
            copies=_copies(len(case.party_list) + 1),
            number=f"{case.number}-{[a.pk for a in case.agreement_list].index(agreement.pk) + 1}",
        )
        return context


# --- Excel ledger -------------------------------------------------------------------------
class CaseExportView(PageMixin, View):
    """The ledger (矛盾纠纷排查化解台账) of the cases the list shows for the same filters. Up to
    ``EXPORT_ASYNC_ROWS`` cases it is the file itself; a larger one is written in the background
    (``core.exportjobs``): POST queues it and sends to the job's page (progress, then the
    download), GET offers that button (a GET never queues anything)."""

    template_name = "disputes/case_export_large.html"
    page_title = gettext_lazy("导出台账")
    nav_key = "cases"

    def _cases(self, request):
        try:
            return exports.ledger_cases(request.user, request.GET)
        except DomainError as err:  # the ledger is never exported for other filters than the ones asked
            raise BadRequest(err.message) from err

    def _file(self, request, cases):
        response = HttpResponse(exports.case_ledger_xlsx(cases, user=request.user), content_type=exports.XLSX)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="cases-ledger-{stamp}.xlsx"'
        return response

    def get(self, request, *args, **kwargs):
        cases = self._cases(request)
        if not export_services.export_is_large(cases):
            return self._file(request, cases)
        context = {
            "nav_key": self.nav_key,
            "page_title": str(self.page_title),
            "breadcrumbs": [(cases_title(request.user), reverse("disputes:case-list"))],
            "threshold": export_services.async_threshold(),
            "query": request.GET.urlencode(),
        }
        return render(request, self.template_name, context)

    def post(self, request, *args, **kwargs):
        cases = self._cases(request)
        if not export_services.export_is_large(cases):
            return self._file(request, cases)
        with service_call(request=request) as call:
            job = export_services.export_start(
                actor=request.user, kind=exports.EXPORT_KIND, query=request.GET.urlencode()
            )
        if call.refused:
            return redirect(
                reverse("disputes:case-list") + (f"?{request.GET.urlencode()}" if request.GET else "")
            )
        messages.info(
            request, _("台账超过 %(n)s 条,正在后台生成。") % {"n": export_services.async_threshold()}
        )
        return redirect(reverse("exports:job", args=[job.pk]))


# --- Mediators' relations (回避) ----------------------------------------------------------
class RelationCreateView(ServiceFormMixin, FormView):
    """The scoped list of mediators' recorded relations (利害关系, for 回避) and the form that
    records one through ``services.mediator_relation_add``."""

    template_name = "disputes/relations.html"
    form_class = forms.RelationForm
    nav_key = "mediators"
    page_title = gettext_lazy("调解员利害关系(回避)")
    success_message = gettext_lazy("已登记:%(name)s")
    submit_label = gettext_lazy("登记")
    write_capability = "mediator_relation.record"  # what the service asks

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["relations"] = selectors.mediator_relation_list(user=self.request.user)[:200]
        return context

    def perform(self, form):
        data = form.cleaned_data
        return services.mediator_relation_add(
            actor=self.request.user,
            mediator=data["mediator"],
            person_name=data["person_name"],
            id_number=data["id_number"],
            relation=data["relation"],
        )

    def get_success_url(self, obj) -> str:  # type: ignore[override]  # ServiceFormMixin's: of the saved object
        return reverse("disputes:relations")
