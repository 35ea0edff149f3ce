"""Forms for the governance pages.

Forms only parse input into Python values, with the model's labels and choices and with choice
querysets limited to the user's scope. Whether the whole object is valid (ID-number checksum,
phone format, uniqueness, one grid leader per grid, …) is decided by the service the view
calls; its errors come back onto the form in ``governance.views.ServiceFormMixin``.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

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


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class StyledFormMixin:
    """Bootstrap classes on every widget, so templates can render fields in a loop."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class ServiceModelForm(StyledFormMixin, forms.ModelForm):
    """A ModelForm used for parsing only: it takes the model's field types, labels and choices,
    but neither fills nor validates the instance. Validating the object and saving it is the
    service's job, so that pages, the API and scripts share one set of rules."""

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def _post_clean(self) -> None:  # the service validates the whole object
        pass

    def service_data(self) -> dict:
        """The parsed values, keyed by model field name, for the service call."""
        return dict(self.cleaned_data)


def _date_widgets(*names: str) -> dict:
    return {name: DateInput() for name in names}


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
        widgets = _date_widgets("since")

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
        widgets = {**_date_widgets("established_on"), "note": forms.Textarea(attrs={"rows": 3})}

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
        widgets = _date_widgets("joined_on")
        help_texts = {"kind": _("主任由村党支部书记担任,副主任由村辅警担任。")}


# --- Volunteer teams ----------------------------------------------------------------------
class VolunteerTeamForm(ServiceModelForm):
    class Meta:
        model = VolunteerTeam
        fields = ("region", "name", "kind", "leader_name", "leader_phone", "founded_on", "is_active")
        widgets = _date_widgets("founded_on")

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
        widgets = _date_widgets("joined_on")


# --- List filters -------------------------------------------------------------------------
class ListFilterForm(StyledFormMixin, forms.Form):
    """``?q=`` plus the list's own filters. Choices are scoped, so a filter can only narrow the
    list; an unknown or out-of-scope value is ignored."""

    q = forms.CharField(label=_("搜索"), required=False, max_length=64)

    def __init__(self, data=None, *, user, **kwargs):
        self.user = user
        super().__init__(data, **kwargs)
        self.fields["q"].widget.attrs.update(type="search", placeholder=self.search_placeholder)
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField | forms.ChoiceField):
                field.required = False

    search_placeholder = _("名称、编号")

    def values(self) -> dict:
        """The filters that parsed; an invalid one is left out rather than failing the page."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {key: value for key, value in self.cleaned_data.items() if value not in (None, "")}


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
