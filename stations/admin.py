"""Django admin for stations, their jurisdiction, staff and village assignments, scoped and
permissioned as described in ``governance.admin``."""

from django.contrib import admin
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from core.admin import RelatedOnly, ScopedAdmin
from governance import scoping
from governance import selectors as gov_selectors
from governance.admin import PersonalDataAdminMixin, linkable_users
from governance.models import Region, User

from . import selectors, services
from .models import AuxiliaryOfficer, Jurisdiction, Officer, Station, VillageAssignment


def _stations(user) -> QuerySet:
    return selectors.station_list(user=user)


def _villages(user) -> QuerySet:
    return gov_selectors.village_list(user=user).select_related(None)


class CountyManagedAdmin(ScopedAdmin):
    """Structure (stations, jurisdiction) is the county command centre's to change."""

    def has_add_permission(self, request) -> bool:
        return self.may_manage(request) and scoping.is_county_wide(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return self.may_manage(request) and scoping.is_county_wide(request.user)


@admin.register(Station)
class StationAdmin(CountyManagedAdmin):
    list_display = ["name", "code", "county", "phone", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code", "address"]
    list_select_related = ["county"]
    fields = ["name", "code", "county", "address", "phone", "is_active"]
    fk_choices = {"county": lambda user: Region.objects.filter(kind=Region.Kind.COUNTY, is_archived=False)}

    def scope_queryset(self, qs, user):
        return qs.filter(pk__in=selectors.station_ids(user))

    def get_readonly_fields(self, request, obj=None):
        return ["county"] if obj is not None else []

    def service_create(self, request, data):
        return services.station_create(actor=request.user, **data)

    def service_update(self, request, obj, data):
        return services.station_update(actor=request.user, station=obj, data=data)


@admin.register(Jurisdiction)
class JurisdictionAdmin(CountyManagedAdmin):
    """A township or village is put under a station (add); moving it means removing the old
    entry first, which only a superuser may do."""

    list_display = ["region", "station"]
    list_filter = [("station", RelatedOnly)]
    search_fields = ["region__name", "station__name"]
    list_select_related = ["region", "station"]
    fields = ["station", "region"]
    fk_choices = {
        "station": _stations,
        "region": lambda user: Region.objects.filter(
            kind__in=Region.TOWNSHIP_KINDS + Region.VILLAGE_KINDS,
            is_archived=False,
            jurisdiction__isnull=True,
        ),
    }

    def scope_queryset(self, qs, user):
        return qs.filter(station__in=selectors.station_ids(user))

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def service_create(self, request, data):
        return services.jurisdiction_add(actor=request.user, **data)


@admin.register(Officer)
class OfficerAdmin(PersonalDataAdminMixin, ScopedAdmin):
    personal_fields = ("phone",)
    list_display = ["name", "badge_number", "station", "post", "is_active"]
    list_filter = ["post", "is_active", ("station", RelatedOnly)]
    search_fields = ["name", "badge_number"]
    list_select_related = ["station"]
    fields = ["station", "name", "badge_number", "post", "gender", "phone", "is_active", "user"]
    fk_choices = {
        "station": _stations,
        "user": lambda user: linkable_users(User.Role.STATION, "officer", selectors.officer_list(user=user)),
    }

    def scope_queryset(self, qs, user):
        return qs.filter(station__in=selectors.station_ids(user))

    def get_readonly_fields(self, request, obj=None):
        return ["station"] if obj is not None else []

    def service_create(self, request, data):
        return services.officer_create(actor=request.user, **data)

    def service_update(self, request, obj, data):
        return services.officer_update(actor=request.user, officer=obj, data=data)


@admin.register(AuxiliaryOfficer)
class AuxiliaryOfficerAdmin(PersonalDataAdminMixin, ScopedAdmin):
    personal_fields = ("id_number", "phone")
    list_display = ["name", "station", "gender", "ethnicity", "is_active"]
    list_filter = ["is_active", ("station", RelatedOnly)]
    search_fields = ["name"]
    list_select_related = ["station"]
    fields = ["station", "name", "gender", "ethnicity", "id_number", "phone", "is_active", "user"]
    fk_choices = {
        "station": _stations,
        "user": lambda user: linkable_users(
            User.Role.AUXILIARY, "auxiliary_officer", selectors.auxiliary_officer_list(user=user)
        ),
    }

    def scope_queryset(self, qs, user):
        return qs.filter(pk__in=selectors.auxiliary_officer_list(user=user).values("pk"))

    def get_readonly_fields(self, request, obj=None):
        return ["station"] if obj is not None else []

    def service_create(self, request, data):
        return services.auxiliary_officer_create(actor=request.user, **data)

    def service_update(self, request, obj, data):
        return services.auxiliary_officer_update(actor=request.user, auxiliary_officer=obj, data=data)


@admin.register(VillageAssignment)
class VillageAssignmentAdmin(ScopedAdmin):
    """Assignments are history: added (the current one of the same kind ends the day before)
    and ended, never edited nor deleted."""

    list_display = ["village", "kind", "officer", "auxiliary_officer", "start_date", "end_date"]
    list_filter = ["kind", ("village", RelatedOnly)]
    search_fields = ["village__name", "officer__name", "auxiliary_officer__name"]
    list_select_related = ["village", "officer", "auxiliary_officer"]
    fields = ["village", "officer", "auxiliary_officer", "start_date", "note"]
    actions = ["end_selected"]
    superuser_may_delete = False
    fk_choices = {
        "village": _villages,
        "officer": lambda user: selectors.officer_list(user=user).filter(is_active=True),
        "auxiliary_officer": lambda user: selectors.auxiliary_officer_list(user=user).filter(is_active=True),
    }

    def scope_queryset(self, qs, user):
        return qs.filter(village__in=scoping.village_ids(user))

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def service_create(self, request, data):
        return services.village_assign(actor=request.user, **data)

    @admin.action(description=_("结束所选安排(今天)"), permissions=["manage"])
    def end_selected(self, request, queryset):
        self.run_service_action(
            request,
            queryset.filter(end_date__isnull=True),
            lambda a: services.assignment_end(actor=request.user, assignment=a),
            _("已结束 %(n)d 项安排。"),
        )
