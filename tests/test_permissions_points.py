"""The permission matrix of points (积分, namespace ``points`` and the API basename ``points``):
the monthly rankings, a person's ledger and the manual award (加减分) × every actor × method →
status. The machinery is in ``tests/permission_matrix.py``.

People are scoped like the rest of the reference data (``governance.points.selectors``): a grid
worker of 一村一组 and 一村's committee and volunteer members are seen by the county, station A,
一村's auxiliary officer and the grid worker of 一村一组 (their own grid, their own village); the
grid leader of 三村一组 and 乙乡's township patrol volunteers by the county and station B. Outside
the scope: 404. What a role may do is the capability table: ``points.view_ranking`` (the
rankings; 404 for a role without it, page and API alike), ``points.award`` (the manual award;
403 for a role that sees the person but may not award).
"""

import pytest
from django.urls import reverse

from governance import services as gov
from governance.models import CommitteeMember, GridWorker, VolunteerTeam

from .factories import make_phone
from .permission_matrix import api, by_capability, capability_rows, check_route, expect, page


# --- The objects requested ----------------------------------------------------------------
@pytest.fixture
def people(world):
    admin = world.user("admin")
    world.member_1 = CommitteeMember.objects.get(committee__village=world.village_1)
    world.volunteer_1 = gov.volunteer_member_add(
        actor=admin, team=VolunteerTeam.objects.get(name="一村护村队"), name="一村队员", phone=make_phone()
    )
    world.volunteer_b = gov.volunteer_member_add(
        actor=admin, team=VolunteerTeam.objects.get(name="乙乡巡逻队"), name="乙乡队员", phone=make_phone()
    )
    world.leader_3 = GridWorker.objects.get(name="三村网格长")
    return world


def person(kind, name):
    return lambda w: [kind, getattr(w, name).pk]


def ledger(kind, name):
    return lambda w: f"{reverse('points-ledger')}?kind={kind}&person={getattr(w, name).pk}"


def award_body(name):
    return lambda w: {"kind": "grid_worker", "person": getattr(w, name).pk, "points": 2, "reason": "协助调解"}


# --- Who sees whom ------------------------------------------------------------------------
SEES_1 = ("admin", "county", "station_a", "aux_v1", "grid_g1", "township_a")  # 一村 (grid 一村一组)
SEES_B = ("admin", "county", "station_b")  # 三村一组, 乙乡


def seen_by(actors):
    return expect(404, **dict.fromkeys(actors, 200))


RANKINGS = by_capability("points.view_ranking", allowed=200, denied=404)


def awards(scope, allowed=200):
    """The award page: 404 outside the scope, then the capability ``points.award`` (403)."""
    return by_capability("points.award", allowed=allowed, denied=403, scope=scope)


ROUTES = [
    # --- the rankings -------------------------------------------------------------------------
    page("points:ranking", expected=RANKINGS),
    page(
        "points:ranking",
        query="kind=committee_member&group=township",
        note="committee members by township",
        expected=RANKINGS,
    ),
    page("points:ranking", query="month=2026-13&kind=nobody", note="bad filters", expected=RANKINGS),
    # --- a person's ledger --------------------------------------------------------------------
    page("points:person", args=person("grid_worker", "worker_g1"), expected=seen_by(SEES_1)),
    page("points:person", args=person("committee_member", "member_1"), expected=seen_by(SEES_1)),
    page("points:person", args=person("volunteer_member", "volunteer_1"), expected=seen_by(SEES_1)),
    page(
        "points:person",
        args=person("grid_worker", "leader_3"),
        note="station B's grid leader",
        expected=seen_by(SEES_B),
    ),
    page(
        "points:person",
        args=person("volunteer_member", "volunteer_b"),
        note="乙乡's township team",
        expected=seen_by(SEES_B),
    ),
    page(
        "points:person",
        args=person("mediator", "worker_g1"),
        note="not a kind that earns points",
        expected=expect(404),
    ),
    # --- the manual award ---------------------------------------------------------------------
    page("points:award", args=person("grid_worker", "worker_g1"), expected=awards(SEES_1)),
    page(
        "points:award",
        args=person("grid_worker", "worker_g1"),
        method="post",
        note="an empty form: the errors on the page",
        expected=awards(SEES_1),
    ),
    page(
        "points:award",
        args=person("grid_worker", "worker_g1"),
        method="post",
        data={"points": "2", "reason": "协助调解"},
        note="+2 with a reason: recorded, to the ledger",
        expected=awards(SEES_1, allowed=302),
    ),
    page(
        "points:award",
        args=person("committee_member", "member_1"),
        method="post",
        data={"points": "-1", "reason": "纠正误记"},
        expected=awards(SEES_1, allowed=302),
    ),
    page(
        "points:award",
        args=person("grid_worker", "leader_3"),
        note="station B's grid leader",
        expected=awards(SEES_B),
    ),
    page(
        "points:award",
        args=person("volunteer_member", "volunteer_b"),
        method="post",
        data={"points": "3", "reason": "参加巡逻"},
        note="乙乡's township team",
        expected=awards(SEES_B, allowed=302),
    ),
    # --- API: rankings, ledgers, awards -------------------------------------------------------
    api("points-rankings", expected=RANKINGS),
    api("points-rankings", query="kind=volunteer_member&group=township", expected=RANKINGS),
    api("points-ledger", expected=expect(400), note="no person named"),
    api(
        "points-ledger",
        url=ledger("grid_worker", "worker_g1"),
        note="grid_g1's own ledger",
        expected=seen_by(SEES_1),
    ),
    api(
        "points-ledger",
        url=ledger("committee_member", "member_1"),
        note="一村's committee member",
        expected=seen_by(SEES_1),
    ),
    api(
        "points-ledger",
        url=ledger("grid_worker", "leader_3"),
        note="station B's grid leader",
        expected=seen_by(SEES_B),
    ),
    api(
        "points-ledger",
        url=ledger("mediator", "worker_g1"),
        note="not a kind that earns points",
        expected=expect(404),
    ),
    # the capability before the body: a role that may not award gets 403 whatever it sends
    api(
        "points-awards",
        method="post",
        expected=by_capability("points.award", allowed=400, denied=403),
    ),
    api(
        "points-awards",
        method="post",
        data=award_body("worker_g1"),
        note="+2 for grid_g1 with a reason: station B does not see the person",
        expected=by_capability("points.award", allowed=201, scope=SEES_1, scope_first=False),
    ),
    api(
        "points-awards",
        method="post",
        data=award_body("leader_3"),
        note="+2 for station B's grid leader",
        expected=by_capability("points.award", allowed=201, scope=SEES_B, scope_first=False),
    ),
]


def route_id(route) -> str:
    return f"{route} {route.note}".strip()


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_permissions(route, people, client):
    check_route(client, people, route)


@pytest.mark.parametrize("route", capability_rows(ROUTES), ids=route_id)
def test_the_capability_decides(route, people, client):
    """With the row's capability withdrawn from every role, nobody gets what it allowed."""
    check_route(client, people, route, withdraw=True)
