"""REST API (/api/v1/) for the territory and community forces (the shared building blocks are in
``core.api``).

Viewsets stay thin: reads come from ``governance.selectors`` (scoped to ``request.user``, so an
object outside the scope is a 404), writes go to ``governance.services`` with the serializer's
validated data, and errors from the services are turned into responses in one place,
``exception_handler``. Nothing is deleted through the API: records are archived or deactivated.
"""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import CreateReadUpdateViewSet, ScopedViewSet, searchable

from . import filters, privacy, selectors, services
from . import serializers as s


# --- Regions ------------------------------------------------------------------------------
@searchable
class RegionViewSet(CreateReadUpdateViewSet):
    """行政区划。县指挥中心新增、归档、恢复;派出所民警可修正辖区内村(社区)的名称和户数人口。"""

    serializer_class = s.RegionSerializer
    ordering = ("code",)
    ordering_fields = ("code", "name", "population", "households")
    update_serializer_class = s.RegionUpdateSerializer
    filterset_class = filters.RegionFilter
    action_capabilities = {
        "create": "reference.manage_county",
        "archive": "reference.manage_county",
        "restore": "reference.manage_county",
    }

    def get_queryset(self):
        return selectors.region_list(user=self.request.user, search=self.search_term())

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.region_create(
            actor=self.request.user, parent=data.pop("parent", None), **data
        )

    def perform_update(self, serializer):
        services.region_update(
            actor=self.request.user, region=serializer.instance, data=dict(serializer.validated_data)
        )

    @extend_schema(request=None, responses=s.RegionSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        """归档(不删除):其下属区划须已归档;村(社区)下的网格同时停用。"""
        region = services.region_archive(actor=request.user, region=self.get_object())
        return Response(self.get_serializer(region).data)

    @extend_schema(request=None, responses=s.RegionSerializer)
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        """恢复已归档的区划。"""
        region = services.region_restore(actor=request.user, region=self.get_object())
        return Response(self.get_serializer(region).data)


# --- Grids and grid workers ---------------------------------------------------------------
@searchable
class GridViewSet(CreateReadUpdateViewSet):
    """网格。"""

    serializer_class = s.GridSerializer
    ordering = ("code",)
    ordering_fields = ("code", "name", "population", "households", "worker_count")
    update_serializer_class = s.GridUpdateSerializer
    filterset_class = filters.GridFilter

    def get_queryset(self):
        return selectors.grid_list(user=self.request.user, search=self.search_term(), include_inactive=True)

    def perform_create(self, serializer):
        grid = services.grid_create(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.reload(grid)

    def perform_update(self, serializer):
        services.grid_update(
            actor=self.request.user, grid=serializer.instance, data=dict(serializer.validated_data)
        )


@searchable
class GridWorkerViewSet(CreateReadUpdateViewSet):
    """网格员、网格长。身份证号和电话在列表中打码。"""

    serializer_class = s.GridWorkerSerializer
    ordering = ("grid__code", "role", "name", "pk")
    ordering_fields = ("name", "stars", "since")
    filterset_class = filters.GridWorkerFilter

    def get_queryset(self):
        return selectors.grid_worker_list(
            user=self.request.user, search=self.search_term(), include_inactive=True
        )

    def perform_create(self, serializer):
        worker = services.grid_worker_create(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.reload(worker)

    def perform_update(self, serializer):
        services.grid_worker_update(
            actor=self.request.user, worker=serializer.instance, data=dict(serializer.validated_data)
        )


# --- Mediators ----------------------------------------------------------------------------
@searchable
class MediatorViewSet(CreateReadUpdateViewSet):
    """德古、人民调解员、律师。"""

    serializer_class = s.MediatorSerializer
    ordering = ("township__code", "kind", "name", "pk")
    ordering_fields = ("name", "kind")
    filterset_class = filters.MediatorFilter

    def get_queryset(self):
        return selectors.mediator_list(
            user=self.request.user, search=self.search_term(), include_inactive=True
        )

    def perform_create(self, serializer):
        mediator = services.mediator_create(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.reload(mediator)

    def perform_update(self, serializer):
        services.mediator_update(
            actor=self.request.user, mediator=serializer.instance, data=dict(serializer.validated_data)
        )


# --- Committees ---------------------------------------------------------------------------
@searchable
class CommitteeViewSet(CreateReadUpdateViewSet):
    """治保会(每村一个)。"""

    serializer_class = s.CommitteeSerializer
    ordering = ("village__code",)
    ordering_fields = ("name", "member_count")
    update_serializer_class = s.CommitteeUpdateSerializer
    filterset_class = filters.CommitteeFilter

    def get_queryset(self):
        return selectors.committee_list(user=self.request.user, search=self.search_term())

    def perform_create(self, serializer):
        committee = services.committee_create(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.reload(committee)

    def perform_update(self, serializer):
        services.committee_update(
            actor=self.request.user, committee=serializer.instance, data=dict(serializer.validated_data)
        )


class CommitteeMemberViewSet(CreateReadUpdateViewSet):
    """治保会成员。主任由村党支部书记担任,副主任由村辅警担任。"""

    serializer_class = s.CommitteeMemberSerializer
    ordering = ("committee__village__code", "position", "name", "pk")
    ordering_fields = ("name", "joined_on")
    update_serializer_class = s.CommitteeMemberUpdateSerializer
    filterset_class = filters.CommitteeMemberFilter

    def get_queryset(self):
        return selectors.committee_member_list(user=self.request.user, include_inactive=True)

    def perform_create(self, serializer):
        member = services.committee_member_add(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.reload(member)

    def perform_update(self, serializer):
        services.committee_member_update(
            actor=self.request.user, member=serializer.instance, data=dict(serializer.validated_data)
        )


# --- Volunteer teams ----------------------------------------------------------------------
@searchable
class VolunteerTeamViewSet(CreateReadUpdateViewSet):
    """群防群治队伍。"""

    serializer_class = s.VolunteerTeamSerializer
    ordering = ("region__code", "name")
    ordering_fields = ("name", "member_count", "founded_on")
    filterset_class = filters.VolunteerTeamFilter

    def get_queryset(self):
        return selectors.volunteer_team_list(
            user=self.request.user, search=self.search_term(), include_inactive=True
        )

    def perform_create(self, serializer):
        team = services.volunteer_team_create(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.reload(team)

    def perform_update(self, serializer):
        services.volunteer_team_update(
            actor=self.request.user, team=serializer.instance, data=dict(serializer.validated_data)
        )


class PersonalDataViewSet(mixins.ListModelMixin, ScopedViewSet):
    """个人信息查看记录(县级可见),以及一键查看完整号码(留痕)。"""

    serializer_class = s.PersonalDataAccessSerializer
    ordering = ("-at", "-pk")
    write_capability = None  # reveal: privacy.reveal checks the role, the revealer the scope
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return selectors.personal_data_access_list(user=self.request.user, search=self.search_term())

    @extend_schema(request=s.RevealSerializer, responses=s.RevealedSerializer)
    @action(detail=False, methods=["post"])
    def reveal(self, request):
        """The full number of one record in scope, for a role that must contact the person;
        every reveal is recorded."""
        data = s.RevealSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        get = privacy.REVEALERS.get(data.validated_data["kind"])
        if get is None:
            raise Http404
        obj = get(request.user, data.validated_data["id"])
        value = privacy.reveal(
            actor=request.user,
            obj=obj,
            field=data.validated_data["field"],
            request=request,
            reason=data.validated_data.get("reason", ""),
        )
        return Response({"value": value})


def register(router) -> None:
    router.register("personal-data", PersonalDataViewSet, basename="personal-data")
    router.register("regions", RegionViewSet, basename="regions")
    router.register("grids", GridViewSet, basename="grids")
    router.register("grid-workers", GridWorkerViewSet, basename="grid-workers")
    router.register("mediators", MediatorViewSet, basename="mediators")
    router.register("committees", CommitteeViewSet, basename="committees")
    router.register("committee-members", CommitteeMemberViewSet, basename="committee-members")
    router.register("volunteer-teams", VolunteerTeamViewSet, basename="volunteer-teams")
