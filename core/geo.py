"""Small geometry helpers for check-in verification (no GIS dependency).

Distances are in metres on a spherical Earth (haversine); good enough at the
scale of a village or a grid (a few kilometres).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

EARTH_RADIUS_M = 6_371_008.8

Point = tuple[float, float]  # (latitude, longitude) in degrees


def haversine_m(a: Point, b: Point) -> float:
    """Great-circle distance in metres between two (lat, lon) points."""
    lat1, lon1 = map(math.radians, a)
    lat2, lon2 = map(math.radians, b)
    dlat = lat2 - lat1
    dlon = lon2 - lon1
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _project(origin: Point, p: Point) -> tuple[float, float]:
    """Local equirectangular projection (metres) around origin: (x east, y north)."""
    lat0 = math.radians(origin[0])
    x = math.radians(p[1] - origin[1]) * EARTH_RADIUS_M * math.cos(lat0)
    y = math.radians(p[0] - origin[0]) * EARTH_RADIUS_M
    return x, y


def point_in_polygon(point: Point, polygon: Sequence[Point]) -> bool:
    """Ray casting; polygon is a sequence of (lat, lon) vertices (closed or not)."""
    lat, lon = point
    inside = False
    n = len(polygon)
    for i in range(n):
        lat_i, lon_i = polygon[i]
        lat_j, lon_j = polygon[i - 1]
        if (lat_i > lat) != (lat_j > lat):
            cross_lon = lon_j + (lat - lat_j) * (lon_i - lon_j) / (lat_i - lat_j)
            if lon < cross_lon:
                inside = not inside
    return inside


def distance_to_polygon_m(point: Point, polygon: Sequence[Point]) -> float:
    """0 inside the polygon, else the distance in metres to its nearest edge."""
    if len(polygon) < 3:
        raise ValueError("a polygon needs at least three vertices")
    if point_in_polygon(point, polygon):
        return 0.0
    best = math.inf
    n = len(polygon)
    for i in range(n):
        ax, ay = _project(point, polygon[i - 1])
        bx, by = _project(point, polygon[i])
        dx, dy = bx - ax, by - ay
        seg2 = dx * dx + dy * dy
        t = 0.0 if seg2 == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / seg2))
        cx, cy = ax + t * dx, ay + t * dy
        best = min(best, math.hypot(cx, cy))
    return best


def distance_to_place_m(
    point: Point,
    *,
    centre: Point | None = None,
    boundary: Sequence[Point] | None = None,
) -> float | None:
    """Distance to a territory: its boundary polygon if known, else its centre; None if neither."""
    if boundary and len(boundary) >= 3:
        return distance_to_polygon_m(point, boundary)
    if centre is not None:
        return haversine_m(point, centre)
    return None
