"""Check-in evidence (签到凭据), one definition for village, grid and patrol check-ins: the
position a phone sends (optional; half a position is none), its distance from the expected place
(a grid's boundary; a village's grids' boundaries; ``core.geo``), whether that is close enough to
count as verified (``settings.VISIT_VERIFY_DISTANCE_M``, 500 m), and the time a phone says it
recorded the check-in offline, which is kept apart and never taken as the check-in time."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.geo import Point, distance_to_place_m
from governance.models import Grid

from .services import Coordinate, parse_coordinate

OFFLINE_DAYS = 7  # a phone's offline record older than this is refused


def verify_distance_m() -> float:
    return float(getattr(settings, "VISIT_VERIFY_DISTANCE_M", 500))


def ring(boundary: Any) -> list[Point] | None:
    """The outer ring of a GeoJSON Polygon (``[[lon, lat], …]``) as (lat, lon) points, or
    ``None`` for anything else."""
    try:
        if boundary.get("type") != "Polygon":
            return None
        points = [(float(lat), float(lon)) for lon, lat, *_rest in boundary["coordinates"][0]]
    except (AttributeError, KeyError, IndexError, TypeError, ValueError):
        return None
    return points if len(points) >= 3 else None


def distance_to_boundaries_m(point: Point, boundaries: Iterable[Any]) -> float | None:
    """The distance from ``point`` to the nearest of these GeoJSON boundaries (0 inside one);
    ``None`` when none is usable."""
    distances = [distance_to_place_m(point, boundary=r) for r in map(ring, boundaries) if r]
    found = [d for d in distances if d is not None]
    return min(found) if found else None


def place_boundaries(*, grid_id: int | None = None, village_id: int | None = None) -> list[Any]:
    """The boundaries of the expected place: the grid's own, else the village's active grids'."""
    if grid_id is not None:
        return list(Grid.objects.filter(pk=grid_id).exclude(boundary=None).values_list("boundary", flat=True))
    if village_id is not None:
        return list(
            Grid.objects.filter(village_id=village_id, is_active=True)
            .exclude(boundary=None)
            .values_list("boundary", flat=True)
        )
    return []


@dataclass(frozen=True)
class Evidence:
    latitude: Decimal | None
    longitude: Decimal | None
    distance_m: float | None  # None: no position, or no known place to measure from
    verified: bool  # a position within VISIT_VERIFY_DISTANCE_M of the place
    recorded_offline_at: dt.datetime | None


def parse_recorded_offline_at(value: Any, *, now: dt.datetime) -> dt.datetime | None:
    """The time a phone says it recorded a check-in while offline: not in the future (a few
    minutes of clock drift allowed) and not before ``OFFLINE_DAYS`` days ago."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        parsed = parse_datetime(value.strip())
        if parsed is None:
            raise DomainError(_("离线记录时间格式无效。"), field="recorded_offline_at")
        value = parsed
    if not isinstance(value, dt.datetime):
        raise DomainError(_("离线记录时间格式无效。"), field="recorded_offline_at")
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now + dt.timedelta(minutes=5):
        raise DomainError(_("离线记录时间不能晚于当前时间。"), field="recorded_offline_at")
    if value < now - dt.timedelta(days=OFFLINE_DAYS):
        raise DomainError(
            _("离线记录时间不能早于 %(d)s 天前。") % {"d": OFFLINE_DAYS}, field="recorded_offline_at"
        )
    return value


def check_in_evidence(
    *,
    lat: Coordinate,
    lon: Coordinate,
    now: dt.datetime,
    recorded_offline_at: Any = None,
    grid_id: int | None = None,
    village_id: int | None = None,
) -> Evidence:
    """Validate the position and the offline time a check-in brings, and measure the position
    from the grid (or, without a grid, the village). Raises ``DomainError`` on bad input."""
    latitude = parse_coordinate(lat, -90, 90, "lat")
    longitude = parse_coordinate(lon, -180, 180, "lon")
    if (latitude is None) != (longitude is None):
        latitude = longitude = None  # half a position is no position
    offline = parse_recorded_offline_at(recorded_offline_at, now=now)
    distance = None
    if latitude is not None and longitude is not None:
        distance = distance_to_boundaries_m(
            (float(latitude), float(longitude)), place_boundaries(grid_id=grid_id, village_id=village_id)
        )
        if distance is not None:
            distance = round(distance, 1)
    verified = distance is not None and distance <= verify_distance_m()
    return Evidence(latitude, longitude, distance, verified, offline)
