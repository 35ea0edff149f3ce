"""Forms of the points pages: the ranking filters and the manual award (加减分)."""

import datetime as dt
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.forms import StyledFormMixin
from governance.models import PointsEntry

from .selectors import month_of


class RankingFilterForm(StyledFormMixin, forms.Form):
    month = forms.CharField(
        label=gettext_lazy("月份"), required=False, widget=forms.TextInput(attrs={"type": "month"})
    )
    kind = forms.ChoiceField(label=gettext_lazy("人员类别"), required=False, choices=PointsEntry.Kind.choices)
    group = forms.ChoiceField(
        label=gettext_lazy("排名范围"),
        required=False,
        choices=[("village", gettext_lazy("按村(社区)")), ("township", gettext_lazy("按乡镇"))],
    )
    area = forms.IntegerField(
        label=gettext_lazy("村(社区)/乡镇"), required=False, min_value=1, widget=forms.HiddenInput
    )

    def clean_month(self) -> dt.date:
        value = (self.cleaned_data.get("month") or "").strip()
        if not value:
            return month_of(timezone.localdate())
        match = re.fullmatch(r"(\d{4})-(\d{1,2})", value)
        if not match or not 1 <= int(match[2]) <= 12 or not 2000 <= int(match[1]) <= 2100:
            raise forms.ValidationError(_("月份格式应为“年-月”,例如 2026-03。"))
        return dt.date(int(match[1]), int(match[2]), 1)

    def values(self) -> dict:
        """The parsed filters; a field with a bad value falls back to its default."""
        values = {
            "month": month_of(timezone.localdate()),
            "kind": "grid_worker",
            "group": "village",
            "area": None,
        }
        if self.is_bound:
            self.is_valid()
            values.update({k: v for k, v in self.cleaned_data.items() if v not in (None, "")})
        return values


class ManualAwardForm(StyledFormMixin, forms.Form):
    points = forms.IntegerField(
        label=gettext_lazy("分值"),
        min_value=-1000,
        max_value=1000,
        help_text=gettext_lazy("加分填正数,扣分填负数"),
        error_messages={"required": gettext_lazy("请填写分值。"), "invalid": gettext_lazy("分值须为整数。")},
    )
    reason = forms.CharField(
        label=gettext_lazy("事由"),
        max_length=255,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("必填:说明加减分的原因;纠正误记的积分时请写明原记录"),
        error_messages={"required": gettext_lazy("手工加减分须填写事由。")},
    )

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
