"""REST API for patrols (/api/v1/patrol-plans/, /api/v1/patrols/): selectors read (a patrol of
another station is a 404), services write (who may plan or patrol is their rule)."""

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.api import CapabilityPermission, MayCreate, ReadViewSet, searchable
from core.errors import DomainError
from core.submissions import SubmitOnceAPIMixin
from stations.selectors import station_ids
from stations.serializers import IncidentSerializer

from . import selectors, services
from . import serializers as s
from .models import PatrolFinding


@searchable
class PlanViewSet(mixins.CreateModelMixin, ReadViewSet):
    """巡逻计划:派出所、时间、按顺序的巡逻点、参加人员、联勤单位。"""

    serializer_class = s.PlanSerializer
    permission_classes = [IsAuthenticated, MayCreate, CapabilityPermission]
    write_capability = "patrol.plan"
    may_create = staticmethod(services.may_plan_somewhere)
    ordering = ("-starts_at", "-pk")
    ordering_fields = ("starts_at",)

    def get_queryset(self):
        return selectors.plan_list(user=self.request.user, search=self.search_term()).prefetch_related(
            selectors.checkpoints_prefetch(),
            "officers",
            "auxiliary_officers",
            "volunteer_teams",
            "volunteer_members",
        )

    def perform_create(self, serializer):
        plan = services.plan_create(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.reload(plan)


class PatrolViewSet(SubmitOnceAPIMixin, mixins.CreateModelMixin, ReadViewSet):
    """巡逻记录。POST 按计划开始巡逻;``check-in`` 打卡,``findings`` 记录发现,``end`` 结束。"""

    serializer_class = s.PatrolSerializer
    permission_classes = [IsAuthenticated, MayCreate, CapabilityPermission]
    write_capability = "patrol.run"  # 403 before the body is read (404 first outside the scope)
    may_create = staticmethod(services.may_patrol_somewhere)
    ordering = ("-started_at", "-pk")
    ordering_fields = ("started_at",)

    def get_queryset(self):
        qs = selectors.patrol_list(user=self.request.user)
        if self.action != "list":
            qs = qs.prefetch_related(
                "check_ins",
                "findings__case",
                "findings__incident",
                "plan__checkpoints",
                Prefetch("attendance", queryset=selectors.attendance_rows()),
            )
        return qs

    def perform_create(self, serializer):
        patrol = services.patrol_start(actor=self.request.user, plan=serializer.validated_data["plan"])
        serializer.instance = self.reload(patrol)

    @extend_schema(request=s.PatrolCheckInInput, responses=s.CheckInSerializer)
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        """在路线上的一个巡逻点打卡(可带经纬度);重复打卡返回第一次的记录。"""
        patrol = self.get_object()
        params = s.PatrolCheckInInput(data=request.data)
        params.is_valid(raise_exception=True)
        made = []  # whether the service made a new check-in (a repeat at the point returns the first)

        def create():
            check_in, created = services.patrol_check_in(
                actor=request.user,
                patrol=patrol,
                checkpoint=params.validated_data["checkpoint"],
                lat=params.validated_data.get("lat"),
                lon=params.validated_data.get("lon"),
                recorded_offline_at=params.validated_data.get("recorded_offline_at"),
            )
            made.append(created)
            return check_in

        # ``client_key``: a resend of the same submission answers 200 with the first check-in
        check_in, _created = self.submit_api(request, "patrols.patrol_check_in", create)
        return Response(s.CheckInSerializer(check_in).data, status=201 if made and made[0] else 200)

    @extend_schema(request=s.AttendanceInput, responses=s.PatrolSerializer)
    @action(detail=True, methods=["post"])
    def attendance(self, request, pk=None):
        """带队人登记到岗的参加人员(民警、辅警、队员编号);只有到岗的人员获得巡逻积分。"""
        patrol = self.get_object()
        params = s.AttendanceInput(data=request.data)
        params.is_valid(raise_exception=True)
        people = selectors.Participants(patrol)
        data = params.validated_data
        services.attendance_check_in(
            actor=request.user,
            patrol=patrol,
            officers=_pick(people.officers, data.get("officers", []), "officers"),
            auxiliary_officers=_pick(
                people.auxiliary_officers, data.get("auxiliary_officers", []), "auxiliary_officers"
            ),
            volunteer_members=_pick(
                people.volunteer_members, data.get("volunteer_members", []), "volunteer_members"
            ),
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=patrol.pk)).data)

    @extend_schema(request=None, responses=s.PatrolSerializer)
    @action(detail=True, methods=["post"])
    def attend(self, request, pk=None):
        """参加人员本人签到到岗(有账号的民警、辅警)。"""
        patrol = self.get_object()
        services.attendance_self(actor=request.user, patrol=patrol)
        return Response(self.get_serializer(self.get_queryset().get(pk=patrol.pk)).data)

    @extend_schema(request=s.PatrolEndInput, responses=s.PatrolSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        """结束巡逻(已结束为 409)。"""
        patrol = self.get_object()
        params = s.PatrolEndInput(data=request.data)
        params.is_valid(raise_exception=True)
        services.patrol_end(
            actor=request.user, patrol=patrol, summary=params.validated_data.get("summary", "")
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=patrol.pk)).data)

    @extend_schema(request=s.FindingSerializer, responses=s.FindingSerializer)
    @action(detail=True, methods=["post"])
    def findings(self, request, pk=None):
        """记录巡逻发现(隐患/线索)。"""
        patrol = self.get_object()
        params = s.FindingSerializer(data=request.data, context=self.get_serializer_context())
        params.is_valid(raise_exception=True)
        finding = services.finding_add(actor=request.user, patrol=patrol, **params.validated_data)
        return Response(s.FindingSerializer(finding).data, status=201)


def _pick(queryset, ids: list[int], field: str) -> list:
    """The expected participants with these ids; an id that is not one is a 400 on ``field``."""
    found = list(queryset.filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise DomainError(_("所选人员不是本次巡逻的参加人员。"), field=field)
    return found


class FindingViewSet(ReadViewSet):
    """巡逻发现;``to-case`` 转为矛盾纠纷案件,``to-incident`` 登记为警情(各只一次)。"""

    serializer_class = s.FindingSerializer
    write_capability = "patrol.run"
    ordering = ("-found_at", "-pk")

    def get_queryset(self):
        return PatrolFinding.objects.filter(
            patrol__station__in=station_ids(self.request.user)
        ).select_related("case", "incident", "village")

    @extend_schema(request=s.FindingToCaseInput, responses={200: dict, 201: dict})
    @action(detail=True, methods=["post"], url_path="to-case")
    def to_case(self, request, pk=None):
        finding = self.get_object()
        params = s.FindingToCaseInput(data=request.data)
        params.is_valid(raise_exception=True)
        case, created = services.finding_to_case(actor=request.user, finding=finding, **params.validated_data)
        return Response(
            {"case": case.pk, "number": case.number, "created": created}, status=201 if created else 200
        )

    @extend_schema(request=s.FindingToIncidentInput, responses=IncidentSerializer)
    @action(detail=True, methods=["post"], url_path="to-incident")
    def to_incident(self, request, pk=None):
        finding = self.get_object()
        params = s.FindingToIncidentInput(data=request.data)
        params.is_valid(raise_exception=True)
        incident, created = services.finding_to_incident(
            actor=request.user, finding=finding, **params.validated_data
        )
        return Response(
            {"incident": incident.pk, "number": incident.number, "created": created},
            status=201 if created else 200,
        )


def register(router) -> None:
    router.register("patrol-plans", PlanViewSet, basename="patrol-plans")
    router.register("patrols", PatrolViewSet, basename="patrols")
    router.register("patrol-findings", FindingViewSet, basename="patrol-findings")
