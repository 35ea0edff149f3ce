"""The filters of the risk-visit list."""

from django import forms
from django.utils.translation import gettext_lazy

from core.forms import ListFilterForm
from stations.models import VisitOutcome


class VisitFilterForm(ListFilterForm):
    search_placeholder = gettext_lazy("案件编号、村(社区)")
    status = forms.ChoiceField(
        label=gettext_lazy("状态"),
        choices=[
            ("", gettext_lazy("全部任务")),
            ("open", gettext_lazy("待核查")),
            ("overdue", gettext_lazy("已超期")),
            ("done", gettext_lazy("已核查")),
            ("verified", gettext_lazy("定位核实")),
        ],
    )


class VisitCheckInForm(forms.Form):
    """The check-in made for a visit (phone or desktop): the outcome, a note, the position the
    phone found and, when it was recorded offline, the time the phone says."""

    outcome = forms.ChoiceField(
        label=gettext_lazy("核查结果"), choices=VisitOutcome.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label=gettext_lazy("核查情况(可不填)"), max_length=200, required=False)
    lat = forms.DecimalField(required=False, widget=forms.HiddenInput(), max_digits=12, decimal_places=8)
    lon = forms.DecimalField(required=False, widget=forms.HiddenInput(), max_digits=12, decimal_places=8)
    recorded_offline_at = forms.DateTimeField(required=False, widget=forms.HiddenInput())
