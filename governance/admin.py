"""Django admin for the territory, the community forces and the platform's accounts, plus the
scoped admin base that ``stations.admin`` uses too.

For anyone but a superuser the admin is scoped exactly like the pages: changelists come from
the selectors' scope, related-object choices are limited to the scope, and an object outside it
is "not found" (the admin then returns to its index with a message). Staff users with a role
may look; adding and changing need a role that manages reference data; saving goes through the
services; nothing is deleted but by a superuser, and regions never (they are archived).
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from core.admin import RelatedOnly, ScopedAdmin

from . import capabilities, points, privacy, scoping, selectors, services
from .models import (
    CommitteeMember,
    Grid,
    GridWorker,
    Mediator,
    PersonalDataAccess,
    PointsEntry,
    PointsRule,
    Region,
    SecurityCommittee,
    User,
    VolunteerMember,
    VolunteerTeam,
)
from .validators import mask_phone

admin.site.site_header = _("县域基层治理平台 · 管理后台")
admin.site.site_title = _("县域基层治理平台")
admin.site.index_title = _("管理后台")


class PersonalDataAdminMixin:
    """An admin whose change page holds personal numbers in full (they are the form's inputs):
    each time the page is shown, one access-log row per number shown, as for the pages and the
    API (``governance.privacy``). Lists never show the numbers."""

    personal_fields: tuple[str, ...] = ()

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None:
            shown = [field for field in self.personal_fields if getattr(obj, field, "")]
            if shown:
                privacy.record_access(
                    actor=request.user,
                    obj=obj,
                    fields=shown,
                    kind=PersonalDataAccess.Kind.DISPLAY,
                    request=request,
                )
        return super().render_change_form(
            request, context, add=add, change=change, form_url=form_url, obj=obj
        )


def linkable_users(role: str, related_name: str, in_scope: QuerySet) -> QuerySet:
    """Login accounts of ``role`` that may be linked to a record: not yet linked, or linked to
    a record in the actor's scope."""
    return User.objects.filter(role=role, is_active=True).filter(
        Q(**{f"{related_name}__isnull": True}) | Q(**{f"{related_name}__in": in_scope})
    )


def _villages(user) -> QuerySet:
    return selectors.village_list(user=user).select_related(None)


def _grids(user) -> QuerySet:
    return selectors.grid_list(user=user).select_related("village")


def _townships(user) -> QuerySet:
    return selectors.township_list(user=user)


# --- Regions ------------------------------------------------------------------------------
@admin.register(Region)
class RegionAdmin(ScopedAdmin):
    list_display = ["name", "code", "kind", "parent", "households", "population", "is_archived"]
    list_filter = ["kind", "is_archived"]
    search_fields = ["name", "code"]
    list_select_related = ["parent"]
    fields = [
        "name",
        "code",
        "kind",
        "parent",
        "households",
        "population",
        "is_archived",
        "archived_at",
        "created_at",
    ]
    actions = ["archive_selected", "restore_selected"]
    superuser_may_delete = False  # archive instead: cases and visits keep pointing at it
    fk_choices = {
        "parent": lambda user: Region.objects.filter(is_archived=False).exclude(kind__in=Region.VILLAGE_KINDS)
    }

    def scope_queryset(self, qs, user):
        if scoping.is_county_wide(user):
            return qs
        return qs.filter(pk__in=selectors.region_ids(user))

    def get_readonly_fields(self, request, obj=None):
        fixed = ["is_archived", "archived_at", "created_at"]
        if obj is None:
            return fixed
        fixed += ["kind", "parent"]
        if not scoping.is_county_wide(request.user):
            fixed.append("code")
        return fixed

    def has_add_permission(self, request) -> bool:
        return self.may_manage(request) and scoping.is_county_wide(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        if not self.may_manage(request):
            return False
        # Station staff may correct a village's name and figures; structure is the county's.
        return obj is None or scoping.is_county_wide(request.user) or obj.is_village_level

    def has_archive_permission(self, request) -> bool:
        return self.may_manage(request) and scoping.is_county_wide(request.user)

    def service_create(self, request, data):
        return services.region_create(actor=request.user, **data)

    def service_update(self, request, obj, data):
        return services.region_update(actor=request.user, region=obj, data=data)

    @admin.action(description=_("归档所选区划"), permissions=["archive"])
    def archive_selected(self, request, queryset):
        self.run_service_action(
            request,
            queryset,
            lambda r: services.region_archive(actor=request.user, region=r),
            _("已归档 %(n)d 个区划。"),
        )

    @admin.action(description=_("恢复所选区划"), permissions=["archive"])
    def restore_selected(self, request, queryset):
        self.run_service_action(
            request,
            queryset,
            lambda r: services.region_restore(actor=request.user, region=r),
            _("已恢复 %(n)d 个区划。"),
        )


# --- Grids and grid workers ---------------------------------------------------------------
@admin.register(Grid)
class GridAdmin(ScopedAdmin):
    list_display = ["name", "code", "village", "police_grid", "households", "population", "is_active"]
    list_filter = ["is_active", ("village", RelatedOnly)]
    search_fields = ["name", "code", "village__name", "police_grid"]
    list_select_related = ["village"]
    fields = ["village", "name", "code", "police_grid", "households", "population", "boundary", "is_active"]
    fk_choices = {"village": _villages}

    def scope_queryset(self, qs, user):
        return qs.filter(pk__in=scoping.grid_ids(user))

    def get_readonly_fields(self, request, obj=None):
        return ["village"] if obj is not None else []

    def service_create(self, request, data):
        return services.grid_create(actor=request.user, **data)

    def service_update(self, request, obj, data):
        return services.grid_update(actor=request.user, grid=obj, data=data)


def _grid_worker_accounts(user) -> QuerySet:
    return linkable_users(
        User.Role.GRID, "grid_worker", GridWorker.objects.filter(grid__in=scoping.grid_ids(user))
    )


@admin.register(GridWorker)
class GridWorkerAdmin(PersonalDataAdminMixin, ScopedAdmin):
    personal_fields = ("id_number", "phone")
    list_display = ["name", "grid", "role", "gender", "ethnicity", "stars", "is_active"]
    list_filter = ["role", "is_active", "stars", ("grid", RelatedOnly)]
    search_fields = ["name", "grid__name", "grid__village__name"]
    list_select_related = ["grid"]
    fields = [
        "grid",
        "name",
        "gender",
        "ethnicity",
        "id_number",
        "phone",
        "role",
        "stars",
        "since",
        "is_active",
        "user",
    ]
    fk_choices = {"grid": _grids, "user": _grid_worker_accounts}

    def scope_queryset(self, qs, user):
        return qs.filter(grid__in=scoping.grid_ids(user))

    def service_create(self, request, data):
        return services.grid_worker_create(actor=request.user, **data)

    def service_update(self, request, obj, data):
        return services.grid_worker_update(actor=request.user, worker=obj, data=data)


# --- Mediators ----------------------------------------------------------------------------
def _mediator_accounts(user) -> QuerySet:
    return linkable_users(
        User.Role.MEDIATOR, "mediator", Mediator.objects.filter(pk__in=selectors.mediator_ids(user))
    )


@admin.register(Mediator)
class MediatorAdmin(PersonalDataAdminMixin, ScopedAdmin):
    personal_fields = ("id_number", "phone")
    list_display = [
        "name",
        "kind",
        "township",
        "clan",
        "organisation",
        "speaks_yi",
        "speaks_mandarin",
        "is_active",
    ]
    list_filter = ["kind", "speaks_yi", "is_active", ("township", RelatedOnly)]
    search_fields = ["name", "clan", "organisation"]
    list_select_related = ["township"]
    fields = [
        "name",
        "kind",
        "gender",
        "ethnicity",
        "clan",
        "id_number",
        "phone",
        "township",
        "organisation",
        "speaks_yi",
        "speaks_mandarin",
        "is_active",
        "user",
        "note",
    ]
    fk_choices = {"township": _townships, "user": _mediator_accounts}

    def scope_queryset(self, qs, user):
        return qs.filter(pk__in=selectors.mediator_ids(user))

    def service_create(self, request, data):
        return services.mediator_create(actor=request.user, **data)

    def service_update(self, request, obj, data):
        return services.mediator_update(actor=request.user, mediator=obj, data=data)


# --- Security committees ------------------------------------------------------------------
@admin.register(SecurityCommittee)
class SecurityCommitteeAdmin(ScopedAdmin):
    list_display = ["name", "village", "established_on"]
    search_fields = ["name", "village__name"]
    list_select_related = ["village"]
    fields = ["village", "name", "established_on", "note"]
    fk_choices = {"village": _villages}

    def scope_queryset(self, qs, user):
        return qs.filter(village__in=scoping.village_ids(user))

    def get_readonly_fields(self, request, obj=None):
        return ["village"] if obj is not None else []

    def service_create(self, request, data):
        return services.committee_create(actor=request.user, **data)

    def service_update(self, request, obj, data):
        return services.committee_update(actor=request.user, committee=obj, data=data)


@admin.register(CommitteeMember)
class CommitteeMemberAdmin(PersonalDataAdminMixin, ScopedAdmin):
    personal_fields = ("phone",)
    list_display = ["name", "committee", "position", "kind", "joined_on", "is_active"]
    list_filter = ["position", "kind", "is_active", ("committee", RelatedOnly)]
    search_fields = ["name", "committee__name", "committee__village__name"]
    list_select_related = ["committee"]
    fields = ["committee", "name", "phone", "position", "kind", "joined_on", "is_active"]
    fk_choices = {"committee": lambda user: selectors.committee_list(user=user)}

    def scope_queryset(self, qs, user):
        return qs.filter(committee__village__in=scoping.village_ids(user))

    def get_readonly_fields(self, request, obj=None):
        return ["committee"] if obj is not None else []

    def service_create(self, request, data):
        return services.committee_member_add(actor=request.user, **data)

    def service_update(self, request, obj, data):
        return services.committee_member_update(actor=request.user, member=obj, data=data)


# --- Volunteer teams ----------------------------------------------------------------------
def _team_regions(user) -> QuerySet:
    """A village, a township or (county-wide users only) the county."""
    if scoping.is_county_wide(user):
        return Region.objects.filter(is_archived=False)
    return selectors.region_list(user=user, include_archived=False).exclude(kind=Region.Kind.COUNTY)


@admin.register(VolunteerTeam)
class VolunteerTeamAdmin(PersonalDataAdminMixin, ScopedAdmin):
    personal_fields = ("leader_phone",)
    list_display = ["name", "kind", "region", "leader_name", "founded_on", "is_active"]
    list_filter = ["kind", "is_active", ("region", RelatedOnly)]
    search_fields = ["name", "leader_name", "region__name"]
    list_select_related = ["region"]
    fields = ["name", "kind", "region", "leader_name", "leader_phone", "founded_on", "is_active"]
    fk_choices = {"region": _team_regions}

    def scope_queryset(self, qs, user):
        return qs.filter(pk__in=selectors.volunteer_team_ids(user))

    def service_create(self, request, data):
        return services.volunteer_team_create(actor=request.user, **data)

    def service_update(self, request, obj, data):
        return services.volunteer_team_update(actor=request.user, team=obj, data=data)


@admin.register(VolunteerMember)
class VolunteerMemberAdmin(PersonalDataAdminMixin, ScopedAdmin):
    personal_fields = ("id_number", "phone")
    list_display = ["name", "team", "joined_on", "is_active"]
    list_filter = ["is_active", ("team", RelatedOnly)]
    search_fields = ["name", "team__name"]
    list_select_related = ["team"]
    fields = ["team", "name", "phone", "id_number", "joined_on", "is_active"]
    fk_choices = {"team": lambda user: selectors.volunteer_team_list(user=user)}

    def scope_queryset(self, qs, user):
        return qs.filter(team__in=selectors.volunteer_team_ids(user))

    def get_readonly_fields(self, request, obj=None):
        return ["team"] if obj is not None else []

    def service_create(self, request, data):
        return services.volunteer_member_add(actor=request.user, **data)

    def service_update(self, request, obj, data):
        return services.volunteer_member_update(actor=request.user, member=obj, data=data)


# --- Accounts -----------------------------------------------------------------------------
@admin.register(User)
class UserAdmin(PersonalDataAdminMixin, DjangoUserAdmin):
    """Accounts are managed by administrators (superusers and the 系统管理员 role); the county
    command centre may look them up. Accounts are deactivated, never deleted: the records and
    timelines they wrote keep pointing at them."""

    personal_fields = ("phone",)
    list_display = ["username", "full_name", "role", "masked_phone", "is_staff", "is_active", "last_login"]
    list_filter = ["role", "is_staff", "is_active"]
    search_fields = ["username", "full_name", "phone"]
    ordering = ["username"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("个人信息"), {"fields": ["full_name", "phone", "email"]}),
        (
            _("角色与权限"),
            {"fields": ["role", "is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("重要日期"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "username",
                    "full_name",
                    "role",
                    "phone",
                    "usable_password",
                    "password1",
                    "password2",
                ],
            },
        ),
    ]

    @admin.display(description=_("联系电话"))
    def masked_phone(self, obj) -> str:
        return mask_phone(obj.phone or "")

    @staticmethod
    def _is_account_admin(request) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and capabilities.may(user, "user.manage"))

    def has_module_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        user = request.user
        return self._is_account_admin(request) or bool(
            user.is_active and user.is_staff and user.is_county_wide
        )

    def has_add_permission(self, request) -> bool:
        return self._is_account_admin(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._is_account_admin(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_readonly_fields(self, request, obj=None):
        readonly = ["last_login", "date_joined"]
        if not request.user.is_superuser:
            # Only a superuser hands out superuser status or Django permissions.
            readonly += ["is_superuser", "groups", "user_permissions"]
        return readonly


# --- Points -------------------------------------------------------------------------------
@admin.register(PointsRule)
class PointsRuleAdmin(ScopedAdmin):
    """Rules are county-wide reference data: the county and admins edit them (never the code,
    which the services look up); nobody adds or deletes one here."""

    list_display = ["name", "code", "points", "applies_to", "is_active"]
    list_filter = ["is_active", "applies_to"]
    fields = ["code", "name", "points", "applies_to", "description", "is_active"]
    readonly_fields = ["code"]
    superuser_may_delete = False

    def scope_queryset(self, qs, user):
        return qs

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return self.is_platform_staff(request) and scoping.is_county_wide(request.user)

    def service_update(self, request, obj, data):
        return points.services.points_rule_update(actor=request.user, rule=obj, data=data)


@admin.register(PointsEntry)
class PointsEntryAdmin(ScopedAdmin):
    """The ledger is append-only: read-only here for everyone. Awards come from the services;
    a correction is a manual entry on the person's points page."""

    list_display = [
        "awarded_at",
        "month",
        "grid_worker",
        "committee_member",
        "volunteer_member",
        "rule",
        "points",
        "reason",
        "awarded_by",
    ]
    list_filter = ["month", "rule"]
    search_fields = [
        "source_key",
        "reason",
        "grid_worker__name",
        "committee_member__name",
        "volunteer_member__name",
    ]
    list_select_related = ["grid_worker", "committee_member", "volunteer_member", "rule", "awarded_by"]
    date_hierarchy = "awarded_at"
    superuser_may_delete = False

    def scope_queryset(self, qs, user):
        return qs.filter(
            Q(grid_worker__in=selectors.grid_worker_list(user=user, include_inactive=True).values("pk"))
            | Q(
                committee_member__in=selectors.committee_member_list(user=user, include_inactive=True).values(
                    "pk"
                )
            )
            | Q(volunteer_member__in=selectors.volunteer_member_list(user=user).values("pk"))
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin):
    """The access log, read-only: rows are appended by ``governance.privacy`` and never changed
    or deleted, by anyone."""

    list_display = ("at", "actor", "subject", "content_type", "object_id", "field", "kind", "where", "reason")
    list_filter = ("kind", "field")
    search_fields = ("subject", "actor__username", "actor__full_name", "where")
    date_hierarchy = "at"

    def get_queryset(self, request):
        return selectors.personal_data_access_list(user=request.user)

    def has_module_permission(self, request):
        return capabilities.may(request.user, "personal_data.audit")

    def has_view_permission(self, request, obj=None):
        return capabilities.may(request.user, "personal_data.audit")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
