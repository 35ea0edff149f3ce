"""Django admin for dispute cases: a scoped, read-only view.

Every change to a case is a service call that writes the timeline, so the admin changes nothing
and deletes nothing: cases and what hangs off them are looked at here and handled on the case
page (``view on site``). The timeline (``CaseEvent``) is strictly read-only. For anyone but a
superuser the querysets are scoped through ``selectors.case_ids`` exactly like the pages.
Personal data is masked in the admin (the case page shows it in full to the roles that need it).
"""

from django.contrib import admin
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.admin import RelatedOnly, ScopedAdmin
from governance.privacy import masked_changes
from governance.selectors import mediator_ids
from governance.validators import mask_id_number, mask_phone

from . import selectors
from .models import (
    Agreement,
    CaseEvent,
    CaseMediator,
    DisputeCase,
    FollowUp,
    MediationSession,
    MediatorRelation,
    Party,
    Referral,
    RiskAssessment,
    RiskRuleSet,
)


class ReadOnlyAdmin(ScopedAdmin):
    superuser_may_delete = False
    case_lookup = "case"

    def scope_queryset(self, qs: QuerySet, user) -> QuerySet:
        return qs.filter(**{f"{self.case_lookup}__in": selectors.case_ids(user)})

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        return {}  # no bulk delete, no bulk anything

    def view_on_site(self, obj):
        case_id = obj.pk if isinstance(obj, DisputeCase) else getattr(obj, "case_id", None)
        return reverse("disputes:case-detail", args=[case_id]) if case_id else None


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        return [f for f in self.fields]

    def has_view_permission(self, request, obj=None) -> bool:
        return ScopedAdmin.is_platform_staff(request)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.display(description=_("身份证号"))
def _masked_id(obj) -> str:
    return mask_id_number(obj.id_number)


@admin.display(description=_("联系电话"))
def _masked_phone(obj) -> str:
    return mask_phone(obj.phone)


@admin.display(description=_("变更"))
def _masked_changes(obj) -> dict:
    """The recorded changes with personal numbers masked, as on the case page."""
    return masked_changes(obj.changes)


class PartyInline(ReadOnlyInline):
    model = Party
    # Django takes a display callable wherever a read-only field is named; the stubs want names
    fields = ["role", "kind", "name", "gender", "ethnicity", "clan", _masked_id, _masked_phone]  # type: ignore[list-item]


class CaseMediatorInline(ReadOnlyInline):
    model = CaseMediator
    fields = ["mediator", "assigned_by", "assigned_at", "is_active", "conflict_note"]


class CaseEventInline(ReadOnlyInline):
    model = CaseEvent
    fields = ["created_at", "code", "actor", _masked_changes, "note"]  # type: ignore[list-item]
    ordering = ["created_at", "pk"]


@admin.register(DisputeCase)
class DisputeCaseAdmin(ReadOnlyAdmin):
    case_lookup = "pk"
    list_display = [
        "number",
        "category",
        "village",
        "grid",
        "level",
        "status",
        "risk_level",
        "due_at",
        "reported_at",
    ]
    list_filter = ["status", "level", "category", "source", "risk_level", ("station", RelatedOnly)]
    search_fields = ["number", "summary", "parties__name"]
    list_select_related = ["village", "grid"]
    date_hierarchy = "reported_at"
    inlines = [PartyInline, CaseMediatorInline, CaseEventInline]
    exclude = ["client_key"]


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    """The timeline: never added to, changed or deleted here."""

    list_display = ["created_at", "case", "code", "actor", "note"]
    fields = ["case", "code", "actor", "created_at", _masked_changes, "note"]  # type: ignore[list-item]
    list_filter = ["code"]
    search_fields = ["case__number", "note"]
    list_select_related = ["case", "actor"]
    date_hierarchy = "created_at"


@admin.register(Party)
class PartyAdmin(ReadOnlyAdmin):
    list_display = ["name", "case", "role", "kind", "ethnicity", "clan", _masked_phone]
    list_filter = ["role", "kind", "ethnicity"]
    search_fields = ["name", "case__number", "clan"]
    list_select_related = ["case"]
    fields = [
        "case",
        "kind",
        "role",
        "name",
        "gender",
        "ethnicity",
        _masked_id,  # type: ignore[list-item]  # a display callable as a read-only field
        _masked_phone,  # type: ignore[list-item]
        "address",
        "clan",
        "created_at",
    ]


@admin.register(MediationSession)
class MediationSessionAdmin(ReadOnlyAdmin):
    list_display = ["held_at", "case", "place", "outcome", "recorded_by"]
    list_filter = ["outcome"]
    search_fields = ["case__number", "place", "record"]
    list_select_related = ["case", "recorded_by"]


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyAdmin):
    list_display = [
        "case",
        "form",
        "signed_on",
        "performance_deadline",
        "performance_status",
        "judicial_confirmation_deadline",
    ]
    list_filter = ["form", "performance_status"]
    search_fields = ["case__number", "terms"]
    list_select_related = ["case"]

    @admin.display(description=_("司法确认申请期限"))
    def judicial_confirmation_deadline(self, obj):
        return obj.judicial_confirmation_deadline


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = ["case", "kind", "department", "target_name", "status", "sent_at", "due_date"]
    list_filter = ["kind", "status", "department"]
    search_fields = ["case__number", "target_name"]
    list_select_related = ["case"]


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyAdmin):
    list_display = ["case", "due_date", "visited_at", "result", "satisfaction", "is_cancelled"]
    list_filter = ["result", "satisfaction", "is_cancelled"]
    search_fields = ["case__number"]
    list_select_related = ["case"]


@admin.register(RiskAssessment)
class RiskAssessmentAdmin(ReadOnlyAdmin):
    list_display = ["case", "assessed_at", "trigger", "score", "level", "previous_level", "rule_version"]
    list_filter = ["level", "trigger", "rule_version"]
    search_fields = ["case__number"]
    list_select_related = ["case"]


@admin.register(MediatorRelation)
class MediatorRelationAdmin(ReadOnlyAdmin):
    """Recorded relations that make a mediator step aside; scoped like the mediators."""

    list_display = ["mediator", "person_name", "relation"]
    search_fields = ["mediator__name", "person_name"]
    list_select_related = ["mediator"]
    fields = ["mediator", "person_name", _masked_id, "relation"]  # type: ignore[list-item]  # (as above)

    def scope_queryset(self, qs, user):
        return qs.filter(mediator__in=mediator_ids(user))


@admin.register(RiskRuleSet)
class RiskRuleSetAdmin(admin.ModelAdmin):
    """风险规则版本: every version is kept. A change is a new version: "add" starts from a copy of
    the newest one; a saved version can only be switched on or off. Only administrators and the
    county command centre's staff accounts reach the admin."""

    list_display = ["version", "is_active", "created_at", "note"]
    list_filter = ["is_active"]
    fields = ["version", "weights", "level_policy", "is_active", "note", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        return ["version", "weights", "level_policy", "created_at"] if obj is not None else ["created_at"]

    def get_changeform_initial_data(self, request):
        latest = RiskRuleSet.objects.order_by("-created_at", "-pk").first()
        if latest is None:
            return super().get_changeform_initial_data(request)
        return {"weights": latest.weights, "level_policy": latest.level_policy, "note": ""}

    def has_delete_permission(self, request, obj=None):
        return False
