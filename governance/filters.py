"""Query-string filters for the governance API.

They narrow a queryset that already comes scoped from ``governance.selectors``. Related objects
are filtered by number (``core.filters.IdFilter``), not by a model choice: a choice filter would look the
id up in the whole table and so tell an outsider whether it exists. ``?search=`` is handed to
the selectors, which own the search fields.
"""

import django_filters as df
from django.utils.translation import gettext_lazy as _

from core.filters import IdFilter

from .models import CommitteeMember, Grid, GridWorker, Mediator, Region, SecurityCommittee, VolunteerTeam


class RegionFilter(df.FilterSet):
    kind = df.ChoiceFilter(choices=Region.Kind.choices, label=_("类型"))
    parent = IdFilter(field_name="parent", label=_("上级编号"))
    is_archived = df.BooleanFilter(label=_("已归档"))

    class Meta:
        model = Region
        fields = ["kind", "parent", "is_archived"]


class GridFilter(df.FilterSet):
    village = IdFilter(field_name="village", label=_("村(社区)编号"))
    township = IdFilter(field_name="village__parent", label=_("乡镇编号"))
    is_active = df.BooleanFilter(label=_("启用"))

    class Meta:
        model = Grid
        fields = ["village", "township", "is_active"]


class GridWorkerFilter(df.FilterSet):
    grid = IdFilter(field_name="grid", label=_("网格编号"))
    village = IdFilter(field_name="grid__village", label=_("村(社区)编号"))
    role = df.ChoiceFilter(choices=GridWorker.Role.choices, label=_("职责"))
    is_active = df.BooleanFilter(label=_("在岗"))

    class Meta:
        model = GridWorker
        fields = ["grid", "village", "role", "is_active"]


class MediatorFilter(df.FilterSet):
    kind = df.ChoiceFilter(choices=Mediator.Kind.choices, label=_("类别"))
    township = IdFilter(field_name="township", label=_("乡镇编号"))
    speaks_yi = df.BooleanFilter(label=_("会讲彝语"))
    speaks_mandarin = df.BooleanFilter(label=_("会讲汉语"))
    is_active = df.BooleanFilter(label=_("在册"))

    class Meta:
        model = Mediator
        fields = ["kind", "township", "speaks_yi", "speaks_mandarin", "is_active"]


class CommitteeFilter(df.FilterSet):
    village = IdFilter(field_name="village", label=_("村(社区)编号"))
    township = IdFilter(field_name="village__parent", label=_("乡镇编号"))

    class Meta:
        model = SecurityCommittee
        fields = ["village", "township"]


class CommitteeMemberFilter(df.FilterSet):
    committee = IdFilter(field_name="committee", label=_("治保会编号"))
    village = IdFilter(field_name="committee__village", label=_("村(社区)编号"))
    position = df.ChoiceFilter(choices=CommitteeMember.Position.choices, label=_("职务"))
    kind = df.ChoiceFilter(choices=CommitteeMember.Kind.choices, label=_("身份"))
    is_active = df.BooleanFilter(label=_("在任"))

    class Meta:
        model = CommitteeMember
        fields = ["committee", "village", "position", "kind", "is_active"]


class VolunteerTeamFilter(df.FilterSet):
    region = IdFilter(field_name="region", label=_("所属区域编号"))
    kind = df.ChoiceFilter(choices=VolunteerTeam.Kind.choices, label=_("类型"))
    is_active = df.BooleanFilter(label=_("启用"))

    class Meta:
        model = VolunteerTeam
        fields = ["region", "kind", "is_active"]
