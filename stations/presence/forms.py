"""Forms of the presence pages: the monthly table's filters and the phone check-in."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import ListFilterForm, StyledFormMixin
from core.limits import BoundedDateField
from governance import selectors as gov_selectors
from governance.models import Region
from stations import selectors as station_selectors
from stations.forms import village_label
from stations.models import Station, VillageAssignment, VillageVisit

from .selectors import my_assignments


class PresenceFilterForm(ListFilterForm):
    station = forms.ModelChoiceField(
        label=_("派出所"), queryset=Station.objects.none(), empty_label=_("全部派出所")
    )
    month = BoundedDateField(
        label=_("月份"),
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    kind = forms.ChoiceField(
        label=_("类型"), choices=[("", _("挂村民警和驻村辅警")), *VillageAssignment.Kind.choices]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["q"]
        self.fields["station"].queryset = Station.objects.filter(
            pk__in=station_selectors.station_ids(self.user)
        )
        self.fields["month"].initial = timezone.localdate().replace(day=1)  # what the page shows by default


class CheckInForm(StyledFormMixin, forms.Form):
    village = forms.ModelChoiceField(
        label=_("村(社区)"), queryset=Region.objects.none(), widget=forms.RadioSelect, empty_label=None
    )
    activity = forms.ChoiceField(
        label=_("工作内容"),
        choices=VillageVisit.Activity.choices,
        widget=forms.RadioSelect,
        initial=VillageVisit.Activity.VISIT,
    )
    note = forms.CharField(
        label=_("备注"), max_length=200, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    lat = forms.DecimalField(required=False, widget=forms.HiddenInput(), max_digits=12, decimal_places=8)
    lon = forms.DecimalField(required=False, widget=forms.HiddenInput(), max_digits=12, decimal_places=8)
    # set by the phone when it recorded the check-in offline (kept apart; never the check-in time)
    recorded_offline_at = forms.DateTimeField(required=False, widget=forms.HiddenInput())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        village = self.fields["village"]
        village.queryset = gov_selectors.village_list(user=user).select_related("parent")
        village.label_from_instance = village_label
        mine = list(my_assignments(user=user).values_list("village_id", flat=True))
        if mine:
            village.queryset = village.queryset.filter(pk__in=mine)
            if len(mine) == 1:
                village.initial = mine[0]

    def service_data(self) -> dict:
        return dict(self.cleaned_data)
