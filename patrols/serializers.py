"""API serializers for patrols: input shape and scope of related objects; rules in the services."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.serializers import BaseModelSerializer, NamedChoiceField, ScopedPrimaryKeyRelatedField
from disputes.models import Category
from governance import selectors as gov_selectors
from governance.models import Grid, Region, VolunteerMember, VolunteerTeam
from stations import selectors as station_selectors
from stations.models import AuxiliaryOfficer, Incident, Officer, Station

from . import selectors
from .models import Patrol, PatrolAttendance, PatrolCheckIn, PatrolCheckpoint, PatrolFinding, PatrolPlan


def _villages(user):
    return gov_selectors.village_list(user=user, include_archived=True)


class CheckpointSerializer(BaseModelSerializer):
    village = ScopedPrimaryKeyRelatedField(
        scope=_villages, queryset=Region.objects.all(), required=False, allow_null=True, label=_("村(社区)")
    )
    grid = ScopedPrimaryKeyRelatedField(
        scope=lambda u: gov_selectors.grid_list(user=u, include_inactive=True),
        queryset=Grid.objects.all(),
        required=False,
        allow_null=True,
        label=_("网格"),
    )
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]  # a field, not Field.label

    class Meta(BaseModelSerializer.Meta):
        model = PatrolCheckpoint
        fields = ["id", "order", "village", "grid", "place", "label"]
        read_only_fields = ["order"]


class PlanSerializer(BaseModelSerializer):
    station = ScopedPrimaryKeyRelatedField(
        scope=lambda u: station_selectors.station_list(user=u),
        queryset=Station.objects.all(),
        label=_("派出所"),
    )
    checkpoints = CheckpointSerializer(many=True, label=_("巡逻路线(按顺序)"))
    officers = ScopedPrimaryKeyRelatedField(
        scope=lambda u: station_selectors.officer_list(user=u),
        many=True,
        queryset=Officer.objects.all(),
        required=False,
        label=_("民警"),
    )
    auxiliary_officers = ScopedPrimaryKeyRelatedField(
        scope=lambda u: station_selectors.auxiliary_officer_list(user=u),
        many=True,
        queryset=AuxiliaryOfficer.objects.all(),
        required=False,
        label=_("辅警"),
    )
    volunteer_teams = ScopedPrimaryKeyRelatedField(
        scope=lambda u: gov_selectors.volunteer_team_list(user=u, include_inactive=True),
        many=True,
        queryset=VolunteerTeam.objects.all(),
        required=False,
        label=_("群防群治队伍"),
    )
    volunteer_members = ScopedPrimaryKeyRelatedField(
        scope=lambda u: gov_selectors.volunteer_member_list(user=u),
        many=True,
        queryset=VolunteerMember.objects.all(),
        required=False,
        label=_("队员"),
    )

    class Meta(BaseModelSerializer.Meta):
        model = PatrolPlan
        fields = [
            "id",
            "station",
            "title",
            "starts_at",
            "ends_at",
            "checkpoints",
            "officers",
            "auxiliary_officers",
            "volunteer_teams",
            "volunteer_members",
            "joint_units",
            "note",
            "created_at",
        ]
        read_only_fields = ["created_at"]


class CheckInSerializer(BaseModelSerializer):
    class Meta(BaseModelSerializer.Meta):
        model = PatrolCheckIn
        fields = [
            "id",
            "checkpoint",
            "checked_in_at",
            "latitude",
            "longitude",
            "distance_m",
            "recorded_offline_at",
        ]
        read_only_fields = fields


class FindingSerializer(BaseModelSerializer):
    village = ScopedPrimaryKeyRelatedField(
        scope=_villages, queryset=Region.objects.all(), label=_("村(社区)")
    )
    case_number = serializers.CharField(source="case.number", read_only=True, default=None, allow_null=True)
    incident_number = serializers.CharField(
        source="incident.number", read_only=True, default=None, allow_null=True
    )

    class Meta(BaseModelSerializer.Meta):
        model = PatrolFinding
        fields = [
            "id",
            "kind",
            "description",
            "village",
            "address",
            "found_at",
            "case",
            "case_number",
            "incident",
            "incident_number",
        ]
        read_only_fields = ["found_at", "case", "incident"]


class AttendanceSerializer(BaseModelSerializer):
    name = serializers.CharField(source="person.name", read_only=True)
    kind = serializers.SerializerMethodField()

    class Meta(BaseModelSerializer.Meta):
        model = PatrolAttendance
        fields = [
            "id",
            "kind",
            "officer",
            "auxiliary_officer",
            "volunteer_member",
            "name",
            "checked_in_at",
            "by_self",
        ]
        read_only_fields = fields

    def get_kind(self, row) -> str:
        """officer / auxiliary_officer / volunteer_member."""
        if row.officer_id:
            return "officer"
        return "auxiliary_officer" if row.auxiliary_officer_id else "volunteer_member"


class AttendanceInput(serializers.Serializer):
    officers = serializers.ListField(child=serializers.IntegerField(), required=False, label=_("民警"))
    auxiliary_officers = serializers.ListField(
        child=serializers.IntegerField(), required=False, label=_("辅警")
    )
    volunteer_members = serializers.ListField(
        child=serializers.IntegerField(), required=False, label=_("队员")
    )


class PatrolSerializer(BaseModelSerializer):
    plan = ScopedPrimaryKeyRelatedField(
        scope=lambda u: selectors.plan_list(user=u), queryset=PatrolPlan.objects.all(), label=_("巡逻计划")
    )
    check_ins = CheckInSerializer(many=True, read_only=True)
    attendance = AttendanceSerializer(many=True, read_only=True)
    findings = FindingSerializer(many=True, read_only=True)
    check_in_count = serializers.IntegerField(read_only=True)
    finding_count = serializers.IntegerField(read_only=True)

    class Meta(BaseModelSerializer.Meta):
        model = Patrol
        fields = [
            "id",
            "plan",
            "station",
            "title",
            "status",
            "started_at",
            "ended_at",
            "summary",
            "check_in_count",
            "finding_count",
            "check_ins",
            "attendance",
            "findings",
        ]
        read_only_fields = ["station", "title", "status", "started_at", "ended_at", "summary"]


class PatrolCheckInInput(serializers.Serializer):
    checkpoint = serializers.IntegerField(label=_("巡逻点编号"))
    lat = serializers.DecimalField(max_digits=12, decimal_places=8, required=False, allow_null=True)
    lon = serializers.DecimalField(max_digits=12, decimal_places=8, required=False, allow_null=True)
    recorded_offline_at = serializers.DateTimeField(required=False, allow_null=True, label=_("离线记录时间"))


class PatrolEndInput(serializers.Serializer):
    summary = serializers.CharField(required=False, allow_blank=True, label=_("巡逻小结"))


class FindingToCaseInput(serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.choices, label=_("纠纷类别"))
    people_involved = serializers.IntegerField(min_value=1, default=2, label=_("涉及人数"))


class FindingToIncidentInput(serializers.Serializer):
    category = NamedChoiceField(
        enum_name="IncidentCategoryEnum", choices=Incident.Category.choices, label=_("警情类别")
    )
