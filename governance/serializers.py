"""API serializers for the territory and community forces.

Serializers only check input shape: field types, choices, the field validators of the models
(ID-card checksum, phone format) and that every chosen related object is inside the actor's
scope. The rules (who may change what, archived villages, one leader per grid …) live in
``governance.services``; the viewsets call them with ``serializer.validated_data``.

Personal data (ID-card numbers, phones) is masked in lists, and in details for roles that do
not work with the person (``governance.privacy``).
"""

from collections.abc import Callable

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.serializers import BaseModelSerializer, ScopedPrimaryKeyRelatedField

from . import scoping, selectors
from .models import (
    CommitteeMember,
    Grid,
    GridWorker,
    Mediator,
    PersonalDataAccess,
    Region,
    SecurityCommittee,
    VolunteerTeam,
)
from .privacy import record_access, shown_id_number, shown_phone


class PersonalDataMixin:
    """Masks the personal-data fields named in ``personal_fields`` (field → masking function).

    The viewset puts ``in_list`` in the serializer context for list responses."""

    personal_fields: dict[str, Callable] = {}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        in_list = bool(self.context.get("in_list"))
        full = []
        for field, shown in self.personal_fields.items():
            if data.get(field):
                data[field] = shown(user, data[field], in_list=in_list)
                if data[field] == getattr(instance, field, None):
                    full.append(field)
        if full:  # a full number in an API response is recorded (governance.privacy)
            record_access(actor=user, obj=instance, fields=full, kind="display", request=request)
        return data


# Choices for related fields: the scoped selectors, inactive and archived rows included so that
# the services, not a generic "not found", explain why such a choice is refused.
def _villages(user) -> QuerySet[Region]:
    return selectors.village_list(user=user, include_archived=True)


def _townships(user) -> QuerySet[Region]:
    return selectors.township_list(user=user)


def _grids(user) -> QuerySet[Grid]:
    return selectors.grid_list(user=user, include_inactive=True)


def _committees(user) -> QuerySet[SecurityCommittee]:
    return selectors.committee_list(user=user)


def _team_regions(user) -> QuerySet[Region]:
    """Volunteer teams belong to a village, a township or (county-wide users only) the county."""
    regions = selectors.region_list(user=user)
    if scoping.is_county_wide(user):
        return regions
    return regions.exclude(kind=Region.Kind.COUNTY)


def _parent_regions(user) -> QuerySet[Region]:
    """Only county-wide users create regions (the county itself has no parent, and a new
    township has no village yet), so they choose among all regions."""
    if scoping.is_county_wide(user):
        return Region.objects.all()
    return Region.objects.none()


# --- Regions ------------------------------------------------------------------------------
class RegionSerializer(BaseModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    # a declared field named like Field.parent: the serializer's metaclass takes it out of the
    # class attributes, which the stubs cannot know
    parent: serializers.PrimaryKeyRelatedField[Region] = ScopedPrimaryKeyRelatedField(  # type: ignore[assignment]
        scope=_parent_regions,
        queryset=Region.objects.all(),
        allow_null=True,
        required=False,
        label=_("上级"),
    )
    parent_name = serializers.CharField(source="parent.name", read_only=True, default=None, allow_null=True)

    class Meta(BaseModelSerializer.Meta):
        model = Region
        fields = [
            "id",
            "name",
            "code",
            "kind",
            "kind_display",
            "parent",
            "parent_name",
            "households",
            "population",
            "is_archived",
            "archived_at",
            "created_at",
        ]
        read_only_fields = ["is_archived", "archived_at", "created_at"]


class RegionUpdateSerializer(RegionSerializer):
    """Structure (kind, parent) is fixed once created; the service decides which of the other
    fields the actor may change."""

    parent: serializers.PrimaryKeyRelatedField[Region] = serializers.PrimaryKeyRelatedField(
        read_only=True, label=_("上级")
    )

    class Meta(RegionSerializer.Meta):
        read_only_fields = ["kind", "is_archived", "archived_at", "created_at"]


# --- Grids --------------------------------------------------------------------------------
class GridSerializer(BaseModelSerializer):
    village: serializers.PrimaryKeyRelatedField[Region] = ScopedPrimaryKeyRelatedField(
        scope=_villages, queryset=Region.objects.all(), label=_("所属村(社区)")
    )
    village_name = serializers.CharField(source="village.name", read_only=True)
    township_name = serializers.CharField(
        source="village.parent.name", read_only=True, default=None, allow_null=True
    )
    worker_count = serializers.IntegerField(read_only=True, label=_("在岗网格员数"))

    class Meta(BaseModelSerializer.Meta):
        model = Grid
        fields = [
            "id",
            "village",
            "village_name",
            "township_name",
            "name",
            "code",
            "police_grid",
            "households",
            "population",
            "boundary",
            "is_active",
            "worker_count",
            "created_at",
        ]
        read_only_fields = ["created_at"]


class GridUpdateSerializer(GridSerializer):
    village: serializers.PrimaryKeyRelatedField[Region] = serializers.PrimaryKeyRelatedField(
        read_only=True, label=_("所属村(社区)")
    )


class GridWorkerSerializer(PersonalDataMixin, BaseModelSerializer):
    personal_fields = {"id_number": shown_id_number, "phone": shown_phone}

    grid = ScopedPrimaryKeyRelatedField(scope=_grids, queryset=Grid.objects.all(), label=_("网格"))
    grid_name = serializers.CharField(source="grid.name", read_only=True)
    village = serializers.IntegerField(source="grid.village_id", read_only=True, label=_("所属村(社区)"))
    village_name = serializers.CharField(source="grid.village.name", read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    gender_display = serializers.CharField(source="get_gender_display", read_only=True)
    ethnicity_display = serializers.CharField(source="get_ethnicity_display", read_only=True)

    class Meta(BaseModelSerializer.Meta):
        model = GridWorker
        fields = [
            "id",
            "grid",
            "grid_name",
            "village",
            "village_name",
            "name",
            "gender",
            "gender_display",
            "ethnicity",
            "ethnicity_display",
            "id_number",
            "phone",
            "role",
            "role_display",
            "stars",
            "since",
            "is_active",
            "user",
        ]
        # Linking a login account grants scope: that is done by an administrator, not here.
        read_only_fields = ["user"]


# --- Mediators ----------------------------------------------------------------------------
class MediatorSerializer(PersonalDataMixin, BaseModelSerializer):
    personal_fields = {"id_number": shown_id_number, "phone": shown_phone}

    township = ScopedPrimaryKeyRelatedField(
        scope=_townships, queryset=Region.objects.all(), label=_("服务乡镇")
    )
    township_name = serializers.CharField(source="township.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    languages_display = serializers.CharField(read_only=True, label=_("语言"))

    class Meta(BaseModelSerializer.Meta):
        model = Mediator
        fields = [
            "id",
            "name",
            "kind",
            "kind_display",
            "gender",
            "ethnicity",
            "clan",
            "id_number",
            "phone",
            "township",
            "township_name",
            "organisation",
            "speaks_yi",
            "speaks_mandarin",
            "languages_display",
            "is_active",
            "note",
            "user",
        ]
        read_only_fields = ["user"]


# --- Security committees ------------------------------------------------------------------
class CommitteeSerializer(BaseModelSerializer):
    village: serializers.PrimaryKeyRelatedField[Region] = ScopedPrimaryKeyRelatedField(
        scope=_villages, queryset=Region.objects.all(), label=_("村(社区)")
    )
    village_name = serializers.CharField(source="village.name", read_only=True)
    township_name = serializers.CharField(
        source="village.parent.name", read_only=True, default=None, allow_null=True
    )
    member_count = serializers.IntegerField(read_only=True, label=_("在任成员数"))

    class Meta(BaseModelSerializer.Meta):
        model = SecurityCommittee
        fields = [
            "id",
            "village",
            "village_name",
            "township_name",
            "name",
            "established_on",
            "note",
            "member_count",
        ]
        extra_kwargs = {
            "name": {"required": False, "allow_blank": True, "help_text": _("留空则为“村名+治保会”")}
        }


class CommitteeUpdateSerializer(CommitteeSerializer):
    village: serializers.PrimaryKeyRelatedField[Region] = serializers.PrimaryKeyRelatedField(
        read_only=True, label=_("村(社区)")
    )


class CommitteeMemberSerializer(PersonalDataMixin, BaseModelSerializer):
    personal_fields = {"phone": shown_phone}

    committee: serializers.PrimaryKeyRelatedField[SecurityCommittee] = ScopedPrimaryKeyRelatedField(
        scope=_committees, queryset=SecurityCommittee.objects.all(), label=_("治保会")
    )
    committee_name = serializers.CharField(source="committee.name", read_only=True)
    village = serializers.IntegerField(source="committee.village_id", read_only=True, label=_("村(社区)"))
    position_display = serializers.CharField(source="get_position_display", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta(BaseModelSerializer.Meta):
        model = CommitteeMember
        fields = [
            "id",
            "committee",
            "committee_name",
            "village",
            "name",
            "phone",
            "position",
            "position_display",
            "kind",
            "kind_display",
            "joined_on",
            "is_active",
        ]


class CommitteeMemberUpdateSerializer(CommitteeMemberSerializer):
    committee: serializers.PrimaryKeyRelatedField[SecurityCommittee] = serializers.PrimaryKeyRelatedField(
        read_only=True, label=_("治保会")
    )


# --- Volunteer teams ----------------------------------------------------------------------
class VolunteerTeamSerializer(PersonalDataMixin, BaseModelSerializer):
    personal_fields = {"leader_phone": shown_phone}

    region = ScopedPrimaryKeyRelatedField(
        scope=_team_regions, queryset=Region.objects.all(), label=_("所属区域")
    )
    region_name = serializers.CharField(source="region.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    member_count = serializers.IntegerField(read_only=True, label=_("在队人数"))

    class Meta(BaseModelSerializer.Meta):
        model = VolunteerTeam
        fields = [
            "id",
            "name",
            "kind",
            "kind_display",
            "region",
            "region_name",
            "leader_name",
            "leader_phone",
            "founded_on",
            "is_active",
            "member_count",
        ]


class PersonalDataAccessSerializer(serializers.ModelSerializer):
    actor_name = serializers.CharField(source="actor.full_name", read_only=True)
    actor_username = serializers.CharField(source="actor.username", read_only=True)
    object_type = serializers.CharField(source="content_type.model", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = PersonalDataAccess
        fields = [
            "id",
            "at",
            "actor",
            "actor_username",
            "actor_name",
            "object_type",
            "object_id",
            "subject",
            "field",
            "kind",
            "kind_display",
            "where",
            "reason",
        ]
        read_only_fields = fields


class RevealSerializer(serializers.Serializer):
    kind = serializers.CharField(label=_("对象类型"), max_length=64, help_text=_("例如 disputes.party"))
    id = serializers.IntegerField(label=_("对象编号"), min_value=1, max_value=2**63 - 1)
    field = serializers.ChoiceField(
        label=_("字段"), choices=["phone", "id_number", "caller_phone", "leader_phone"]
    )
    reason = serializers.CharField(label=_("事由"), max_length=200, required=False, allow_blank=True)


class RevealedSerializer(serializers.Serializer):
    value = serializers.CharField()
