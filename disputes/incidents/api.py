"""POST /api/v1/incident-cases/: turn a 纠纷 incident into a dispute case (``.services``).
201 with the new case; 200 with the case made earlier when the incident was already converted,
or with the open case it was linked to (``link_to``: a repeat report of that dispute)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.api import MayCreate
from core.serializers import ScopedPrimaryKeyRelatedField
from disputes import services
from disputes.models import Category, DisputeCase
from disputes.selectors import linkable_cases
from stations.models import Incident
from stations.selectors import incident_list

from .services import case_from_incident, incident_link_to_case


class IncidentCaseInput(serializers.Serializer):
    incident = ScopedPrimaryKeyRelatedField(
        scope=lambda u: incident_list(user=u), queryset=Incident.objects.all(), label=_("警情")
    )
    category = serializers.ChoiceField(choices=Category.choices, label=_("纠纷类别"))
    summary = serializers.CharField(
        required=False, allow_blank=True, label=_("简要案情"), help_text=_("留空取警情内容")
    )
    people_involved = serializers.IntegerField(min_value=1, default=2, label=_("涉及人数"))
    threat_flag = serializers.BooleanField(default=False, label=_("扬言/过激言行"))
    vulnerable_flag = serializers.BooleanField(default=False, label=_("涉及弱势群体"))
    link_to = ScopedPrimaryKeyRelatedField(
        scope=linkable_cases,
        queryset=DisputeCase.objects.all(),
        required=False,
        allow_null=True,
        label=_("关联到已有案件"),
        help_text=_("同一纠纷已有在办案件(见 /api/v1/duplicate-candidates/):关联到该案件,不新建案件"),
    )


class IncidentCaseOutput(serializers.Serializer):
    case = serializers.IntegerField()
    number = serializers.CharField()
    incident = serializers.IntegerField()
    created = serializers.BooleanField()
    linked = serializers.BooleanField(help_text=_("警情作为重复上报关联到已有案件"))


class IncidentCaseViewSet(viewsets.ViewSet):
    """警情转矛盾纠纷案件(一次操作;再次提交返回已有案件)。"""

    permission_classes = [IsAuthenticated, MayCreate]

    @staticmethod
    def may_create(user) -> bool:
        return services.may(user, "report")

    @extend_schema(request=IncidentCaseInput, responses={201: IncidentCaseOutput, 200: IncidentCaseOutput})
    def create(self, request):
        params = IncidentCaseInput(data=request.data, context={"request": request})
        params.is_valid(raise_exception=True)
        data = dict(params.validated_data)
        incident = data.pop("incident")
        link_to = data.pop("link_to", None)
        linked = False
        if link_to is not None:  # the same dispute: recorded against its case, no new case
            case, linked = incident_link_to_case(actor=request.user, incident=incident, case=link_to)
            created = False
        else:
            case, created = case_from_incident(actor=request.user, incident=incident, **data)
        body = {
            "case": case.pk,
            "number": case.number,
            "incident": incident.pk,
            "created": created,
            "linked": linked,
        }
        return Response(body, status=201 if created else 200)


def register(router) -> None:
    router.register("incident-cases", IncidentCaseViewSet, basename="incident-cases")
