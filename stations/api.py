"""REST API (/api/v1/) for stations, officers, auxiliary officers and village assignments.
Same conventions as ``governance.api``: selectors read, services write, nothing is deleted."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.api import CreateReadUpdateViewSet, ReadViewSet, searchable
from core.attachments.api import AttachmentsMixin
from core.submissions import SubmitOnceAPIMixin

from . import filters, selectors, services
from . import serializers as s
from .presence import selectors as presence_selectors
from .presence import services as presence_services


@searchable
class StationViewSet(ReadViewSet):
    """派出所(只读;辖区由县指挥中心在管理后台调整)。"""

    serializer_class = s.StationSerializer
    ordering = ("code",)
    ordering_fields = ("code", "name")
    filterset_class = filters.StationFilter

    def get_queryset(self):
        return selectors.station_list(user=self.request.user, search=self.search_term())


@searchable
class OfficerViewSet(CreateReadUpdateViewSet):
    """民警。电话在列表中打码。"""

    serializer_class = s.OfficerSerializer
    ordering = ("station__code", "post", "name", "pk")
    ordering_fields = ("name", "badge_number")
    update_serializer_class = s.OfficerUpdateSerializer
    filterset_class = filters.OfficerFilter

    def get_queryset(self):
        return selectors.officer_list(user=self.request.user, search=self.search_term())

    def perform_create(self, serializer):
        officer = services.officer_create(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.reload(officer)

    def perform_update(self, serializer):
        services.officer_update(
            actor=self.request.user, officer=serializer.instance, data=dict(serializer.validated_data)
        )


@searchable
class AuxiliaryOfficerViewSet(CreateReadUpdateViewSet):
    """辅警。身份证号和电话在列表中打码。"""

    serializer_class = s.AuxiliaryOfficerSerializer
    ordering = ("station__code", "name", "pk")
    ordering_fields = ("name",)
    update_serializer_class = s.AuxiliaryOfficerUpdateSerializer
    filterset_class = filters.AuxiliaryOfficerFilter

    def get_queryset(self):
        return selectors.auxiliary_officer_list(user=self.request.user, search=self.search_term())

    def perform_create(self, serializer):
        auxiliary_officer = services.auxiliary_officer_create(
            actor=self.request.user, **serializer.validated_data
        )
        serializer.instance = self.reload(auxiliary_officer)

    def perform_update(self, serializer):
        services.auxiliary_officer_update(
            actor=self.request.user,
            auxiliary_officer=serializer.instance,
            data=dict(serializer.validated_data),
        )


class AssignmentViewSet(mixins.CreateModelMixin, ReadViewSet):
    """驻村安排(挂村民警、一村一辅警)。不修改、不删除:换人即新建安排,离开即结束安排。"""

    serializer_class = s.AssignmentSerializer
    ordering = ("village__code", "kind", "-start_date", "pk")
    ordering_fields = ("start_date", "end_date")
    filterset_class = filters.AssignmentFilter

    def get_queryset(self):
        return selectors.assignment_list(user=self.request.user)

    def perform_create(self, serializer):
        assignment = services.village_assign(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.reload(assignment)

    @extend_schema(request=s.AssignmentEndSerializer, responses=s.AssignmentSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        """结束安排(结束日期留空为今天)。"""
        assignment = self.get_object()
        params = s.AssignmentEndSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        assignment = services.assignment_end(
            actor=request.user, assignment=assignment, end_date=params.validated_data.get("end_date")
        )
        return Response(self.get_serializer(assignment).data)


@searchable
class IncidentViewSet(CreateReadUpdateViewSet):
    """警情。报警电话在列表中打码;``?repeat=true`` 只看重复警情。不删除。"""

    serializer_class = s.IncidentSerializer
    update_serializer_class = s.IncidentUpdateSerializer
    write_capability = "incident.manage"  # as the incident pages and services
    ordering = ("-received_at", "-pk")
    ordering_fields = ("received_at", "number")
    filterset_class = filters.IncidentFilter

    def get_queryset(self):
        return selectors.incident_list(user=self.request.user, search=self.search_term())

    def perform_create(self, serializer):
        incident = services.incident_record(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.reload(incident)

    def perform_update(self, serializer):
        services.incident_update(
            actor=self.request.user, incident=serializer.instance, data=dict(serializer.validated_data)
        )

    @extend_schema(request=s.IncidentReferSerializer, responses=s.IncidentSerializer)
    @action(detail=True, methods=["post"])
    def refer(self, request, pk=None):
        """移交部门(12345 热线等),等待答复;已在等待答复的再移交为 409。"""
        incident = self.get_object()
        params = s.IncidentReferSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        services.incident_refer(actor=request.user, incident=incident, **params.validated_data)
        return Response(self.get_serializer(self.reload(incident)).data)

    @extend_schema(request=s.IncidentAnswerSerializer, responses=s.IncidentSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        """记录部门答复。"""
        incident = self.get_object()
        params = s.IncidentAnswerSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        services.incident_answer(actor=request.user, incident=incident, **params.validated_data)
        return Response(self.get_serializer(self.reload(incident)).data)


class VillageVisitViewSet(AttachmentsMixin, SubmitOnceAPIMixin, mixins.CreateModelMixin, ReadViewSet):
    """驻村签到。民警、辅警本人签到(POST),可带经纬度;不修改、不删除。签到人可上传现场照片。"""

    attachment_label = "stations.village_visit"  # the photo: the one who checked in (checkin.attach)

    serializer_class = s.VillageVisitSerializer
    permission_classes = [IsAuthenticated]  # who may check in is the service's rule (the person themself)
    ordering = ("-checked_in_at", "-pk")
    ordering_fields = ("checked_in_at", "visited_on")
    filterset_class = filters.VillageVisitFilter

    def get_queryset(self):
        return presence_selectors.visit_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        """With ``client_key`` (a UUID made on the phone) a resend answers 200 with the first
        check-in instead of making a second one."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        visit, created = self.submit_api(
            request,
            "stations.village_check_in",
            lambda: presence_services.visit_check_in(actor=request.user, **serializer.validated_data),
        )
        data = self.get_serializer(self.reload(visit)).data
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def register(router) -> None:
    router.register("stations", StationViewSet, basename="stations")
    router.register("officers", OfficerViewSet, basename="officers")
    router.register("auxiliary-officers", AuxiliaryOfficerViewSet, basename="auxiliary-officers")
    router.register("assignments", AssignmentViewSet, basename="assignments")
    router.register("incidents", IncidentViewSet, basename="incidents")
    router.register("village-visits", VillageVisitViewSet, basename="village-visits")
