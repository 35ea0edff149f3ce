"""The area a dashboard shows (county, station, township or village) and who may see it.

A dashboard never reads outside its user's scope: the villages of an area are intersected with
``governance.scoping.village_ids(user)``, and an area the user may not see is a 404. The county
command centre sees every area; station staff their station and what lies under it; a village
auxiliary officer their village; other roles have no dashboard."""

from dataclasses import dataclass, field
from typing import Literal

from django.db.models import Model, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from governance import capabilities
from governance import selectors as territory
from governance.models import User
from stations import selectors as stations

KINDS = ("county", "station", "township", "village")
KIND_LABELS = {"county": _("全县"), "station": _("派出所"), "township": _("乡镇"), "village": _("村(社区)")}


@dataclass
class Area:
    kind: str
    obj: Model  # the county or township (Region), the Station, or the village (Region)
    name: str
    village_ids: QuerySet
    crumbs: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        # the scope resolved once to a flat list of ids (one small query): every figure then
        # filters on ``village_id IN (SELECT id FROM region WHERE id IN (…))``, which the planner
        # sizes exactly, instead of the scope's two or three nested subqueries, which it guesses
        # (at 2 M cases one guess turned 民转刑 from 20 ms into 1.7 s)
        self.village_ids = territory.villages_resolved(self.village_ids)

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.obj.pk}"

    def url(self, suffix: str = "") -> str:
        return reverse("dashboards:area" + (f"-{suffix}" if suffix else ""), args=[self.kind, self.obj.pk])


def may_use_dashboards(user: User) -> bool:
    return capabilities.may(user, "dashboard.view")


def _crumb(kind: str, obj: Model) -> tuple[str, str]:
    return str(obj), reverse("dashboards:area", args=[kind, obj.pk])


def area_get(*, user: User, kind: str, pk: int) -> Area:
    """The area, with its breadcrumbs from the top the user may see; 404 outside the scope."""
    if not may_use_dashboards(user) or kind not in KINDS:
        raise Http404
    county_wide = user.is_county_wide
    if kind == "county":
        county = territory.county_find(pk)
        if county is None or not county_wide:
            raise Http404
        villages = territory.villages_in_scope(user, territory.villages_of_county(county))
        return Area("county", county, county.name, villages, [])
    if kind == "station":
        station = stations.station_find(pk)
        if station is None or not (county_wide or stations.is_officer_of(user, station)):
            raise Http404
        crumbs = [_crumb("county", station.county)] if county_wide else []
        villages = territory.villages_in_scope(user, stations.villages_of_station(station.pk))
        return Area("station", station, station.name, villages, crumbs)
    region = territory.region_find(pk)
    if (
        region is None
        or (kind == "township" and not region.is_township_level)
        or (kind == "village" and not region.is_village_level)
    ):
        raise Http404
    if (
        kind == "township"
        and not county_wide
        and user.role != User.Role.STATION
        and not (user.role == User.Role.TOWNSHIP and user.township_id == region.pk)
    ):
        # an auxiliary officer's scope is their village: a township page showing only that
        # village's figures under the township's name would mislead (and is not theirs to see)
        raise Http404
    ids = territory.scoped_villages_under(user, region)
    if ids is None:
        raise Http404
    township = region if kind == "township" else region.parent
    assert township is not None  # a village always lies in a township
    crumbs = []
    if county_wide:
        assert township.parent is not None  # and a township in the county
        crumbs.append(_crumb("county", township.parent))
    station = stations.station_of_township(township)
    if station is not None and (county_wide or user.role == User.Role.STATION):
        crumbs.append(_crumb("station", station))
    if kind == "village" and user.role != User.Role.AUXILIARY:
        crumbs.append(_crumb("township", township))
    return Area(kind, region, region.name, ids, crumbs)


def default_area(*, user: User) -> Area:
    """Where a user's dashboard starts: the county, their station, or their village."""
    if not may_use_dashboards(user):
        raise Http404
    if user.is_county_wide:
        county = territory.county_find()
        if county is None:
            raise Http404
        return area_get(user=user, kind="county", pk=county.pk)
    if user.role == User.Role.STATION:
        station_id = stations.officer_station_id(user)
        if station_id is None:
            raise Http404
        return area_get(user=user, kind="station", pk=station_id)
    if user.role == User.Role.TOWNSHIP:  # a township 综治中心: its township
        if user.township_id is None:
            raise Http404
        return area_get(user=user, kind="township", pk=user.township_id)
    village = territory.first_village(user)
    if village is None:
        raise Http404
    return area_get(user=user, kind="village", pk=village.pk)


ChildKind = Literal["station", "township", "village", "grid"]
_CHILD: dict[str, ChildKind] = {
    "county": "station",
    "station": "township",
    "township": "village",
    "village": "grid",
}


def child_kind(area: Area) -> ChildKind:
    """What one level down is: county → stations, station → townships, township → villages,
    village → grids."""
    return _CHILD[area.kind]
