"""The permission matrix of the command-centre dashboards (``dashboards``) and the inbox
(``inbox``): every route × every actor × method → status. The machinery is in
``tests/permission_matrix.py``; the governance/stations table in ``tests/test_permissions.py`` is
the model.

Dashboards (``dashboards.areas``) are for the county command centre (every area), station staff
(their station and what lies under it) and a village's auxiliary officer (their village); grid
workers, mediators and accounts with no role have none (the capability ``dashboard.view``): 404
everywhere, as for an area outside the user's scope. Every area route is requested for the county, both stations, both townships
and a village of each station, so each side has its outsider.
"""

import pytest

from core import notifications

from .permission_matrix import by_capability, capability_rows, check_route, expect, page


# --- Who sees which area ------------------------------------------------------------------
def dashboard_of(*scope):
    """An area: 404 without the capability ``dashboard.view`` or outside the area."""
    return by_capability("dashboard.view", allowed=200, denied=404, scope=scope)


COUNTY_WIDE = dashboard_of("admin", "county")
STATION_A = dashboard_of("admin", "county", "station_a")
STATION_B = dashboard_of("admin", "county", "station_b")
# 一村 is in grid_g1's scope too, but a grid worker has no dashboard
VILLAGE_1 = dashboard_of("admin", "county", "station_a", "aux_v1", "grid_g1", "township_a")
# 甲镇 for its station and its township 综治中心
TOWNSHIP_A = dashboard_of("admin", "county", "station_a", "township_a")

AREAS = [
    # (kind, world attribute, who sees it)
    ("county", "county", COUNTY_WIDE),
    ("station", "station_a", STATION_A),
    ("station", "station_b", STATION_B),
    ("township", "township_a", TOWNSHIP_A),
    ("township", "township_b", STATION_B),
    ("village", "village_1", VILLAGE_1),
    ("village", "village_3", STATION_B),
]
# the parts of the page (figures, trend, map, export, report) share the page's area lookup:
# one area of each kind, alternating sides, is enough for them
PARTS = ["-figures", "-trend", "-map", "-export", "-report"]
PART_AREAS = [area for area in AREAS if area[1] in ("county", "station_a", "township_b", "village_1")]


def area_args(kind, name):
    return lambda w: [kind, getattr(w, name).pk]


def area_routes():
    routes = [
        page("dashboards:area", args=area_args(kind, name), expected=expected, note=f"{kind} {name}")
        for kind, name, expected in AREAS
    ]
    for suffix in PARTS:
        for kind, name, expected in PART_AREAS:
            routes.append(
                page(
                    f"dashboards:area{suffix}",
                    args=area_args(kind, name),
                    expected=expected,
                    note=f"{kind} {name}",
                )
            )
    return routes


@pytest.fixture
def messages_(world):
    """One message in station A's inbox."""
    notifications.notify(
        recipients=[world.user("station_a")],
        message=notifications.Message(
            kind="test", target="matrix", period="2026-01", title="测试消息", url="/cases/"
        ),
    )
    world.message = notifications.inbox(user=world.user("station_a")).get()
    return world


ROUTES = [
    # the dashboard's start: the county, the user's station or village; no dashboard → 404
    page("dashboards:home", expected=by_capability("dashboard.view", allowed=302, denied=404)),
    *area_routes(),
    page(
        "dashboards:area",
        args=area_args("village", "township_a"),
        note="a township asked for as a village",
        expected=expect(404),
    ),
    page(
        "dashboards:area", args=area_args("planet", "village_1"), note="an unknown kind", expected=expect(404)
    ),
    # the inbox: everyone has one; a message is its recipient's alone
    page("inbox:list", expected=expect(200)),
    page("inbox:read-all", method="post", expected=expect(302)),
    page(
        "inbox:read",
        args=lambda w: [w.message.pk],
        method="post",
        expected=expect(404, station_a=302),
        note="station A's message",
    ),
]


def route_id(route) -> str:
    return f"{route} {route.note}".strip()


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_permissions(route, messages_, client):
    check_route(client, messages_, route)


@pytest.mark.parametrize("route", capability_rows(ROUTES), ids=route_id)
def test_the_capability_decides(route, messages_, client):
    """With the row's capability withdrawn from every role, nobody gets what it allowed."""
    check_route(client, messages_, route, withdraw=True)
