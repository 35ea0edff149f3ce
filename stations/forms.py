"""Forms for the station pages: parsing only, with scoped choices. The services decide."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import DateInput, ListFilterForm, ServiceModelForm, StyledFormMixin
from governance import selectors as gov_selectors
from governance.models import Region

from . import selectors
from .models import AuxiliaryOfficer, Incident, Officer, Station, VillageAssignment, VillageVisit


class OfficerForm(ServiceModelForm):
    class Meta:
        model = Officer
        fields = ("name", "badge_number", "post", "gender", "phone", "is_active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].widget.attrs.update(inputmode="tel", autocomplete="off")


class AuxiliaryOfficerForm(ServiceModelForm):
    class Meta:
        model = AuxiliaryOfficer
        fields = ("name", "gender", "ethnicity", "id_number", "phone", "is_active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].widget.attrs.update(inputmode="tel", autocomplete="off")
        self.fields["id_number"].widget.attrs.update(autocomplete="off")


class AssignmentForm(StyledFormMixin, forms.Form):
    """Attach an officer (挂村民警) or an auxiliary officer (驻村辅警) to a village. ``kind``
    (from ``?kind=``) narrows the form to one of the two."""

    village = forms.ModelChoiceField(label=_("村(社区)"), queryset=Region.objects.none())
    officer = forms.ModelChoiceField(label=_("挂村民警"), queryset=Officer.objects.none(), required=False)
    auxiliary_officer = forms.ModelChoiceField(
        label=_("驻村辅警"), queryset=AuxiliaryOfficer.objects.none(), required=False
    )
    start_date = forms.DateField(label=_("开始日期"), widget=DateInput())
    note = forms.CharField(label=_("备注"), max_length=128, required=False)

    def __init__(self, *args, user, kind: str = "", **kwargs):
        kwargs.setdefault("initial", {}).setdefault("start_date", timezone.localdate())
        super().__init__(*args, **kwargs)
        village = self.fields["village"]
        village.queryset = gov_selectors.village_list(user=user)
        village.label_from_instance = lambda v: f"{v.parent.name} · {v.name}" if v.parent_id else v.name
        officer = self.fields["officer"]
        officer.queryset = selectors.officer_list(user=user).filter(is_active=True)
        officer.label_from_instance = lambda o: f"{o.station.name} · {o.name}({o.badge_number})"
        auxiliary = self.fields["auxiliary_officer"]
        auxiliary.queryset = selectors.auxiliary_officer_list(user=user).filter(is_active=True)
        auxiliary.label_from_instance = lambda a: f"{a.station.name} · {a.name}"
        if kind == VillageAssignment.Kind.ATTACHED_OFFICER:
            del self.fields["auxiliary_officer"]
            officer.required = True
        elif kind == VillageAssignment.Kind.AUXILIARY:
            del self.fields["officer"]
            auxiliary.required = True
        else:
            officer.help_text = auxiliary.help_text = _("民警与辅警二选一。")

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


class AssignmentEndForm(StyledFormMixin, forms.Form):
    end_date = forms.DateField(label=_("结束日期"), widget=DateInput())

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("end_date", timezone.localdate())
        super().__init__(*args, **kwargs)

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


# --- Incidents (警情) ------------------------------------------------------------------------
class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _village_label(v: Region) -> str:
    return f"{v.parent.name} · {v.name}" if v.parent_id else v.name


class StationChoiceMixin:
    """A ``station`` field limited to the user's stations; hidden when there is only one."""

    def _setup_station(self, user) -> None:
        field = self.fields["station"]
        field.queryset = Station.objects.filter(pk__in=selectors.station_ids(user), is_active=True)
        stations = list(field.queryset[:2])
        if len(stations) == 1:
            field.initial = stations[0].pk
            field.widget = forms.HiddenInput()


class IncidentForm(StationChoiceMixin, ServiceModelForm):
    station = forms.ModelChoiceField(label=_("派出所"), queryset=Station.objects.none())
    received_at = forms.DateTimeField(label=_("接警时间"), widget=DateTimeInput())

    class Meta:
        model = Incident
        fields = (
            "station",
            "number",
            "received_at",
            "category",
            "village",
            "address",
            "caller_name",
            "caller_phone",
            "parties",
            "summary",
            "outcome",
        )
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "outcome": forms.Textarea(attrs={"rows": 2}),
            "parties": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        village = self.fields["village"]
        village.queryset = gov_selectors.village_list(user=self.user).select_related("parent")
        village.label_from_instance = _village_label
        self.fields["caller_phone"].widget.attrs.update(inputmode="tel", autocomplete="off")
        if self.instance.pk:
            del self.fields["station"]  # an incident stays with its station
        else:
            self._setup_station(self.user)
            self.fields["received_at"].initial = timezone.localtime().replace(second=0, microsecond=0)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        for key in ("address", "caller_name", "caller_phone", "parties", "outcome"):
            data[key] = data.get(key) or ""
        return data


class IncidentFilterForm(ListFilterForm):
    search_placeholder = _("编号、地址、报警人、警情")
    date_range_label = _("接警日期")
    category = forms.ChoiceField(label=_("类别"), choices=[("", _("全部类别")), *Incident.Category.choices])
    village = forms.ModelChoiceField(
        label=_("村(社区)"), queryset=Region.objects.none(), empty_label=_("全部村(社区)")
    )
    date_from = forms.DateField(label=_("接警日期自"), widget=DateInput(attrs={"title": _("接警日期自")}))
    date_to = forms.DateField(label=_("接警日期至"), widget=DateInput(attrs={"title": _("接警日期至")}))
    repeat = forms.ChoiceField(
        label=_("重复警情"), choices=[("", _("是否重复")), ("1", _("仅重复警情")), ("0", _("非重复"))]
    )
    referral = forms.ChoiceField(
        label=_("移交"), choices=[("", _("移交状态")), *[c for c in Incident.ReferralStatus.choices if c[0]]]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        village = self.fields["village"]
        village.queryset = gov_selectors.village_list(user=self.user).select_related("parent")
        village.label_from_instance = _village_label

    def selector_kwargs(self, filters: dict) -> dict:
        repeat = filters.get("repeat")
        village = filters.get("village")
        return {
            "search": filters.get("q", ""),
            "category": filters.get("category", ""),
            "village_id": village.pk if village else None,
            "date_from": filters.get("date_from"),
            "date_to": filters.get("date_to"),
            "repeat": None if repeat in (None, "") else repeat == "1",
            "referral_status": filters.get("referral") or None,
        }


class IncidentReferForm(StyledFormMixin, forms.Form):
    department = forms.CharField(
        label=_("移交部门"), max_length=64, help_text=_("如 12345 热线、劳动监察大队、民政办、司法所。")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


class IncidentAnswerForm(StyledFormMixin, forms.Form):
    answer = forms.CharField(label=_("部门答复"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


class IncidentImportForm(StationChoiceMixin, StyledFormMixin, forms.Form):
    station = forms.ModelChoiceField(label=_("派出所"), queryset=Station.objects.none())
    file = forms.FileField(
        label=_("警情文件"),
        help_text=_("Excel(.xlsx)或 CSV 文件,请使用下载的模板;不超过 5 MB。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_station(user)


# --- Village presence (驻村签到) -------------------------------------------------------------
class PresenceFilterForm(ListFilterForm):
    station = forms.ModelChoiceField(
        label=_("派出所"), queryset=Station.objects.none(), empty_label=_("全部派出所")
    )
    month = forms.DateField(
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
        self.fields["station"].queryset = Station.objects.filter(pk__in=selectors.station_ids(self.user))
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

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        village = self.fields["village"]
        village.queryset = gov_selectors.village_list(user=user).select_related("parent")
        village.label_from_instance = _village_label
        mine = list(selectors.my_assignments(user=user).values_list("village_id", flat=True))
        if mine:
            village.queryset = village.queryset.filter(pk__in=mine)
            if len(mine) == 1:
                village.initial = mine[0]

    def service_data(self) -> dict:
        return dict(self.cleaned_data)
