"""The permission matrix of governance and stations: every page and API route × every actor of
the ``world`` fixture (and anonymous) × method → expected status. The machinery is in
``tests/permission_matrix.py``; another app adds its own table in its own module the same way.

The objects requested belong to station A (甲镇, village 一村) unless a row says otherwise, so
``station_b`` is the outsider everywhere: 404 on every object, never 403. A role that sees an
object but may not change it gets 403 on the write. Write requests send an empty form or body:
a role that may write gets the form back with its errors (200) or a 400 from the API, and
nothing is written.
"""

import pytest

from governance.models import CommitteeMember, SecurityCommittee, VolunteerTeam
from stations.incidents import services as import_services
from stations.models import VillageAssignment
from stations.presence import services as presence

from .permission_matrix import ACTORS, api, api_basenames, check_route, expect, page, uncovered
from .stations.incidents.helpers import csv_bytes, record
from .stations.incidents.helpers import row as incident_row


# --- The objects requested ----------------------------------------------------------------
def committee(w):
    return SecurityCommittee.objects.get(village=w.village_1)


def member(w):
    return CommitteeMember.objects.filter(committee__village=w.village_1).first()


def team(w):
    return VolunteerTeam.objects.get(name="一村护村队")


def assignment(w):
    return VillageAssignment.objects.filter(
        village=w.village_1, kind="auxiliary", end_date__isnull=True
    ).get()


def incident(w):
    return record(w, number="J-MATRIX-1")


def import_job(w):
    content = csv_bytes([incident_row("J-MATRIX-2")])
    return import_services.incident_import_start(
        actor=w.user("admin"), station=w.station_a, file_name="警情.csv", content=content
    )


def visit(w):
    return presence.visit_check_in(actor=w.user("station_a"), village=w.village_1)


def pk(getter):
    return lambda w: [getter(w).pk]


def attr(name):
    return lambda w: [getattr(w, name).pk]


# --- Who gets what ------------------------------------------------------------------------
# Everyone signed in opens a list (it shows their scope, possibly nothing).
LIST = expect(200)
# A create page with no parent object: the roles that manage reference data (403 for the rest).
CREATE = expect(403, admin=200, county=200, station_a=200, station_b=200)
# Station A's village records: readable by its station, auxiliary officer and grid worker.
VILLAGE_READ = expect(404, admin=200, county=200, station_a=200, aux_v1=200, grid_g1=200)
# ... and writable by station A; those who see but may not write get 403, the rest 404.
VILLAGE_WRITE = expect(404, admin=200, county=200, station_a=200, aux_v1=403, grid_g1=403)
# Station A's own records (staff, incidents): the grid worker and mediator do not see them.
STATION_READ = expect(404, admin=200, county=200, station_a=200, aux_v1=200)
STATION_WRITE = expect(404, admin=200, county=200, station_a=200, aux_v1=403)
# The same for the API: lists, 400 for an empty body from a writer, 403 for a reader.
API_LIST = expect(200)
API_CREATE = expect(403, admin=400, county=400, station_a=400, station_b=400)
API_COUNTY_CREATE = expect(403, admin=400, county=400)
NOT_OFFERED = expect(405)


def replace(statuses, **by_actor):
    return {**statuses, **by_actor}


def grid_data(w):
    return {"village": w.village_1.pk, "name": "一村三组", "code": "G-1C", "households": 10, "population": 40}


ROUTES = [
    # sign-in and the landing page (grid workers are sent on to their phone home page)
    page("home", expected=replace(LIST, grid_g1=302)),
    page("login", expected=expect(302, anonymous=200)),
    page("logout", method="post", expected=expect(302)),
    # villages (created by the county in the admin; edited here)
    page("governance:village-list", expected=LIST),
    page("governance:village-detail", args=attr("village_1"), expected=VILLAGE_READ),
    page(
        "governance:village-detail",
        args=attr("village_3"),
        note="station B's village",
        expected=expect(404, admin=200, county=200, station_b=200),
    ),
    page("governance:village-edit", args=attr("village_1"), expected=VILLAGE_WRITE),
    page("governance:village-edit", args=attr("village_1"), method="post", expected=VILLAGE_WRITE),
    # grids
    page("governance:grid-list", expected=LIST),
    page("governance:grid-create", expected=CREATE),
    page("governance:grid-create", method="post", expected=CREATE),
    page(
        "governance:grid-create",
        method="post",
        data=grid_data,
        note="a grid in station A's village",
        expected=replace(CREATE, admin=302, county=302, station_a=302),
    ),  # station_b: not a choice → form error
    page("governance:grid-detail", args=attr("grid_1a"), expected=VILLAGE_READ),
    page(
        "governance:grid-detail",
        args=attr("grid_1b"),
        note="a grid of 一村 that is not grid_g1's",
        expected=replace(VILLAGE_READ, grid_g1=404),
    ),
    page("governance:grid-edit", args=attr("grid_1a"), expected=VILLAGE_WRITE),
    page("governance:grid-edit", args=attr("grid_1a"), method="post", expected=VILLAGE_WRITE),
    # grid workers
    page("governance:gridworker-list", expected=LIST),
    page("governance:gridworker-create", expected=CREATE),
    page("governance:gridworker-create", method="post", expected=CREATE),
    page("governance:gridworker-detail", args=attr("worker_g1"), expected=VILLAGE_READ),
    page("governance:gridworker-edit", args=attr("worker_g1"), expected=VILLAGE_WRITE),
    page("governance:gridworker-edit", args=attr("worker_g1"), method="post", expected=VILLAGE_WRITE),
    # mediators (township level; a mediator sees their own record and may not change it)
    page("governance:mediator-list", expected=LIST),
    page("governance:mediator-create", expected=CREATE),
    page("governance:mediator-create", method="post", expected=CREATE),
    page(
        "governance:mediator-detail",
        args=attr("mediator_t1"),
        expected=replace(VILLAGE_READ, mediator_t1=200),
    ),
    page(
        "governance:mediator-detail",
        args=attr("mediator_t2"),
        note="乙乡's mediator",
        expected=expect(404, admin=200, county=200, station_b=200),
    ),
    page(
        "governance:mediator-edit", args=attr("mediator_t1"), expected=replace(VILLAGE_WRITE, mediator_t1=403)
    ),
    page(
        "governance:mediator-edit",
        args=attr("mediator_t1"),
        method="post",
        expected=replace(VILLAGE_WRITE, mediator_t1=403),
    ),
    # security committees and their members
    page("governance:committee-list", expected=LIST),
    page("governance:committee-create", expected=CREATE),
    page("governance:committee-create", method="post", expected=CREATE),
    page("governance:committee-detail", args=pk(committee), expected=VILLAGE_READ),
    page("governance:committee-edit", args=pk(committee), expected=VILLAGE_WRITE),
    page("governance:committee-edit", args=pk(committee), method="post", expected=VILLAGE_WRITE),
    page("governance:committeemember-create", args=pk(committee), expected=VILLAGE_WRITE),
    page("governance:committeemember-create", args=pk(committee), method="post", expected=VILLAGE_WRITE),
    page("governance:committeemember-edit", args=pk(member), expected=VILLAGE_WRITE),
    page("governance:committeemember-edit", args=pk(member), method="post", expected=VILLAGE_WRITE),
    # volunteer teams
    page("governance:volunteerteam-list", expected=LIST),
    page("governance:volunteerteam-create", expected=CREATE),
    page("governance:volunteerteam-create", method="post", expected=CREATE),
    page("governance:volunteerteam-detail", args=pk(team), expected=VILLAGE_READ),
    page("governance:volunteerteam-edit", args=pk(team), expected=VILLAGE_WRITE),
    page("governance:volunteerteam-edit", args=pk(team), method="post", expected=VILLAGE_WRITE),
    page("governance:volunteermember-create", args=pk(team), expected=VILLAGE_WRITE),
    page("governance:volunteermember-create", args=pk(team), method="post", expected=VILLAGE_WRITE),
    # stations, their staff and village assignments
    page("stations:station-list", expected=LIST),
    page("stations:station-detail", args=attr("station_a"), expected=STATION_READ),
    page(
        "stations:station-detail",
        args=attr("station_b"),
        note="the other station",
        expected=expect(404, admin=200, county=200, station_b=200),
    ),
    page("stations:coverage", expected=LIST),
    page("stations:officer-create", args=attr("station_a"), expected=STATION_WRITE),
    page("stations:officer-create", args=attr("station_a"), method="post", expected=STATION_WRITE),
    page("stations:officer-edit", args=attr("officer_a"), expected=STATION_WRITE),
    page("stations:officer-edit", args=attr("officer_a"), method="post", expected=STATION_WRITE),
    page("stations:auxiliaryofficer-create", args=attr("station_a"), expected=STATION_WRITE),
    page("stations:auxiliaryofficer-create", args=attr("station_a"), method="post", expected=STATION_WRITE),
    page("stations:auxiliaryofficer-edit", args=attr("aux_v1"), expected=STATION_WRITE),
    page("stations:auxiliaryofficer-edit", args=attr("aux_v1"), method="post", expected=STATION_WRITE),
    # village presence (驻村工作): check-in is for an officer or auxiliary officer in person
    page("stations:presence", expected=LIST),
    page("stations:checkin", expected=expect(403, station_a=200, station_b=200, aux_v1=200)),
    page("stations:checkin", method="post", expected=expect(403, station_a=200, station_b=200, aux_v1=200)),
    page("stations:assignment-create", expected=CREATE),
    page("stations:assignment-create", method="post", expected=CREATE),
    page("stations:assignment-end", args=pk(assignment), expected=VILLAGE_WRITE),
    page(
        "stations:assignment-end",
        args=pk(assignment),
        method="post",
        data={"end_date": "2026-01-31"},
        expected=replace(VILLAGE_WRITE, admin=302, county=302, station_a=302),
    ),
    # incidents (警情: not for grid workers or mediators)
    page("stations:incident-list", expected=LIST),
    page("stations:incident-create", expected=CREATE),
    page("stations:incident-create", method="post", expected=CREATE),
    page("stations:incident-detail", args=pk(incident), expected=STATION_READ),
    page("stations:incident-edit", args=pk(incident), expected=STATION_WRITE),
    page("stations:incident-edit", args=pk(incident), method="post", expected=STATION_WRITE),
    page("stations:incident-refer", args=pk(incident), expected=STATION_WRITE),
    page("stations:incident-refer", args=pk(incident), method="post", expected=STATION_WRITE),
    page("stations:incident-answer", args=pk(incident), expected=STATION_WRITE),
    page("stations:incident-answer", args=pk(incident), method="post", expected=STATION_WRITE),
    page("stations:incident-import", expected=CREATE),
    page("stations:incident-import", method="post", expected=CREATE),
    page("stations:incident-import-template", expected=CREATE),
    page(
        "stations:import-job",
        args=pk(import_job),
        note="import jobs are for those who import",
        expected=replace(STATION_WRITE, aux_v1=404),
    ),
    # the Django admin: staff accounts only; the rest are sent to its own login page
    page("admin:index", login_url="admin:login", expected=expect(302, admin=200, county=200)),
    # API: governance
    api("regions-list", expected=API_LIST),
    api("regions-list", method="post", expected=API_COUNTY_CREATE),
    api("regions-detail", args=attr("village_1"), expected=VILLAGE_READ),
    api("regions-detail", args=attr("village_1"), method="patch", expected=VILLAGE_WRITE),
    api(
        "regions-archive",
        args=attr("village_1"),
        method="post",
        expected=replace(VILLAGE_WRITE, station_a=403),
    ),
    api(
        "regions-restore",
        args=attr("village_1"),
        method="post",
        expected=replace(VILLAGE_WRITE, station_a=403),
    ),
    api("grids-list", expected=API_LIST),
    api("grids-list", method="post", expected=API_CREATE),
    api(
        "grids-list",
        method="post",
        data=grid_data,
        note="a grid in station A's village",
        expected=replace(API_CREATE, admin=201, county=201, station_a=201),
    ),
    api("grids-detail", args=attr("grid_1a"), expected=VILLAGE_READ),
    api("grids-detail", args=attr("grid_1a"), method="patch", expected=VILLAGE_WRITE),
    api("grid-workers-list", expected=API_LIST),
    api("grid-workers-list", method="post", expected=API_CREATE),
    api("grid-workers-detail", args=attr("worker_g1"), expected=VILLAGE_READ),
    api("grid-workers-detail", args=attr("worker_g1"), method="patch", expected=VILLAGE_WRITE),
    api("mediators-list", expected=API_LIST),
    api("mediators-list", method="post", expected=API_CREATE),
    api("mediators-detail", args=attr("mediator_t1"), expected=replace(VILLAGE_READ, mediator_t1=200)),
    api(
        "mediators-detail",
        args=attr("mediator_t1"),
        method="patch",
        expected=replace(VILLAGE_WRITE, mediator_t1=403),
    ),
    api("committees-list", expected=API_LIST),
    api("committees-list", method="post", expected=API_CREATE),
    api("committees-detail", args=pk(committee), expected=VILLAGE_READ),
    api("committees-detail", args=pk(committee), method="patch", expected=VILLAGE_WRITE),
    api("committee-members-list", expected=API_LIST),
    api("committee-members-list", method="post", expected=API_CREATE),
    api(
        "committee-members-list",
        method="post",
        note="a member for station A's committee",
        data=lambda w: {
            "committee": committee(w).pk,
            "name": "一村队员",
            "position": "member",
            "kind": "other",
            "phone": "13800138000",
        },
        expected=replace(API_CREATE, admin=201, county=201, station_a=201),
    ),
    api("committee-members-detail", args=pk(member), expected=VILLAGE_READ),
    api("committee-members-detail", args=pk(member), method="patch", expected=VILLAGE_WRITE),
    api("volunteer-teams-list", expected=API_LIST),
    api("volunteer-teams-list", method="post", expected=API_CREATE),
    api("volunteer-teams-detail", args=pk(team), expected=VILLAGE_READ),
    api("volunteer-teams-detail", args=pk(team), method="patch", expected=VILLAGE_WRITE),
    # API: stations
    api("stations-list", expected=API_LIST),
    api("stations-list", method="post", expected=NOT_OFFERED),
    api("stations-detail", args=attr("station_a"), expected=STATION_READ),
    api("stations-detail", args=attr("station_a"), method="patch", expected=NOT_OFFERED),
    api("officers-list", expected=API_LIST),
    api("officers-list", method="post", expected=API_CREATE),
    api(
        "officers-list",
        method="post",
        note="an officer for station A",
        data=lambda w: {
            "station": w.station_a.pk,
            "name": "甲所新警",
            "badge_number": "100009",
            "post": "community",
            "phone": "13800138001",
        },
        expected=replace(API_CREATE, admin=201, county=201, station_a=201),
    ),
    api("officers-detail", args=attr("officer_a"), expected=STATION_READ),
    api("officers-detail", args=attr("officer_a"), method="patch", expected=STATION_WRITE),
    api("auxiliary-officers-list", expected=API_LIST),
    api("auxiliary-officers-list", method="post", expected=API_CREATE),
    api("auxiliary-officers-detail", args=attr("aux_v1"), expected=STATION_READ),
    api("auxiliary-officers-detail", args=attr("aux_v1"), method="patch", expected=STATION_WRITE),
    api("assignments-list", expected=API_LIST),
    api("assignments-list", method="post", expected=API_CREATE),
    api(
        "assignments-list",
        method="post",
        note="station A's officer attached to 二村",
        data=lambda w: {
            "village": w.village_2.pk,
            "kind": "officer",
            "officer": w.officer_a.pk,
            "start_date": "2026-02-01",
        },
        expected=replace(API_CREATE, admin=201, county=201, station_a=201),
    ),
    api("assignments-detail", args=pk(assignment), expected=VILLAGE_READ),
    api("assignments-detail", args=pk(assignment), method="patch", expected=NOT_OFFERED),
    api("assignments-end", args=pk(assignment), method="post", expected=VILLAGE_WRITE),
    api("incidents-list", expected=API_LIST),
    api("incidents-list", method="post", expected=API_CREATE),
    api("incidents-detail", args=pk(incident), expected=STATION_READ),
    api("incidents-detail", args=pk(incident), method="patch", expected=STATION_WRITE),
    api(
        "incidents-refer",
        args=pk(incident),
        method="post",
        expected=replace(STATION_WRITE, admin=400, county=400, station_a=400),
    ),
    api(
        "incidents-answer",
        args=pk(incident),
        method="post",
        expected=replace(STATION_WRITE, admin=400, county=400, station_a=400),
    ),
    api("village-visits-list", expected=API_LIST),
    # the body is checked before the person: an empty one is a 400 for everyone signed in
    api("village-visits-list", method="post", expected=expect(400)),
    api(
        "village-visits-list",
        method="post",
        data=lambda w: {"village": w.village_1.pk},
        note="check in to 一村: only its officers in person; a village outside the scope is a field error",
        expected=expect(400, admin=403, county=403, station_a=201, aux_v1=201, grid_g1=403),
    ),
    api("village-visits-detail", args=pk(visit), expected=VILLAGE_READ),
    api("village-visits-detail", args=pk(visit), method="patch", expected=NOT_OFFERED),
    # --- points API (积分): rankings are scoped lists; a ledger is a person in scope ------------
    api("points-rankings", expected=LIST),
    api("points-ledger", expected=expect(400), note="no person named"),
    api(
        "points-ledger",
        url=lambda w: f"/api/v1/points/ledger/?kind=grid_worker&person={w.worker_g1.pk}",
        expected=VILLAGE_READ,
        note="grid_g1's own ledger",
    ),
    # only those who manage reference data award by hand: the rest get 403 before the body
    api(
        "points-awards",
        method="post",
        expected=expect(403, admin=400, county=400, station_a=400, station_b=400),
    ),
    api(
        "points-awards",
        method="post",
        data=lambda w: {"kind": "grid_worker", "person": w.worker_g1.pk, "points": 2, "reason": "协助调解"},
        note="+2 for grid_g1 with a reason: station B does not see the person",
        expected=expect(403, admin=201, county=201, station_a=201, station_b=404),
    ),
]


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_permissions(route, world, client):
    check_route(client, world, route)


def test_every_governance_and_stations_route_is_in_the_matrix():
    missing = uncovered(
        ROUTES,
        namespaces=["governance", "stations"],
        names=["home", "login", "logout", "admin:index"],
        api_basenames=api_basenames("governance", "stations"),
    )
    assert missing == [], f"add rows to ROUTES for {missing}"


def test_every_row_names_every_actor():
    for route in ROUTES:
        assert set(route.expected) == set(ACTORS), route
