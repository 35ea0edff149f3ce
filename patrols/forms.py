"""Forms for the patrol pages: parsing with scoped choices; the services decide."""

import datetime as dt
from typing import cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import ListFilterForm, StyledFormMixin, choice_label
from core.limits import BoundedDateTimeField
from disputes.models import Category
from governance import selectors as gov_selectors
from governance.models import Grid, Region, VolunteerMember, VolunteerTeam
from stations import selectors as station_selectors
from stations.forms import DateTimeInput, StationChoiceMixin
from stations.models import AuxiliaryOfficer, Incident, Officer, Station

from . import selectors
from .models import Patrol, PatrolFinding


def _village_label(v: Region) -> str:
    return f"{v.parent.name} · {v.name}" if v.parent is not None else v.name


class PlanForm(StationChoiceMixin, StyledFormMixin, forms.Form):
    station = forms.ModelChoiceField(label=_("派出所"), queryset=Station.objects.none())
    title = forms.CharField(label=_("巡逻任务"), max_length=64)
    starts_at = BoundedDateTimeField(label=_("开始时间"), widget=DateTimeInput())
    ends_at = BoundedDateTimeField(label=_("结束时间"), widget=DateTimeInput())
    officers = forms.ModelMultipleChoiceField(
        label=_("民警"),
        queryset=Officer.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    auxiliary_officers = forms.ModelMultipleChoiceField(
        label=_("辅警"),
        queryset=AuxiliaryOfficer.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    volunteer_teams = forms.ModelMultipleChoiceField(
        label=_("群防群治队伍"),
        queryset=VolunteerTeam.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    volunteer_members = forms.ModelMultipleChoiceField(
        label=_("队员"),
        queryset=VolunteerMember.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    joint_units = forms.CharField(
        label=_("联勤单位"),
        max_length=128,
        required=False,
        help_text=_("多个单位联合巡逻时填写,如 交警中队、综治中心、村委会。"),
    )
    note = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_station(user)
        now = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["starts_at"].initial = now
        self.fields["ends_at"].initial = now + dt.timedelta(hours=2)
        officers = self.fields["officers"]
        officers.queryset = station_selectors.officer_list(user=user).filter(is_active=True)
        officers.label_from_instance = lambda o: f"{o.name}({o.station.name})"
        aux = self.fields["auxiliary_officers"]
        aux.queryset = station_selectors.auxiliary_officer_list(user=user).filter(is_active=True)
        aux.label_from_instance = lambda a: f"{a.name}({a.station.name})"
        self.fields["volunteer_teams"].queryset = gov_selectors.volunteer_team_list(user=user)
        members = self.fields["volunteer_members"]
        members.queryset = gov_selectors.volunteer_member_list(user=user).filter(is_active=True)
        members.label_from_instance = lambda m: f"{m.name}({m.team.name})"


class CheckpointForm(StyledFormMixin, forms.Form):
    village = forms.ModelChoiceField(label=_("村(社区)"), queryset=Region.objects.none(), required=False)
    grid = forms.ModelChoiceField(label=_("网格"), queryset=Grid.objects.none(), required=False)
    place = forms.CharField(label=_("地点"), max_length=64, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        village = self.fields["village"]
        village.queryset = gov_selectors.village_list(user=user).select_related("parent")
        village.label_from_instance = _village_label
        grid = self.fields["grid"]
        grid.queryset = gov_selectors.grid_list(user=user)
        grid.label_from_instance = lambda g: f"{g.village.name} · {g.name}"


CheckpointFormSet = forms.formset_factory(CheckpointForm, extra=6, max_num=20)


class PlanFilterForm(ListFilterForm):
    search_placeholder = _("任务名称、联勤单位")


class PatrolEndForm(StyledFormMixin, forms.Form):
    summary = forms.CharField(label=_("巡逻小结"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class CheckInForm(forms.Form):
    checkpoint = forms.IntegerField(widget=forms.HiddenInput())
    lat = forms.DecimalField(required=False, widget=forms.HiddenInput(), max_digits=12, decimal_places=8)
    lon = forms.DecimalField(required=False, widget=forms.HiddenInput(), max_digits=12, decimal_places=8)
    recorded_offline_at = forms.DateTimeField(required=False, widget=forms.HiddenInput())


class FindingForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=PatrolFinding.Kind.choices, widget=forms.RadioSelect)
    village = forms.ModelChoiceField(label=_("村(社区)"), queryset=Region.objects.none())
    address = forms.CharField(label=_("地点"), max_length=128, required=False)
    description = forms.CharField(label=_("情况描述"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, patrol: Patrol | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        villages = gov_selectors.village_list(user=user).select_related("parent")
        if patrol is not None:
            villages = villages.filter(
                pk__in=station_selectors.villages_of_station(patrol.station_id).values("pk")
            )
        village = cast(forms.ModelChoiceField, self.fields["village"])
        village.queryset = villages
        choice_label(village, _village_label)
        self.fields["kind"].initial = PatrolFinding.Kind.HAZARD


class FindingToCaseForm(StyledFormMixin, forms.Form):
    category = forms.ChoiceField(label=_("纠纷类别"), choices=[("", _("请选择")), *Category.choices])
    people_involved = forms.IntegerField(label=_("涉及人数"), min_value=1, initial=2)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class FindingToIncidentForm(StyledFormMixin, forms.Form):
    category = forms.ChoiceField(label=_("警情类别"), choices=[("", _("请选择")), *Incident.Category.choices])

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class AttendanceForm(forms.Form):
    """The leader ticks who came (到岗签到): the patrol's expected participants."""

    officers = forms.ModelMultipleChoiceField(
        label=_("民警"), queryset=Officer.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    auxiliary_officers = forms.ModelMultipleChoiceField(
        label=_("辅警"),
        queryset=AuxiliaryOfficer.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    volunteer_members = forms.ModelMultipleChoiceField(
        label=_("队员"),
        queryset=VolunteerMember.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, patrol, **kwargs):
        super().__init__(*args, **kwargs)
        people = selectors.Participants(patrol)
        self.fields["officers"].queryset = people.officers
        self.fields["auxiliary_officers"].queryset = people.auxiliary_officers
        self.fields["volunteer_members"].queryset = people.volunteer_members
