"""The forms of the tiers' actions on the case page, and the liaison's answer form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.limits import BoundedDateField, BoundedDateTimeField
from governance.models import Region
from governance.roles import LiaisonUnit

from ..forms import ActionForm, DateInput, DateTimeInput
from ..models import DisputeCase, Referral
from ..selectors import merge_candidates
from .models import CaseTransfer, Evaluation, HandOn, ReferralRuling, Supervision

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def _textarea(rows: int = 2) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _when(label) -> BoundedDateTimeField:
    return BoundedDateTimeField(label=label, widget=DateTimeInput(), input_formats=DATETIME_FORMATS)


class HandOnForm(ActionForm):
    target = forms.ChoiceField(label=_("承办单位"), choices=HandOn.Target.choices)
    to_unit = forms.ChoiceField(
        label=_("承办部门(交办部门时)"), choices=[("", "—"), *LiaisonUnit.choices], required=False
    )
    deadline = _when(_("办理期限"))
    instructions = forms.CharField(
        label=_("交办要求"), widget=_textarea(), error_messages={"required": _("请填写交办要求。")}
    )


class AcknowledgeForm(ActionForm):
    hand_on = forms.ModelChoiceField(label=_("交办"), queryset=HandOn.objects.none())
    note = forms.CharField(label=_("说明"), required=False, widget=_textarea())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hand_on"].queryset = HandOn.objects.filter(case=self.case, status=HandOn.Status.PENDING)


class TakeOverForm(ActionForm):
    note = forms.CharField(label=_("说明"), required=False, widget=_textarea())


class SuperviseForm(ActionForm):
    reason = forms.CharField(
        label=_("督办事由"), widget=_textarea(), error_messages={"required": _("请填写督办事由。")}
    )
    reply_by = _when(_("反馈期限"))


class _SupervisionForm(ActionForm):
    supervision = forms.ModelChoiceField(label=_("督办"), queryset=Supervision.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["supervision"]
        field.queryset = Supervision.objects.filter(case=self.case, status=Supervision.Status.OPEN)
        field.label_from_instance = lambda s: f"{s.opened_at:%Y-%m-%d}:{s.reason[:30]}"


class SupervisionReplyForm(_SupervisionForm):
    text = forms.CharField(
        label=_("反馈内容"), widget=_textarea(), error_messages={"required": _("请填写反馈内容。")}
    )


class SupervisionCloseForm(_SupervisionForm):
    note = forms.CharField(label=_("结束意见"), required=False, widget=_textarea())


class EvaluationForm(ActionForm):
    rating = forms.ChoiceField(label=_("评价"), choices=Evaluation.Rating.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("评价意见"), required=False, widget=_textarea())


class TransferForm(ActionForm):
    to_village = forms.ModelChoiceField(label=_("移交到村(社区)"), queryset=Region.objects.none())
    reason = forms.CharField(
        label=_("移交理由"), widget=_textarea(), error_messages={"required": _("请填写移交理由。")}
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # any village of the county: a case reported in the wrong place goes where it belongs
        self.fields["to_village"].queryset = (
            Region.objects.filter(
                kind__in=Region.VILLAGE_KINDS, is_archived=False, parent__parent=self.case.county
            )
            .exclude(pk=self.case.village_id)
            .select_related("parent")
            .order_by("code")
        )
        self.fields["to_village"].label_from_instance = lambda v: f"{v.parent.name} · {v.name}"


class TransferDecideForm(ActionForm):
    transfer = forms.ModelChoiceField(label=_("移交"), queryset=CaseTransfer.objects.none())
    decision = forms.ChoiceField(
        label=_("处理"), choices=[("accept", _("接收")), ("return", _("退回"))], widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("意见(退回须填写理由)"), required=False, widget=_textarea())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["transfer"].queryset = CaseTransfer.objects.filter(
            case=self.case, status=CaseTransfer.Status.PENDING
        )


class LinkReportForm(ActionForm):
    summary = forms.CharField(
        label=_("重复上报内容"), widget=_textarea(), error_messages={"required": _("请填写上报内容。")}
    )
    contact_name = forms.CharField(label=_("反映人"), max_length=64, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)


class MergeForm(ActionForm):
    absorb = forms.ModelChoiceField(
        label=_("并入本案的案件(将以“已合并”结案)"), queryset=DisputeCase.objects.none()
    )
    reason = forms.CharField(
        label=_("合并理由"), widget=_textarea(), error_messages={"required": _("请填写合并理由。")}
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["absorb"]
        field.queryset = merge_candidates(user=self.user, case=self.case)
        field.label_from_instance = lambda c: f"{c.number} {c.title}"


class LiaisonAnswerForm(forms.Form):
    status = forms.ChoiceField(
        label=_("处理"), choices=[c for c in Referral.Status.choices if c[0] != Referral.Status.SENT]
    )
    answer = forms.CharField(label=_("答复内容"), required=False, widget=_textarea(3))
    ruling_outcome = forms.ChoiceField(
        label=_("司法确认裁定(法院)"), choices=[("", "—"), *ReferralRuling.Outcome.choices], required=False
    )
    ruling_number = forms.CharField(label=_("裁定书文号"), max_length=64, required=False)
    ruled_on = BoundedDateField(label=_("裁定日期"), required=False, widget=DateInput())
