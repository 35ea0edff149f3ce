"""The tiers' API, on the one router (``config/api_urls.py``):

* ``/api/v1/cases/{id}/hand-on/`` (POST 交办), ``…/acknowledge/`` (POST 签收),
  ``…/supervise/`` (GET the case's supervisions, POST 督办), ``…/supervise/replies/`` (POST 反馈),
  ``…/supervise/close/`` (POST 结束督办), ``…/evaluation/`` (POST 评价), ``…/transfer/`` (POST 移交),
  ``…/transfer/decide/`` (POST 接收/退回), ``…/link-report/`` (POST 重复上报), ``…/merge/`` (POST);
* ``/api/v1/duplicate-candidates/?phone=…&id_number=…&village=…&address=…``;
* ``/api/v1/work-queue/`` (我的待办: counts);
* ``/api/v1/referral-answers/`` (a liaison's referrals, each with its case's summary) and
  ``…/{id}/answer/``.

Reads through ``disputes.selectors`` / ``disputes.tiers.selectors`` (404 outside the scope),
writes through ``disputes.tiers.services``; errors mapped by ``core.errors.api_exception_handler``.
"""

from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ScopedViewSet
from core.limits import ID_MAX, IdField
from core.submissions import SubmitOnceAPIMixin
from governance import capabilities, scoping
from governance.models import Region
from governance.roles import LiaisonUnit

from .. import selectors as case_selectors
from ..models import DisputeCase, Referral
from . import rules, selectors, services
from .models import CaseTransfer, Evaluation, HandOn, ReferralRuling, Supervision, SupervisionReply


# --- Serializers --------------------------------------------------------------------------
class HandOnSerializer(serializers.ModelSerializer):
    receiver = serializers.CharField(source="receiver_label", read_only=True)

    class Meta:
        model = HandOn
        fields = ["id", "case", "target", "receiver", "instructions", "deadline", "ack_due_at", "status"]
        read_only_fields = fields


class HandOnParams(serializers.Serializer):
    target = serializers.ChoiceField(choices=HandOn.Target.choices)
    to_unit = serializers.ChoiceField(choices=LiaisonUnit.choices, required=False, allow_blank=True)
    instructions = serializers.CharField()
    deadline = serializers.DateTimeField()


class AcknowledgeParams(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True)


class SupervisionReplySerializer(serializers.ModelSerializer):
    class Meta:
        model = SupervisionReply
        fields = ["id", "text", "author", "created_at"]
        read_only_fields = fields


class SupervisionSerializer(serializers.ModelSerializer):
    replies = SupervisionReplySerializer(many=True, read_only=True)
    is_unanswered = serializers.BooleanField(read_only=True)

    class Meta:
        model = Supervision
        fields = ["id", "case", "reason", "reply_by", "status", "replied_at", "is_unanswered", "replies"]
        read_only_fields = fields


class SuperviseParams(serializers.Serializer):
    reason = serializers.CharField()
    reply_by = serializers.DateTimeField()


class SupervisionReplyParams(serializers.Serializer):
    supervision = serializers.IntegerField()
    text = serializers.CharField()


class SupervisionCloseParams(serializers.Serializer):
    supervision = serializers.IntegerField()
    note = serializers.CharField(required=False, allow_blank=True)


class EvaluationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Evaluation
        fields = ["id", "case", "rating", "note", "evaluated_at"]
        read_only_fields = fields


class EvaluationParams(serializers.Serializer):
    rating = serializers.ChoiceField(choices=Evaluation.Rating.choices)
    note = serializers.CharField(required=False, allow_blank=True)


class TransferSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseTransfer
        fields = [
            "id",
            "case",
            "from_village",
            "to_village",
            "to_station",
            "reason",
            "status",
            "decision_note",
        ]
        read_only_fields = fields


class TransferParams(serializers.Serializer):
    to_village = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.filter(kind__in=Region.VILLAGE_KINDS)
    )
    reason = serializers.CharField()


class TransferDecideParams(serializers.Serializer):
    accept = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True)


class LinkReportParams(serializers.Serializer):
    summary = serializers.CharField()
    contact_name = serializers.CharField(required=False, allow_blank=True, max_length=64)
    contact_phone = serializers.CharField(required=False, allow_blank=True, max_length=20)


class MergeParams(serializers.Serializer):
    absorb = serializers.IntegerField()
    reason = serializers.CharField()


class CandidateSerializer(serializers.ModelSerializer):
    class Meta:
        model = DisputeCase
        fields = ["id", "number", "village", "status", "level", "reported_at", "summary"]
        read_only_fields = fields


class CaseSummarySerializer(serializers.ModelSerializer):
    """What a liaison sees of a referred case: no parties, no personal data."""

    class Meta:
        model = DisputeCase
        fields = ["id", "number", "category", "village", "summary", "people_involved"]
        read_only_fields = fields


class ReferralAnswerSerializer(serializers.ModelSerializer):
    case = CaseSummarySerializer(read_only=True)

    class Meta:
        model = Referral
        fields = ["id", "case", "kind", "department", "target_name", "reason", "status", "due_date", "answer"]
        read_only_fields = fields


class ReferralAnswerParams(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[c for c in Referral.Status.choices if c[0] != Referral.Status.SENT]
    )
    answer = serializers.CharField(required=False, allow_blank=True)
    ruling_outcome = serializers.ChoiceField(
        choices=ReferralRuling.Outcome.choices, required=False, allow_blank=True
    )
    ruling_number = serializers.CharField(required=False, allow_blank=True, max_length=64)
    ruled_on = serializers.DateField(required=False, allow_null=True)


# --- Case routes --------------------------------------------------------------------------
class CaseTierViewSet(SubmitOnceAPIMixin, ScopedViewSet):
    """The tiers' actions on a case (detail routes only: ``/api/v1/cases/{id}/…``). The
    capability is asked once the case is found (404 outside the scope first), with the level a
    township or county handler handles (``rules.may_act``)."""

    queryset = DisputeCase.objects.none()
    serializer_class = CandidateSerializer
    write_capability = None
    action_capabilities = {
        "take_over": "case.take_over",
        "hand_on": "case.hand_on",
        "acknowledge": "case.acknowledge",
        "supervise": "case.supervise",
        "supervise_replies": "case.supervision_reply",
        "supervise_close": "case.supervise",
        "evaluation": "case.evaluate",
        "transfer": "case.transfer",
        "transfer_decide": "case.transfer_decide",
        "link_report": "case.link_duplicate",
        "merge": "case.merge",
    }

    def get_queryset(self):
        return case_selectors.case_list(user=self.request.user)

    def may_write(self, user) -> bool:
        return True  # asked in ``_case``, once the case is found, with the level rule

    def _case(self, request) -> DisputeCase:
        case = self.get_object()  # 404 outside the scope
        code = self.action_capabilities[self.action]
        if request.method == "POST" and not rules.may_act(request.user, case, code.removeprefix("case.")):
            raise PermissionDenied()
        return case

    @staticmethod
    def _params(params_class, request) -> dict[str, Any]:
        params = params_class(data=request.data)
        params.is_valid(raise_exception=True)
        return dict(params.validated_data)

    @extend_schema(
        summary=gettext_lazy("接手升级到本级的案件(成为承办人)"),
        request=AcknowledgeParams,
        responses={200: None},
    )
    @action(detail=True, methods=["post"], url_path="take-over")
    def take_over(self, request, pk=None):
        case = self._case(request)
        data = self._params(AcknowledgeParams, request)
        case = services.case_take_over(actor=request.user, case=case, note=data.get("note", ""))
        return Response({"id": case.pk, "responsible": case.responsible_id})

    @extend_schema(summary=gettext_lazy("交办"), request=HandOnParams, responses={201: HandOnSerializer})
    @action(detail=True, methods=["post"], url_path="hand-on")
    def hand_on(self, request, pk=None):
        case = self._case(request)
        hand_on = services.hand_on_create(
            actor=request.user, case=case, **self._params(HandOnParams, request)
        )
        return Response(HandOnSerializer(hand_on).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary=gettext_lazy("签收交办"), request=AcknowledgeParams, responses=HandOnSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        case = self._case(request)
        data = self._params(AcknowledgeParams, request)
        # the case's current hand-on, pending or not: the second of two acknowledgements at once
        # is the service's 409, never a 404 because the first has just been committed
        hand_on = (
            HandOn.objects.filter(case=case).exclude(status=HandOn.Status.SUPERSEDED).order_by("-pk").first()
        )
        if hand_on is None:
            raise Http404
        hand_on = services.hand_on_acknowledge(actor=request.user, hand_on=hand_on, note=data.get("note", ""))
        return Response(HandOnSerializer(hand_on).data)

    @extend_schema(
        summary=gettext_lazy("督办(GET:本案督办及反馈)"),
        request=SuperviseParams,
        responses={200: SupervisionSerializer(many=True), 201: SupervisionSerializer},
    )
    @action(detail=True, methods=["get", "post"])
    def supervise(self, request, pk=None):
        case = self._case(request)
        if request.method == "GET":
            rows = selectors.supervision_list(user=request.user, case_pk=case.pk)
            return Response(SupervisionSerializer(rows, many=True).data)
        supervision = services.supervision_open(
            actor=request.user, case=case, **self._params(SuperviseParams, request)
        )
        return Response(SupervisionSerializer(supervision).data, status=status.HTTP_201_CREATED)

    def _supervision(self, request, case: DisputeCase, pk: int) -> Supervision:
        return get_object_or_404(selectors.supervision_list(user=request.user, case_pk=case.pk), pk=pk)

    @extend_schema(
        summary=gettext_lazy("反馈督办"),
        request=SupervisionReplyParams,
        responses={201: SupervisionReplySerializer},
    )
    @action(detail=True, methods=["post"], url_path="supervise/replies")
    def supervise_replies(self, request, pk=None):
        case = self._case(request)
        data = self._params(SupervisionReplyParams, request)
        supervision = self._supervision(request, case, data["supervision"])
        # ``client_key``: a resend of the same reply answers 200 with the first one
        reply, created = self.submit_api(
            request,
            "disputes.supervision_reply",
            lambda: services.supervision_reply(
                actor=request.user, supervision=supervision, text=data["text"]
            ),
        )
        return Response(
            SupervisionReplySerializer(reply).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        summary=gettext_lazy("结束督办"), request=SupervisionCloseParams, responses=SupervisionSerializer
    )
    @action(detail=True, methods=["post"], url_path="supervise/close")
    def supervise_close(self, request, pk=None):
        case = self._case(request)
        data = self._params(SupervisionCloseParams, request)
        supervision = services.supervision_close(
            actor=request.user,
            supervision=self._supervision(request, case, data["supervision"]),
            note=data.get("note", ""),
        )
        return Response(SupervisionSerializer(supervision).data)

    @extend_schema(
        summary=gettext_lazy("评价办理情况"), request=EvaluationParams, responses={201: EvaluationSerializer}
    )
    @action(detail=True, methods=["post"])
    def evaluation(self, request, pk=None):
        case = self._case(request)
        evaluation = services.evaluation_record(
            actor=request.user, case=case, **self._params(EvaluationParams, request)
        )
        return Response(EvaluationSerializer(evaluation).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=gettext_lazy("移交到其他村(社区)"),
        request=TransferParams,
        responses={201: TransferSerializer},
    )
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        case = self._case(request)
        transfer = services.transfer_request(
            actor=request.user, case=case, **self._params(TransferParams, request)
        )
        return Response(TransferSerializer(transfer).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=gettext_lazy("接收或退回移交"), request=TransferDecideParams, responses=TransferSerializer
    )
    @action(detail=True, methods=["post"], url_path="transfer/decide")
    def transfer_decide(self, request, pk=None):
        case = self._case(request)
        data = self._params(TransferDecideParams, request)
        # the latest transfer of the case into the user's villages, pending or already decided (a
        # second decision at once is the service's 409)
        transfer = (
            CaseTransfer.objects.filter(case=case, to_village__in=scoping.village_ids(request.user))
            .order_by("-pk")
            .first()
        )
        if transfer is None or not capabilities.may(request.user, "case.transfer_decide"):
            raise Http404
        transfer = services.transfer_decide(
            actor=request.user, transfer=transfer, accept=data["accept"], note=data.get("note", "")
        )
        return Response(TransferSerializer(transfer).data)

    @extend_schema(
        summary=gettext_lazy("把重复上报关联到本案(不新建案件)"),
        request=LinkReportParams,
        responses={201: None},
    )
    @action(detail=True, methods=["post"], url_path="link-report")
    def link_report(self, request, pk=None):
        case = self._case(request)
        report = services.report_link(
            actor=request.user, case=case, **self._params(LinkReportParams, request)
        )
        return Response({"id": report.pk, "case": case.pk}, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=gettext_lazy("合并案件(被合并的案件以“已合并”结案)"),
        request=MergeParams,
        responses={200: None},
    )
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        case = self._case(request)
        data = self._params(MergeParams, request)
        absorb = case_selectors.case_get(user=request.user, pk=data["absorb"])
        merge = services.case_merge(actor=request.user, keep=case, absorb=absorb, reason=data["reason"])
        return Response({"id": merge.pk, "into": case.pk, "absorbed": absorb.pk})


# --- Lists --------------------------------------------------------------------------------
class DuplicateQuery(serializers.Serializer):
    """The report about to be made: its parties' numbers and its place (all optional)."""

    phone = serializers.ListField(child=serializers.CharField(max_length=32), required=False, max_length=50)
    id_number = serializers.ListField(
        child=serializers.CharField(max_length=32), required=False, max_length=50
    )
    village = serializers.IntegerField(
        required=False, min_value=1, max_value=ID_MAX, error_messages=dict(IdField.default_error_messages)
    )
    address = serializers.CharField(required=False, allow_blank=True, max_length=200)


class DuplicateCandidatesView(APIView):
    """Open cases in scope that may be the same dispute as a report about to be made."""

    @extend_schema(
        summary=gettext_lazy("疑似重复案件"),
        parameters=[DuplicateQuery],
        responses=CandidateSerializer(many=True),
    )
    def get(self, request):
        if not capabilities.may(request.user, "case.report"):
            raise PermissionDenied()
        query = DuplicateQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = selectors.duplicate_candidates(
            user=request.user,
            phones=query.validated_data.get("phone", []),
            id_numbers=query.validated_data.get("id_number", []),
            village_id=query.validated_data.get("village"),
            address=query.validated_data.get("address", ""),
        )
        return Response(CandidateSerializer(rows, many=True).data)


class WorkQueueView(APIView):
    """我的待办: the counts of what waits for the user (the same selector as the home page)."""

    @extend_schema(summary=gettext_lazy("我的待办"), responses={200: None})
    def get(self, request):
        queue = selectors.work_queue(user=request.user, limit=0)
        return Response({"counts": queue.counts, "total": queue.total})


class ReferralAnswerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The referrals sent to a liaison's unit, each with its case's summary only."""

    serializer_class = ReferralAnswerSerializer
    write_capability = "referral.answer"
    ordering = ("-sent_at", "-pk")

    def get_queryset(self):
        return selectors.liaison_referral_list(user=self.request.user)

    @extend_schema(
        summary=gettext_lazy("接收、退回或答复移送"),
        request=ReferralAnswerParams,
        responses=ReferralAnswerSerializer,
    )
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        referral = self.get_object()
        params = ReferralAnswerParams(data=request.data)
        params.is_valid(raise_exception=True)
        data = {k: v for k, v in params.validated_data.items() if v is not None}
        referral = services.liaison_referral_update(actor=request.user, referral=referral, **data)
        return Response(ReferralAnswerSerializer(referral).data)


def register(router) -> None:
    router.register("cases", CaseTierViewSet, basename="case-tiers")
    router.register("referral-answers", ReferralAnswerViewSet, basename="referral-answers")
