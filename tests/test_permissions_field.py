"""The permission matrix of the field forces: incidents turned into cases (``incident-cases``),
patrols (``patrols``) and their API routes (incident-cases, patrol plans, patrols, findings) ×
every actor × method → status. The incident, import and village-presence pages and the incident
and village-visit API are in ``tests/test_permissions.py`` with the rest of ``stations``; the
machinery is in ``tests/permission_matrix.py``.

The objects belong to station A (``field`` fixture, built through the services): a 纠纷 incident
in 一村, a patrol plan with a patrol in progress and one finding. ``station_b`` is the outsider: 404 on every object. Patrols are seen by the stations
in scope (``stations.selectors.station_ids``: county-wide users, station staff, the station's
auxiliary officers); grid workers, mediators and accounts with no role see none. Plans are made by
the roles with the capability ``patrol.plan`` (``patrols.services.may_plan``), patrols run by
those with ``patrol.run`` (``may_patrol``: also the station's auxiliary officers); a case is
made from an incident with ``case.report``.
"""

import pytest

from patrols import services as patrols

from .patrols.helpers import plan
from .permission_matrix import api, by_capability, capability_rows, check_route, expect, page, replace
from .stations.incidents.helpers import record


# --- The objects requested ----------------------------------------------------------------
@pytest.fixture
def field(world):
    from django.utils import timezone

    from disputes import risk
    from patrols.visits import services as visit_services
    from tests.disputes.helpers import report

    station_a = world.user("station_a")
    red = report(
        world,
        grid=world.grid_1a,
        category="labour_debt",
        people_involved=12,
        threat_flag=True,
        amount_involved=150000,
    )
    risk.assess_case(case=red)
    visit_services.risk_visits_create(now=timezone.now())
    world.risk_visit = red.risk_visits.get()
    world.incident = record(world)
    world.plan = plan(world)
    world.patrol = patrols.patrol_start(actor=station_a, plan=world.plan)
    world.finding = patrols.finding_add(
        actor=station_a,
        patrol=world.patrol,
        kind="lead",
        description="集市旁有人聚集争吵。",
        village=world.village_1,
    )
    return world


def attr(name):
    return lambda w: [getattr(w, name).pk]


# --- Who gets what ------------------------------------------------------------------------
EVERYONE = expect(200)
NOT_OFFERED = expect(405)
# station A's incident: its station and 一村's auxiliary officer see it; writes are for station A
SEES_STATION = ("admin", "county", "station_a", "aux_v1")
STATION_READ = expect(404, **dict.fromkeys(SEES_STATION, 200))
# station A's patrols: the same people see them; aux_v1 runs patrols but does not plan them
PATROL_READ = STATION_READ


def may(code, status):
    """No object yet: the capability decides (403 before the body is read)."""
    return by_capability(code, allowed=status, denied=403)


def patrol_write(status):
    """A write on station A's patrol: 404 for those who do not see it, then ``patrol.run``."""
    return by_capability("patrol.run", allowed=status, denied=403, scope=SEES_STATION)


ROUTES = [
    # --- incident → case ----------------------------------------------------------------------
    page(
        "incident-cases:case-from-incident",
        args=attr("incident"),
        expected=by_capability("case.report", scope=SEES_STATION),
    ),
    page(
        "incident-cases:case-from-incident",
        args=attr("incident"),
        method="post",
        expected=by_capability("case.report", scope=SEES_STATION),
    ),
    # --- patrols ------------------------------------------------------------------------------
    page("patrols:plan-list", expected=EVERYONE),
    page("patrols:plan-create", expected=may("patrol.plan", 200)),
    page("patrols:plan-create", method="post", expected=may("patrol.plan", 200)),
    page("patrols:plan-detail", args=attr("plan"), expected=PATROL_READ),
    page(
        "patrols:patrol-start",
        args=attr("plan"),
        method="post",
        note="a patrol is already in progress: a message, back to the plan",
        expected=patrol_write(302),
    ),
    page("patrols:patrol-detail", args=attr("patrol"), expected=PATROL_READ),
    page("patrols:patrol-mobile", args=attr("patrol"), expected=patrol_write(200)),
    page("patrols:patrol-mobile", args=attr("patrol"), method="post", expected=patrol_write(200)),
    page("patrols:patrol-checkin", args=attr("patrol"), method="post", expected=patrol_write(302)),
    page("patrols:patrol-attendance", args=attr("patrol"), method="post", expected=patrol_write(302)),
    page(
        "patrols:patrol-attend",
        args=attr("patrol"),
        method="post",
        note="a participant with an account checks themselves in (station_a already did, as leader)",
        expected=expect(404, admin=403, county=403, station_a=302, aux_v1=302),
    ),
    page("patrols:patrol-end", args=attr("patrol"), method="post", expected=patrol_write(302)),
    page("patrols:finding-to-case", args=attr("finding"), expected=patrol_write(200)),
    page("patrols:finding-to-case", args=attr("finding"), method="post", expected=patrol_write(200)),
    page("patrols:finding-to-incident", args=attr("finding"), expected=patrol_write(200)),
    page("patrols:finding-to-incident", args=attr("finding"), method="post", expected=patrol_write(200)),
    # --- API: incident → case -----------------------------------------------------------------
    api("incident-cases-list", method="post", expected=may("case.report", 400)),
    api(
        "incident-cases-list",
        method="post",
        data=lambda w: {"incident": w.incident.pk, "category": "neighbour"},
        note="station A's incident; one outside the scope is a field error (400), as for any choice",
        expected=by_capability(
            "case.report", allowed=201, scope=SEES_STATION, outside=400, scope_first=False
        ),
    ),
    api("incident-cases-list", expected=NOT_OFFERED),
    # --- API: patrols (a role that can never plan or patrol gets 403 before its body is read) -------------------------------------------------------------------------
    api("patrol-plans-list", expected=EVERYONE),
    api("patrol-plans-list", method="post", expected=may("patrol.plan", 400)),
    api("patrol-plans-detail", args=attr("plan"), expected=PATROL_READ),
    api("patrols-list", expected=EVERYONE),
    api("patrols-list", method="post", expected=may("patrol.run", 400)),
    api("patrols-detail", args=attr("patrol"), expected=PATROL_READ),
    api("patrols-check-in", args=attr("patrol"), method="post", expected=patrol_write(400)),
    api("patrols-attendance", args=attr("patrol"), method="post", expected=patrol_write(400)),
    api(
        "patrols-attend",
        args=attr("patrol"),
        method="post",
        expected=expect(404, admin=403, county=403, station_a=200, aux_v1=200),
    ),
    api("patrols-end", args=attr("patrol"), method="post", expected=patrol_write(200)),
    api("patrols-findings", args=attr("patrol"), method="post", expected=patrol_write(400)),
    api("patrol-findings-list", expected=EVERYONE),
    api("patrol-findings-detail", args=attr("finding"), expected=PATROL_READ),
    api("patrol-findings-to-case", args=attr("finding"), method="post", expected=patrol_write(400)),
    api("patrol-findings-to-incident", args=attr("finding"), method="post", expected=patrol_write(400)),
    # --- risk → visits (a red case in grid 一村一组) ----------------------------------------------
    # a phone-first role (the grid worker) is sent on to the phone page
    page("visits:list", expected=by_capability("ui.phone_first", allowed=302, denied=200)),
    page("visits:mobile", expected=EVERYONE),
    page(
        "visits:detail", args=attr("risk_visit"), expected=replace(STATION_READ, grid_g1=200, township_a=200)
    ),
    page(
        "visits:check-in",
        args=attr("risk_visit"),
        method="post",
        note="only the visit's assignees check in for it (an empty form: sent back with its errors)",
        expected=expect(404, admin=403, county=403, station_a=302, aux_v1=302, grid_g1=302, township_a=403),
    ),
    api("visits-list", expected=EVERYONE),
    api(
        "visits-detail", args=attr("risk_visit"), expected=replace(STATION_READ, grid_g1=200, township_a=200)
    ),
    api(
        "visits-check-in",
        args=attr("risk_visit"),
        method="post",
        expected=expect(404, admin=403, county=403, station_a=400, aux_v1=400, grid_g1=400, township_a=403),
    ),
]


def route_id(route) -> str:
    return f"{route} {route.note}".strip()


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_permissions(route, field, client):
    check_route(client, field, route)


@pytest.mark.parametrize("route", capability_rows(ROUTES), ids=route_id)
def test_the_capability_decides(route, field, client):
    """With the row's capability withdrawn from every role, nobody gets what it allowed."""
    check_route(client, field, route, withdraw=True)
