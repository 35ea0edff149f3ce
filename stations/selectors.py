"""Scoped reads for stations, officers, auxiliary officers, village assignments and incidents
(警情). Village presence (驻村签到) is read in ``stations.presence.selectors``."""

import datetime as dt
import re
import unicodedata
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from governance import capabilities, scoping
from governance.models import Region, User

from .models import (
    AuxiliaryOfficer,
    ImportJob,
    Incident,
    Jurisdiction,
    Officer,
    Station,
    VillageAssignment,
)


def villages_of_station(station_id: int) -> QuerySet[Region]:
    """Villages under a station: named directly in its jurisdiction, or inside a township that is."""
    return Region.objects.filter(kind__in=Region.VILLAGE_KINDS).filter(
        Q(jurisdiction__station_id=station_id) | Q(parent__jurisdiction__station_id=station_id)
    )


def station_staff_village_ids(user: User) -> QuerySet:
    station_ids = Officer.objects.filter(user=user, is_active=True).values("station_id")
    return (
        Region.objects.filter(kind__in=Region.VILLAGE_KINDS)
        .filter(Q(jurisdiction__station__in=station_ids) | Q(parent__jurisdiction__station__in=station_ids))
        .values("pk")
    )


def auxiliary_village_ids(user: User) -> QuerySet:
    return VillageAssignment.objects.filter(
        kind=VillageAssignment.Kind.AUXILIARY,
        auxiliary_officer__user=user,
        auxiliary_officer__is_active=True,
        end_date__isnull=True,
    ).values("village_id")


def station_ids(user: User) -> QuerySet:
    """Stations in scope: county-wide users see all; station staff their own; auxiliary officers
    their employing station; others none.

    Always a values-queryset of *stations* (``pk``), so that callers may both use it as a
    subquery and ask ``station_ids(user).filter(pk=station.pk).exists()``."""
    if scoping.is_county_wide(user):
        return Station.objects.values("pk")
    if not scoping.has_scope(user):
        return Station.objects.none().values("pk")
    employers: QuerySet
    if user.role == User.Role.STATION:
        employers = Officer.objects.filter(user=user, is_active=True).values("station_id")
    elif user.role == User.Role.AUXILIARY:
        employers = AuxiliaryOfficer.objects.filter(user=user, is_active=True).values("station_id")
    else:
        return Station.objects.none().values("pk")
    return Station.objects.filter(pk__in=employers).values("pk")


def station_find(pk: int) -> Station | None:
    """A station with its county, or ``None`` (callers apply the scope)."""
    return Station.objects.filter(pk=pk).select_related("county").first()


def is_officer_of(user: User, station: Station) -> bool:
    return Officer.objects.filter(user=user, station=station, is_active=True).exists()


def officer_station(user: User) -> QuerySet:
    """The station a police officer's account works at (the first active one), as a one-row
    values-queryset: usable as a subquery, so a scope built from it costs no query of its own."""
    return Officer.objects.filter(user=user, is_active=True).order_by("pk").values("station_id")[:1]


def officer_station_id(user: User) -> int | None:
    """The station a police officer's account works at (the first active one)."""
    row = next(iter(officer_station(user)), None)
    return row["station_id"] if row else None


def station_of_township(township: Region) -> Station | None:
    return Station.objects.filter(jurisdictions__region=township).first()


def stations_in_scope(user: User, *, county_id: int | None = None) -> list[Station]:
    """The stations the user may see (``county_id``: of that county only)."""
    stations = Station.objects.filter(pk__in=station_ids(user))
    if county_id is not None:
        stations = stations.filter(county_id=county_id)
    return list(stations.order_by("code"))


def station_ids_for(pk: int) -> QuerySet:
    """A values-queryset of one station (the shape ``stations_serving`` gives)."""
    return Station.objects.filter(pk=pk).values("pk")


def stations_serving(village_ids: QuerySet) -> QuerySet:
    """A values-queryset of the stations whose jurisdiction holds one of these villages (named
    directly or through its township)."""
    return (
        Station.objects.filter(
            Q(jurisdictions__region__children__in=village_ids) | Q(jurisdictions__region__in=village_ids)
        )
        .distinct()
        .values("pk")
    )


def station_for_village(village_id: int) -> Station | None:
    return Station.objects.filter(
        Q(jurisdictions__region_id=village_id) | Q(jurisdictions__region__children__id=village_id)
    ).first()


def station_list(*, user: User, search: str = "") -> QuerySet[Station]:
    qs = Station.objects.filter(pk__in=station_ids(user)).select_related("county")
    if search:
        qs = qs.filter(name__icontains=search)
    return qs.annotate(
        officer_count=Count("officers", filter=Q(officers__is_active=True), distinct=True),
        auxiliary_count=Count(
            "auxiliary_officers", filter=Q(auxiliary_officers__is_active=True), distinct=True
        ),
    )


def station_get(*, user: User, pk: int | str) -> Station:
    return get_object_or_404(Station.objects.filter(pk__in=station_ids(user)).select_related("county"), pk=pk)


def jurisdiction_list(*, user: User, station: Station) -> QuerySet[Jurisdiction]:
    return Jurisdiction.objects.filter(station=station, station__in=station_ids(user)).select_related(
        "region"
    )


def officer_list(*, user: User, search: str = "", station_id: int | None = None) -> QuerySet[Officer]:
    qs = Officer.objects.filter(station__in=station_ids(user)).select_related("station")
    if station_id:
        qs = qs.filter(station_id=station_id)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(badge_number__icontains=search))
    return qs


def officer_get(*, user: User, pk: int | str) -> Officer:
    return get_object_or_404(officer_list(user=user), pk=pk)


def auxiliary_officer_list(
    *, user: User, search: str = "", station_id: int | None = None
) -> QuerySet[AuxiliaryOfficer]:
    qs = AuxiliaryOfficer.objects.filter(station__in=station_ids(user)).select_related("station")
    if user.is_authenticated and user.role == User.Role.AUXILIARY and not user.is_county_wide:
        qs = qs.filter(user=user)
    if station_id:
        qs = qs.filter(station_id=station_id)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(phone__icontains=search))
    return qs


def auxiliary_officer_get(*, user: User, pk: int | str) -> AuxiliaryOfficer:
    return get_object_or_404(auxiliary_officer_list(user=user), pk=pk)


def assignment_list(
    *, user: User, village_id: int | None = None, current_only: bool = False
) -> QuerySet[VillageAssignment]:
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
        queryset=VillageAssignment.objects.filter(end_date__isnull=True).select_related(
            "officer", "auxiliary_officer"
        ),
        to_attr="current_assignments",
    )


def villages_without_assignment(*, user: User, kind: str) -> QuerySet[Region]:
    """Villages in scope with no current assignment of ``kind`` (coverage gaps)."""
    current = VillageAssignment.objects.filter(village=OuterRef("pk"), kind=kind, end_date__isnull=True)
    return (
        Region.objects.filter(pk__in=scoping.village_ids(user), is_archived=False)
        .filter(~Exists(current))
        .select_related("parent")
    )


def assignment_get(*, user: User, pk: int | str) -> VillageAssignment:
    return get_object_or_404(assignment_list(user=user).select_related("village__parent"), pk=pk)


def station_village_list(*, user: User, station: Station) -> QuerySet[Region]:
    """The station's villages that ``user`` may see, each with its current attached officer and
    auxiliary officer (``village.current_assignments``)."""
    return (
        Region.objects.filter(pk__in=scoping.village_ids(user), is_archived=False)
        .filter(pk__in=villages_of_station(station.pk).values("pk"))
        .select_related("parent")
        .prefetch_related(current_assignments_prefetch())
    )


# --- Incidents (警情) ------------------------------------------------------------------------
REPEAT_WINDOW_DAYS = 30
_ADDRESS_NOISE = re.compile(r"[\s\-—_·.,,。、()()#号]+")


def normalize_address(value: str) -> str:
    """The key two addresses share when they name the same place: full-width folded to
    half-width (NFKC), spaces and punctuation removed, ``号`` dropped, lower case.
    ``"新林镇 新场村3组 12号"`` and ``"新林镇新场村3组12"`` give the same key."""
    value = unicodedata.normalize("NFKC", value or "").lower()
    return _ADDRESS_NOISE.sub("", value)[:128]


def may_see_incidents(user: User) -> bool:
    """Incidents carry callers' names and phones: the county, station staff and the village's
    auxiliary officer see them; grid workers and mediators do not."""
    return capabilities.may(user, "incident.view")


def same_source(*, village: Any = None, address_key: Any = None, phones: Any = None) -> Q:
    """The one definition of "incidents from the same source", on ``Incident``: the same place
    (the village and the normalised address; a blank address matches nothing) or the same caller
    phone (``phones``: a list, a subquery of phones, or one phone expression; blank matches
    nothing). Each argument is a value or an expression (``OuterRef``), so repeat incidents,
    a case's incidents in the risk score and 民转刑 on the dashboards all ask the same question.
    Omitted parts match nothing."""
    same = Q(pk__in=[])
    if village is not None and address_key is not None:
        same |= Q(village=village, address_key=address_key) & ~Q(address_key="")
    if phones is not None:
        lookup = "caller_phone__in" if isinstance(phones, list | tuple | set | QuerySet) else "caller_phone"
        same |= Q(**{lookup: phones}) & ~Q(caller_phone="")
    return same


def is_repeat_incident(window_days: int = REPEAT_WINDOW_DAYS) -> Exists:
    """A repeat incident (重复警情): another incident from the same source (``same_source``) in
    the ``window_days`` before this one. Ties on the minute go by primary key. The definition:
    it is stored in ``Incident.is_repeat`` when incidents are written, and reads use the column
    (a correlated EXISTS over every incident took 32 s at 500 k incidents)."""
    outer = OuterRef("received_at")
    earlier = Q(received_at__lt=outer) | Q(received_at=outer, pk__lt=OuterRef("pk"))
    same = same_source(
        village=OuterRef("village"), address_key=OuterRef("address_key"), phones=OuterRef("caller_phone")
    )
    return Exists(
        Incident.objects.filter(same, earlier, received_at__gte=outer - dt.timedelta(days=window_days))
    )


def incident_list(
    *,
    user: User,
    search: str = "",
    category: str = "",
    village_id: int | None = None,
    station_id: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    repeat: bool | None = None,
    referral_status: str | None = None,
) -> QuerySet[Incident]:
    """Incidents in the user's villages; ``is_repeat`` is the stored flag (``is_repeat_incident``,
    kept by ``services.incident_repeats_refresh`` and rebuilt nightly)."""
    if not may_see_incidents(user):
        return Incident.objects.none()
    qs = Incident.objects.filter(village__in=scoping.village_ids(user)).select_related(
        "station", "village", "village__parent"
    )
    if search:
        qs = qs.filter(
            Q(number__icontains=search)
            | Q(address__icontains=search)
            | Q(caller_name__icontains=search)
            | Q(summary__icontains=search)
        )
    if category:
        qs = qs.filter(category=category)
    if village_id:
        qs = qs.filter(village_id=village_id)
    if station_id:
        qs = qs.filter(station_id=station_id)
    if date_from:
        qs = qs.filter(received_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(received_at__date__lte=date_to)
    if repeat is not None:
        qs = qs.filter(is_repeat=repeat)
    if referral_status is not None:
        qs = qs.filter(referral_status=referral_status)
    return qs


def incident_get(*, user: User, pk: int | str) -> Incident:
    return get_object_or_404(incident_list(user=user).select_related("created_by"), pk=pk)


def incident_related(
    *, user: User, incident: Incident, window_days: int = REPEAT_WINDOW_DAYS
) -> QuerySet[Incident]:
    """The other incidents (in the user's scope) within ``window_days`` either side of this one at
    the same place or from the same caller phone: what makes it a repeat, and what followed."""
    same = same_source(
        village=incident.village_id, address_key=incident.address_key, phones=[incident.caller_phone]
    )
    window = dt.timedelta(days=window_days)
    return (
        incident_list(user=user)
        .filter(same, received_at__range=(incident.received_at - window, incident.received_at + window))
        .exclude(pk=incident.pk)
    )


def import_job_list(*, user: User) -> QuerySet:
    if not capabilities.may(user, "incident.manage"):
        return ImportJob.objects.none()
    return (
        ImportJob.objects.filter(station__in=station_ids(user))
        .select_related("station", "created_by")
        .defer("content")
    )


def import_job_get(*, user: User, pk: int | str) -> ImportJob:
    return get_object_or_404(import_job_list(user=user), pk=pk)
