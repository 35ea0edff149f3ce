"""The area a dashboard shows (county, station, township or village) and who may see it.

A dashboard never reads outside its user's scope: the villages of an area are intersected with
``governance.scoping.village_ids(user)``, and an area the user may not see is a 404. The county
command centre sees every area; station staff their station and what lies under it; a village
auxiliary officer their village; other roles have no dashboard."""

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from governance import capabilities, scoping
from governance.models import Region, User
from stations.models import Officer, Station
from stations.selectors import villages_of_station

KINDS = ("county", "station", "township", "village")
KIND_LABELS = {"county": _("全县"), "station": _("派出所"), "township": _("乡镇"), "village": _("村(社区)")}


@dataclass
class Area:
    kind: str
    obj: object
    name: str
    village_ids: QuerySet
    crumbs: list[tuple[str, str]] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.obj.pk}"

    def url(self, suffix: str = "") -> str:
        return reverse("dashboards:area" + (f"-{suffix}" if suffix else ""), args=[self.kind, self.obj.pk])


def may_use_dashboards(user: User) -> bool:
    return capabilities.may(user, "dashboard.view")


def _villages(user, qs: QuerySet) -> QuerySet:
    return qs.filter(pk__in=scoping.village_ids(user)).values("pk")


def _station_of_township(township: Region) -> Station | None:
    return Station.objects.filter(jurisdictions__region=township).first()


def _crumb(kind: str, obj) -> tuple[str, str]:
    return str(obj), reverse("dashboards:area", args=[kind, obj.pk])


def area_get(*, user, kind: str, pk: int) -> Area:
    """The area, with its breadcrumbs from the top the user may see; 404 outside the scope."""
    if not may_use_dashboards(user) or kind not in KINDS:
        raise Http404
    county_wide = user.is_county_wide
    villages = Region.objects.filter(kind__in=Region.VILLAGE_KINDS)
    if kind == "county":
        county = Region.objects.filter(kind=Region.Kind.COUNTY, pk=pk).first()
        if county is None or not county_wide:
            raise Http404
        return Area("county", county, county.name, _villages(user, villages), [])
    if kind == "station":
        station = Station.objects.filter(pk=pk).select_related("county").first()
        if station is None:
            raise Http404
        if (
            not county_wide
            and not Officer.objects.filter(user=user, station=station, is_active=True).exists()
        ):
            raise Http404
        crumbs = [_crumb("county", station.county)] if county_wide else []
        return Area(
            "station", station, station.name, _villages(user, villages_of_station(station.pk)), crumbs
        )
    region = Region.objects.filter(pk=pk).select_related("parent", "parent__parent").first()
    if (
        region is None
        or (kind == "township" and not region.is_township_level)
        or (kind == "village" and not region.is_village_level)
    ):
        raise Http404
    if kind == "township" and not county_wide and user.role != User.Role.STATION:
        # an auxiliary officer's scope is their village: a township page showing only that
        # village's figures under the township's name would mislead (and is not theirs to see)
        raise Http404
    ids = _villages(
        user, villages.filter(parent=region) if kind == "township" else villages.filter(pk=region.pk)
    )
    if not ids.exists():
        raise Http404
    township = region if kind == "township" else region.parent
    crumbs = []
    if county_wide:
        crumbs.append(_crumb("county", township.parent))
    station = _station_of_township(township)
    if station is not None and (county_wide or user.role == User.Role.STATION):
        crumbs.append(_crumb("station", station))
    if kind == "village" and user.role != User.Role.AUXILIARY:
        crumbs.append(_crumb("township", township))
    return Area(kind, region, region.name, ids, crumbs)


def default_area(*, user) -> Area:
    """Where a user's dashboard starts: the county, their station, or their village."""
    if not may_use_dashboards(user):
        raise Http404
    if user.is_county_wide:
        county = Region.objects.filter(kind=Region.Kind.COUNTY).order_by("pk").first()
        if county is None:
            raise Http404
        return area_get(user=user, kind="county", pk=county.pk)
    if user.role == User.Role.STATION:
        officer = Officer.objects.filter(user=user, is_active=True).first()
        if officer is None:
            raise Http404
        return area_get(user=user, kind="station", pk=officer.station_id)
    village = Region.objects.filter(pk__in=scoping.village_ids(user)).order_by("code").first()
    if village is None:
        raise Http404
    return area_get(user=user, kind="village", pk=village.pk)


def child_kind(area: Area) -> str | None:
    """What one level down is: county → stations, station → townships, township → villages,
    village → grids."""
    return {"county": "station", "station": "township", "township": "village", "village": "grid"}[area.kind]
