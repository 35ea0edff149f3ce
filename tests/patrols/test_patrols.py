"""Patrol plans, the patrol lifecycle, and findings that become a case or an incident."""

import datetime as dt

import pytest
from django.utils import timezone

from core.errors import ConflictError, DomainError, NotPermitted
from disputes.models import Category, DisputeCase, Source
from governance.models import VolunteerTeam
from patrols import selectors, services
from patrols.models import Patrol
from stations.models import Incident

from .helpers import plan


def test_plan_with_route_and_participants(world):
    team = VolunteerTeam.objects.get(name="一村护村队")
    p = plan(world, volunteer_teams=[team])
    stops = list(p.checkpoints.all())
    assert [s.order for s in stops] == [1, 2, 3]
    assert stops[1].village == world.village_2 and stops[1].grid == world.grid_2  # grid implies its village
    assert stops[2].label == "甲镇集市"
    assert list(p.officers.all()) == [world.officer_a] and list(p.volunteer_teams.all()) == [team]


def test_plan_rules(world):
    with pytest.raises(DomainError, match="巡逻点"):
        plan(world, checkpoints=[{"place": "  "}])
    with pytest.raises(DomainError, match="不在"):
        plan(world, checkpoints=[{"village": world.village_3}])
    with pytest.raises(DomainError, match="民警"):
        plan(world, officers=[world.officer_b], actor="station_a")  # another station's officer
    with pytest.raises(DomainError):
        plan(world, actor="station_b")  # station A is not theirs
    with pytest.raises(NotPermitted):
        plan(world, actor="aux_v1")
    from django.core.exceptions import ValidationError

    p_start = plan(world).starts_at
    with pytest.raises(ValidationError):
        plan(world, ends_at=p_start)


def test_patrol_lifecycle(world):
    p = plan(world)
    aux = world.user("aux_v1")  # auxiliary officers run patrols of their station
    patrol = services.patrol_start(actor=aux, plan=p)
    assert patrol.status == Patrol.Status.IN_PROGRESS and patrol.station == world.station_a
    with pytest.raises(ConflictError):
        services.patrol_start(actor=world.user("station_a"), plan=p)
    first = p.checkpoints.get(order=1)
    check_in, created = services.patrol_check_in(
        actor=aux, patrol=patrol, checkpoint=first, lat="28.1", lon="103.2"
    )
    assert created and check_in.latitude is not None
    again, created = services.patrol_check_in(actor=aux, patrol=patrol, checkpoint=first)
    assert again == check_in and not created
    other_plan = plan(world, title="白天巡逻")
    with pytest.raises(DomainError, match="路线"):
        services.patrol_check_in(actor=aux, patrol=patrol, checkpoint=other_plan.checkpoints.first())
    services.patrol_end(actor=aux, patrol=patrol, summary="巡逻正常")
    assert patrol.status == Patrol.Status.ENDED and patrol.ended_at and patrol.summary == "巡逻正常"
    with pytest.raises(ConflictError):
        services.patrol_end(actor=aux, patrol=patrol)
    with pytest.raises(ConflictError):
        services.patrol_check_in(actor=aux, patrol=patrol, checkpoint=p.checkpoints.get(order=2))
    # the plan can be patrolled again once the first patrol ended
    assert services.patrol_start(actor=aux, plan=p).pk != patrol.pk
    listed = selectors.patrol_list(user=world.user("station_a")).get(pk=patrol.pk)
    assert listed.check_in_count == 1


def test_outsiders_cannot_run_or_see_patrols(world):
    p = plan(world)
    for name in ("station_b", "grid_g1", "mediator_t1", "norole"):
        with pytest.raises(DomainError):
            services.patrol_start(actor=world.user(name), plan=p)
        assert not selectors.plan_list(user=world.user(name)).exists()


def test_finding_becomes_a_case_once(world):
    patrol = services.patrol_start(actor=world.user("station_a"), plan=plan(world))
    finding = services.finding_add(
        actor=world.user("station_a"),
        patrol=patrol,
        kind="hazard",
        description="两户因灌溉用水争执,已有推搡。",
        village=world.village_1,
        address="3组",
    )
    case, created = services.finding_to_case(
        actor=world.user("station_a"), finding=finding, category=Category.NEIGHBOUR
    )
    assert created and case.source == Source.GRID_REPORT and case.village == world.village_1
    assert case.patrol_finding == finding
    again, created = services.finding_to_case(
        actor=world.user("station_a"), finding=finding, category=Category.OTHER
    )
    assert again == case and not created and DisputeCase.objects.count() == 1
    with pytest.raises(ConflictError):
        services.finding_to_incident(actor=world.user("station_a"), finding=finding, category="public_order")


def test_finding_becomes_an_incident_once(world):
    patrol = services.patrol_start(actor=world.user("station_a"), plan=plan(world))
    finding = services.finding_add(
        actor=world.user("aux_v1"),
        patrol=patrol,
        kind="lead",
        description="发现可疑人员夜间在养殖场附近徘徊。",
        village=world.village_1,
    )
    with pytest.raises(NotPermitted):  # incidents are recorded by station staff
        services.finding_to_incident(actor=world.user("aux_v1"), finding=finding, category="public_order")
    incident, created = services.finding_to_incident(
        actor=world.user("station_a"), finding=finding, category=Incident.Category.PUBLIC_ORDER
    )
    assert created and incident.station == world.station_a and incident.number.startswith("XL")
    assert incident.patrol_finding == finding
    again, created = services.finding_to_incident(
        actor=world.user("station_a"), finding=finding, category="other"
    )
    assert again == incident and not created
    with pytest.raises(DomainError, match="不在"):
        services.finding_add(
            actor=world.user("station_a"),
            patrol=patrol,
            kind="lead",
            description="x",
            village=world.village_3,
        )


def test_an_absent_volunteer_earns_nothing_and_a_present_one_earns_once(world):
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
    assert patrols.attendance_check_in(actor=staff, patrol=patrol, volunteer_members=[members[0]]) == 1
    assert patrols.attendance_check_in(actor=staff, patrol=patrol, volunteer_members=[members[0]]) == 0
    patrols.patrol_end(actor=staff, patrol=patrol)
    entries = PointsEntry.objects.filter(rule__code="patrol.participation")
    assert [e.volunteer_member.name for e in entries] == ["队员0"]  # 队员1 did not come
    assert all(e.source_key == f"patrol-{patrol.pk}" for e in entries)
