"""Query-string filters for the stations API (see ``governance.filters`` for the conventions)."""

import django_filters as df
from django.utils.translation import gettext_lazy as _

from .models import AuxiliaryOfficer, Officer, Station, VillageAssignment


class StationFilter(df.FilterSet):
    is_active = df.BooleanFilter(label=_("启用"))

    class Meta:
        model = Station
        fields = ["is_active"]


class OfficerFilter(df.FilterSet):
    station = df.NumberFilter(field_name="station", label=_("派出所编号"))
    post = df.ChoiceFilter(choices=Officer.Post.choices, label=_("岗位"))
    is_active = df.BooleanFilter(label=_("在岗"))

    class Meta:
        model = Officer
        fields = ["station", "post", "is_active"]


class AuxiliaryOfficerFilter(df.FilterSet):
    station = df.NumberFilter(field_name="station", label=_("派出所编号"))
    is_active = df.BooleanFilter(label=_("在岗"))

    class Meta:
        model = AuxiliaryOfficer
        fields = ["station", "is_active"]


class AssignmentFilter(df.FilterSet):
    village = df.NumberFilter(field_name="village", label=_("村(社区)编号"))
    kind = df.ChoiceFilter(choices=VillageAssignment.Kind.choices, label=_("类型"))
    officer = df.NumberFilter(field_name="officer", label=_("民警编号"))
    auxiliary_officer = df.NumberFilter(field_name="auxiliary_officer", label=_("辅警编号"))
    current = df.BooleanFilter(field_name="end_date", lookup_expr="isnull", label=_("仅当前在岗"))

    class Meta:
        model = VillageAssignment
        fields = ["village", "kind", "officer", "auxiliary_officer", "current"]
