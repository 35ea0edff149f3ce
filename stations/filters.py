"""Query-string filters for the stations API (see ``governance.filters`` for the conventions)."""

import django_filters as df
from django.utils.translation import gettext_lazy as _

from core.filters import DateFilter, IdFilter

from .models import AuxiliaryOfficer, Incident, Officer, Station, VillageAssignment, VillageVisit


class StationFilter(df.FilterSet):
    is_active = df.BooleanFilter(label=_("启用"))

    class Meta:
        model = Station
        fields = ["is_active"]


class OfficerFilter(df.FilterSet):
    station = IdFilter(field_name="station", label=_("派出所编号"))
    post = df.ChoiceFilter(choices=Officer.Post.choices, label=_("岗位"))
    is_active = df.BooleanFilter(label=_("在岗"))

    class Meta:
        model = Officer
        fields = ["station", "post", "is_active"]


class AuxiliaryOfficerFilter(df.FilterSet):
    station = IdFilter(field_name="station", label=_("派出所编号"))
    is_active = df.BooleanFilter(label=_("在岗"))

    class Meta:
        model = AuxiliaryOfficer
        fields = ["station", "is_active"]


class AssignmentFilter(df.FilterSet):
    village = IdFilter(field_name="village", label=_("村(社区)编号"))
    kind = df.ChoiceFilter(choices=VillageAssignment.Kind.choices, label=_("类型"))
    officer = IdFilter(field_name="officer", label=_("民警编号"))
    auxiliary_officer = IdFilter(field_name="auxiliary_officer", label=_("辅警编号"))
    current = df.BooleanFilter(field_name="end_date", lookup_expr="isnull", label=_("仅当前在岗"))

    class Meta:
        model = VillageAssignment
        fields = ["village", "kind", "officer", "auxiliary_officer", "current"]


class IncidentFilter(df.FilterSet):
    station = IdFilter(field_name="station", label=_("派出所编号"))
    village = IdFilter(field_name="village", label=_("村(社区)编号"))
    category = df.ChoiceFilter(choices=Incident.Category.choices, label=_("类别"))
    received_after = DateFilter(field_name="received_at", lookup_expr="date__gte", label=_("接警日期自"))
    received_before = DateFilter(field_name="received_at", lookup_expr="date__lte", label=_("接警日期至"))
    repeat = df.BooleanFilter(field_name="is_repeat", label=_("重复警情"))
    referral_status = df.ChoiceFilter(
        choices=[c for c in Incident.ReferralStatus.choices if c[0]], label=_("移交状态")
    )

    class Meta:
        model = Incident
        fields = ["station", "village", "category", "referral_status"]


class VillageVisitFilter(df.FilterSet):
    village = IdFilter(field_name="village", label=_("村(社区)编号"))
    officer = IdFilter(field_name="officer", label=_("民警编号"))
    auxiliary_officer = IdFilter(field_name="auxiliary_officer", label=_("辅警编号"))
    visited_after = DateFilter(field_name="visited_on", lookup_expr="gte", label=_("日期自"))
    visited_before = DateFilter(field_name="visited_on", lookup_expr="lte", label=_("日期至"))
    activity = df.ChoiceFilter(choices=VillageVisit.Activity.choices, label=_("工作内容"))

    class Meta:
        model = VillageVisit
        fields = ["village", "officer", "auxiliary_officer", "activity"]
