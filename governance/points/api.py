"""REST API of the points ledger (积分): ``/api/v1/points/`` — monthly rankings, a person's
ledger, and manual awards with a reason. Reads go through ``governance.points.selectors``, the
manual award through ``services``."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.api import valid_id
from core.limits import date_range_message, parse_month
from governance.capabilities import may
from governance.models import PointsEntry

from . import selectors, services

KIND_CHOICES = ["grid_worker", "committee_member", "volunteer_member"]


class EntrySerializer(serializers.ModelSerializer):
    rule = serializers.CharField(source="rule.code", default=None, read_only=True)
    awarded_by = serializers.CharField(source="awarded_by.username", default=None, read_only=True)

    class Meta:
        model = PointsEntry
        fields = ["id", "rule", "points", "reason", "month", "awarded_at", "awarded_by", "source_key"]


class ManualAwardSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KIND_CHOICES)
    person = serializers.IntegerField()
    points = serializers.IntegerField()
    reason = serializers.CharField(allow_blank=True, max_length=255)


def _month(value: str | None) -> dt.date:
    if not value:
        return timezone.localdate().replace(day=1)
    month = parse_month(value)
    if month is None:
        raise ValidationError({"month": [_("月份格式应为 YYYY-MM。") + date_range_message()]})
    return month


class RankingSerializer(serializers.Serializer):
    month = serializers.DateField()
    group = serializers.CharField()
    kind = serializers.CharField()
    groups = serializers.ListField(child=serializers.DictField())
    people = serializers.ListField(child=serializers.DictField())


class PointsViewSet(viewsets.GenericViewSet):
    """积分:月度排名、个人积分台账、手工加减分(须填写事由)。"""

    permission_classes = [IsAuthenticated]
    serializer_class = EntrySerializer

    def get_queryset(self):
        return PointsEntry.objects.none()  # every read goes through the points selectors (scoped)

    @extend_schema(
        parameters=[
            OpenApiParameter("month", str, description=gettext_lazy("YYYY-MM,默认本月")),
            OpenApiParameter("group", str, enum=["village", "township"]),
            OpenApiParameter("kind", str, enum=KIND_CHOICES),
        ],
        responses=RankingSerializer,
    )
    @action(detail=False, methods=["get"])
    def rankings(self, request):
        if not may(request.user, "points.view_ranking"):
            raise NotFound  # as on the page: a role without rankings has none
        group = request.query_params.get("group", "village")
        kind = request.query_params.get("kind", "grid_worker")
        result = selectors.points_monthly(
            user=request.user, month=_month(request.query_params.get("month")), group=group, kind=kind
        )
        return Response(
            {
                "month": result.month.isoformat(),
                "group": result.group,
                "kind": result.kind,
                "groups": [
                    {
                        "key": g.key,
                        "label": str(g.label),
                        "parent": str(g.parent),
                        "people": g.people,
                        "total": g.total,
                        "average": g.average,
                        "rank": g.rank,
                    }
                    for g in result.groups
                ],
                "people": [
                    {
                        "id": p.pk,
                        "name": p.name,
                        "village": p.village,
                        "township": p.township,
                        "total": p.total,
                        "stars": p.stars,
                        "rank": p.rank,
                    }
                    for p in result.people[:200]
                ],
            }
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=KIND_CHOICES, required=True),
            OpenApiParameter("person", int, required=True),
            OpenApiParameter("month", str, description="YYYY-MM"),
        ],
        responses=EntrySerializer(many=True),
    )
    @action(detail=False, methods=["get"])
    def ledger(self, request):
        kind = request.query_params.get("kind", "")
        try:
            pk = int(request.query_params.get("person", ""))
            if not valid_id(pk):
                raise ValueError
        except ValueError:
            raise ValidationError({"person": [_("请指定人员编号。")]}) from None
        person = selectors.points_person_get(user=request.user, kind=kind, pk=pk)  # 404 outside scope
        month = request.query_params.get("month")
        entries = selectors.points_ledger(person=person, month=_month(month) if month else None)[:500]
        return Response(EntrySerializer(entries, many=True).data)

    @extend_schema(request=ManualAwardSerializer, responses=EntrySerializer)
    @action(detail=False, methods=["post"])
    def awards(self, request):
        if not may(request.user, "points.award"):
            raise PermissionDenied(_("只有派出所民警、县指挥中心或系统管理员可以手工加减分。"))
        body = ManualAwardSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        person = selectors.points_person_get(user=request.user, kind=data["kind"], pk=data["person"])
        entry = services.points_award_manual(
            actor=request.user, person=person, points=data["points"], reason=data["reason"]
        )
        return Response(EntrySerializer(entry).data, status=201)


def register(router) -> None:
    router.register("points", PointsViewSet, basename="points")
