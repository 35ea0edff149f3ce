"""Forms for the station pages: parsing only, with scoped choices. The services decide. The
incident and presence forms are in ``stations.incidents.forms`` / ``stations.presence.forms``;
the helpers here (``DateTimeInput``, ``StationChoiceMixin``, ``village_label``) serve them too."""

from typing import cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import DateInput, ServiceModelForm, StyledFormMixin, choice_label
from core.limits import BoundedDateField
from governance import selectors as gov_selectors
from governance.models import Region

from . import selectors
from .models import AuxiliaryOfficer, Officer, Station, VillageAssignment


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
    start_date = BoundedDateField(label=_("开始日期"), widget=DateInput())
    note = forms.CharField(label=_("备注"), max_length=128, required=False)

    def __init__(self, *args, user, kind: str = "", **kwargs):
        kwargs.setdefault("initial", {}).setdefault("start_date", timezone.localdate())
        super().__init__(*args, **kwargs)
        village = cast(forms.ModelChoiceField, self.fields["village"])
        village.queryset = gov_selectors.village_list(user=user)
        choice_label(village, lambda v: f"{v.parent.name} · {v.name}" if v.parent_id else v.name)
        officer = cast(forms.ModelChoiceField, self.fields["officer"])
        officer.queryset = selectors.officer_list(user=user).filter(is_active=True)
        choice_label(officer, lambda o: f"{o.station.name} · {o.name}({o.badge_number})")
        auxiliary = cast(forms.ModelChoiceField, self.fields["auxiliary_officer"])
        auxiliary.queryset = selectors.auxiliary_officer_list(user=user).filter(is_active=True)
        choice_label(auxiliary, lambda a: f"{a.station.name} · {a.name}")
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
    end_date = BoundedDateField(label=_("结束日期"), widget=DateInput())

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


def village_label(v: Region) -> str:
    """A village as it is shown in a choice: its township and its name."""
    return f"{v.parent.name} · {v.name}" if v.parent is not None else v.name


class StationChoiceMixin:
    """A ``station`` field limited to the user's stations; hidden when there is only one."""

    fields: dict[str, forms.Field]  # the form's, which this mixin is mixed into

    def _setup_station(self, user) -> None:
        field = cast(forms.ModelChoiceField, self.fields["station"])
        field.queryset = Station.objects.filter(pk__in=selectors.station_ids(user), is_active=True)
        stations = list(field.queryset[:2])
        if len(stations) == 1:
            field.initial = stations[0].pk
            field.widget = forms.HiddenInput()
