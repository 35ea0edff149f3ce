"""Scoped reads for stations, officers, auxiliary officers and village assignments."""

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from governance import scoping
from governance.models import Region, User

from .models import AuxiliaryOfficer, Jurisdiction, Officer, Station, VillageAssignment


def villages_of_station(station_id) -> QuerySet:
    """Villages under a station: named directly in its jurisdiction, or inside a township that is."""
    return Region.objects.filter(kind__in=Region.VILLAGE_KINDS).filter(
        Q(jurisdiction__station_id=station_id) | Q(parent__jurisdiction__station_id=station_id)
    )


def station_staff_village_ids(user: User) -> QuerySet:
    station_ids = Officer.objects.filter(user=user, is_active=True).values("station_id")
    return Region.objects.filter(kind__in=Region.VILLAGE_KINDS).filter(
        Q(jurisdiction__station__in=station_ids) | Q(parent__jurisdiction__station__in=station_ids)
    ).values("pk")


def auxiliary_village_ids(user: User) -> QuerySet:
    return VillageAssignment.objects.filter(
        kind=VillageAssignment.Kind.AUXILIARY,
        auxiliary_officer__user=user,
        auxiliary_officer__is_active=True,
        end_date__isnull=True,
    ).values("village_id")


def station_ids(user) -> QuerySet:
    """Stations in scope: county-wide users see all; station staff their own; auxiliary officers
    their employing station; others none."""
    if scoping.is_county_wide(user):
        return Station.objects.values("pk")
    if not scoping.has_scope(user):
        return Station.objects.none().values("pk")
    if user.role == User.Role.STATION:
        return Officer.objects.filter(user=user, is_active=True).values("station_id")
    if user.role == User.Role.AUXILIARY:
        return AuxiliaryOfficer.objects.filter(user=user, is_active=True).values("station_id")
    return Station.objects.none().values("pk")


def station_for_village(village_id) -> Station | None:
    return (
        Station.objects.filter(
            Q(jurisdictions__region_id=village_id) | Q(jurisdictions__region__children__id=village_id)
        ).first()
    )


def station_list(*, user, search: str = "") -> QuerySet[Station]:
    qs = Station.objects.filter(pk__in=station_ids(user)).select_related("county")
    if search:
        qs = qs.filter(name__icontains=search)
    return qs.annotate(
        officer_count=Count("officers", filter=Q(officers__is_active=True), distinct=True),
        auxiliary_count=Count("auxiliary_officers", filter=Q(auxiliary_officers__is_active=True), distinct=True),
    )


def station_get(*, user, pk) -> Station:
    return get_object_or_404(Station.objects.filter(pk__in=station_ids(user)).select_related("county"), pk=pk)


def jurisdiction_list(*, user, station: Station) -> QuerySet[Jurisdiction]:
    return Jurisdiction.objects.filter(station=station, station__in=station_ids(user)).select_related("region")


def officer_list(*, user, search: str = "", station_id=None) -> QuerySet[Officer]:
    qs = Officer.objects.filter(station__in=station_ids(user)).select_related("station")
    if station_id:
        qs = qs.filter(station_id=station_id)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(badge_number__icontains=search))
    return qs


def officer_get(*, user, pk) -> Officer:
    return get_object_or_404(officer_list(user=user), pk=pk)


def auxiliary_officer_list(*, user, search: str = "", station_id=None) -> QuerySet[AuxiliaryOfficer]:
    qs = AuxiliaryOfficer.objects.filter(station__in=station_ids(user)).select_related("station")
    if user.is_authenticated and user.role == User.Role.AUXILIARY and not user.is_county_wide:
        qs = qs.filter(user=user)
    if station_id:
        qs = qs.filter(station_id=station_id)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(phone__icontains=search))
    return qs


def auxiliary_officer_get(*, user, pk) -> AuxiliaryOfficer:
    return get_object_or_404(auxiliary_officer_list(user=user), pk=pk)


def assignment_list(*, user, village_id=None, current_only: bool = False) -> QuerySet[VillageAssignment]:
    qs = VillageAssignment.objects.filter(village__in=scoping.village_ids(user)).select_related(
        "village", "officer", "auxiliary_officer"
    )
    if village_id:
        qs = qs.filter(village_id=village_id)
    if current_only:
        qs = qs.filter(end_date__isnull=True)
    return qs


def current_assignments_prefetch() -> Prefetch:
    """Prefetch for village lists: the current attached officer and auxiliary officer."""
    return Prefetch(
        "assignments",
        queryset=VillageAssignment.objects.filter(end_date__isnull=True).select_related("officer", "auxiliary_officer"),
        to_attr="current_assignments",
    )


def villages_without_assignment(*, user, kind: str) -> QuerySet[Region]:
    """Villages in scope with no current assignment of ``kind`` (coverage gaps)."""
    current = VillageAssignment.objects.filter(village=OuterRef("pk"), kind=kind, end_date__isnull=True)
    return (
        Region.objects.filter(pk__in=scoping.village_ids(user), is_archived=False)
        .filter(~Exists(current))
        .select_related("parent")
    )


def assignment_get(*, user, pk) -> VillageAssignment:
    return get_object_or_404(assignment_list(user=user).select_related("village__parent"), pk=pk)


def station_village_list(*, user, station: Station) -> QuerySet[Region]:
    """The station's villages that ``user`` may see, each with its current attached officer and
    auxiliary officer (``village.current_assignments``)."""
    return (
        Region.objects.filter(pk__in=scoping.village_ids(user), is_archived=False)
        .filter(pk__in=villages_of_station(station.pk).values("pk"))
        .select_related("parent")
        .prefetch_related(current_assignments_prefetch())
    )
