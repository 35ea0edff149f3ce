"""Forms for the governance pages.

Forms only parse input into Python values, with the model's labels and choices and with choice
querysets limited to the user's scope. Whether the whole object is valid (ID-number checksum,
phone format, uniqueness, one grid leader per grid, …) is decided by the service the view
calls; its errors come back onto the form in ``core.views.ServiceFormMixin``.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import ListFilterForm, ServiceModelForm, date_widgets

from . import scoping, selectors
from .models import (
    CommitteeMember,
    Grid,
    GridWorker,
    Mediator,
    Region,
    SecurityCommittee,
    VolunteerMember,
    VolunteerTeam,
)


# --- Villages -----------------------------------------------------------------------------
class VillageForm(ServiceModelForm):
    class Meta:
        model = Region
        fields = ("name", "code", "households", "population")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not scoping.is_county_wide(self.user):
            # Station staff correct names and figures; codes are the county's.
            del self.fields["code"]


# --- Grids and grid workers ---------------------------------------------------------------
class GridForm(ServiceModelForm):
    class Meta:
        model = Grid
        fields = ("village", "name", "code", "police_grid", "households", "population", "is_active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["village"]  # a grid stays in its village
        else:
            self.fields["village"].queryset = selectors.village_list(user=self.user).select_related(None)


class GridWorkerForm(ServiceModelForm):
    class Meta:
        model = GridWorker
        fields = (
            "grid",
            "name",
            "gender",
            "ethnicity",
            "id_number",
            "phone",
            "role",
            "stars",
            "since",
            "is_active",
        )
        widgets = date_widgets("since")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        grid = self.fields["grid"]
        grid.queryset = selectors.grid_list(user=self.user).select_related("village")
        grid.label_from_instance = lambda g: f"{g.village.name} · {g.name}"
        self.fields["id_number"].widget.attrs.update(autocomplete="off", inputmode="text")
        self.fields["phone"].widget.attrs.update(inputmode="tel", autocomplete="off")


# --- Mediators ----------------------------------------------------------------------------
class MediatorForm(ServiceModelForm):
    class Meta:
        model = Mediator
        fields = (
            "township",
            "name",
            "kind",
            "gender",
            "ethnicity",
            "clan",
            "id_number",
            "phone",
            "organisation",
            "speaks_yi",
            "speaks_mandarin",
            "is_active",
            "note",
        )
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = selectors.township_list(user=self.user)
        self.fields["phone"].widget.attrs.update(inputmode="tel", autocomplete="off")
        self.fields["id_number"].widget.attrs.update(autocomplete="off")


# --- Committees ---------------------------------------------------------------------------
class CommitteeForm(ServiceModelForm):
    class Meta:
        model = SecurityCommittee
        fields = ("village", "name", "established_on", "note")
        widgets = {**date_widgets("established_on"), "note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["village"]
        else:
            self.fields["village"].queryset = (
                selectors.village_list(user=self.user)
                .select_related(None)
                .filter(security_committee__isnull=True)
            )
            self.fields["name"].required = False
            self.fields["name"].help_text = _("留空则按“村名+治保会”命名。")


class CommitteeMemberForm(ServiceModelForm):
    class Meta:
        model = CommitteeMember
        fields = ("name", "phone", "position", "kind", "joined_on", "is_active")
        widgets = date_widgets("joined_on")
        help_texts = {"kind": _("主任由村党支部书记担任,副主任由村辅警担任。")}


# --- Volunteer teams ----------------------------------------------------------------------
class VolunteerTeamForm(ServiceModelForm):
    class Meta:
        model = VolunteerTeam
        fields = ("region", "name", "kind", "leader_name", "leader_phone", "founded_on", "is_active")
        widgets = date_widgets("founded_on")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        regions = selectors.region_list(user=self.user, include_archived=False)
        if not scoping.is_county_wide(self.user):
            regions = regions.exclude(kind=Region.Kind.COUNTY)
        region = self.fields["region"]
        region.queryset = regions
        region.label_from_instance = lambda r: f"{r.name}({r.get_kind_display()})"


class VolunteerMemberForm(ServiceModelForm):
    class Meta:
        model = VolunteerMember
        fields = ("name", "phone", "id_number", "joined_on", "is_active")
        widgets = date_widgets("joined_on")


# --- List filters -------------------------------------------------------------------------
class VillageFilterForm(ListFilterForm):
    search_placeholder = _("村名、区划代码、乡镇")
    township = forms.ModelChoiceField(
        label=_("乡镇"), queryset=Region.objects.none(), empty_label=_("全部乡镇")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = selectors.township_list(user=self.user)


class GridFilterForm(ListFilterForm):
    search_placeholder = _("网格名称、编号、村名")
    village = forms.ModelChoiceField(
        label=_("村(社区)"), queryset=Region.objects.none(), empty_label=_("全部村(社区)")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = selectors.village_list(user=self.user).select_related(None)


class GridWorkerFilterForm(GridFilterForm):
    search_placeholder = _("姓名、电话、网格")
    role = forms.ChoiceField(label=_("职责"), choices=[("", _("全部职责")), *GridWorker.Role.choices])


class MediatorFilterForm(ListFilterForm):
    search_placeholder = _("姓名、家支、组织")
    township = forms.ModelChoiceField(
        label=_("乡镇"), queryset=Region.objects.none(), empty_label=_("全部乡镇")
    )
    kind = forms.ChoiceField(label=_("类别"), choices=[("", _("全部类别")), *Mediator.Kind.choices])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = selectors.township_list(user=self.user)


class CommitteeFilterForm(VillageFilterForm):
    search_placeholder = _("治保会名称、村名")


class VolunteerTeamFilterForm(ListFilterForm):
    search_placeholder = _("队伍名称、区域、负责人")
