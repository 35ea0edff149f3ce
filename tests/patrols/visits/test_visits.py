"""Risk → visit: 红/橙 cases are owed a visit by the grid's workers and the village's officers;
only a check-in made for the visit, by one of its assignees, after it was asked for completes it;
it is verified when that check-in's position is near the grid (village)."""

import datetime as dt

import pytest
from django.utils import timezone

from core.errors import NotPermitted
from core.models import Notification
from disputes import risk
from governance.models import PointsEntry
from patrols.visits import figures as visit_figures
from patrols.visits import selectors as visit_selectors
from patrols.visits import services as visit_services
from patrols.visits.models import RiskVisit
from patrols.visits.selectors import done_at, first_check_ins, verified_at, with_check_ins
from stations.models import VillageVisit
from stations.presence import services as presence
from tests.disputes.helpers import report

pytestmark = pytest.mark.django_db

# a 0.01° × 0.01° square (about 1.1 km × 1 km) around 29.23 N, 103.26 E
BOX = {
    "type": "Polygon",
    "coordinates": [
        [[103.255, 29.225], [103.265, 29.225], [103.265, 29.235], [103.255, 29.235], [103.255, 29.225]]
    ],
}
INSIDE = ("29.230000", "103.260000")
NEAR = ("29.238000", "103.260000")  # ~330 m north of the box
FAR = ("29.260000", "103.260000")  # ~2.8 km north of the box


@pytest.fixture
def mapped(world):
    """一村一组 and 一村二组 with a boundary (一村's grids: its boundary)."""
    from governance.models import Grid

    Grid.objects.filter(pk__in=[world.grid_1a.pk, world.grid_1b.pk]).update(boundary=BOX)
    world.grid_1a.refresh_from_db()
    return world


def _red_case(world, **kw):
    case = report(
        world,
        grid=world.grid_1a,
        category="labour_debt",
        people_involved=12,
        threat_flag=True,
        amount_involved=150000,
        **kw,
    )
    risk.assess_case(case=case)
    case.refresh_from_db()
    assert case.risk_level == "red"
    return case


def _asked_at(moment):
    """The visits were asked for by the reports themselves (risk is scored on every change): move
    them to ``moment``, as if the case had turned red then."""
    RiskVisit.objects.update(created_at=moment, due_at=moment + dt.timedelta(hours=48))


def test_a_red_case_gets_one_visit_for_the_grid_workers_and_the_village_officers(world):
    case = _red_case(world)
    report(world)  # blue: no visit
    now = timezone.now()
    # asked for as the report raised the risk: the sweep finds nothing more to ask (idempotent)
    assert visit_services.risk_visits_create(now=now) == 0
    assert visit_services.risk_visits_create(now=now + dt.timedelta(minutes=15)) == 0
    visit = RiskVisit.objects.get()
    assert visit.case == case and visit.level == "red" and visit.grid == world.grid_1a
    assert visit.due_at == visit.created_at + dt.timedelta(hours=48)
    assert {u.username for u in visit.assignees.all()} == {"grid_g1", "aux_v1", "station_a"}
    assert set(
        Notification.objects.filter(kind="visit.task").values_list("recipient__username", flat=True)
    ) == {"grid_g1", "aux_v1", "station_a"}


def test_only_a_check_in_made_for_the_visit_after_it_was_asked_for_completes_it(world):
    case = _red_case(world)
    [visit] = RiskVisit.objects.all()
    staff = world.user("station_a")
    assert [v.case for v in visit_selectors.risk_visit_list(user=staff, status="open")] == [case]
    # the old bug: any check-in in the village, a 宣传 one included, completed the visit
    presence.visit_check_in(actor=world.user("aux_v1"), village=world.village_1, activity="publicity")
    visit_services.grid_check_in(actor=world.user("grid_g1"), grid=world.grid_1a)
    assert visit_selectors.risk_visit_list(user=staff, status="done").count() == 0
    later = timezone.now() + dt.timedelta(minutes=1)
    visit_services.visit_check_in(actor=world.user("aux_v1"), visit=visit, outcome="met_parties", now=later)
    done = list(visit_selectors.risk_visit_list(user=staff, status="done"))
    assert [v.case for v in done] == [case]
    assert visit_selectors.done_at(done[0]) == later
    assert visit_selectors.verified_at(done[0]) is None  # no position: accepted, unverified
    record = VillageVisit.objects.get(risk_visit=visit)
    assert (record.outcome, record.verified, record.checked_in_at) == ("met_parties", False, later)
    assert case.events.filter(code="patrols.visit.checked_in").count() == 1


def test_a_check_in_for_the_visit_before_it_was_asked_for_does_not_count(world):
    _red_case(world)
    [visit] = RiskVisit.objects.all()
    visit_services.visit_check_in(
        actor=world.user("aux_v1"),
        visit=visit,
        outcome="stable",
        now=visit.created_at - dt.timedelta(minutes=1),
    )
    assert visit_selectors.risk_visit_list(user=world.user("county"), status="done").count() == 0


def test_only_an_assignee_checks_in_for_the_visit(world):
    _red_case(world)
    [visit] = RiskVisit.objects.all()
    visit.assignees.remove(world.user("aux_v1"))
    with pytest.raises(NotPermitted):
        visit_services.visit_check_in(actor=world.user("aux_v1"), visit=visit, outcome="stable")
    with pytest.raises(NotPermitted):
        visit_services.visit_check_in(actor=world.user("station_b"), visit=visit, outcome="stable")
    assert not VillageVisit.objects.exists()


def test_a_visit_check_in_far_from_the_grid_leaves_the_task_unverified(mapped):
    world = mapped
    _red_case(world)
    [visit] = RiskVisit.objects.all()
    worker = world.user("grid_g1")
    far = visit_services.visit_check_in(actor=worker, visit=visit, outcome="stable", lat=FAR[0], lon=FAR[1])
    assert far.distance_m == pytest.approx(2780, rel=0.02) and not far.verified
    county = world.user("county")
    assert visit_selectors.risk_visit_list(user=county, status="done").count() == 1
    assert visit_selectors.risk_visit_list(user=county, status="verified").count() == 0
    assert not PointsEntry.objects.filter(rule__code="visit.done").exists()  # points need a verified visit
    near = visit_services.visit_check_in(
        actor=worker, visit=visit, outcome="still_tense", lat=NEAR[0], lon=NEAR[1]
    )
    assert near.distance_m == pytest.approx(333, rel=0.03) and near.verified
    assert visit_selectors.risk_visit_list(user=county, status="verified").count() == 1


def test_an_officer_checking_in_inside_the_village_grids_is_verified(mapped):
    world = mapped
    _red_case(world)
    [visit] = RiskVisit.objects.all()
    record = visit_services.visit_check_in(
        actor=world.user("station_a"), visit=visit, outcome="escalate", lat=INSIDE[0], lon=INSIDE[1]
    )
    assert isinstance(record, VillageVisit) and record.distance_m == 0 and record.verified
    assert visit_selectors.risk_visit_list(user=world.user("county"), status="verified").count() == 1


def test_the_visit_keeps_the_risk_at_its_creation(world):
    case = _red_case(world)
    RiskVisit.objects.all().delete()
    visit_services.risk_visits_create(now=timezone.now())
    [visit] = RiskVisit.objects.all()
    assert (visit.risk_score_at_creation, visit.risk_level_at_creation) == (case.risk_score, "red")


def test_a_grid_worker_completes_the_visit_by_checking_in_for_it_and_earns_points_once(mapped):
    world = mapped
    case = _red_case(world)
    [visit] = RiskVisit.objects.all()
    worker = world.user("grid_g1")
    for _ in range(2):
        visit_services.visit_check_in(
            actor=worker,
            visit=visit,
            outcome="stable",
            note="已入户,双方情绪平稳",
            lat=INSIDE[0],
            lon=INSIDE[1],
        )
    assert visit_selectors.risk_visit_list(user=worker, status="done").get().case == case
    assert PointsEntry.objects.filter(grid_worker=world.worker_g1, rule__code="visit.done").count() == 1
    with pytest.raises(NotPermitted):
        visit_services.grid_check_in(actor=worker, grid=world.grid_1b)


def test_a_bad_outcome_or_offline_time_is_refused_and_writes_nothing(world):
    from core.errors import DomainError

    _red_case(world)
    [visit] = RiskVisit.objects.all()
    aux = world.user("aux_v1")
    with pytest.raises(DomainError) as bad:
        visit_services.visit_check_in(actor=aux, visit=visit, outcome="happy")
    assert bad.value.message == "请选择核查结果。"
    now = timezone.now()
    for when, message in [
        (now + dt.timedelta(hours=2), "离线记录时间不能晚于当前时间。"),
        (now - dt.timedelta(days=8), "离线记录时间不能早于 7 天前。"),
    ]:
        with pytest.raises(DomainError) as bad:
            visit_services.visit_check_in(actor=aux, visit=visit, outcome="stable", recorded_offline_at=when)
        assert bad.value.message == message
    assert not VillageVisit.objects.exists()
    offline = now - dt.timedelta(hours=5)
    record = visit_services.visit_check_in(
        actor=aux, visit=visit, outcome="stable", recorded_offline_at=offline, now=now
    )
    assert (record.checked_in_at, record.recorded_offline_at) == (now, offline)  # the phone's time kept apart


def test_overdue_visits_are_reminded_once_and_done_ones_not(world):
    _red_case(world)
    visited = _red_case(world)
    created = timezone.now() - dt.timedelta(hours=50)
    _asked_at(created)
    # a check-in in the grid and one in the village, not made for the visits: they stay owed
    visit_services.grid_check_in(actor=world.user("grid_g1"), grid=world.grid_1a)
    presence.visit_check_in(actor=world.user("station_a"), village=world.village_1)
    visit_services.visit_check_in(
        actor=world.user("station_a"),
        visit=RiskVisit.objects.get(case=visited),
        outcome="stable",
        now=created + dt.timedelta(hours=30),
    )
    now = timezone.now()
    assert visit_services.risk_visits_remind_overdue(now=now) == 3  # 1 visit × 3 people
    visit_services.risk_visits_remind_overdue(now=now)
    keys = set(Notification.objects.filter(kind="visit.task.overdue").values_list("key", flat=True))
    assert len(keys) == 1 and all(k.startswith("visit.task.overdue:visittask-") for k in keys)
    assert Notification.objects.filter(kind="visit.task.overdue").count() == 3  # 1 visit × 3 people


def test_visited_within_48_hours_is_counted_for_the_command_centre(world):
    from governance import scoping

    _red_case(world)
    other = report(
        world,
        village=world.village_2,
        category="labour_debt",
        people_involved=12,
        threat_flag=True,
        amount_involved=150000,
    )
    risk.assess_case(case=other)
    start = timezone.now() - dt.timedelta(days=3)
    _asked_at(start)
    visit_services.visit_check_in(
        actor=world.user("aux_v1"),
        visit=RiskVisit.objects.get(village=world.village_1),
        outcome="stable",
        now=start + dt.timedelta(hours=20),
    )
    result = visit_figures.visited_within(
        scoping.village_ids(world.user("county")), start=start - dt.timedelta(hours=1), end=timezone.now()
    )
    assert {k: result[k] for k in ("total", "judged", "pending", "on_time", "rate", "done", "verified")} == {
        "total": 2,
        "judged": 2,
        "pending": 0,
        "on_time": 1,
        "rate": 50.0,
        "done": 1,
        "verified": 0,
    }


def test_visit_pages_per_role(client_for, world):
    case = _red_case(world)
    visit_services.risk_visits_create(now=timezone.now() - dt.timedelta(minutes=1))
    visit = RiskVisit.objects.get()
    assert case.number in client_for("station_a").get("/visits/").content.decode()
    assert client_for("station_b").get(f"/visits/{visit.pk}/").status_code == 404
    assert client_for("mediator_t1").get(f"/visits/{visit.pk}/").status_code == 404
    grid = client_for("grid_g1")
    assert grid.get("/visits/")["Location"] == "/visits/m/"
    page = grid.get("/visits/m/").content.decode()
    assert "到场签到" in page and "见到当事人" in page
    response = grid.post(
        f"/visits/{visit.pk}/check-in/", {"outcome": "stable", "note": "已核查", "next": "/visits/m/"}
    )
    assert response.status_code == 302 and response["Location"] == "/visits/m/"
    assert "已核查" in grid.get("/visits/m/").content.decode()
    assert "情况稳定" in client_for("station_a").get(f"/visits/{visit.pk}/").content.decode()
    # the one who checked in may add a photo to their check-in (core.attachments)
    detail = client_for("grid_g1").get(f"/visits/{visit.pk}/").content.decode()
    assert 'id="attachments"' in detail and "patrols.grid_check_in" in detail
    # someone in scope but not assigned may not check in for it
    assert (
        client_for("county").post(f"/visits/{visit.pk}/check-in/", {"outcome": "stable"}).status_code == 403
    )


def test_the_check_in_page_refuses_bad_input_with_the_service_message(client_for, world):
    _red_case(world)
    visit = RiskVisit.objects.get()
    aux = client_for("aux_v1")
    late = (timezone.now() + dt.timedelta(days=1)).isoformat()
    response = aux.post(
        f"/visits/{visit.pk}/check-in/", {"outcome": "stable", "recorded_offline_at": late}, follow=True
    )
    assert "离线记录时间不能晚于当前时间。" in response.content.decode()
    response = aux.post(f"/visits/{visit.pk}/check-in/", {"note": "x"}, follow=True)
    assert response.status_code == 200
    assert not VillageVisit.objects.exists()


def test_the_command_centre_figure_matches_a_hand_count(mapped):
    """Five visits built by hand: 1 verified, risk down; 2 unverified, risk same (an assessment
    before the visit does not count); 3 verified, risk up; 4 done, not assessed since; 5 only a
    check-in from before it was asked for (not done)."""
    from disputes.models import RiskAssessment
    from governance import scoping

    world = mapped
    cases = [_red_case(world) for _ in range(5)]
    t0 = timezone.now() - dt.timedelta(hours=10)
    _asked_at(t0)
    RiskAssessment.objects.update(assessed_at=t0 - dt.timedelta(hours=1))  # the reports' own scoring
    visits = [RiskVisit.objects.get(case=c) for c in cases]
    RiskVisit.objects.filter(pk=visits[2].pk).update(risk_level_at_creation="orange")
    worker, officer = world.user("grid_g1"), world.user("station_a")
    at = t0 + dt.timedelta(hours=1)

    def check_in(visit, actor, where, when=at):
        lat, lon = where if where else (None, None)
        visit_services.visit_check_in(actor=actor, visit=visit, outcome="stable", lat=lat, lon=lon, now=when)

    check_in(visits[0], worker, INSIDE)
    check_in(visits[1], worker, FAR)
    check_in(visits[2], officer, INSIDE)
    check_in(visits[3], officer, None)
    check_in(visits[4], worker, INSIDE, when=t0 - dt.timedelta(minutes=5))

    days = iter(range(1, 100))

    def assessed(case, level, when):
        # the figure reads ``assessed_at``; ``assessed_on`` (one per case and day) only has to be
        # unique, whatever the time of day the test runs at
        on = timezone.localdate(when) + dt.timedelta(days=next(days))
        RiskAssessment.objects.create(
            case=case, assessed_at=when, assessed_on=on, score=50, level=level, rule_version="t"
        )

    assessed(cases[0], "orange", at + dt.timedelta(hours=5))
    assessed(cases[1], "blue", at - dt.timedelta(minutes=30))  # before the visit: not its effect
    assessed(cases[1], "red", at + dt.timedelta(hours=5))
    assessed(cases[2], "red", at + dt.timedelta(hours=5))
    assessed(cases[4], "blue", at + dt.timedelta(hours=5))  # not done: not counted

    f = visit_figures.visited_within(
        scoping.village_ids(world.user("county")), start=t0 - dt.timedelta(hours=1), end=timezone.now()
    )
    assert f == {
        "total": 5,
        "judged": 5 - 1,  # visit 5 is not done and still inside its 48 hours
        "pending": 1,
        "on_time": 4,
        "rate": 100.0,
        "done": 4,
        "verified": 2,
        "verified_share": 50.0,
        "risk_down": 1,
        "risk_same": 1,
        "risk_up": 1,
        "risk_unassessed": 1,
    }
    # the figure's done/verified (read from the check-ins' side) are the visit list's
    listed = {
        v.pk: (done_at(v), verified_at(v))
        for v in with_check_ins(RiskVisit.objects.all())
        if done_at(v) is not None
    }
    assert first_check_ins(RiskVisit.objects.all()) == listed and len(listed) == 4


def test_the_dashboard_panel_shows_verified_share_and_change(client_for, mapped):
    world = mapped
    _red_case(world)
    [visit] = RiskVisit.objects.all()
    visit_services.visit_check_in(
        actor=world.user("grid_g1"), visit=visit, outcome="stable", lat=INSIDE[0], lon=INSIDE[1]
    )
    page = client_for("county").get("/dashboard/", follow=True).content.decode()
    assert "定位核实 1/1 项" in page and "核查后风险" in page


def test_the_visit_list_queries_do_not_grow(world, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for("station_a")
    counts = []
    for batch in (2, 8):
        for _ in range(batch):
            _red_case(world)
        for visit in RiskVisit.objects.filter(village_check_ins=None)[::2]:
            visit_services.visit_check_in(actor=world.user("aux_v1"), visit=visit, outcome="stable")
        client.get("/visits/")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/visits/").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
