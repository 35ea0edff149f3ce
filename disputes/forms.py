"""Forms for the dispute-case pages (station staff, county, mediators).

Forms only parse input. Field-level checks that a person would want next to the field (an ID
number's checksum, a phone number's format) call the same validators the models use; every rule
about the case itself is the service's, and its errors come back onto the form in the view.
Choice querysets come from the scoped selectors.
"""

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import DateInput, ListFilterForm, StyledFormMixin, ValuesChoiceField, show_rows
from core.limits import BoundedDateField, BoundedDateTimeField
from core.versions import use_token_version, versions_token
from governance import scoping
from governance import selectors as gov_selectors
from governance.models import Ethnicity, Gender, Grid, Mediator, Region, User
from governance.validators import normalize_id_number, normalize_phone, validate_id_number, validate_phone
from stations.selectors import officer_list

from . import selectors
from .models import (
    Agreement,
    CaseExtension,
    CaseMediator,
    CasePause,
    Category,
    FollowUp,
    Level,
    MediationSession,
    Party,
    Referral,
    RiskLevel,
    Status,
)

PLEASE_CHOOSE = _("请选择")


def _blank(choices, label=PLEASE_CHOOSE) -> list:
    return [("", label), *choices]


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


# --- List filters -------------------------------------------------------------------------
class MediatorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name}({obj.get_kind_display()})"


class MediatorFilterField(ValuesChoiceField):
    """The list filter's mediators, labelled as ``MediatorChoiceField`` labels them."""

    label_fields = ("name", "kind")

    def label_from_values(self, *values: Any) -> str:
        name, kind = values
        return f"{name}({dict(Mediator.Kind.choices).get(kind, kind)})"


class GridChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.village.name} · {obj.name}"


class CaseFilterForm(ListFilterForm):
    """The case list's filters, parsed into the keys ``selectors.case_list`` takes."""

    search_placeholder = _("案件编号、案情、当事人姓名")
    status = forms.ChoiceField(label=_("状态"), choices=_blank(Status.choices, _("全部状态")))
    level = forms.ChoiceField(label=_("处置层级"), choices=_blank(Level.choices, _("全部层级")))
    category = forms.ChoiceField(label=_("纠纷类别"), choices=_blank(Category.choices, _("全部类别")))
    village = ValuesChoiceField(
        label=_("村(社区)"), queryset=Region.objects.none(), empty_label=_("全部村(社区)")
    )
    grid = GridChoiceField(label=_("网格"), queryset=Grid.objects.none(), empty_label=_("全部网格"))
    mediator = MediatorFilterField(
        label=_("调解员"), queryset=Mediator.objects.none(), empty_label=_("全部调解员")
    )
    overdue = forms.ChoiceField(label=_("是否逾期"), choices=[("", _("逾期与否")), ("1", _("仅看逾期"))])
    risk_level = forms.ChoiceField(label=_("风险等级"), choices=_blank(RiskLevel.choices, _("全部风险等级")))
    open = forms.ChoiceField(label=_("办理状态"), choices=[("", _("在办与办结")), ("1", _("仅看在办"))])
    order = forms.ChoiceField(
        label=_("排序"), choices=[("", _("按登记时间")), ("risk", _("按风险分")), ("due", _("按办理期限"))]
    )
    date_from = BoundedDateField(label=_("登记日期自"), widget=DateInput(attrs={"title": _("登记日期自")}))
    date_to = BoundedDateField(label=_("登记日期至"), widget=DateInput(attrs={"title": _("登记日期至")}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.user
        if getattr(user, "role", "") == User.Role.MEDIATOR and not user.is_superuser:
            # a mediator's list is their own cases: territory and mediator filters say nothing
            for name in ("village", "grid", "mediator"):
                del self.fields[name]
            return
        self.fields["village"].queryset = gov_selectors.village_choices(user=user)
        self.fields["grid"].queryset = self._grid_choices(user)
        self.fields["mediator"].queryset = (
            gov_selectors.mediator_list(user=user).select_related(None).only("pk", "name", "kind")
        )

    def _grid_choices(self, user):
        """The grids offered. County-wide, a prefecture has tens of thousands (a 20,000-option
        select was most of the county list's time and memory): the chosen village's grids only
        (or the one asked for), none before a village is chosen. The same for a station or a
        township (hundreds of grids, the station list's render time); a village's own people
        (auxiliary officer, grid worker) have a handful and see them all."""
        grids = gov_selectors.grid_list(user=user).select_related("village")
        many_villages = scoping.is_county_wide(user) or getattr(user, "role", "") in (
            User.Role.STATION,
            User.Role.TOWNSHIP,
        )
        if not many_villages:
            return grids

        def wanted(name: str) -> int | None:
            value = str(self.data.get(name) or "") if self.is_bound else ""
            return int(value) if value.isdigit() and len(value) <= 18 else None

        if (village := wanted("village")) is not None:
            return grids.filter(village_id=village)
        if (grid := wanted("grid")) is not None:
            return grids.filter(pk=grid)
        return grids.none()

    def values(self) -> dict:
        filters = super().values()
        for flag in ("overdue", "open"):
            if filters.get(flag):
                filters[flag] = True
        return filters


# --- Parties ------------------------------------------------------------------------------
class PartyForm(StyledFormMixin, forms.Form):
    """One party. On the intake form a row left without a name is ignored."""

    name = forms.CharField(label=_("姓名/名称"), max_length=64, required=False)
    kind = forms.ChoiceField(label=_("类型"), choices=Party.Kind.choices, initial=Party.Kind.PERSON)
    role = forms.ChoiceField(label=_("身份"), choices=Party.Role.choices, initial=Party.Role.APPLICANT)
    gender = forms.ChoiceField(label=_("性别"), choices=_blank(Gender.choices), required=False)
    ethnicity = forms.ChoiceField(label=_("民族"), choices=_blank(Ethnicity.choices), required=False)
    id_number = forms.CharField(
        label=_("身份证号"),
        max_length=18,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    address = forms.CharField(label=_("住址"), max_length=128, required=False)
    clan = forms.CharField(
        label=_("家支"), max_length=32, required=False, help_text=_("彝族家支,用于调解员回避审查")
    )

    name_required = False

    def __init__(self, *args, **kwargs):
        kwargs.pop("case", None)
        kwargs.pop("user", None)
        super().__init__(*args, **kwargs)
        if self.name_required:
            self.fields["name"].required = True

    def clean_id_number(self) -> str:
        value = normalize_id_number(self.cleaned_data.get("id_number", ""))
        if value:
            validate_id_number(value)
        return value

    def clean_phone(self) -> str:
        value = normalize_phone(self.cleaned_data.get("phone", ""))
        if value:
            validate_phone(value)
        return value

    def clean(self):
        data = super().clean()
        others = ("id_number", "phone", "address", "clan")
        if (
            not (data.get("name") or "").strip()
            and any(data.get(k) for k in others)
            and "name" not in self.errors
        ):
            self.add_error("name", _("请填写当事人姓名或单位名称。"))
        return data

    def party_data(self) -> dict[str, Any] | None:
        """The service's party dict, or ``None`` for an empty row."""
        data = dict(self.cleaned_data)
        if not (data.get("name") or "").strip():
            return None
        data["name"] = data["name"].strip()
        return data


class AddPartyForm(PartyForm):
    name_required = True


class BasePartyFormSet(forms.BaseFormSet):
    ROLES = (Party.Role.APPLICANT, Party.Role.RESPONDENT, Party.Role.OTHER)

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if index is not None:
            kwargs["initial"] = {"role": self.ROLES[min(index, len(self.ROLES) - 1)]}
        return kwargs

    def parties(self) -> list[dict[str, Any]]:
        return [d for f in self.forms if (d := f.party_data()) is not None]


PartyFormSet = forms.formset_factory(
    PartyForm, formset=BasePartyFormSet, extra=3, max_num=3, validate_max=True
)


# --- Intake (来访登记) ----------------------------------------------------------------------
class CaseIntakeForm(StyledFormMixin, forms.Form):
    category = forms.ChoiceField(label=_("纠纷类别"), choices=_blank(Category.choices))
    village = forms.ModelChoiceField(
        label=_("村(社区)"), queryset=Region.objects.none(), empty_label=_("请选择")
    )
    grid = GridChoiceField(
        label=_("网格"), queryset=Grid.objects.none(), required=False, empty_label=_("不确定/不选")
    )
    address = forms.CharField(label=_("详细地点"), max_length=128, required=False)
    summary = forms.CharField(label=_("简要案情"), widget=_textarea(4))
    people_involved = forms.IntegerField(label=_("涉及人数"), initial=2)  # range: the model's
    amount_involved = forms.DecimalField(
        label=_("涉及金额(元)"), min_value=0, max_digits=14, decimal_places=2, required=False
    )
    occurred_on = BoundedDateField(label=_("发生日期"), required=False, widget=DateInput())
    level = forms.ChoiceField(
        label=_("处置层级"), choices=_blank(Level.choices, _("自动(有网格为网格级,否则村级)")), required=False
    )
    threat_flag = forms.BooleanField(label=_("扬言/过激言行"), required=False)
    vulnerable_flag = forms.BooleanField(label=_("涉及弱势群体"), required=False)

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = gov_selectors.village_choices(user=user)
        self.fields["grid"].queryset = gov_selectors.grid_list(user=user).select_related("village")
        self.fields["summary"].error_messages["required"] = _("请填写简要案情。")
        self.fields["category"].error_messages["required"] = _("请选择纠纷类别。")
        self.fields["village"].error_messages["required"] = _("请选择村(社区)。")

    def clean(self):
        data = super().clean()
        village, grid = data.get("village"), data.get("grid")
        if village and grid and grid.village_id != village.pk:
            self.add_error("grid", _("所选网格不属于该村(社区)。"))
        return data

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["level"] = data.get("level") or None
        return data


# --- Actions on the case page -------------------------------------------------------------
class ActionForm(StyledFormMixin, forms.Form):
    """Base of the small forms on the case page; each knows its case and user."""

    def __init__(self, *args, case, user, **kwargs):
        self.case, self.user = case, user
        super().__init__(*args, **kwargs)

    def page_rows(self, name: str) -> list | None:
        """The case's list ``name`` as the case page read it (``selectors.case_detail``), to offer
        choices from without querying again; None for a case read otherwise, or a submission
        (validated against the field's queryset)."""
        return None if self.is_bound else getattr(self.case, name, None)


class NoteForm(ActionForm):
    note = forms.CharField(label=_("说明"), required=False, widget=_textarea(2))


class RequiredNoteForm(ActionForm):
    note = forms.CharField(
        label=_("说明内容"), widget=_textarea(2), error_messages={"required": _("请填写说明内容。")}
    )


class ReasonForm(ActionForm):
    reason = forms.CharField(
        label=_("原因"), widget=_textarea(2), error_messages={"required": _("请填写原因。")}
    )


class AcceptForm(NoteForm):
    responsible = forms.ModelChoiceField(
        label=_("化解责任人"), queryset=User.objects.none(), required=False, empty_label=_("本人")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # officers of the case's station (with a login), plus whoever is responsible already
        officers = officer_list(user=self.user, station_id=self.case.station_id).filter(user__isnull=False)
        self.fields["responsible"].queryset = User.objects.filter(
            is_active=True, officer__in=officers.values("pk")
        ).order_by("full_name")
        self.fields["responsible"].label_from_instance = lambda u: u.full_name or u.username


class AssignMediatorForm(ActionForm):
    mediator = forms.ModelChoiceField(
        label=_("调解员"),
        queryset=Mediator.objects.none(),
        empty_label=_("请选择"),
        error_messages={"required": _("请选择调解员。")},
    )
    reason = forms.CharField(
        label=_("回避情形下仍指派的理由"),
        required=False,
        widget=_textarea(2),
        help_text=_("所选调解员需回避时必填,记入时间线。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["mediator"]
        field.queryset = selectors.mediator_choices(user=self.user, case=self.case)
        field.label_from_instance = _mediator_label


def _mediator_label(m) -> str:
    details = [str(m.get_kind_display()), m.township.name]
    if m.clan:
        details.append(_("%(clan)s家支") % {"clan": m.clan})
    label = f"{m.name}({' · '.join(details)})"
    if m.conflicted:
        label += " — " + str(_("需回避"))
    return label


class UnassignMediatorForm(ActionForm):
    assignment = forms.ModelChoiceField(label=_("调解员"), queryset=Mediator.objects.none())
    reason = forms.CharField(
        label=_("撤换原因"), widget=_textarea(2), error_messages={"required": _("请填写原因。")}
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["assignment"]
        field.queryset = self.case.mediator_assignments.filter(is_active=True).select_related("mediator")
        field.label_from_instance = lambda a: a.mediator.name
        if (rows := self.page_rows("active_mediators")) is not None:
            show_rows(field, rows)


class ConfirmConflictForm(ActionForm):
    assignment = forms.ModelChoiceField(label=_("调解员"), queryset=CaseMediator.objects.none())
    reason = forms.CharField(
        label=_("仍由其调解的理由"),
        widget=_textarea(2),
        error_messages={"required": _("仍由其调解须写明理由。")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["assignment"]
        field.queryset = self.case.mediator_assignments.filter(
            is_active=True, conflict_found_at__isnull=False, conflict_resolved_at__isnull=True
        ).select_related("mediator")
        field.label_from_instance = lambda a: f"{a.mediator.name}:{a.conflict_found}"
        if (rows := self.page_rows("active_mediators")) is not None:
            rows = [a for a in rows if a.conflict_found_at is not None and a.conflict_resolved_at is None]
            show_rows(field, rows)
        _preselect_single(self, "assignment", rows)


class SessionForm(ActionForm):
    held_at = BoundedDateTimeField(
        label=_("调解时间"),
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )
    place = forms.CharField(label=_("调解地点"), max_length=128)
    attendees = forms.CharField(label=_("参加人员"), max_length=255)
    record = forms.CharField(label=_("调解笔录"), widget=_textarea(4))
    outcome = forms.ChoiceField(
        label=_("结果"), choices=MediationSession.Outcome.choices, initial=MediationSession.Outcome.CONTINUING
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("held_at", timezone.localtime().replace(second=0, microsecond=0))
            self.initial.setdefault("place", _("%(village)s村委会") % {"village": self.case.village.name})


class SettleForm(ActionForm):
    """就地化解: the session and the oral agreement performed on the spot, in one form."""

    place = forms.CharField(label=_("化解地点"), max_length=128)
    attendees = forms.CharField(label=_("参加人员"), max_length=255)
    record = forms.CharField(label=_("化解经过"), widget=_textarea(3))
    terms = forms.CharField(
        label=_("当场达成的协议"),
        widget=_textarea(2),
        help_text=_("如:赔礼道歉、当场赔付 500 元,双方不再追究。"),
        error_messages={"required": _("请填写当场达成的协议内容。")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("place", self.case.address or self.case.village.name)


class AgreementForm(ActionForm):
    form = forms.ChoiceField(
        label=_("协议形式"), choices=Agreement.Form.choices, initial=Agreement.Form.WRITTEN
    )
    signed_on = BoundedDateField(label=_("签订日期"), widget=DateInput())
    facts = forms.CharField(label=_("纠纷主要事实"), widget=_textarea(3))
    disputed_matters = forms.CharField(label=_("争议事项"), widget=_textarea(2))
    terms = forms.CharField(label=_("协议内容"), widget=_textarea(4))
    performance_method = forms.CharField(label=_("履行方式"), max_length=255)
    performance_place = forms.CharField(label=_("履行地点"), max_length=128, required=False)
    performance_deadline = BoundedDateField(label=_("履行期限"), widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            today = timezone.localdate()
            self.initial.setdefault("signed_on", today)
            self.initial.setdefault("performance_deadline", today + dt.timedelta(days=15))
            self.initial.setdefault("facts", self.case.summary)


class SeenVersionsMixin:
    """A case-page form that writes one of the case's records (an agreement, a referral, the
    next planned follow-up) carries the versions of the records the page offered (hidden
    ``seen``): the chosen record is written from the version the page showed, so a page that
    went stale in between is a 409 (``core.versions``), not a silent overwrite."""

    record_field = ""
    fields: dict[str, forms.Field]
    data: Any

    def offer_versions(self, records) -> None:
        self.fields["seen"] = forms.CharField(
            widget=forms.HiddenInput, required=False, initial=versions_token(records)
        )

    def clean(self):
        data = super().clean()
        token = data.pop("seen", "")
        record = data.get(self.record_field)
        if record is not None:
            use_token_version(record, token)
        return data


class PerformanceForm(SeenVersionsMixin, ActionForm):
    agreement = forms.ModelChoiceField(label=_("协议"), queryset=Agreement.objects.none())
    status = forms.ChoiceField(label=_("履行情况"), choices=Agreement.Performance.choices)
    note = forms.CharField(label=_("说明"), required=False, widget=_textarea(2))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        open_ = [Agreement.Performance.PENDING, Agreement.Performance.PARTLY]
        pending = self.case.agreements.filter(performance_status__in=open_)
        field = self.fields["agreement"]
        field.queryset = pending
        field.label_from_instance = lambda a: (
            f"{a.signed_on:%Y-%m-%d} {a.get_form_display()}({a.get_performance_status_display()})"
        )
        if (rows := self.page_rows("agreement_list")) is not None:
            rows = [a for a in rows if a.performance_status in open_]
            show_rows(field, rows)
        _preselect_single(self, "agreement", rows)
        self.offer_versions(pending if rows is None else rows)
        if self.is_bound:  # one taken care of meanwhile reaches the service: a 409, not "invalid choice"
            field.queryset = self.case.agreements.all()

    record_field = "agreement"


def _preselect_single(form, name: str, rows: list | None = None) -> None:
    """With a single choice there is nothing to choose: select it (``rows``: the choices, when
    the page has read them already)."""
    if not form.is_bound:
        only = list(form.fields[name].queryset[:2]) if rows is None else rows[:2]
        if len(only) == 1:
            form.initial.setdefault(name, only[0].pk)


class ReferralForm(ActionForm):
    kind = forms.ChoiceField(label=_("对接方式"), choices=_blank(Referral.Kind.choices))
    department = forms.ChoiceField(
        label=_("部门"), choices=_blank(Referral.Department.choices, _("(部门移交时选择)")), required=False
    )
    target_name = forms.CharField(label=_("接收单位"), max_length=64)
    agreement = forms.ModelChoiceField(
        label=_("申请司法确认的协议"),
        queryset=Agreement.objects.none(),
        required=False,
        empty_label=_("(不涉及)"),
        help_text=_("庭所对接申请司法确认时选择;案件状态不变。"),
    )
    due_date = BoundedDateField(
        label=_("答复期限"), widget=DateInput(), required=False, help_text=_("留空则按默认期限。")
    )
    reason = forms.CharField(label=_("移送事由"), widget=_textarea(2))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agreement"].queryset = self.case.agreements.all()
        self.fields["agreement"].label_from_instance = lambda a: (
            f"{a.signed_on:%Y-%m-%d} {a.get_form_display()}"
        )
        if (rows := self.page_rows("agreement_list")) is not None:
            show_rows(self.fields["agreement"], rows)

    def clean(self):
        data = super().clean()
        if data.get("kind") == Referral.Kind.DEPARTMENT and not data.get("department"):
            self.add_error("department", _("部门移交须选择部门。"))
        return data


_OPEN_REFERRALS = (Referral.Status.SENT, Referral.Status.ACCEPTED)


class ReferralUpdateForm(SeenVersionsMixin, ActionForm):
    referral = forms.ModelChoiceField(label=_("移送"), queryset=Referral.objects.none())
    status = forms.ChoiceField(
        label=_("新状态"), choices=[c for c in Referral.Status.choices if c[0] != Referral.Status.SENT]
    )
    answer = forms.CharField(label=_("答复内容"), required=False, widget=_textarea(2))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["referral"]
        field.queryset = self.case.referrals.filter(status__in=_OPEN_REFERRALS)
        field.label_from_instance = lambda r: f"{r.get_kind_display()} → {r.target_name}"
        if (rows := self.page_rows("referral_list")) is not None:
            rows = [r for r in rows if r.status in _OPEN_REFERRALS]
            show_rows(field, rows)
        _preselect_single(self, "referral", rows)
        self.offer_versions(field.queryset if rows is None else rows)
        if self.is_bound:  # one answered meanwhile reaches the service: a 409, not "invalid choice"
            field.queryset = self.case.referrals.all()

    record_field = "referral"


class FollowUpForm(SeenVersionsMixin, ActionForm):
    """Fills in the next planned visit the page showed (hidden), from the version it showed."""

    follow_up = forms.ModelChoiceField(
        queryset=FollowUp.objects.none(), required=False, widget=forms.HiddenInput
    )
    result = forms.ChoiceField(label=_("回访结果"), choices=_blank(FollowUp.Result.choices))
    satisfaction = forms.ChoiceField(label=_("满意度"), choices=_blank(FollowUp.Satisfaction.choices))
    note = forms.CharField(label=_("回访情况"), required=False, widget=_textarea(2))

    record_field = "follow_up"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        planned = self.case.follow_ups.filter(visited_at__isnull=True, is_cancelled=False)
        # bound: any of the case's, so one recorded meanwhile reaches the service (a 409)
        self.fields["follow_up"].queryset = self.case.follow_ups.all() if self.is_bound else planned
        if not self.is_bound:
            rows = self.page_rows("follow_up_list")
            if rows is None:
                following = planned.order_by("due_date", "pk").first()
            else:
                following = min(
                    (f for f in rows if f.visited_at is None), key=lambda f: (f.due_date, f.pk), default=None
                )
            self.initial.setdefault("follow_up", following.pk if following else None)
            self.offer_versions([following] if following else [])
        else:
            self.offer_versions([])


# --- The case clock: pause (中止) and extension (延期) -----------------------------------------
class PauseForm(ActionForm):
    kind = forms.ChoiceField(label=_("中止事由"), choices=_blank(CasePause.Kind.choices))
    referral = forms.ModelChoiceField(
        label=_("等待答复的移送"),
        queryset=Referral.objects.none(),
        required=False,
        help_text=_("选择后,该移送答复时自动恢复办理"),
    )
    reason = forms.CharField(
        label=_("中止说明"), widget=_textarea(2), error_messages={"required": _("中止须说明原因。")}
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["referral"]
        field.queryset = self.case.referrals.filter(status__in=_OPEN_REFERRALS)
        field.label_from_instance = lambda r: f"{r.get_kind_display()} → {r.target_name}"
        if (rows := self.page_rows("referral_list")) is not None:
            show_rows(field, [r for r in rows if r.status in _OPEN_REFERRALS])


class ExtensionRequestForm(ActionForm):
    days = forms.IntegerField(
        label=_("延期天数"),
        min_value=1,
        error_messages={"required": _("请填写延期天数。"), "min_value": _("延期天数至少为1天。")},
    )
    reason = forms.CharField(
        label=_("延期理由"), widget=_textarea(2), error_messages={"required": _("延期须说明理由。")}
    )


class ExtensionDecideForm(ActionForm):
    extension = forms.ModelChoiceField(label=_("延期申请"), queryset=CaseExtension.objects.none())
    decision = forms.ChoiceField(
        label=_("审批结果"),
        choices=[("approve", _("批准")), ("refuse", _("不予批准"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("审批意见"), required=False, widget=_textarea(2))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["extension"]
        field.queryset = self.case.extensions.filter(status=CaseExtension.Status.PENDING)
        field.label_from_instance = lambda e: _("延期%(d)d天:%(r)s") % {"d": e.days, "r": e.reason}
        if (rows := self.page_rows("extension_list")) is not None:
            rows = [e for e in rows if e.status == CaseExtension.Status.PENDING]
            show_rows(field, rows)
        _preselect_single(self, "extension", rows)


# --- Mediators' relations (回避) ----------------------------------------------------------
class RelationForm(StyledFormMixin, forms.Form):
    """A mediator's recorded relation (利害关系), recorded through ``services.mediator_relation_add``."""

    mediator: "forms.ModelChoiceField[Mediator]" = forms.ModelChoiceField(
        label=_("调解员"),
        queryset=None,
        error_messages={"required": _("请选择调解员。")},
    )
    person_name = forms.CharField(
        label=_("关系人姓名"),
        max_length=32,
        error_messages={"required": _("请填写关系人姓名。")},
    )
    id_number = forms.CharField(
        label=_("关系人身份证号"),
        max_length=18,
        required=False,
        help_text=_("填写后按身份证号比对当事人;不填则按姓名比对。"),
    )
    relation = forms.CharField(
        label=_("关系"),
        max_length=32,
        help_text=_("如:舅舅、姻亲、雇主"),
        error_messages={"required": _("请填写关系。")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mediator"].queryset = gov_selectors.mediator_list(user=user)
