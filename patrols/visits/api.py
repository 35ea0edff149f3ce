"""REST API of the risk → visit loop: ``/api/v1/visits/`` (list, detail, a grid worker's
check-in). Reads through ``selectors`` (scoped: outside the scope is a 404); the check-in goes
through ``services.grid_check_in``."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.api import IdLookupMixin
from core.errors import DomainError
from core.submissions import SubmitOnceAPIMixin

from . import selectors, services
from .models import RiskVisit


class RiskVisitSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="case.number", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    grid_name = serializers.CharField(source="grid.name", read_only=True, default="")
    done_at = serializers.SerializerMethodField()
    state = serializers.SerializerMethodField()

    class Meta:
        model = RiskVisit
        fields = [
            "id",
            "case",
            "case_number",
            "level",
            "village",
            "village_name",
            "grid",
            "grid_name",
            "created_at",
            "due_at",
            "done_at",
            "state",
        ]

    def get_done_at(self, visit) -> str | None:
        done = selectors.done_at(visit)
        return done.isoformat() if done else None

    def get_state(self, visit) -> str:
        """done / overdue / open."""
        if selectors.done_at(visit):
            return "done"
        return "overdue" if visit.due_at < timezone.now() else "open"


class GridCheckInSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)
    lat = serializers.DecimalField(required=False, allow_null=True, max_digits=9, decimal_places=6)
    lon = serializers.DecimalField(required=False, allow_null=True, max_digits=9, decimal_places=6)


@extend_schema(
    parameters=[
        OpenApiParameter(
            "status",
            str,
            enum=["open", "done", "overdue"],
            description=gettext_lazy("待核查 / 已核查 / 已超期"),
        )
    ]
)
class RiskVisitViewSet(
    SubmitOnceAPIMixin,
    IdLookupMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """核查走访任务:红/橙风险案件下发,到村或到网格签到后完成。"""

    serializer_class = RiskVisitSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        status = self.request.query_params.get("status", "") if self.action == "list" else ""
        return selectors.risk_visit_list(user=self.request.user, status=status)

    @extend_schema(request=GridCheckInSerializer, responses=RiskVisitSerializer)
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        """网格员在任务所在网格签到核查(可带定位)。"""
        visit = self.get_object()
        body = GridCheckInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if visit.grid is None:
            raise DomainError(_("该任务没有对应网格,请由驻村民警或辅警到村签到核查。"), field="grid")
        grid = visit.grid
        # ``client_key``: a resend of the same submission answers 200 and makes no second check-in
        _check_in, created = self.submit_api(
            request,
            "patrols.visit_check_in",
            lambda: services.grid_check_in(
                actor=request.user,
                grid=grid,
                note=body.validated_data.get("note", ""),
                lat=body.validated_data.get("lat"),
                lon=body.validated_data.get("lon"),
            ),
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=visit.pk)).data)


def register(router) -> None:
    router.register("visits", RiskVisitViewSet, basename="visits")
