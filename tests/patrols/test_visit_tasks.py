"""Risk → task → verified visit: 红/橙 cases get a visit task for the grid's workers and the
village's officers; only a check-in in the village or grid after the task was made completes it."""

import datetime as dt

import pytest
from django.utils import timezone

from core.errors import NotPermitted
from core.models import Notification
from disputes import risk
from governance.models import PointsEntry
from patrols import visit_tasks
from patrols.models import VisitTask
from stations import services as st
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


def test_a_red_case_gets_one_task_for_the_grid_workers_and_the_village_officers(world):
    case = _red_case(world)
    report(world)  # blue: no task
    now = timezone.now()
    assert visit_tasks.visit_tasks_create(now=now) == 1
    assert visit_tasks.visit_tasks_create(now=now + dt.timedelta(minutes=15)) == 0  # idempotent
    task = VisitTask.objects.get()
    assert task.case == case and task.level == "red" and task.grid == world.grid_1a
    assert task.due_at == now + dt.timedelta(hours=48)
    assert {u.username for u in task.assignees.all()} == {"grid_g1", "aux_v1", "station_a"}
    assert set(
        Notification.objects.filter(kind="visit.task").values_list("recipient__username", flat=True)
    ) == {"grid_g1", "aux_v1", "station_a"}


def test_only_a_check_in_after_the_task_was_made_completes_it(world):
    case = _red_case(world)
    before = timezone.now()
    st.visit_check_in(actor=world.user("aux_v1"), village=world.village_1, now=before - dt.timedelta(hours=1))
    visit_tasks.visit_tasks_create(now=before)
    staff = world.user("station_a")
    assert [t.case for t in visit_tasks.visit_task_list(user=staff, status="open")] == [case]
    st.visit_check_in(actor=world.user("aux_v1"), village=world.village_1, now=before + dt.timedelta(hours=3))
    done = list(visit_tasks.visit_task_list(user=staff, status="done"))
    assert [t.case for t in done] == [case]
    assert visit_tasks.done_at(done[0]) == before + dt.timedelta(hours=3)


def test_a_grid_worker_completes_the_task_by_checking_in_in_their_grid_and_earns_points_once(world):
    case = _red_case(world)
    visit_tasks.visit_tasks_create(now=timezone.now() - dt.timedelta(minutes=5))
    worker = world.user("grid_g1")
    visit_tasks.grid_check_in(actor=worker, grid=world.grid_1a, note="已入户,双方情绪平稳")
    visit_tasks.grid_check_in(actor=worker, grid=world.grid_1a)
    assert visit_tasks.visit_task_list(user=worker, status="done").get().case == case
    assert PointsEntry.objects.filter(grid_worker=world.worker_g1, rule__code="visit.done").count() == 1
    with pytest.raises(NotPermitted):
        visit_tasks.grid_check_in(actor=worker, grid=world.grid_1b)


def test_overdue_tasks_are_reminded_once_and_done_ones_not(world):
    _red_case(world)
    visited = _red_case(world)
    created = timezone.now() - dt.timedelta(hours=50)
    visit_tasks.visit_tasks_create(now=created)
    VisitTask.objects.filter(case=visited).update(grid=world.grid_1b)  # its grid gets a check-in
    visit_tasks.grid_check_in(
        actor=world.user("grid_g1"), grid=world.grid_1a, now=created - dt.timedelta(hours=1)
    )
    st.visit_check_in(
        actor=world.user("station_a"), village=world.village_1, now=created + dt.timedelta(hours=30)
    )
    # the officer's village check-in completes both tasks of 一村: nothing to remind
    assert visit_tasks.visit_tasks_remind_overdue(now=timezone.now()) == 0
    VisitTask.objects.update(village=world.village_2)  # pretend the cases were in 二村, never visited
    now = timezone.now()
    visit_tasks.visit_tasks_remind_overdue(now=now)
    visit_tasks.visit_tasks_remind_overdue(now=now)
    keys = set(Notification.objects.filter(kind="visit.task.overdue").values_list("key", flat=True))
    assert len(keys) == 2 and all(k.startswith("visit.task.overdue:visittask-") for k in keys)
    assert Notification.objects.filter(kind="visit.task.overdue").count() == 6  # 2 tasks × 3 people


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
    visit_tasks.visit_tasks_create(now=start)
    st.visit_check_in(actor=world.user("aux_v1"), village=world.village_1, now=start + dt.timedelta(hours=20))
    result = visit_tasks.visited_within(
        scoping.village_ids(world.user("county")), start=start - dt.timedelta(hours=1), end=timezone.now()
    )
    assert result == {"tasks": 2, "judged": 2, "pending": 0, "on_time": 1}


def test_task_pages_per_role(client_for, world):
    case = _red_case(world)
    visit_tasks.visit_tasks_create(now=timezone.now() - dt.timedelta(minutes=1))
    task = VisitTask.objects.get()
    assert case.number in client_for("station_a").get("/visit-tasks/").content.decode()
    assert client_for("station_b").get(f"/visit-tasks/{task.pk}/").status_code == 404
    assert client_for("mediator_t1").get(f"/visit-tasks/{task.pk}/").status_code == 404
    grid = client_for("grid_g1")
    assert grid.get("/visit-tasks/")["Location"] == "/visit-tasks/m/"
    page = grid.get("/visit-tasks/m/").content.decode()
    assert "到场签到" in page
    response = grid.post(f"/visit-tasks/{task.pk}/check-in/", {"note": "已核查", "next": "/visit-tasks/m/"})
    assert response.status_code == 302 and response["Location"] == "/visit-tasks/m/"
    assert "已核查" in grid.get("/visit-tasks/m/").content.decode()
    # an officer cannot use the grid check-in: they check in to the village
    assert client_for("station_a").post(f"/visit-tasks/{task.pk}/check-in/").status_code == 403


def test_volunteers_on_the_plan_earn_patrol_points_once_when_it_ends(world):
    from governance import services as gov
    from governance.models import PointsEntry
    from patrols import services as patrols

    from ..factories import make_phone

    admin, staff = world.user("admin"), world.user("station_a")
    team = gov.volunteer_team_create(
        actor=admin,
        region=world.village_1,
        name="一村夜巡队",
        kind="patrol",
        leader_name="队长",
        leader_phone=make_phone(),
    )
    members = [
        gov.volunteer_member_add(actor=admin, team=team, name=f"队员{i}", phone=make_phone())
        for i in range(2)
    ]
    now = timezone.now()
    plan = patrols.plan_create(
        actor=staff,
        station=world.station_a,
        title="夜巡",
        starts_at=now,
        ends_at=now + dt.timedelta(hours=3),
        checkpoints=[{"village": world.village_1}],
        volunteer_members=members,
    )
    patrol = patrols.patrol_start(actor=staff, plan=plan)
    patrols.patrol_end(actor=staff, patrol=patrol)
    entries = PointsEntry.objects.filter(rule__code="patrol.participation")
    assert sorted(e.volunteer_member.name for e in entries) == ["队员0", "队员1"]
    assert all(e.source_key == f"patrol-{patrol.pk}" for e in entries)
