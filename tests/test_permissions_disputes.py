"""The permission matrix of dispute cases: every page of ``disputes`` and ``mobile`` and every API
route of ``disputes.api`` × every actor × method → status. The machinery is in
``tests/permission_matrix.py``; the governance/stations table in ``tests/test_permissions.py`` is
the model.

The cases are built through the services (``cases`` fixture) and hung on the world:

* ``case_a``: reported in 一村, grid 一村一组 (station A). Seen by the county, station A, 一村's
  auxiliary officer and grid worker; ``station_b`` is the outsider (404), the mediator has no
  assignment on it (404).
* ``case_b``: reported in 三村 (station B); station A's people are the outsiders.
* ``case_m``: in 一村, grid 一村二组 (not grid_g1's), accepted, with mediator_t1 assigned and one
  mediation session: the mediator's case.
* ``case_done``: in 一村, grid 一村一组, walked to 已办结 with an agreement (performed), a court
  referral for judicial confirmation (open) and the planned follow-up visits.

Who may do what is the capability table (``case.*`` rows; each row names the capability its
action asks, ``by_capability``); who sees what, ``disputes.selectors.case_ids`` (written out per
case below). A role that sees a case but may not take the action gets 403;
one that may gets, for an empty body, 400 (the page re-rendered with the form's errors, or the
API's field errors), or, for an action that needs no input, its result: 302/200 when the move is
allowed from the case's status, 409 when it is not. Each request is rolled back before the next
actor's, so the rows do not depend on one another.
"""

import pytest

from disputes import services
from disputes.models import FollowUp, MediationSession, Referral
from disputes.tiers import rules as tier_rules

from .disputes.helpers import report, to_closed
from .permission_matrix import api, by_capability, capability_rows, check_route, expect, page, replace


# --- The objects requested ----------------------------------------------------------------
@pytest.fixture
def cases(world):
    admin = world.user("admin")
    world.case_a = report(world, "station_a", village=world.village_1, grid=world.grid_1a)
    world.party_a = world.case_a.parties.order_by("pk").first()
    world.case_b = report(world, "station_b", village=world.village_3, grid=world.grid_3)
    world.case_m = report(world, "station_a", village=world.village_1, grid=world.grid_1b)
    services.case_accept(actor=admin, case=world.case_m)
    services.mediator_assign(actor=admin, case=world.case_m, mediator=world.mediator_t1)
    world.session = services.session_record(
        actor=world.user("mediator_t1"),
        case=world.case_m,
        held_at=world.case_m.reported_at,
        place="一村村委会",
        attendees="双方当事人",
        record="双方陈述了各自的理由。",
        outcome=MediationSession.Outcome.CONTINUING,
    )
    world.case_done = to_closed(
        world, report(world, "station_a", village=world.village_1, grid=world.grid_1a)
    )
    world.agreement = world.case_done.agreements.get()
    world.referral = services.referral_create(
        actor=admin,
        case=world.case_done,
        kind=Referral.Kind.COURT,
        target_name="县人民法院",
        reason="申请司法确认",
        agreement=world.agreement,
    )
    world.follow_up = FollowUp.objects.filter(case=world.case_done).order_by("due_date").first()
    return world


def attr(name):
    return lambda w: [getattr(w, name).pk]


def case_action(case: str, name: str, *, expected, method: str = "post", note: str = ""):
    """``/cases/<pk>/<action>/`` on the case ``world.<case>``."""
    return page(
        "disputes:case-action",
        args=lambda w: [getattr(w, case).pk, name],
        method=method,
        expected=expected,
        note=f"{name} on {case}" + (f": {note}" if note else ""),
    )


# --- Who gets what ------------------------------------------------------------------------
EVERYONE = expect(200)
# case_a (一村 / 一村一组) and case_done (the same grid): who sees them
SEES_A_ACTORS = ("admin", "county", "station_a", "aux_v1", "grid_g1", "township_a")
# case_m (一村 / 一村二组, mediator_t1 assigned): the grid worker of 一组 does not see it
SEES_M_ACTORS = ("admin", "county", "station_a", "aux_v1", "mediator_t1", "township_a")
SEES_B_ACTORS = ("admin", "county", "station_b")


def seen_by(actors):
    return expect(404, **dict.fromkeys(actors, 200))


SEES_A = seen_by(SEES_A_ACTORS)
SEES_M = seen_by(SEES_M_ACTORS)
SEES_B = seen_by(SEES_B_ACTORS)


# 微事不出网格: case_a and case_done are grid-level cases of grid_g1's grid, on which the grid
# worker takes the grid steps (``case.handle_grid``, disputes.tiers.rules.GRID_ACTIONS)
GRID_STEPS = {f"case.{action}" for action in tier_rules.GRID_ACTIONS}


def on_a(code, status):
    """An action on case_a: 404 for those who do not see the case, then the capability ``code``:
    ``status`` for a role that may take it, 403 for one that may not; the grid worker also gets
    ``status`` for a grid step."""
    row = by_capability(code, allowed=status, denied=403, scope=SEES_A_ACTORS)
    return row.but(grid_g1=status) if code in GRID_STEPS else row


def on_m(code, status):
    """The same on case_m, where the mediator is assigned."""
    return by_capability(code, allowed=status, denied=403, scope=SEES_M_ACTORS)


def may(code, status):
    """Creating with no parent case: the capability decides (403 before the body is read)."""
    return by_capability(code, allowed=status, denied=403)


def may_handler(code, status):
    """The same for a handling action: the township's 综治中心 and the county also pass the
    table's check before the body is read (they handle the cases of their level: tiers.rules),
    and so does the grid worker for a grid step (on the grid-level cases of their grid)."""
    grid = {"grid_g1": status} if code in GRID_STEPS else {}
    return by_capability(code, allowed=status, denied=403, township_a=status, county=status, **grid)


API_LIST = expect(200)
NOT_OFFERED = expect(405)


ROUTES = [
    # --- pages: the list, intake, ledger ----------------------------------------------------
    page("disputes:case-list", expected=EVERYONE),
    # mediators' recorded relations (回避): reference data, for those who manage it
    page("disputes:relations", expected=may("mediator_relation.record", 200)),
    page(
        "disputes:relations",
        method="post",
        note="an empty form: the errors on the page",
        expected=may("mediator_relation.record", 200),
    ),
    page("disputes:case-create", expected=may("case.report", 200)),
    page("disputes:case-create", method="post", expected=may("case.report", 400)),
    page("disputes:case-export", expected=EVERYONE),
    # the button posts; a small ledger is the file itself (a large one: tests/core/test_export_jobs.py)
    page("disputes:case-export", method="post", expected=EVERYONE),
    # --- the case page ----------------------------------------------------------------------
    page("disputes:case-detail", args=attr("case_a"), expected=SEES_A),
    page("disputes:case-detail", args=attr("case_b"), note="station B's case", expected=SEES_B),
    page("disputes:case-detail", args=attr("case_m"), note="the mediator's case", expected=SEES_M),
    page("disputes:agreement-print", args=attr("agreement"), expected=SEES_A),
    # --- every action: POST /cases/<pk>/<action>/ with an empty form ------------------------
    case_action(
        "case_a",
        "accept",
        method="get",
        note="GET only sends back to the case",
        expected=replace(
            SEES_A, admin=302, county=302, station_a=302, aux_v1=302, grid_g1=302, township_a=302
        ),
    ),
    case_action("case_a", "accept", expected=on_a("case.accept", 302)),
    case_action("case_a", "not-accept", expected=on_a("case.not_accept", 400)),
    case_action(
        "case_a", "start-mediation", note="reported: not yet", expected=on_a("case.start_mediation", 409)
    ),
    case_action(
        "case_m",
        "start-mediation",
        note="already in mediation (its session moved it)",
        expected=on_m("case.start_mediation", 409),
    ),
    case_action("case_m", "mark-failed", expected=on_m("case.mark_failed", 400)),
    case_action("case_a", "escalate", expected=on_a("case.escalate", 400)),
    case_action("case_a", "close", note="reported: cannot close", expected=on_a("case.close", 409)),
    case_action("case_a", "settle", note="就地化解: an empty form", expected=on_a("case.close", 400)),
    case_action(
        "case_done",
        "settle",
        note="closed: no longer offered, the form's errors",
        expected=on_a("case.close", 400),
    ),
    case_action("case_done", "reopen", expected=on_a("case.reopen", 400)),
    case_action("case_a", "note", expected=on_a("case.note", 400)),
    case_action("case_m", "note", expected=on_m("case.note", 400)),
    case_action("case_a", "add-party", expected=on_a("case.party", 400)),
    case_action("case_a", "assign-mediator", expected=on_a("case.assign_mediator", 400)),
    case_action("case_m", "unassign-mediator", expected=on_m("case.assign_mediator", 400)),
    case_action("case_m", "session", expected=on_m("case.session", 400)),
    case_action("case_m", "agreement", expected=on_m("case.agreement", 400)),
    case_action("case_done", "performance", expected=on_a("case.performance", 400)),
    case_action("case_a", "refer", expected=on_a("case.refer", 400)),
    case_action("case_done", "referral-update", expected=on_a("case.referral_update", 400)),
    case_action("case_done", "follow-up", expected=on_a("case.follow_up", 400)),
    case_action("case_a", "assess-risk", expected=on_a("case.assess_risk", 302)),
    # the case clock: pause, resume, extension (decided by the level above: the county too)
    case_action("case_a", "pause", expected=on_a("case.pause", 400)),
    case_action("case_a", "resume", note="not paused", expected=on_a("case.pause", 409)),
    case_action("case_a", "request-extension", expected=on_a("case.request_extension", 400)),
    case_action("case_a", "decide-extension", expected=on_a("case.approve_extension", 400)),
    case_action(
        "case_a",
        "no-such-action",
        note="an unknown action",
        expected=replace(
            SEES_A, admin=404, county=404, station_a=404, aux_v1=404, grid_g1=404, township_a=404
        ),
    ),
    case_action(
        "case_b",
        "note",
        note="station B's case",
        expected=by_capability("case.note", allowed=400, scope=SEES_B_ACTORS),
    ),
    # --- the grid worker's phone pages ------------------------------------------------------
    page("mobile:home", expected=EVERYONE),
    page("mobile:report", expected=may("case.report", 200)),
    page(
        "mobile:report",
        method="post",
        note="an empty form comes back with its errors",
        expected=may("case.report", 200),
    ),
    page("mobile:cases", expected=EVERYONE),
    page("mobile:case-detail", args=attr("case_a"), expected=SEES_A),
    page("mobile:case-detail", args=attr("case_m"), expected=SEES_M),
    page(
        "mobile:case-action",
        args=lambda w: [w.case_a.pk, "settle"],
        method="post",
        note="就地化解 on the phone: an empty form",
        expected=on_a("case.close", 400),
    ),
    page(
        "mobile:case-action",
        args=lambda w: [w.case_a.pk, "note"],
        method="post",
        note="反馈情况 on the phone: an empty form",
        expected=on_a("case.note", 400),
    ),
    page(
        "mobile:case-action",
        args=lambda w: [w.case_a.pk, "escalate"],
        method="post",
        note="上报 on the phone: an empty form",
        expected=on_a("case.escalate", 400),
    ),
    page(
        "mobile:case-action",
        args=lambda w: [w.case_a.pk, "accept"],
        method="post",
        note="受理 on the phone",
        expected=on_a("case.accept", 302),
    ),
    page(
        "mobile:case-action",
        args=lambda w: [w.case_m.pk, "session"],
        method="post",
        note="调解记录 on the phone: an empty form",
        expected=on_m("case.session", 400),
    ),
    page(
        "mobile:case-action",
        args=lambda w: [w.case_a.pk, "settle"],
        note="GET only sends back to the case",
        expected=replace(
            SEES_A, admin=302, county=302, station_a=302, aux_v1=302, grid_g1=302, township_a=302
        ),
    ),
    page(
        "mobile:case-action",
        args=lambda w: [w.case_a.pk, "not-accept"],
        method="post",
        note="not a phone action",
        expected=replace(
            SEES_A, admin=404, county=404, station_a=404, aux_v1=404, grid_g1=404, township_a=404
        ),
    ),
    # --- API: cases -------------------------------------------------------------------------
    api("cases-list", expected=API_LIST),
    api("cases-list", method="post", expected=may("case.report", 400)),
    api("cases-detail", args=attr("case_a"), expected=SEES_A),
    api("cases-detail", args=attr("case_b"), note="station B's case", expected=SEES_B),
    api(
        "cases-detail",
        args=attr("case_a"),
        method="patch",
        note="an empty change changes nothing",
        expected=on_a("case.edit", 200),
    ),
    api("cases-detail", args=attr("case_a"), method="put", expected=NOT_OFFERED),
    api("cases-accept", args=attr("case_a"), method="post", expected=on_a("case.accept", 200)),
    api("cases-not-accept", args=attr("case_a"), method="post", expected=on_a("case.not_accept", 400)),
    api(
        "cases-start-mediation",
        args=attr("case_a"),
        method="post",
        expected=on_a("case.start_mediation", 409),
    ),
    api(
        "cases-start-mediation",
        args=attr("case_m"),
        method="post",
        expected=on_m("case.start_mediation", 409),
    ),
    api("cases-mark-failed", args=attr("case_m"), method="post", expected=on_m("case.mark_failed", 400)),
    api("cases-escalate", args=attr("case_a"), method="post", expected=on_a("case.escalate", 400)),
    api("cases-close", args=attr("case_a"), method="post", expected=on_a("case.close", 409)),
    api("cases-reopen", args=attr("case_done"), method="post", expected=on_a("case.reopen", 400)),
    api("cases-notes", args=attr("case_a"), method="post", expected=on_a("case.note", 400)),
    api("cases-notes", args=attr("case_m"), method="post", expected=on_m("case.note", 400)),
    api(
        "cases-assign-mediator",
        args=attr("case_a"),
        method="post",
        expected=on_a("case.assign_mediator", 400),
    ),
    api("cases-suggestions", args=attr("case_a"), expected=SEES_A),
    api(
        "cases-unassign-mediator",
        args=attr("case_m"),
        method="post",
        note="an empty body",
        expected=on_m("case.assign_mediator", 400),
    ),
    api(
        "cases-confirm-conflict",
        args=attr("case_m"),
        method="post",
        note="an empty body",
        expected=on_m("case.assign_mediator", 400),
    ),
    api(
        "cases-assess-risk",
        args=attr("case_a"),
        method="post",
        note="the county may reassess too",
        expected=on_a("case.assess_risk", 200),
    ),
    api("cases-pause", args=attr("case_a"), method="post", expected=on_a("case.pause", 400)),
    api(
        "cases-resume",
        args=attr("case_a"),
        method="post",
        note="not paused",
        expected=on_a("case.pause", 409),
    ),
    api(
        "cases-request-extension",
        args=attr("case_a"),
        method="post",
        expected=on_a("case.request_extension", 400),
    ),
    api(
        "cases-decide-extension",
        args=attr("case_a"),
        method="post",
        note="the county decides extensions too",
        expected=on_a("case.approve_extension", 400),
    ),
    # --- API: the records of a case ---------------------------------------------------------
    api("parties-list", expected=API_LIST),
    api("parties-list", method="post", expected=may_handler("case.party", 400)),
    api("parties-detail", args=attr("party_a"), expected=SEES_A),
    api("parties-detail", args=attr("party_a"), method="patch", expected=on_a("case.party", 200)),
    api("sessions-list", expected=API_LIST),
    api("sessions-list", method="post", expected=may_handler("case.session", 400)),
    api("sessions-detail", args=attr("session"), expected=SEES_M),
    api("sessions-detail", args=attr("session"), method="patch", expected=NOT_OFFERED),
    api("agreements-list", expected=API_LIST),
    api("agreements-list", method="post", expected=may_handler("case.agreement", 400)),
    api("agreements-detail", args=attr("agreement"), expected=SEES_A),
    api(
        "agreements-performance",
        args=attr("agreement"),
        method="post",
        expected=on_a("case.performance", 400),
    ),
    api("referrals-list", expected=API_LIST),
    api("referrals-list", method="post", expected=may_handler("case.refer", 400)),
    api("referrals-detail", args=attr("referral"), expected=SEES_A),
    api("referrals-update", args=attr("referral"), method="post", expected=on_a("case.referral_update", 400)),
    api("follow-ups-list", expected=API_LIST),
    api("follow-ups-list", method="post", expected=may_handler("case.follow_up", 400)),
    api("follow-ups-detail", args=attr("follow_up"), expected=SEES_A),
]


def route_id(route) -> str:
    return f"{route} {route.note}".strip()


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_permissions(route, cases, client):
    check_route(client, cases, route)


@pytest.mark.parametrize("route", capability_rows(ROUTES), ids=route_id)
def test_the_capability_decides(route, cases, client):
    """With the row's capability withdrawn from every role, nobody gets what it allowed."""
    check_route(client, cases, route, withdraw=True)
