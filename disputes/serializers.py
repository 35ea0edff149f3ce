"""API serializers for dispute cases and what hangs off them.

They check input shape only (types, choices, the models' field validators such as the ID-card
checksum, and that every chosen related object is inside the actor's scope); the rules live in
``disputes.services``, which the viewsets call with ``validated_data``.

Personal data (ID-card numbers, phones) is masked in lists, and in details for roles that do not
work with the person (``governance.privacy``): inside the timeline's recorded changes always (a history is no place to read a number).
"""

from typing import cast

from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.serializers import (
    BaseModelSerializer,
    ChoiceLabelField,
    NamedChoiceField,
    ScopedPrimaryKeyRelatedField,
)
from governance import selectors as gov_selectors
from governance.models import Grid, Mediator, Region
from governance.privacy import masked_changes, shown_id_number, shown_phone
from governance.serializers import PersonalDataMixin

from .events import event_label
from .models import (
    Agreement,
    CaseEvent,
    CaseExtension,
    CaseMediator,
    CasePause,
    DisputeCase,
    FollowUp,
    Level,
    MediationSession,
    Party,
    Referral,
    Source,
)
from .selectors import case_ids, linkable_cases


# --- Scopes for related choices -----------------------------------------------------------
def _cases(user):
    return DisputeCase.objects.filter(pk__in=case_ids(user))


def _villages(user):
    return gov_selectors.village_list(user=user, include_archived=True)


def _grids(user):
    return gov_selectors.grid_list(user=user, include_inactive=True)


def _mediators(user):
    # inactive ones included: the service explains why they cannot be assigned
    return Mediator.objects.filter(pk__in=gov_selectors.mediator_ids(user))


def _user_name(user) -> str | None:
    if user is None:
        return None
    return user.full_name or user.username


def _case_field(**kwargs):
    return ScopedPrimaryKeyRelatedField(
        scope=_cases, queryset=DisputeCase.objects.all(), label=_("案件"), **kwargs
    )


# --- Parties ------------------------------------------------------------------------------
PARTY_FIELDS = ["kind", "role", "name", "gender", "ethnicity", "id_number", "phone", "address", "clan"]


class PartyInputSerializer(BaseModelSerializer):
    """A party as given when a case is reported (nested in the case)."""

    named_choice_fields = ()

    class Meta(BaseModelSerializer.Meta):
        model = Party
        fields = PARTY_FIELDS


class PartySerializer(PersonalDataMixin, BaseModelSerializer):
    personal_fields = {"id_number": shown_id_number, "phone": shown_phone}
    named_choice_fields = ("kind", "role")

    case = _case_field()
    kind_display = ChoiceLabelField("kind")
    role_display = ChoiceLabelField("role")
    gender_display = ChoiceLabelField("gender")
    ethnicity_display = ChoiceLabelField("ethnicity")

    class Meta(BaseModelSerializer.Meta):
        model = Party
        fields = [
            "id",
            "case",
            *PARTY_FIELDS,
            "kind_display",
            "role_display",
            "gender_display",
            "ethnicity_display",
            "created_at",
        ]
        read_only_fields = ["created_at"]


class PartyUpdateSerializer(PartySerializer):
    case = serializers.PrimaryKeyRelatedField(read_only=True, label=_("案件"))
    note = serializers.CharField(write_only=True, required=False, allow_blank=True, label=_("修改说明"))

    class Meta(PartySerializer.Meta):
        fields = [*PartySerializer.Meta.fields, "note"]


# --- Timeline and mediators ---------------------------------------------------------------
class CaseEventSerializer(serializers.ModelSerializer):
    label = serializers.SerializerMethodField()  # type: ignore[assignment]  # a field, not Field.label
    actor_name = serializers.SerializerMethodField()
    changes = serializers.SerializerMethodField()

    class Meta:
        model = CaseEvent
        fields = ["id", "code", "label", "actor", "actor_name", "created_at", "changes", "note"]

    def get_label(self, obj) -> str:
        return event_label(obj.code)

    def get_actor_name(self, obj) -> str | None:
        return _user_name(obj.actor) if obj.actor_id else None

    def get_changes(self, obj) -> dict:
        """``{field: [old, new]}``; personal data always masked (``governance.privacy``)."""
        return masked_changes(obj.changes)


class CaseMediatorSerializer(serializers.ModelSerializer):
    mediator_name = serializers.CharField(source="mediator.name", read_only=True)
    mediator_kind = serializers.CharField(source="mediator.get_kind_display", read_only=True)
    has_open_conflict = serializers.BooleanField(read_only=True, label=_("有待处理的回避事由"))

    class Meta:
        model = CaseMediator
        fields = [
            "id",
            "mediator",
            "mediator_name",
            "mediator_kind",
            "assigned_at",
            "conflict_note",
            "conflict_found",
            "conflict_found_at",
            "has_open_conflict",
            "conflict_resolution",
            "conflict_resolved_at",
        ]
        read_only_fields = fields


class MediatorSuggestionSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    open_cases = serializers.IntegerField(read_only=True, label=_("在办案件数"))
    record = serializers.FloatField(read_only=True, label=_("调解成功率"))

    class Meta:
        model = Mediator
        fields = [
            "id",
            "name",
            "kind",
            "kind_display",
            "clan",
            "speaks_yi",
            "speaks_mandarin",
            "open_cases",
            "record",
        ]


# --- Cases --------------------------------------------------------------------------------
class CaseListSerializer(BaseModelSerializer):
    """One row of the case ledger: everything read from ``selectors.case_list`` (joined and
    prefetched there), personal data masked."""

    named_choice_fields = ("status",)

    category_display = ChoiceLabelField("category")
    source_display = ChoiceLabelField("source")
    status_display = ChoiceLabelField("status")
    level_display = ChoiceLabelField("level")
    risk_level_display = ChoiceLabelField("risk_level")
    village_name = serializers.CharField(source="village.name", read_only=True)
    township_name = serializers.CharField(
        source="village.parent.name", read_only=True, default=None, allow_null=True
    )
    grid_name = serializers.CharField(source="grid.name", read_only=True, default=None, allow_null=True)
    station_name = serializers.CharField(source="station.name", read_only=True)
    responsible_name = serializers.SerializerMethodField()
    title = serializers.CharField(read_only=True, label=_("摘要"))
    is_overdue = serializers.BooleanField(read_only=True, label=_("已逾期"))
    is_group = serializers.BooleanField(read_only=True, label=_("群体性"))
    parties = serializers.SerializerMethodField()
    mediators = serializers.SerializerMethodField()

    class Meta(BaseModelSerializer.Meta):
        model = DisputeCase
        fields = [
            "id",
            "number",
            "category",
            "category_display",
            "source",
            "source_display",
            "status",
            "status_display",
            "level",
            "level_display",
            "village",
            "village_name",
            "township_name",
            "grid",
            "grid_name",
            "station",
            "station_name",
            "address",
            "title",
            "people_involved",
            "amount_involved",
            "threat_flag",
            "vulnerable_flag",
            "is_group",
            "responsible",
            "responsible_name",
            "reported_at",
            "occurred_on",
            "due_at",
            "closed_at",
            "is_overdue",
            "escalation_count",
            "recurrence_count",
            "risk_score",
            "risk_level",
            "risk_level_display",
            "parties",
            "mediators",
        ]
        read_only_fields = fields

    def get_responsible_name(self, obj) -> str | None:
        return _user_name(obj.responsible) if obj.responsible_id else None

    def _party_objects(self, obj):
        return getattr(obj, "party_list", None) or list(obj.parties.all())

    # One serializer of parties and one of mediators for every row of a list: DRF builds a
    # ModelSerializer's fields when first asked, which per row was most of a page's time.
    @cached_property
    def _party_serializer(self) -> "PartySerializer":
        return PartySerializer(context=self.context)

    @cached_property
    def _mediator_serializer(self) -> "CaseMediatorSerializer":
        return CaseMediatorSerializer(context=self.context)

    def get_parties(self, obj) -> list[dict]:
        child = self._party_serializer
        return [child.to_representation(party) for party in self._party_objects(obj)]

    def get_mediators(self, obj) -> list[dict]:
        assignments = getattr(obj, "active_mediators", None)
        if assignments is None:
            assignments = obj.mediator_assignments.filter(is_active=True).select_related("mediator")
        child = self._mediator_serializer
        return [child.to_representation(assignment) for assignment in assignments]


class SessionSerializer(BaseModelSerializer):
    case = _case_field()
    outcome_display = serializers.CharField(source="get_outcome_display", read_only=True)
    recorded_by_name = serializers.SerializerMethodField()

    class Meta(BaseModelSerializer.Meta):
        model = MediationSession
        fields = [
            "id",
            "case",
            "held_at",
            "place",
            "attendees",
            "record",
            "outcome",
            "outcome_display",
            "recorded_by",
            "recorded_by_name",
            "created_at",
        ]
        read_only_fields = ["recorded_by", "created_at"]

    def get_recorded_by_name(self, obj) -> str | None:
        return _user_name(obj.recorded_by)


class AgreementSerializer(BaseModelSerializer):
    named_choice_fields = ("form",)

    case = _case_field()
    performance_status = NamedChoiceField(
        enum_name="AgreementPerformanceEnum",
        choices=Agreement.Performance.choices,
        read_only=True,
        label=_("履行情况"),
    )
    form_display = serializers.CharField(source="get_form_display", read_only=True)
    performance_status_display = serializers.CharField(
        source="get_performance_status_display", read_only=True
    )
    judicial_confirmation_deadline = serializers.DateField(read_only=True, label=_("司法确认申请截止"))

    class Meta(BaseModelSerializer.Meta):
        model = Agreement
        fields = [
            "id",
            "case",
            "form",
            "form_display",
            "facts",
            "disputed_matters",
            "terms",
            "performance_method",
            "performance_place",
            "performance_deadline",
            "signed_on",
            "performance_status",
            "performance_status_display",
            "judicial_confirmation_deadline",
            "created_at",
        ]
        read_only_fields = ["performance_status", "created_at"]


class AgreementPerformanceSerializer(serializers.Serializer):
    status = NamedChoiceField(
        enum_name="AgreementPerformanceEnum", choices=Agreement.Performance.choices, label=_("履行情况")
    )
    note = serializers.CharField(required=False, allow_blank=True, label=_("说明"))


class ReferralSerializer(BaseModelSerializer):
    named_choice_fields = ("kind", "status")

    case = _case_field()
    agreement = serializers.PrimaryKeyRelatedField(
        queryset=Agreement.objects.all(), required=False, allow_null=True, label=_("申请确认的协议")
    )
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    department_display = serializers.CharField(source="get_department_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True, label=_("已逾期未答复"))

    class Meta(BaseModelSerializer.Meta):
        model = Referral
        fields = [
            "id",
            "case",
            "kind",
            "kind_display",
            "department",
            "department_display",
            "target_name",
            "agreement",
            "reason",
            "status",
            "status_display",
            "sent_at",
            "due_date",
            "answer",
            "answered_at",
            "is_overdue",
        ]
        read_only_fields = ["status", "sent_at", "answer", "answered_at"]
        extra_kwargs = {"due_date": {"required": False}}

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        # the agreement must belong to the case (the service checks); here only: in scope
        fields["agreement"].queryset = Agreement.objects.filter(
            case__in=case_ids(getattr(request, "user", None))
        )
        return fields


class ReferralUpdateSerializer(serializers.Serializer):
    status = NamedChoiceField(
        enum_name="ReferralStatusEnum", choices=Referral.Status.choices, label=_("状态")
    )
    answer = serializers.CharField(required=False, allow_blank=True, label=_("答复内容"))


class FollowUpSerializer(BaseModelSerializer):
    """Reading a follow-up (回访), planned or done."""

    case = _case_field()
    result_display = serializers.CharField(source="get_result_display", read_only=True)
    satisfaction_display = serializers.CharField(source="get_satisfaction_display", read_only=True)
    visitor_name = serializers.SerializerMethodField()
    is_done = serializers.BooleanField(read_only=True, label=_("已回访"))

    class Meta(BaseModelSerializer.Meta):
        model = FollowUp
        fields = [
            "id",
            "case",
            "due_date",
            "visited_at",
            "visitor",
            "visitor_name",
            "result",
            "result_display",
            "satisfaction",
            "satisfaction_display",
            "note",
            "is_done",
        ]
        read_only_fields = ["due_date", "visitor"]

    def get_visitor_name(self, obj) -> str | None:
        return _user_name(obj.visitor) if obj.visitor_id else None


class FollowUpRecordSerializer(serializers.Serializer):
    """Recording a visit: fills the next planned visit (or ``follow_up``), else adds one."""

    case = _case_field()
    follow_up = serializers.PrimaryKeyRelatedField(
        queryset=FollowUp.objects.all(), required=False, allow_null=True, label=_("回访计划")
    )
    result = serializers.ChoiceField(choices=FollowUp.Result.choices, label=_("回访结果"))
    satisfaction = serializers.ChoiceField(choices=FollowUp.Satisfaction.choices, label=_("满意度"))
    note = serializers.CharField(required=False, allow_blank=True, label=_("回访情况"))
    visited_at = serializers.DateTimeField(required=False, allow_null=True, label=_("回访时间"))

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        fields["follow_up"].queryset = FollowUp.objects.filter(
            case__in=case_ids(getattr(request, "user", None))
        )
        return fields


class CasePauseSerializer(serializers.ModelSerializer):
    kind = NamedChoiceField(enum_name="CasePauseKindEnum", choices=CasePause.Kind.choices, read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    started_by_name = serializers.SerializerMethodField()
    is_open = serializers.BooleanField(read_only=True, label=_("中止中"))

    class Meta:
        model = CasePause
        fields = [
            "id",
            "kind",
            "kind_display",
            "reason",
            "referral",
            "started_at",
            "started_by",
            "started_by_name",
            "ended_at",
            "end_note",
            "is_open",
        ]
        read_only_fields = fields

    def get_started_by_name(self, obj) -> str | None:
        return _user_name(obj.started_by)


class CaseExtensionSerializer(serializers.ModelSerializer):
    status = NamedChoiceField(
        enum_name="CaseExtensionStatusEnum", choices=CaseExtension.Status.choices, read_only=True
    )
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    requested_by_name = serializers.SerializerMethodField()
    decided_by_name = serializers.SerializerMethodField()

    class Meta:
        model = CaseExtension
        fields = [
            "id",
            "days",
            "reason",
            "status",
            "status_display",
            "requested_by",
            "requested_by_name",
            "requested_at",
            "decided_by",
            "decided_by_name",
            "decided_at",
            "decision_note",
            "old_due_at",
            "new_due_at",
        ]
        read_only_fields = fields

    def get_requested_by_name(self, obj) -> str | None:
        return _user_name(obj.requested_by)

    def get_decided_by_name(self, obj) -> str | None:
        return _user_name(obj.decided_by)


class CaseDetailSerializer(CaseListSerializer):
    """A case with its parties, active mediators, sessions, agreements, referrals, follow-ups and
    timeline (read by ``selectors.case_detail``), and the statuses it may move to next."""

    summary = serializers.CharField(read_only=True, label=_("简要案情"))
    reported_by_name = serializers.SerializerMethodField()
    allowed_statuses = serializers.SerializerMethodField()
    sessions = serializers.SerializerMethodField()
    agreements = serializers.SerializerMethodField()
    referrals = serializers.SerializerMethodField()
    follow_ups = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()
    handling_due_at = serializers.DateTimeField(read_only=True, allow_null=True, label=_("办理期限"))
    is_paused = serializers.BooleanField(read_only=True, label=_("中止中"))
    closed_on_time = serializers.BooleanField(read_only=True, allow_null=True, label=_("按期办结"))
    pauses = serializers.SerializerMethodField()
    extensions = serializers.SerializerMethodField()

    class Meta(CaseListSerializer.Meta):
        fields = [
            *CaseListSerializer.Meta.fields,
            "version",
            # the case clock: deadlines, pause state, extensions
            "feedback_due_at",
            "accepted_at",
            "handling_due_at",
            "is_paused",
            "paused_at",
            "paused_seconds",
            "extension_count",
            "closed_on_time",
            "pauses",
            "extensions",
            "summary",
            "reported_by",
            "reported_by_name",
            "updated_at",
            "allowed_statuses",
            "sessions",
            "agreements",
            "referrals",
            "follow_ups",
            "timeline",
        ]
        read_only_fields = fields

    def get_reported_by_name(self, obj) -> str | None:
        return _user_name(obj.reported_by)

    def get_allowed_statuses(self, obj) -> list[str]:
        return sorted(obj.allowed_statuses())

    def get_sessions(self, obj) -> list[dict]:
        return cast(
            list[dict], SessionSerializer(obj.session_list, many=True, context=self.context).data
        )  # many=True: a list

    def get_agreements(self, obj) -> list[dict]:
        return cast(
            list[dict], AgreementSerializer(obj.agreement_list, many=True, context=self.context).data
        )  # many=True: a list

    def get_referrals(self, obj) -> list[dict]:
        return cast(
            list[dict], ReferralSerializer(obj.referral_list, many=True, context=self.context).data
        )  # many=True: a list

    def get_follow_ups(self, obj) -> list[dict]:
        return cast(
            list[dict], FollowUpSerializer(obj.follow_up_list, many=True, context=self.context).data
        )  # many=True: a list

    def get_pauses(self, obj) -> list[dict]:
        return cast(list[dict], CasePauseSerializer(obj.pause_list, many=True).data)  # many=True: a list

    def get_extensions(self, obj) -> list[dict]:
        return cast(
            list[dict], CaseExtensionSerializer(obj.extension_list, many=True).data
        )  # many=True: a list

    def get_timeline(self, obj) -> list[dict]:
        return cast(
            list[dict], CaseEventSerializer(obj.timeline, many=True, context=self.context).data
        )  # many=True: a list


class CaseCreateSerializer(BaseModelSerializer):
    """Reporting a case. ``client_key`` (a UUID made by the client) makes the call idempotent:
    sending the same report again returns the case made the first time."""

    named_choice_fields = ()

    village = ScopedPrimaryKeyRelatedField(
        scope=_villages, queryset=Region.objects.all(), label=_("村(社区)")
    )
    grid = ScopedPrimaryKeyRelatedField(
        scope=_grids, queryset=Grid.objects.all(), required=False, allow_null=True, label=_("网格")
    )
    source = serializers.ChoiceField(  # type: ignore[assignment]  # a field, not Field.source
        choices=Source.choices, default=Source.WALK_IN, label=_("来源")
    )
    level = serializers.ChoiceField(
        choices=Level.choices,
        required=False,
        label=_("处置层级"),
        help_text=_("留空:有网格为网格级,否则为村级"),
    )
    parties = PartyInputSerializer(many=True, required=False, label=_("当事人"))
    client_key = serializers.UUIDField(required=False, allow_null=True, label=_("客户端提交键"))
    note = serializers.CharField(required=False, allow_blank=True, write_only=True, label=_("说明"))
    link_to = ScopedPrimaryKeyRelatedField(
        scope=linkable_cases,
        queryset=DisputeCase.objects.all(),
        required=False,
        allow_null=True,
        write_only=True,
        label=_("关联到已有案件"),
        help_text=_(
            "同一纠纷已有在办案件(见 /api/v1/duplicate-candidates/):把本次上报关联到该案件,"
            "不新建案件,返回该案件(200)"
        ),
    )

    class Meta(BaseModelSerializer.Meta):
        model = DisputeCase
        fields = [
            "category",
            "source",
            "village",
            "grid",
            "address",
            "summary",
            "people_involved",
            "amount_involved",
            "threat_flag",
            "vulnerable_flag",
            "occurred_on",
            "level",
            "parties",
            "client_key",
            "note",
            "link_to",
        ]


class CaseUpdateSerializer(BaseModelSerializer):
    """Correcting the facts of a case (PATCH); each change is recorded old → new."""

    named_choice_fields = ()

    grid = ScopedPrimaryKeyRelatedField(
        scope=_grids, queryset=Grid.objects.all(), required=False, allow_null=True, label=_("网格")
    )
    note = serializers.CharField(required=False, allow_blank=True, write_only=True, label=_("修改说明"))

    class Meta(BaseModelSerializer.Meta):
        model = DisputeCase
        fields = [
            "category",
            "summary",
            "address",
            "people_involved",
            "amount_involved",
            "threat_flag",
            "vulnerable_flag",
            "grid",
            "occurred_on",
            "note",
        ]


# --- Action inputs ------------------------------------------------------------------------
class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, label=_("说明"))


class RequiredNoteSerializer(serializers.Serializer):
    note = serializers.CharField(label=_("说明"))


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, label=_("原因"))


class UnassignMediatorSerializer(serializers.Serializer):
    mediator = serializers.IntegerField(label=_("调解员"))
    reason = serializers.CharField(
        label=_("撤换原因"),
        error_messages={"blank": _("请说明撤换原因。"), "required": _("请说明撤换原因。")},
    )


class ConfirmConflictSerializer(serializers.Serializer):
    mediator = serializers.IntegerField(label=_("调解员"))
    reason = serializers.CharField(
        label=_("仍由其调解的理由"),
        max_length=500,
        error_messages={"blank": _("仍由其调解须写明理由。"), "required": _("仍由其调解须写明理由。")},
    )


class RiskAssessmentSerializer(serializers.Serializer):
    score = serializers.IntegerField()
    level = serializers.CharField()
    factors = serializers.DictField()
    rule_version = serializers.CharField()
    assessed_at = serializers.DateTimeField()


class AssignMediatorSerializer(serializers.Serializer):
    mediator = ScopedPrimaryKeyRelatedField(
        scope=_mediators, queryset=Mediator.objects.all(), label=_("调解员")
    )
    reason = serializers.CharField(required=False, allow_blank=True, label=_("理由(需回避时必填)"))


class PauseSerializer(serializers.Serializer):
    kind = NamedChoiceField(
        enum_name="CasePauseKindEnum", choices=CasePause.Kind.choices, label=_("中止事由")
    )
    reason = serializers.CharField(required=False, allow_blank=True, label=_("中止说明"))
    referral = serializers.IntegerField(required=False, allow_null=True, label=_("等待答复的移送"))


class ExtensionRequestSerializer(serializers.Serializer):
    days = serializers.IntegerField(label=_("延期天数"))
    reason = serializers.CharField(required=False, allow_blank=True, label=_("延期理由"))


class ExtensionDecideSerializer(serializers.Serializer):
    extension = serializers.IntegerField(label=_("延期申请"))
    approve = serializers.BooleanField(label=_("是否批准"))
    note = serializers.CharField(required=False, allow_blank=True, label=_("审批意见"))
