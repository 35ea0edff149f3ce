"""REST API of the risk → visit loop: ``/api/v1/visits/`` (list, detail, an assignee's
check-in for the visit). Reads through ``selectors`` (scoped: outside the scope is a 404); the
check-in goes through ``services.visit_check_in``."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.api import IdLookupMixin
from core.errors import NotPermitted
from core.submissions import SubmitOnceAPIMixin, client_key_from
from stations.models import VisitOutcome

from . import selectors, services
from .models import RiskVisit


class RiskVisitSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="case.number", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    grid_name = serializers.CharField(source="grid.name", read_only=True, default="")
    done_at = serializers.SerializerMethodField()
    verified = serializers.SerializerMethodField()
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
            "verified",
            "state",
            "risk_score_at_creation",
            "risk_level_at_creation",
        ]

    def get_done_at(self, visit) -> str | None:
        done = selectors.done_at(visit)
        return done.isoformat() if done else None

    def get_verified(self, visit) -> bool:
        """A check-in made for the visit has a position within the verify distance."""
        return selectors.verified_at(visit) is not None

    def get_state(self, visit) -> str:
        """done / overdue / open."""
        if selectors.done_at(visit):
            return "done"
        return "overdue" if visit.due_at < timezone.now() else "open"


class VisitCheckInSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=VisitOutcome.choices, label=gettext_lazy("核查结果"))
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)
    lat = serializers.DecimalField(required=False, allow_null=True, max_digits=12, decimal_places=8)
    lon = serializers.DecimalField(required=False, allow_null=True, max_digits=12, decimal_places=8)
    recorded_offline_at = serializers.DateTimeField(
        required=False, allow_null=True, label=gettext_lazy("离线记录时间")
    )


@extend_schema(
    parameters=[
        OpenApiParameter(
            "status",
            str,
            enum=["open", "done", "verified", "overdue"],
            description=gettext_lazy("待核查 / 已核查 / 定位核实 / 已超期"),
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
    """核查走访任务:红/橙风险案件下发,核查人员为该任务签到后完成;定位在网格(村)附近的为核实。"""

    serializer_class = RiskVisitSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        status = self.request.query_params.get("status", "") if self.action == "list" else ""
        return selectors.risk_visit_list(user=self.request.user, status=status)

    @extend_schema(request=VisitCheckInSerializer, responses=RiskVisitSerializer)
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        """核查人员为该任务签到(核查结果必填,可带定位):网格员在网格内,民警、辅警在村内。"""
        visit = self.get_object()
        if not services.may_check_in_for(request.user, visit):  # 403 before the body is read
            raise NotPermitted(_("只有该任务的核查人员可以为其签到。"))
        client_key_from(request.data if hasattr(request.data, "get") else {})  # a malformed key: 400 first
        body = VisitCheckInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        # ``client_key``: a resend of the same submission answers 200 and makes no second check-in
        self.submit_api(
            request,
            "patrols.visit_check_in",
            lambda: services.visit_check_in(actor=request.user, visit=visit, **data),
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=visit.pk)).data)


def register(router) -> None:
    router.register("visits", RiskVisitViewSet, basename="visits")
