"""Risk → visit: 红/橙 cases are owed a visit by the grid's workers and the village's officers;
only a check-in in the village or grid after the visit was asked for completes it."""

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
from stations.presence import services as presence
from tests.disputes.helpers import report

pytestmark = pytest.mark.django_db


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


def test_only_a_check_in_after_the_visit_was_asked_for_completes_it(world):
    case = _red_case(world)
    before = timezone.now()
    presence.visit_check_in(
        actor=world.user("aux_v1"), village=world.village_1, now=before - dt.timedelta(hours=1)
    )
    visit_services.risk_visits_create(now=before)
    staff = world.user("station_a")
    assert [v.case for v in visit_selectors.risk_visit_list(user=staff, status="open")] == [case]
    presence.visit_check_in(
        actor=world.user("aux_v1"), village=world.village_1, now=before + dt.timedelta(hours=3)
    )
    done = list(visit_selectors.risk_visit_list(user=staff, status="done"))
    assert [v.case for v in done] == [case]
    assert visit_selectors.done_at(done[0]) == before + dt.timedelta(hours=3)


def test_a_grid_worker_completes_the_visit_by_checking_in_in_their_grid_and_earns_points_once(world):
    case = _red_case(world)
    visit_services.risk_visits_create(now=timezone.now() - dt.timedelta(minutes=5))
    worker = world.user("grid_g1")
    visit_services.grid_check_in(actor=worker, grid=world.grid_1a, note="已入户,双方情绪平稳")
    visit_services.grid_check_in(actor=worker, grid=world.grid_1a)
    assert visit_selectors.risk_visit_list(user=worker, status="done").get().case == case
    assert PointsEntry.objects.filter(grid_worker=world.worker_g1, rule__code="visit.done").count() == 1
    with pytest.raises(NotPermitted):
        visit_services.grid_check_in(actor=worker, grid=world.grid_1b)


def test_overdue_visits_are_reminded_once_and_done_ones_not(world):
    _red_case(world)
    visited = _red_case(world)
    created = timezone.now() - dt.timedelta(hours=50)
    _asked_at(created)
    RiskVisit.objects.filter(case=visited).update(grid=world.grid_1b)  # its grid gets a check-in
    visit_services.grid_check_in(
        actor=world.user("grid_g1"), grid=world.grid_1a, now=created - dt.timedelta(hours=1)
    )
    presence.visit_check_in(
        actor=world.user("station_a"), village=world.village_1, now=created + dt.timedelta(hours=30)
    )
    # the officer's village check-in completes both visits of 一村: nothing to remind
    assert visit_services.risk_visits_remind_overdue(now=timezone.now()) == 0
    RiskVisit.objects.update(village=world.village_2)  # pretend the cases were in 二村, never visited
    now = timezone.now()
    visit_services.risk_visits_remind_overdue(now=now)
    visit_services.risk_visits_remind_overdue(now=now)
    keys = set(Notification.objects.filter(kind="visit.task.overdue").values_list("key", flat=True))
    assert len(keys) == 2 and all(k.startswith("visit.task.overdue:visittask-") for k in keys)
    assert Notification.objects.filter(kind="visit.task.overdue").count() == 6  # 2 visits × 3 people


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
    presence.visit_check_in(
        actor=world.user("aux_v1"), village=world.village_1, now=start + dt.timedelta(hours=20)
    )
    result = visit_figures.visited_within(
        scoping.village_ids(world.user("county")), start=start - dt.timedelta(hours=1), end=timezone.now()
    )
    assert result == {"total": 2, "judged": 2, "pending": 0, "on_time": 1, "rate": 50.0}


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
    assert "到场签到" in page
    response = grid.post(f"/visits/{visit.pk}/check-in/", {"note": "已核查", "next": "/visits/m/"})
    assert response.status_code == 302 and response["Location"] == "/visits/m/"
    assert "已核查" in grid.get("/visits/m/").content.decode()
    # an officer cannot use the grid check-in: they check in to the village
    assert client_for("station_a").post(f"/visits/{visit.pk}/check-in/").status_code == 403
