"""API serializers for stations, officers, auxiliary officers and village assignments.

As in ``governance.serializers``: input shape and scope of the chosen related objects here,
rules in ``stations.services``; phones and ID-card numbers masked by ``governance.privacy``.
"""

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.serializers import BaseModelSerializer, NamedChoiceField, ScopedPrimaryKeyRelatedField
from governance import selectors as gov_selectors
from governance.models import Region
from governance.privacy import shown_id_number, shown_phone
from governance.serializers import PersonalDataMixin

from . import selectors
from .models import AuxiliaryOfficer, Incident, Officer, Station, VillageAssignment, VillageVisit


def _stations(user) -> QuerySet[Station]:
    return selectors.station_list(user=user)


def _villages(user) -> QuerySet[Region]:
    return gov_selectors.village_list(user=user, include_archived=True)


def _officers(user) -> QuerySet[Officer]:
    return selectors.officer_list(user=user)


def _auxiliary_officers(user) -> QuerySet[AuxiliaryOfficer]:
    return selectors.auxiliary_officer_list(user=user)


class StationSerializer(BaseModelSerializer):
    county_name = serializers.CharField(source="county.name", read_only=True)
    officer_count = serializers.IntegerField(read_only=True, label=_("在岗民警数"))
    auxiliary_count = serializers.IntegerField(read_only=True, label=_("在岗辅警数"))

    class Meta(BaseModelSerializer.Meta):
        model = Station
        # The duty phone is the station's public number: not personal data.
        fields = [
            "id",
            "name",
            "code",
            "county",
            "county_name",
            "address",
            "phone",
            "is_active",
            "officer_count",
            "auxiliary_count",
        ]
        read_only_fields = fields


class OfficerSerializer(PersonalDataMixin, BaseModelSerializer):
    personal_fields = {"phone": shown_phone}

    station: serializers.PrimaryKeyRelatedField[Station] = ScopedPrimaryKeyRelatedField(
        scope=_stations, queryset=Station.objects.all(), label=_("派出所")
    )
    station_name = serializers.CharField(source="station.name", read_only=True)
    post_display = serializers.CharField(source="get_post_display", read_only=True)

    class Meta(BaseModelSerializer.Meta):
        model = Officer
        fields = [
            "id",
            "station",
            "station_name",
            "name",
            "badge_number",
            "post",
            "post_display",
            "gender",
            "phone",
            "is_active",
            "user",
        ]
        # Linking a login account grants scope: that is done by an administrator, not here.
        read_only_fields = ["user"]


class OfficerUpdateSerializer(OfficerSerializer):
    station: serializers.PrimaryKeyRelatedField[Station] = serializers.PrimaryKeyRelatedField(
        read_only=True, label=_("派出所")
    )


class AuxiliaryOfficerSerializer(PersonalDataMixin, BaseModelSerializer):
    personal_fields = {"id_number": shown_id_number, "phone": shown_phone}

    station: serializers.PrimaryKeyRelatedField[Station] = ScopedPrimaryKeyRelatedField(
        scope=_stations, queryset=Station.objects.all(), label=_("派出所")
    )
    station_name = serializers.CharField(source="station.name", read_only=True)

    class Meta(BaseModelSerializer.Meta):
        model = AuxiliaryOfficer
        fields = [
            "id",
            "station",
            "station_name",
            "name",
            "gender",
            "ethnicity",
            "id_number",
            "phone",
            "is_active",
            "user",
        ]
        read_only_fields = ["user"]


class AuxiliaryOfficerUpdateSerializer(AuxiliaryOfficerSerializer):
    station: serializers.PrimaryKeyRelatedField[Station] = serializers.PrimaryKeyRelatedField(
        read_only=True, label=_("派出所")
    )


class AssignmentSerializer(BaseModelSerializer):
    """Create: a village and either an officer (挂村民警) or an auxiliary officer (驻村辅警);
    the current one of the same kind ends the day before ``start_date`` (default today)."""

    village = ScopedPrimaryKeyRelatedField(
        scope=_villages, queryset=Region.objects.all(), label=_("村(社区)")
    )
    village_name = serializers.CharField(source="village.name", read_only=True)
    officer = ScopedPrimaryKeyRelatedField(
        scope=_officers, queryset=Officer.objects.all(), required=False, allow_null=True, label=_("民警")
    )
    officer_name = serializers.CharField(source="officer.name", read_only=True, default=None, allow_null=True)
    auxiliary_officer = ScopedPrimaryKeyRelatedField(
        scope=_auxiliary_officers,
        queryset=AuxiliaryOfficer.objects.all(),
        required=False,
        allow_null=True,
        label=_("辅警"),
    )
    auxiliary_officer_name = serializers.CharField(
        source="auxiliary_officer.name", read_only=True, default=None, allow_null=True
    )
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    start_date = serializers.DateField(
        required=False, allow_null=True, label=_("开始日期"), help_text=_("留空为今天")
    )
    is_current = serializers.BooleanField(read_only=True, label=_("在岗"))

    class Meta(BaseModelSerializer.Meta):
        model = VillageAssignment
        fields = [
            "id",
            "village",
            "village_name",
            "kind",
            "kind_display",
            "officer",
            "officer_name",
            "auxiliary_officer",
            "auxiliary_officer_name",
            "start_date",
            "end_date",
            "is_current",
            "note",
        ]
        read_only_fields = ["kind", "end_date"]


class AssignmentEndSerializer(serializers.Serializer):
    end_date = serializers.DateField(
        required=False, allow_null=True, label=_("结束日期"), help_text=_("留空为今天")
    )


# --- Incidents and village presence -------------------------------------------------------
class IncidentSerializer(PersonalDataMixin, BaseModelSerializer):
    """警情. ``is_repeat``: another incident at the same place or from the same caller phone
    within the 30 days before. The caller phone is masked in lists."""

    personal_fields = {"caller_phone": shown_phone}

    station: serializers.PrimaryKeyRelatedField[Station] = ScopedPrimaryKeyRelatedField(
        scope=_stations, queryset=Station.objects.all(), label=_("派出所")
    )
    station_name = serializers.CharField(source="station.name", read_only=True)
    village = ScopedPrimaryKeyRelatedField(
        scope=_villages, queryset=Region.objects.all(), label=_("村(社区)")
    )
    village_name = serializers.CharField(source="village.name", read_only=True)
    category = NamedChoiceField(
        enum_name="IncidentCategoryEnum", choices=Incident.Category.choices, label=_("警情类别")
    )
    referral_status = NamedChoiceField(
        enum_name="IncidentReferralStatusEnum",
        choices=Incident.ReferralStatus.choices,
        read_only=True,
        label=_("移交状态"),
    )
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    is_repeat = serializers.BooleanField(read_only=True, label=_("重复警情"))

    class Meta(BaseModelSerializer.Meta):
        model = Incident
        fields = [
            "id",
            "station",
            "station_name",
            "number",
            "received_at",
            "category",
            "category_display",
            "village",
            "village_name",
            "address",
            "caller_name",
            "caller_phone",
            "parties",
            "summary",
            "outcome",
            "is_repeat",
            "referred_to",
            "referred_at",
            "referral_status",
            "referral_answer",
            "answered_at",
            "created_at",
        ]
        read_only_fields = [
            "referred_to",
            "referred_at",
            "referral_status",
            "referral_answer",
            "answered_at",
            "created_at",
        ]


class IncidentUpdateSerializer(IncidentSerializer):
    station: serializers.PrimaryKeyRelatedField[Station] = serializers.PrimaryKeyRelatedField(
        read_only=True, label=_("派出所")
    )


class IncidentReferSerializer(serializers.Serializer):
    department = serializers.CharField(max_length=64, label=_("移交部门"))


class IncidentAnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(label=_("部门答复"))


class VillageVisitSerializer(BaseModelSerializer):
    """驻村签到. Created by the officer or auxiliary officer themself (the person is the caller)."""

    village = ScopedPrimaryKeyRelatedField(
        scope=_villages, queryset=Region.objects.all(), label=_("村(社区)")
    )
    village_name = serializers.CharField(source="village.name", read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True)
    lat = serializers.DecimalField(
        max_digits=12, decimal_places=8, required=False, allow_null=True, write_only=True, label=_("纬度")
    )
    lon = serializers.DecimalField(
        max_digits=12, decimal_places=8, required=False, allow_null=True, write_only=True, label=_("经度")
    )

    class Meta(BaseModelSerializer.Meta):
        model = VillageVisit
        fields = [
            "id",
            "village",
            "village_name",
            "officer",
            "auxiliary_officer",
            "person_name",
            "visited_on",
            "checked_in_at",
            "latitude",
            "longitude",
            "lat",
            "lon",
            "activity",
            "note",
            "recorded_offline_at",
            "distance_m",
            "verified",
            "risk_visit",
            "outcome",
        ]
        read_only_fields = [
            "officer",
            "auxiliary_officer",
            "visited_on",
            "checked_in_at",
            "latitude",
            "longitude",
            "distance_m",
            "verified",
            "risk_visit",
            "outcome",
        ]
