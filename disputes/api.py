"""REST API (/api/v1/) for dispute cases: the case ledger, each lifecycle move as an action, and
the parties, mediation sessions, agreements, referrals and follow-up visits of a case.

Same conventions as ``governance.api``: every queryset comes from ``disputes.selectors`` scoped
to ``request.user`` (a case outside the scope, or anything hanging off it, is a 404); every write
is one call to ``disputes.services``; their errors become 400 (with field errors), 403 or 409 in
``core.errors.api_exception_handler``. The capability check (``action_capabilities``) runs before the input is
parsed, and on detail routes after the object is found, so the answers come in the order
404 → 403 → 400/409.
"""

from typing import cast

import django_filters as df
from django.db.models import Model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from core.api import ReadViewSet, ScopedViewSet
from core.attachments.api import AttachmentsMixin
from core.errors import DomainError
from core.filters import IdFilter
from core.pagination import LargeListPagination
from core.versions import etag, use_version
from governance.models import User

from . import selectors, services
from . import serializers as s
from .filters import CaseFilter
from .models import Agreement, DisputeCase, FollowUp, MediationSession, Party, Referral
from .tiers import intake as tier_intake
from .tiers import rules as tier_rules


class DisputesViewSet(ScopedViewSet):
    """Writes need the capability named for the action (``case.*`` rows of the table); an
    action not named is left to the service."""

    write_capability = None


CASE_PARAMETER = OpenApiParameter("case", int, description=gettext_lazy("案件编号(id):只列出该案件的记录"))


def _case_filterset(model):
    meta = type("Meta", (), {"model": model, "fields": []})
    return type(
        f"{model.__name__}CaseFilter",
        (df.FilterSet,),
        {"case": IdFilter(field_name="case", label=gettext_lazy("案件编号")), "Meta": meta},
    )


# --- Cases --------------------------------------------------------------------------------
def _reason_call(service):
    return lambda actor, case, data: service(actor=actor, case=case, reason=data.get("reason", ""))


def _note_call(service):
    return lambda actor, case, data: service(actor=actor, case=case, note=data.get("note", ""))


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("案件台账(可筛选、搜索、分页;个人信息打码)")),
    retrieve=extend_schema(
        summary=gettext_lazy("案件详情(当事人、调解员、调解记录、协议、移送、回访、时间线)"),
        responses=s.CaseDetailSerializer,
    ),
    create=extend_schema(
        summary=gettext_lazy("登记案件(可附当事人;client_key 保证重复提交不重复立案)"),
        request=s.CaseCreateSerializer,
        responses={
            201: s.CaseDetailSerializer,
            200: OpenApiResponse(
                s.CaseDetailSerializer,
                gettext_lazy("同一 client_key 重复提交:返回首次立的案;link_to:关联到的已有案件(未新建)"),
            ),
        },
    ),
    partial_update=extend_schema(
        summary=gettext_lazy("修正案情(每项变更记入时间线)"),
        request=s.CaseUpdateSerializer,
        responses=s.CaseDetailSerializer,
    ),
)
class CaseViewSet(
    AttachmentsMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, mixins.ListModelMixin, DisputesViewSet
):
    """矛盾纠纷案件。状态只能通过各操作(受理、调解、办结……)变更。"""

    serializer_class = s.CaseListSerializer
    attachment_label = "disputes.case"
    # a county's years of cases: ``count`` is the table estimate when unfiltered, else capped
    pagination_class = LargeListPagination
    filterset_class = CaseFilter
    filter_backends = [DjangoFilterBackend]  # the selector orders the list
    action_capabilities = {
        "create": "case.report",
        "partial_update": "case.edit",
        "accept": "case.accept",
        "not_accept": "case.not_accept",
        "start_mediation": "case.start_mediation",
        "mark_failed": "case.mark_failed",
        "escalate": "case.escalate",
        "close": "case.close",
        "reopen": "case.reopen",
        "notes": "case.note",
        "assign_mediator": "case.assign_mediator",
        "unassign_mediator": "case.assign_mediator",
        "confirm_conflict": "case.assign_mediator",
        "assess_risk": "case.assess_risk",
        "pause": "case.pause",
        "resume": "case.pause",
        "request_extension": "case.request_extension",
        "decide_extension": "case.approve_extension",
        "attachments": "case.attach",
    }

    def get_queryset(self):
        if getattr(self, "action", None) == "list":
            # the list is CaseFilter's, ``selectors.case_list`` with the query's filters: an
            # unfiltered one built first would resolve the user's scope twice (3 queries more)
            return DisputeCase.objects.none()
        return selectors.case_list(user=self.request.user)

    def get_serializer_class(self):
        return {"create": s.CaseCreateSerializer, "partial_update": s.CaseUpdateSerializer}.get(
            self.action, s.CaseListSerializer
        )

    def get_object(self):
        case = selectors.case_get(user=self.request.user, pk=self.kwargs["pk"])
        self.checked_case = case  # the level a township/county handler handles (tiers.rules)
        self.check_object_permissions(self.request, case)
        return case

    def may_write(self, user) -> bool:
        code = self.action_capabilities.get(getattr(self, "action", None) or "", self.write_capability)
        case = getattr(self, "checked_case", None)
        if case is not None and code and code.startswith("case."):
            return tier_rules.may_act(user, case, code.removeprefix("case."))
        return super().may_write(user)

    def detail_response(self, case: DisputeCase, status_code: int = status.HTTP_200_OK) -> Response:
        case = selectors.case_detail(user=cast(User, self.request.user), pk=case.pk)  # IsAuthenticated
        context = {**self.get_serializer_context(), "in_list": False}
        response = Response(s.CaseDetailSerializer(case, context=context).data, status=status_code)
        response["ETag"] = etag(case)  # sent back as If-Match by the next write
        return response

    def retrieve(self, request, pk=None):
        return self.detail_response(self.get_object())

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        parties = [dict(p) for p in data.pop("parties", [])]
        linked = data.pop("link_to", None)
        key = data.get("client_key")
        if linked is not None:  # a repeat report of an open case: linked to it, no new case
            report = tier_intake.link(
                actor=request.user,
                case=linked,
                source=data["source"],
                summary=data["summary"],
                parties=parties,
                client_key=key,  # a resend links once
            )
            return self.detail_response(report.case)
        resent = key is not None and DisputeCase.objects.filter(client_key=key).exists()
        case = services.case_report(actor=request.user, parties=parties, **data)
        return self.detail_response(case, status.HTTP_200_OK if resent else status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            return self.http_method_not_allowed(request)
        case = self.get_object()
        serializer = s.CaseUpdateSerializer(
            case, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        note = data.pop("note", "")
        use_version(case, request)
        services.case_update(actor=request.user, case=case, data=data, note=note)
        return self.detail_response(case)

    def _act(self, request, params_class, call) -> Response:
        case = self.get_object()
        params = params_class(data=request.data, context=self.get_serializer_context())
        params.is_valid(raise_exception=True)
        use_version(case, request)  # If-Match or a version field: the second identical request is a 409
        call(request.user, case, params.validated_data)
        return self.detail_response(case)

    @extend_schema(summary=gettext_lazy("受理"), request=s.NoteSerializer, responses=s.CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._act(request, s.NoteSerializer, _note_call(services.case_accept))

    @extend_schema(
        summary=gettext_lazy("不予受理(须说明理由)"),
        request=s.ReasonSerializer,
        responses=s.CaseDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="not-accept")
    def not_accept(self, request, pk=None):
        return self._act(request, s.ReasonSerializer, _reason_call(services.case_not_accept))

    @extend_schema(
        summary=gettext_lazy("开始调解"), request=s.NoteSerializer, responses=s.CaseDetailSerializer
    )
    @action(detail=True, methods=["post"], url_path="start-mediation")
    def start_mediation(self, request, pk=None):
        return self._act(request, s.NoteSerializer, _note_call(services.case_start_mediation))

    @extend_schema(
        summary=gettext_lazy("调解未成(须说明原因)"),
        request=s.ReasonSerializer,
        responses=s.CaseDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="mark-failed")
    def mark_failed(self, request, pk=None):
        return self._act(request, s.ReasonSerializer, _reason_call(services.case_mark_failed))

    @extend_schema(
        summary=gettext_lazy("升级处置层级(须说明原因)"),
        request=s.ReasonSerializer,
        responses=s.CaseDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        return self._act(request, s.ReasonSerializer, _reason_call(services.case_escalate))

    @extend_schema(
        summary=gettext_lazy("办结(自动安排回访)"), request=s.NoteSerializer, responses=s.CaseDetailSerializer
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._act(request, s.NoteSerializer, _note_call(services.case_close))

    @extend_schema(
        summary=gettext_lazy("复发重启(须说明复发情况)"),
        request=s.ReasonSerializer,
        responses=s.CaseDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._act(request, s.ReasonSerializer, _reason_call(services.case_reopen))

    @extend_schema(
        summary=gettext_lazy("添加备注或更正(时间线只追加、不修改)"),
        request=s.RequiredNoteSerializer,
        responses={201: s.CaseEventSerializer},
    )
    @action(detail=True, methods=["post"])
    def notes(self, request, pk=None):
        case = self.get_object()
        params = s.NoteSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        event = services.case_add_note(
            actor=request.user, case=case, note=params.validated_data.get("note", "")
        )
        return Response(
            s.CaseEventSerializer(event, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary=gettext_lazy("指派调解员(需回避者须写明理由)"),
        request=s.AssignMediatorSerializer,
        responses={201: s.CaseMediatorSerializer},
    )
    @action(detail=True, methods=["post"], url_path="assign-mediator")
    def assign_mediator(self, request, pk=None):
        case = self.get_object()
        params = s.AssignMediatorSerializer(data=request.data, context=self.get_serializer_context())
        params.is_valid(raise_exception=True)
        assignment = services.mediator_assign(actor=request.user, case=case, **params.validated_data)
        return Response(s.CaseMediatorSerializer(assignment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=gettext_lazy("撤换调解员(须说明原因)"),
        request=s.UnassignMediatorSerializer,
        responses=s.CaseDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="unassign-mediator")
    def unassign_mediator(self, request, pk=None):
        case = self.get_object()
        params = s.UnassignMediatorSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        assignment = case.mediator_assignments.filter(
            mediator_id=params.validated_data["mediator"], is_active=True
        ).first()
        if assignment is None:
            raise DomainError(_("该调解员不在本案调解员名单中。"), field="mediator")
        services.mediator_unassign(
            actor=request.user, assignment=assignment, reason=params.validated_data["reason"]
        )
        return self.detail_response(case)

    @extend_schema(
        summary=gettext_lazy("确认回避事由,仍由该调解员调解(须写明理由)"),
        request=s.ConfirmConflictSerializer,
        responses=s.CaseDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="confirm-conflict")
    def confirm_conflict(self, request, pk=None):
        def call(actor, case, data):
            assignment = case.mediator_assignments.filter(
                mediator_id=data["mediator"], is_active=True
            ).first()
            if assignment is None:
                raise DomainError(_("该调解员不在本案调解员名单中。"), field="mediator")
            services.mediator_conflict_confirm(actor=actor, assignment=assignment, reason=data["reason"])

        return self._act(request, s.ConfirmConflictSerializer, call)

    @extend_schema(
        summary=gettext_lazy("中止办理期限(须说明原因;等待移送答复的,答复后自动恢复)"),
        request=s.PauseSerializer,
        responses=s.CaseDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        def call(actor, case, data):
            referral = None
            if data.get("referral"):
                referral = case.referrals.filter(pk=data["referral"]).first()
                if referral is None:
                    raise DomainError(_("请选择本案尚未答复的移送。"), field="referral")
            services.case_pause(
                actor=actor, case=case, kind=data["kind"], reason=data.get("reason", ""), referral=referral
            )

        return self._act(request, s.PauseSerializer, call)

    @extend_schema(
        summary=gettext_lazy("恢复办理(办理期限顺延中止的时间)"),
        request=s.NoteSerializer,
        responses=s.CaseDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        return self._act(request, s.NoteSerializer, _note_call(services.case_resume))

    @extend_schema(
        summary=gettext_lazy("申请延期(须说明理由,由上一级或县指挥中心审批)"),
        request=s.ExtensionRequestSerializer,
        responses=s.CaseDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="request-extension")
    def request_extension(self, request, pk=None):
        return self._act(
            request,
            s.ExtensionRequestSerializer,
            lambda actor, case, data: services.extension_request(
                actor=actor, case=case, days=data["days"], reason=data.get("reason", "")
            ),
        )

    @extend_schema(
        summary=gettext_lazy("审批延期申请(上一级或县指挥中心;申请人本人不能审批)"),
        request=s.ExtensionDecideSerializer,
        responses=s.CaseDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="decide-extension")
    def decide_extension(self, request, pk=None):
        def call(actor, case, data):
            extension = case.extensions.filter(pk=data["extension"]).first()
            if extension is None:
                raise DomainError(_("该延期申请不属于本案。"), field="extension")
            services.extension_decide(
                actor=actor, extension=extension, approve=data["approve"], note=data.get("note", "")
            )

        return self._act(request, s.ExtensionDecideSerializer, call)

    @extend_schema(
        summary=gettext_lazy("立即重新评估风险(与夜间评估同一规则)"),
        request=None,
        responses=s.RiskAssessmentSerializer,
    )
    @action(detail=True, methods=["post"], url_path="assess-risk")
    def assess_risk(self, request, pk=None):
        case = self.get_object()
        assessment = services.case_assess_risk(actor=request.user, case=case)
        return Response(s.RiskAssessmentSerializer(assessment).data)

    @extend_schema(
        summary=gettext_lazy(
            "推荐调解员(在册、服务本乡镇、语言相通、在办案件少、成功率高者优先;需回避者不推荐)"
        ),
        responses=s.MediatorSuggestionSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def suggestions(self, request, pk=None):
        case = self.get_object()
        return Response(
            s.MediatorSuggestionSerializer(selectors.mediator_suggestions(case=case), many=True).data
        )


# --- Related records ----------------------------------------------------------------------
class RelatedViewSet(mixins.CreateModelMixin, ReadViewSet, DisputesViewSet):
    """Records of a case: listed through ``selectors.related_list`` (``?case=`` narrows to one
    case), created through a service with the case chosen among those in scope."""

    model: type[Model] | None = None
    read_serializer_class: type[BaseSerializer] | None = None

    def get_queryset(self):
        return selectors.related_list(self.model, user=self.request.user)

    def may_write(self, user) -> bool:
        # before the case is read: by the table, or as the handler of a level (a township's
        # 综治中心 records the agreement of its township-level case); the service then checks the
        # case itself (``tiers.rules.may_act``)
        code = self.action_capabilities.get(getattr(self, "action", None) or "", self.write_capability)
        if code and code.startswith("case."):
            case = getattr(getattr(self, "checked_object", None), "case", None)
            if case is not None:  # a record's own action: the level of its case decides
                return tier_rules.may_act(user, case, code.removeprefix("case."))
            return tier_rules.may_act_somewhere(user, code.removeprefix("case."))
        return super().may_write(user)

    def check_object_permissions(self, request, obj):
        self.checked_object = obj
        super().check_object_permissions(request, obj)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = self.perform_service(dict(serializer.validated_data))
        return Response(
            self.read_serializer_class(obj, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    def perform_service(self, data: dict):
        raise NotImplementedError


@extend_schema_view(list=extend_schema(parameters=[CASE_PARAMETER]))
class PartyViewSet(mixins.UpdateModelMixin, RelatedViewSet):
    """当事人。身份证号、电话在列表中打码,详情仅派出所、县指挥中心、管理员可见全文。"""

    model = Party
    serializer_class = s.PartySerializer
    read_serializer_class = s.PartySerializer
    update_serializer_class = s.PartyUpdateSerializer
    filterset_class = _case_filterset(Party)
    ordering = ("case", "role", "pk")
    action_capabilities = {"create": "case.party", "partial_update": "case.party"}

    def get_queryset(self):
        return selectors.party_list(user=self.request.user)

    def perform_service(self, data):
        return services.party_add(actor=self.request.user, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        note = data.pop("note", "")
        services.party_update(actor=self.request.user, party=serializer.instance, data=data, note=note)


@extend_schema_view(list=extend_schema(parameters=[CASE_PARAMETER]))
class SessionViewSet(AttachmentsMixin, RelatedViewSet):
    """调解记录(笔录)。记录调解时,已受理的案件自动进入调解中;结果为调解未成时案件随之变更。"""

    model = MediationSession
    serializer_class = s.SessionSerializer
    read_serializer_class = s.SessionSerializer
    filterset_class = _case_filterset(MediationSession)
    ordering = ("held_at", "pk")
    attachment_label = "disputes.session"
    action_capabilities = {"create": "case.session", "attachments": "case.attach"}

    def get_queryset(self):
        return super().get_queryset().select_related("recorded_by")

    def perform_service(self, data):
        return services.session_record(actor=self.request.user, **data)


@extend_schema_view(list=extend_schema(parameters=[CASE_PARAMETER]))
class AgreementViewSet(AttachmentsMixin, RelatedViewSet):
    """调解协议。登记后案件为“达成协议”;履行情况通过 performance 操作登记。"""

    model = Agreement
    serializer_class = s.AgreementSerializer
    read_serializer_class = s.AgreementSerializer
    filterset_class = _case_filterset(Agreement)
    ordering = ("signed_on", "pk")
    attachment_label = "disputes.agreement"
    action_capabilities = {
        "create": "case.agreement",
        "performance": "case.performance",
        "attachments": "case.attach",
    }

    def perform_service(self, data):
        return services.agreement_create(actor=self.request.user, **data)

    @extend_schema(
        summary=gettext_lazy("登记履行情况(已履行→协议已履行;违约→调解未成)"),
        request=s.AgreementPerformanceSerializer,
        responses=s.AgreementSerializer,
    )
    @action(detail=True, methods=["post"])
    def performance(self, request, pk=None):
        agreement = self.get_object()
        params = s.AgreementPerformanceSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        agreement = services.agreement_set_performance(
            actor=request.user, agreement=agreement, **params.validated_data
        )
        return Response(self.get_serializer(agreement).data)


@extend_schema_view(list=extend_schema(parameters=[CASE_PARAMETER]))
class ReferralViewSet(RelatedViewSet):
    """对接移送:公调对接、庭所对接(司法确认)、律师进所、部门移交。对方的接收、答复通过 update 操作登记。"""

    model = Referral
    serializer_class = s.ReferralSerializer
    read_serializer_class = s.ReferralSerializer
    filterset_class = _case_filterset(Referral)
    ordering = ("sent_at", "pk")
    action_capabilities = {"create": "case.refer", "record_update": "case.referral_update"}

    def perform_service(self, data):
        return services.referral_create(actor=self.request.user, **data)

    @extend_schema(
        summary=gettext_lazy("登记对方接收、答复或退回"),
        request=s.ReferralUpdateSerializer,
        responses=s.ReferralSerializer,
    )
    @action(detail=True, methods=["post"], url_path="update", url_name="update")
    def record_update(self, request, pk=None):
        referral = self.get_object()
        params = s.ReferralUpdateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        referral = services.referral_update(actor=request.user, referral=referral, **params.validated_data)
        return Response(self.get_serializer(referral).data)


@extend_schema_view(
    list=extend_schema(parameters=[CASE_PARAMETER]),
    create=extend_schema(request=s.FollowUpRecordSerializer, responses={201: s.FollowUpSerializer}),
)
class FollowUpViewSet(RelatedViewSet):
    """回访(办结后按计划进行)。POST 登记一次回访:填入下一次计划回访(或指定的 follow_up);结果为复发时案件复发重启。"""

    model = FollowUp
    serializer_class = s.FollowUpSerializer
    read_serializer_class = s.FollowUpSerializer
    filterset_class = _case_filterset(FollowUp)
    ordering = ("due_date", "pk")
    action_capabilities = {"create": "case.follow_up"}

    def get_serializer_class(self):
        return s.FollowUpRecordSerializer if self.action == "create" else s.FollowUpSerializer

    def get_queryset(self):
        return super().get_queryset().select_related("visitor")

    def perform_service(self, data):
        if data.get("follow_up") is not None:  # a planned visit, from the version the client saw
            use_version(data["follow_up"], self.request)
        return services.follow_up_record(actor=self.request.user, **data)


def register(router) -> None:
    router.register("cases", CaseViewSet, basename="cases")
    router.register("parties", PartyViewSet, basename="parties")
    router.register("sessions", SessionViewSet, basename="sessions")
    router.register("agreements", AgreementViewSet, basename="agreements")
    router.register("referrals", ReferralViewSet, basename="referrals")
    router.register("follow-ups", FollowUpViewSet, basename="follow-ups")
