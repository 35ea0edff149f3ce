"""Incidents, presence, patrols and the risk → visit loop on the dashboard, against a small
constructed set with the expected values worked out by hand."""

import datetime as dt

import pytest
from django.utils import timezone

from core.periods import Period, month_period
from dashboards import figures
from dashboards.areas import area_get
from governance import services as gov
from governance.models import Region
from patrols import services as patrol_services
from patrols.visits import figures as visit_figures
from patrols.visits import services as visit_services
from patrols.visits.models import RiskVisit
from stations import services as st
from stations.presence import services as presence
from tests.disputes.helpers import report

from ..factories import make_phone

pytestmark = pytest.mark.django_db


def _month():
    """Last month: a whole month behind us, whatever today's date."""
    today = timezone.localdate()
    return month_period(today.year, today.month).previous()


def _at(day: int, hour: int = 10) -> dt.datetime:
    start = _month().start
    return timezone.make_aware(dt.datetime.combine(start + dt.timedelta(days=day), dt.time(hour)))


def _incident(world, n, *, category="dispute", address="", phone="", day=0):
    return st.incident_record(
        actor=world.user("station_a"),
        station=world.station_a,
        village=world.village_1,
        number=f"110-{n}",
        received_at=_at(day),
        category=category,
        summary="报警",
        address=address,
        caller_phone=phone,
    )


@pytest.fixture
def area(world):
    Region.objects.filter(pk=world.village_1.pk).update(population=3000)
    Region.objects.filter(pk=world.village_2.pk).update(population=1000)
    return area_get(user=world.user("station_a"), kind="station", pk=world.station_a.pk)


def test_incidents_per_10000_residents_repeats_and_criminal_turns(world, area):
    case = report(
        world, address="一村3组", parties=[{"name": "吉克阿木", "role": "applicant", "phone": "13700002222"}]
    )
    from disputes.models import DisputeCase

    DisputeCase.objects.filter(pk=case.pk).update(reported_at=_at(0, 8))
    _incident(world, 1, address="一村3组", day=0)  # the dispute
    _incident(world, 2, address="一村 3组", day=1)  # a repeat at the address
    _incident(world, 3, category="criminal", phone="13700002222", day=2)  # the party, now a crime: 民转刑
    _incident(world, 4, category="help", address="一村9组", day=1)
    f = figures.field_figures(
        area.village_ids, _month(), station_ids=_stations(world), user=world.user("station_a")
    )
    inc = f["incidents"]
    assert inc["total"] == 4 and inc["population"] == 4000
    assert inc["per_10k"] == 10.0  # 4 × 10000 ÷ 4000
    assert inc["repeats"] == 1
    assert dict(inc["by_category"]) == {"纠纷": 2, "刑事": 1, "群众求助": 1}
    assert f["criminal_turns"] == 1


def _stations(world):
    from stations.models import Station

    return Station.objects.filter(pk=world.station_a.pk).values("pk")


def test_presence_counts_villages_covered_and_officers_meeting_three_days(world, area):
    for day in range(3):  # station_a: 3 distinct days in 一村
        presence.visit_check_in(actor=world.user("station_a"), village=world.village_1, now=_at(day))
    presence.visit_check_in(
        actor=world.user("station_a"), village=world.village_1, now=_at(0, 15)
    )  # same day again
    from stations.figures import presence_figures

    p = presence_figures(area.village_ids, month=_month().start)
    # station A: 一村 (officer + auxiliary), 二村 (none)
    assert (p["total"], p["with_auxiliary"], p["with_officer"]) == (2, 1, 1)
    assert (p["attached"], p["attached_met"], p["attached_met_rate"]) == (1, 1, 100.0)


def test_patrol_hours_and_volunteers(world, area):
    staff = world.user("station_a")
    team = gov.volunteer_team_create(
        actor=world.user("admin"),
        region=world.village_1,
        name="一村巡逻队",
        kind="patrol",
        leader_name="队长",
        leader_phone=make_phone(),
    )
    members = [
        gov.volunteer_member_add(actor=world.user("admin"), team=team, name=f"队员{i}", phone=make_phone())
        for i in range(3)
    ]
    plan = patrol_services.plan_create(
        actor=staff,
        station=world.station_a,
        title="夜巡",
        starts_at=_at(0, 20),
        ends_at=_at(0, 23),
        checkpoints=[{"village": world.village_1}],
        volunteer_teams=[team],
        volunteer_members=members[:2],
    )
    patrol = patrol_services.patrol_start(actor=staff, plan=plan, now=_at(0, 20))
    # two came: one named on the plan, one of the team's; the other named one did not
    patrol_services.attendance_check_in(
        actor=staff, patrol=patrol, volunteer_members=[members[0], members[2]], now=_at(0, 20)
    )
    patrol_services.patrol_end(actor=staff, patrol=patrol, now=_at(0, 22) + dt.timedelta(minutes=30))
    patrol_services.patrol_start(actor=staff, plan=plan, now=_at(1, 20))  # still going: no hours yet
    f = figures.field_figures(area.village_ids, _month(), station_ids=_stations(world), user=staff)
    assert f["patrols"] == {"patrols": 2, "hours": 2.5, "volunteers": 2, "teams": 1}


def test_share_of_red_and_orange_cases_visited_within_48_hours(world, area):
    now = timezone.now()
    for village in (world.village_1, world.village_2):
        report(
            world,
            village=village,
            category="labour_debt",
            people_involved=12,
            threat_flag=True,
            amount_involved=150000,
        )
    # the visits were asked for by the reports themselves (risk is scored on every change)
    assert visit_services.risk_visits_create(now=now) == 0
    visit_services.visit_check_in(
        actor=world.user("station_a"),
        visit=RiskVisit.objects.get(village=world.village_1),
        outcome="stable",
        now=timezone.now() + dt.timedelta(minutes=1),
    )
    period = Period(timezone.localdate() - dt.timedelta(days=1), timezone.localdate() + dt.timedelta(days=1))
    f = figures.field_figures(
        area.village_ids, period, station_ids=_stations(world), user=world.user("station_a")
    )
    # one visited in time; the other still has 47 hours: not judged yet
    judged = ("total", "judged", "pending", "on_time", "rate")
    assert {k: f["visits"][k] for k in judged} == {
        "total": 2,
        "judged": 1,
        "pending": 1,
        "on_time": 1,
        "rate": 100.0,
    }
    start, end = period.bounds
    later = visit_figures.visited_within(
        area.village_ids, start=start, end=end, now=now + dt.timedelta(hours=49)
    )
    assert {k: later[k] for k in judged} == {
        "total": 2,
        "judged": 2,
        "pending": 0,
        "on_time": 1,
        "rate": 50.0,
    }  # two days on, one missed
