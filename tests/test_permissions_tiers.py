"""The permission matrix of the tiers (``disputes.tiers``): every page of the ``tiers`` namespace
and every API route of ``disputes.tiers.api`` × every actor (the township handler ``township_a``
and the 人社 liaison ``liaison_hrss`` among them) × method → status.

The objects (``tiers_world``), built through the services:

* ``case_v``: reported by station A in 二村 (no grid), accepted, supervised by the county (open).
  Seen by admin, county, station A, the township handler of 甲镇; not by 一村's auxiliary officer
  or grid worker (another village), not by station B, the mediator or the liaison.
* ``case_t``: in 二村, escalated to township level, handed on by the township to station A
  (pending 签收).
* ``case_x``: in 二村, with a pending transfer to 三村 (station B): station B sees it, read-only.
* ``case_gone``: transferred from 二村 to 三村 and accepted by station B: station A keeps read
  access, no writes.
* ``case_up``: in 二村, accepted by station A, then escalated to township level: 甲镇's 综治中心
  handles it (接手, 升级 …); station A and the county read it and leave notes only.
* ``referral``: a 人社 referral of ``case_v``: the liaison's.

Empty bodies: a role that may act gets 400 (the form's or the API's field errors); one that may
not, 403; one that does not see the object, 404.
"""

import datetime as dt

import pytest
from django.utils import timezone

from disputes import services
from disputes.tiers import services as tiers

from .disputes.helpers import report
from .permission_matrix import api, by_capability, capability_rows, check_route, expect, page

SEES_V = ("admin", "county", "station_a", "township_a")
SEES_X = (*SEES_V, "station_b")  # the receiver of the pending transfer reads it
SEES_REFERRAL = ("admin", "liaison_hrss")


@pytest.fixture
def tiers_world(world):
    a, county = world.user("station_a"), world.user("county")
    world.case_v = report(world, village=world.village_2)
    services.case_accept(actor=a, case=world.case_v)
    tiers.supervision_open(
        actor=county, case=world.case_v, reason="请加快调处", reply_by=timezone.now() + dt.timedelta(days=2)
    )
    world.referral = services.referral_create(
        actor=a,
        case=world.case_v,
        kind="department",
        department="hrss",
        target_name="县人社局",
        reason="欠薪",
    )
    world.case_t = report(world, village=world.village_2)
    services.case_escalate(actor=a, case=world.case_t, reason="提级")
    tiers.hand_on_create(
        actor=world.user("township_a"),
        case=world.case_t,
        target="station",
        instructions="请派出所调处",
        deadline=timezone.now() + dt.timedelta(days=7),
    )
    world.case_x = report(world, village=world.village_2)
    tiers.transfer_request(actor=a, case=world.case_x, to_village=world.village_3, reason="发生在三村")
    world.case_gone = report(world, village=world.village_2)
    transfer = tiers.transfer_request(
        actor=a, case=world.case_gone, to_village=world.village_3, reason="发生在三村"
    )
    tiers.transfer_decide(actor=world.user("station_b"), transfer=transfer, accept=True)
    world.case_up = report(world, village=world.village_2)
    services.case_accept(actor=a, case=world.case_up)
    services.case_escalate(actor=a, case=world.case_up, reason="村级调解未果")
    return world


def on(case, code, scope=SEES_V, status=400):
    return by_capability(code, allowed=status, denied=403, scope=scope)


def tier_page(case, action, expected, method="post"):
    return page(
        "tiers:case-action",
        args=lambda w: [getattr(w, case).pk, action],
        method=method,
        expected=expected,
        note=f"{action} on {case}",
    )


def tier_api(name, case, expected, method="post"):
    return api(name, args=lambda w: [getattr(w, case).pk], method=method, expected=expected, note=case)


def seen_by(actors, status=200):
    return expect(404, **dict.fromkeys(actors, status))


ROUTES = [
    # --- pages ---
    page("tiers:queue", expected=expect(200)),
    page("tiers:duplicates", query="phone=13800000000", expected=by_capability("case.report", allowed=200)),
    page("tiers:referral-list", expected=by_capability("nav.referrals", allowed=200, denied=404)),
    page("tiers:referral-detail", args=lambda w: [w.referral.pk], expected=seen_by(SEES_REFERRAL)),
    page(
        "tiers:referral-detail",
        args=lambda w: [w.referral.pk],
        method="post",
        expected=on("referral", "referral.answer", scope=SEES_REFERRAL),
    ),
    tier_page("case_v", "hand-on", seen_by(SEES_V, 302), method="get"),
    tier_page("case_t", "hand-on", on("case_t", "case.hand_on")),
    tier_page("case_t", "acknowledge", on("case_t", "case.acknowledge")),
    tier_page("case_v", "supervise", on("case_v", "case.supervise")),
    tier_page("case_v", "supervision-reply", on("case_v", "case.supervision_reply")),
    tier_page("case_v", "supervision-close", on("case_v", "case.supervise")),
    tier_page("case_v", "evaluate", on("case_v", "case.evaluate")),
    tier_page("case_v", "transfer", on("case_v", "case.transfer")),
    tier_page("case_x", "transfer-decide", on("case_x", "case.transfer_decide", scope=SEES_X)),
    tier_page("case_v", "link-report", on("case_v", "case.link_duplicate")),
    tier_page("case_v", "merge", on("case_v", "case.merge")),
    # a township-level case: its handlers act, the station and the county may not (issue 14)
    tier_page("case_up", "take-over", expect(404, admin=302, township_a=302, station_a=403, county=403)),
    page(
        "disputes:case-action",
        args=lambda w: [w.case_up.pk, "escalate"],
        method="post",
        expected=expect(404, admin=400, township_a=400, station_a=403, county=403),
        note="escalate on case_up",
    ),
    page(
        "disputes:case-action",
        args=lambda w: [w.case_up.pk, "note"],
        method="post",
        expected=expect(404, admin=400, township_a=400, station_a=400, county=400),
        note="note on case_up",
    ),
    # the old station reads a case it transferred away, and may no longer act on it
    tier_page(
        "case_gone", "supervision-reply", expect(404, admin=400, county=403, station_a=403, station_b=400)
    ),
    page(
        "disputes:case-detail",
        args=lambda w: [w.case_gone.pk],
        expected=seen_by(("admin", "county", "station_a", "station_b")),
        note="transferred away",
    ),
    # --- API ---
    api("work-queue", expected=expect(200)),
    api(
        "duplicate-candidates", query="phone=13800000000", expected=by_capability("case.report", allowed=200)
    ),
    tier_api(
        "case-tiers-take-over", "case_up", expect(404, admin=200, township_a=200, station_a=403, county=403)
    ),
    tier_api("case-tiers-hand-on", "case_t", on("case_t", "case.hand_on")),
    # acknowledging needs no input: the receiving station (and admin) acknowledge; the township
    # that handed it on is not the receiver (404); roles that may not acknowledge, 403
    tier_api(
        "case-tiers-acknowledge",
        "case_t",
        expect(404, admin=200, station_a=200, county=403, township_a=404),
    ),
    tier_api("case-tiers-supervise", "case_v", seen_by(SEES_V), method="get"),
    tier_api("case-tiers-supervise", "case_v", on("case_v", "case.supervise")),
    tier_api("case-tiers-supervise-replies", "case_v", on("case_v", "case.supervision_reply")),
    tier_api("case-tiers-supervise-close", "case_v", on("case_v", "case.supervise")),
    tier_api("case-tiers-evaluation", "case_v", on("case_v", "case.evaluate")),
    tier_api("case-tiers-transfer", "case_v", on("case_v", "case.transfer")),
    tier_api("case-tiers-transfer-decide", "case_x", on("case_x", "case.transfer_decide", scope=SEES_X)),
    tier_api("case-tiers-link-report", "case_v", on("case_v", "case.link_duplicate")),
    tier_api("case-tiers-merge", "case_v", on("case_v", "case.merge")),
    api("referral-answers-list", expected=expect(200)),
    api("referral-answers-detail", args=lambda w: [w.referral.pk], expected=seen_by(SEES_REFERRAL)),
    api(
        "referral-answers-answer",
        args=lambda w: [w.referral.pk],
        method="post",
        expected=on("referral", "referral.answer", scope=SEES_REFERRAL),
    ),
]


def route_id(route) -> str:
    return f"{route} {route.note}".strip()


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_permissions(route, tiers_world, client):
    check_route(client, tiers_world, route)


@pytest.mark.parametrize("route", capability_rows(ROUTES), ids=route_id)
def test_the_capability_decides(route, tiers_world, client):
    """With the row's capability withdrawn from every role, nobody gets what it allowed."""
    check_route(client, tiers_world, route, withdraw=True)
