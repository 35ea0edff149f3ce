"""The filters of the risk-visit list."""

from django import forms
from django.utils.translation import gettext_lazy

from core.forms import ListFilterForm


class VisitFilterForm(ListFilterForm):
    search_placeholder = gettext_lazy("案件编号、村(社区)")
    status = forms.ChoiceField(
        label=gettext_lazy("状态"),
        choices=[
            ("", gettext_lazy("全部任务")),
            ("open", gettext_lazy("待核查")),
            ("overdue", gettext_lazy("已超期")),
            ("done", gettext_lazy("已核查")),
        ],
    )
