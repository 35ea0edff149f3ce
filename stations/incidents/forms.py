"""Forms of the incident pages: record and edit, the list's filters, referral and answer, the
import upload. Parsing only, with scoped choices; the services decide."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import DateInput, ListFilterForm, ServiceModelForm, StyledFormMixin
from core.limits import BoundedDateField, BoundedDateTimeField
from governance import selectors as gov_selectors
from governance.models import Region
from stations.forms import DateTimeInput, StationChoiceMixin, village_label
from stations.models import Incident, Station
from stations.services import INCIDENT_FIELDS


class IncidentForm(StationChoiceMixin, ServiceModelForm):
    station = forms.ModelChoiceField(label=_("派出所"), queryset=Station.objects.none())
    received_at = BoundedDateTimeField(label=_("接警时间"), widget=DateTimeInput())

    class Meta:
        model = Incident
        fields = ("station", *INCIDENT_FIELDS)  # what the service writes
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "outcome": forms.Textarea(attrs={"rows": 2}),
            "parties": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        village = self.fields["village"]
        village.queryset = gov_selectors.village_list(user=self.user).select_related("parent")
        village.label_from_instance = village_label
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
    date_from = BoundedDateField(label=_("接警日期自"), widget=DateInput(attrs={"title": _("接警日期自")}))
    date_to = BoundedDateField(label=_("接警日期至"), widget=DateInput(attrs={"title": _("接警日期至")}))
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
        village.label_from_instance = village_label

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
