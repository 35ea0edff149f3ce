"""The permission matrix of rolling screening (滚动排查, namespace ``screening``): the rounds, a
round's completeness table, filing a grid's report (desktop, on the grid's behalf) and the grid
worker's phone page × every actor × method → status. Screening has no API routes. The machinery
is in ``tests/permission_matrix.py``.

The ``screening`` fixture opens the county's round (it covers every grid of the county) and
files 一村二组's report (station A on the grid's behalf); 一村一组 (grid_g1's grid) and 三村一组
(station B's) have not reported yet.

Who sees what is the scope (``screening.selectors``): a round is seen by everyone with a village
in its county (so not by the mediator or an account with no role: 404), a grid and its report by
those whose scope holds the grid (a grid worker only their own grid). Who may file is the
capability ``screening.file``: the county sees every grid but may not file (403). The phone page
is the grid worker's alone: anyone without a grid of their own gets 404.
"""

import pytest
from django.urls import reverse

from .permission_matrix import by_capability, capability_rows, check_route, expect, page
from .screening.helpers import file, open_round


# --- The objects requested ----------------------------------------------------------------
@pytest.fixture
def screening(world):
    world.round = open_round()
    world.report_1b = file(world, world.round, world.grid_1b, actor="station_a", zero=True)
    return world


def on_grid(grid):
    return lambda w: [w.round.pk, getattr(w, grid).pk]


def zero_report(w):
    """The desktop form: a zero-report, its one extra item form untouched (as the page sends it)."""
    return {
        "report-zero": "on",
        "report-note": "走访12户,未发现隐患",
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "0",
        "items-0-people_involved": "2",
    }


def one_item(w):
    """The phone page: one latent dispute found, opening a new case."""
    return {
        "action": "items",
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "0",
        "items-0-area": "labour_debt",
        "items-0-description": "包工头拖欠三名村民务工工资约两万元。",
        "items-0-category": "labour_debt",
        "items-0-people_involved": "3",
    }


# --- Who sees what ------------------------------------------------------------------------
# the round: everyone with a village in the county
SEES_ROUND = ("admin", "county", "station_a", "station_b", "aux_v1", "grid_g1", "township_a")
# grid 一村一组 (grid_g1's), grid 一村二组 (not grid_g1's), grid 三村一组 (station B's)
SEES_1A = ("admin", "county", "station_a", "aux_v1", "grid_g1", "township_a")
SEES_1B = ("admin", "county", "station_a", "aux_v1", "township_a")
SEES_3 = ("admin", "county", "station_b")


def seen_by(actors, status=200):
    return expect(404, **dict.fromkeys(actors, status))


def files(scope, allowed=200):
    """Filing for a grid: 404 outside the scope, then the capability ``screening.file``."""
    return by_capability("screening.file", allowed=allowed, denied=403, scope=scope)


PHONE = expect(404, grid_g1=200)  # a grid worker with a grid of their own; 404 for everyone else

ROUTES = [
    # --- the rounds and a round's completeness table --------------------------------------
    page("screening:round-list", expected=expect(200)),
    page("screening:round-detail", args=lambda w: [w.round.pk], expected=seen_by(SEES_ROUND)),
    page(
        "screening:round-detail",
        url=lambda w: (
            reverse("screening:round-detail", args=[w.round.pk]) + f"?group_by=grid&village={w.village_1.pk}"
        ),
        note="grouped by grid, drilled down to 一村",
        expected=seen_by(SEES_ROUND),
    ),
    # --- filing on a grid's behalf (desktop) --------------------------------------------------
    page("screening:file-report", args=on_grid("grid_1a"), expected=files(SEES_1A)),
    page(
        "screening:file-report",
        args=on_grid("grid_1a"),
        method="post",
        note="no management form: the page again with the errors",
        expected=files(SEES_1A),
    ),
    page(
        "screening:file-report",
        args=on_grid("grid_1a"),
        method="post",
        data=zero_report,
        note="a zero-report: filed, to the report",
        expected=files(SEES_1A, allowed=302),
    ),
    page(
        "screening:file-report",
        args=on_grid("grid_1b"),
        note="already filed: to the report",
        expected=files(SEES_1B, allowed=302),
    ),
    page(
        "screening:file-report",
        args=on_grid("grid_1b"),
        method="post",
        data=zero_report,
        note="already filed: to the report, nothing written",
        expected=files(SEES_1B, allowed=302),
    ),
    page("screening:file-report", args=on_grid("grid_3"), note="station B's grid", expected=files(SEES_3)),
    page(
        "screening:file-report",
        args=on_grid("grid_3"),
        method="post",
        data=zero_report,
        note="station B's grid, a zero-report",
        expected=files(SEES_3, allowed=302),
    ),
    page(
        "screening:file-report",
        args=lambda w: [w.round.pk, 0],
        note="no such grid",
        expected=expect(404),
    ),
    # --- a filed report -------------------------------------------------------------------------
    page(
        "screening:report-detail",
        args=lambda w: [w.report_1b.pk],
        note="一村二组's report: not grid_g1's grid",
        expected=seen_by(SEES_1B),
    ),
    # --- the grid worker's phone page ---------------------------------------------------------
    page("screening:mobile", expected=PHONE),
    page("screening:mobile", query="zero=1", note="confirm a zero-report", expected=PHONE),
    page("screening:mobile", method="post", note="no action: the page again with a message", expected=PHONE),
    page(
        "screening:mobile",
        method="post",
        data={"action": "zero"},
        note="a zero-report not yet confirmed: to the confirmation",
        expected=expect(404, grid_g1=302),
    ),
    page(
        "screening:mobile",
        method="post",
        data={"action": "zero", "confirm": "1", "note": "已排查"},
        note="a confirmed zero-report: filed",
        expected=expect(404, grid_g1=302),
    ),
    page(
        "screening:mobile",
        method="post",
        data=one_item,
        note="one item opening a new case: filed",
        expected=expect(404, grid_g1=302),
    ),
]


def route_id(route) -> str:
    return f"{route} {route.note}".strip()


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_permissions(route, screening, client):
    check_route(client, screening, route)


@pytest.mark.parametrize("route", capability_rows(ROUTES), ids=route_id)
def test_the_capability_decides(route, screening, client):
    """With the row's capability withdrawn from every role, nobody gets what it allowed."""
    check_route(client, screening, route, withdraw=True)
