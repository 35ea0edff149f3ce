"""The permission matrix of governance and stations: every page and API route × every actor of
the ``world`` fixture (and anonymous) × method → expected status. The machinery is in
``tests/permission_matrix.py``; another app adds its own table in its own module the same way
(the project-level routes are in ``tests/test_permissions_project.py``, points in
``tests/test_permissions_points.py``).

The objects requested belong to station A (甲镇, village 一村) unless a row says otherwise, so
``station_b`` is the outsider everywhere: 404 on every object, never 403. A role that sees an
object but may not change it gets 403 on the write. Write requests send an empty form or body:
a role that may write gets the form back with its errors (200) or a 400 from the API, and
nothing is written.

Who may write is the capability table (``by_capability``): ``reference.manage`` for the records
of a scope, ``reference.manage_county`` for the county's structure, ``incident.manage`` for
incidents and their imports. Who sees what (the ``scope``) is written out per route.
"""

import pytest

from governance.models import CommitteeMember, SecurityCommittee, VolunteerTeam
from stations.incidents import services as import_services
from stations.models import VillageAssignment
from stations.presence import services as presence

from .permission_matrix import api, by_capability, capability_rows, check_route, expect, page, replace
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
# Station A's village records: seen by its station, auxiliary officer and grid worker ...
# (and by the township 综治中心 of 甲镇: its township's villages)
SEES_VILLAGE = ("admin", "county", "station_a", "aux_v1", "grid_g1", "township_a")
# ... station A's own records (staff, incidents): not by the grid worker or mediator.
SEES_STATION = ("admin", "county", "station_a", "aux_v1")


def seen_by(actors):
    return expect(404, **dict.fromkeys(actors, 200))


VILLAGE_READ = seen_by(SEES_VILLAGE)
STATION_READ = seen_by(SEES_STATION)


def manages(scope=None, allowed=200, code="reference.manage", **kwargs):
    """A write of reference data: 404 outside ``scope``, then the capability (403 without it)."""
    return by_capability(code, allowed=allowed, denied=403, scope=scope, **kwargs)


# A create page with no parent object: the roles that manage reference data (403 for the rest).
CREATE = manages()
# Writes on station A's village records and on its own records: those who see but may not write
# get 403, the rest 404.
VILLAGE_WRITE = manages(SEES_VILLAGE)
STATION_WRITE = manages(SEES_STATION)
# The same for the API: lists, 400 for an empty body from a writer, 403 for the rest.
API_LIST = expect(200)
API_CREATE = manages(allowed=400)
API_COUNTY_CREATE = manages(allowed=400, code="reference.manage_county")
# Incidents (警情): recorded, edited, referred and imported with ``incident.manage``.
INCIDENT_CREATE = manages(code="incident.manage")
INCIDENT_WRITE = manages(SEES_STATION, code="incident.manage")
INCIDENT_API_CREATE = manages(allowed=400, code="incident.manage")
NOT_OFFERED = expect(405)


def api_create_in(scope):
    """An API create whose body names an object in ``scope``: 201 for a role that may; the
    capability is checked before the body, and an object the writer does not see is a field
    error (400), as for any choice."""
    return manages(scope, allowed=201, outside=400, scope_first=False)


def grid_data(w):
    return {"village": w.village_1.pk, "name": "一村三组", "code": "G-1C", "households": 10, "population": 40}


ROUTES = [
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
        note="a grid in station A's village: station B may create grids, but 一村 is not a choice",
        expected=manages(SEES_VILLAGE, allowed=302, outside=200, scope_first=False),
    ),
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
        "governance:mediator-edit", args=attr("mediator_t1"), expected=manages((*SEES_VILLAGE, "mediator_t1"))
    ),
    page(
        "governance:mediator-edit",
        args=attr("mediator_t1"),
        method="post",
        expected=manages((*SEES_VILLAGE, "mediator_t1")),
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
    # the personal-data access log: a list for everyone, rows only for the county (its scope)
    page("governance:personal-data-log", expected=LIST),
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
        expected=manages(SEES_VILLAGE, allowed=302),
    ),
    # incidents (警情: not for grid workers or mediators)
    page("stations:incident-list", expected=LIST),
    page("stations:incident-create", expected=INCIDENT_CREATE),
    page("stations:incident-create", method="post", expected=INCIDENT_CREATE),
    page("stations:incident-detail", args=pk(incident), expected=STATION_READ),
    page("stations:incident-edit", args=pk(incident), expected=INCIDENT_WRITE),
    page("stations:incident-edit", args=pk(incident), method="post", expected=INCIDENT_WRITE),
    page("stations:incident-refer", args=pk(incident), expected=INCIDENT_WRITE),
    page("stations:incident-refer", args=pk(incident), method="post", expected=INCIDENT_WRITE),
    page("stations:incident-answer", args=pk(incident), expected=INCIDENT_WRITE),
    page("stations:incident-answer", args=pk(incident), method="post", expected=INCIDENT_WRITE),
    page("stations:incident-import", expected=INCIDENT_CREATE),
    page("stations:incident-import", method="post", expected=INCIDENT_CREATE),
    page("stations:incident-import-template", expected=INCIDENT_CREATE),
    page(
        "stations:import-job",
        args=pk(import_job),
        note="import jobs are for those who import: no job for a role without incident.manage",
        expected=by_capability("incident.manage", denied=404, scope=SEES_STATION),
    ),
    # API: governance
    api("regions-list", expected=API_LIST),
    api("regions-list", method="post", expected=API_COUNTY_CREATE),
    api("regions-detail", args=attr("village_1"), expected=VILLAGE_READ),
    api("regions-detail", args=attr("village_1"), method="patch", expected=VILLAGE_WRITE),
    api(
        "regions-archive",
        args=attr("village_1"),
        method="post",
        expected=manages(SEES_VILLAGE, code="reference.manage_county"),
    ),
    api(
        "regions-restore",
        args=attr("village_1"),
        method="post",
        expected=manages(SEES_VILLAGE, code="reference.manage_county"),
    ),
    api("grids-list", expected=API_LIST),
    api("grids-list", method="post", expected=API_CREATE),
    api(
        "grids-list",
        method="post",
        data=grid_data,
        note="a grid in station A's village",
        expected=api_create_in(SEES_VILLAGE),
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
        expected=manages((*SEES_VILLAGE, "mediator_t1")),
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
        expected=api_create_in(SEES_VILLAGE),
    ),
    api("committee-members-detail", args=pk(member), expected=VILLAGE_READ),
    api("committee-members-detail", args=pk(member), method="patch", expected=VILLAGE_WRITE),
    # the access log (rows only for the county) and 查看完整号码 (an empty body: 400 for all;
    # the role and scope checks are in tests/governance/test_personal_data_access.py)
    api("personal-data-list", expected=API_LIST),
    api("personal-data-reveal", method="post", expected=expect(400)),
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
        expected=api_create_in(SEES_STATION),
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
        expected=api_create_in(("admin", "county", "station_a")),  # 二村 is not aux_v1's
    ),
    api("assignments-detail", args=pk(assignment), expected=VILLAGE_READ),
    api("assignments-detail", args=pk(assignment), method="patch", expected=NOT_OFFERED),
    api("assignments-end", args=pk(assignment), method="post", expected=VILLAGE_WRITE),
    api("incidents-list", expected=API_LIST),
    api("incidents-list", method="post", expected=INCIDENT_API_CREATE),
    api("incidents-detail", args=pk(incident), expected=STATION_READ),
    api("incidents-detail", args=pk(incident), method="patch", expected=INCIDENT_WRITE),
    api(
        "incidents-refer",
        args=pk(incident),
        method="post",
        expected=manages(SEES_STATION, allowed=400, code="incident.manage"),
    ),
    api(
        "incidents-answer",
        args=pk(incident),
        method="post",
        expected=manages(SEES_STATION, allowed=400, code="incident.manage"),
    ),
    api("village-visits-list", expected=API_LIST),
    # the body is checked before the person: an empty one is a 400 for everyone signed in
    api("village-visits-list", method="post", expected=expect(400)),
    api(
        "village-visits-list",
        method="post",
        data=lambda w: {"village": w.village_1.pk},
        note="check in to 一村: only its officers in person; a village outside the scope is a field error",
        expected=expect(400, admin=403, county=403, station_a=201, aux_v1=201, grid_g1=403, township_a=403),
    ),
    api("village-visits-detail", args=pk(visit), expected=VILLAGE_READ),
    api("village-visits-detail", args=pk(visit), method="patch", expected=NOT_OFFERED),
    # a photo on a check-in (core.attachments): seen with the check-in; added by the one who
    # checked in (checkin.attach; admin as superuser); an empty body is then a 400
    api("village-visits-attachments", args=pk(visit), expected=VILLAGE_READ),
    api(
        "village-visits-attachments",
        args=pk(visit),
        method="post",
        note="station_a's own check-in",
        expected=replace(expect(404, **dict.fromkeys(SEES_VILLAGE, 403)), admin=400, station_a=400),
    ),
    api(
        "village-visits-attachment-download",
        args=lambda w: [visit(w).pk, 2**40],
        note="no such attachment on the check-in (served files: tests/core/test_attachments*.py)",
        expected=expect(404),
    ),
]


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_permissions(route, world, client):
    check_route(client, world, route)


@pytest.mark.parametrize("route", capability_rows(ROUTES), ids=str)
def test_the_capability_decides(route, world, client):
    """With the row's capability withdrawn from every role, nobody gets what it allowed."""
    check_route(client, world, route, withdraw=True)
