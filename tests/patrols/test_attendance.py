"""Patrol attendance (到岗签到) and check-in evidence: the leader checks in who came, a
participant with an account checks themselves in; the record and the API show who came; a
patrol check-in keeps the server's time, its distance from the checkpoint's grid and a phone's
offline time apart."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from core.errors import DomainError, NotPermitted
from governance import services as gov
from governance.models import Grid
from patrols import services
from patrols.models import PatrolAttendance, PatrolCheckIn

from ..factories import make_phone
from .helpers import plan

pytestmark = pytest.mark.django_db

BOX = {
    "type": "Polygon",
    "coordinates": [
        [[103.255, 29.225], [103.265, 29.225], [103.265, 29.235], [103.255, 29.235], [103.255, 29.225]]
    ],
}


@pytest.fixture
def patrol(world):
    team = gov.volunteer_team_create(
        actor=world.user("admin"),
        region=world.village_1,
        name="一村到岗测试队",
        kind="patrol",
        leader_name="队长",
        leader_phone=make_phone(),
    )
    world.volunteer = gov.volunteer_member_add(
        actor=world.user("admin"), team=team, name="阿合队员", phone=make_phone()
    )
    p = plan(world, volunteer_members=[world.volunteer])
    # the leader (station_a, whose officer is on the plan) is checked in as they start
    return services.patrol_start(actor=world.user("station_a"), plan=p)


def _api(world, name):
    client = APIClient()
    client.force_authenticate(world.user(name))
    return client


def test_the_leader_on_the_plan_is_present_from_the_start_and_checks_in_the_others(world, patrol):
    assert [a.officer for a in PatrolAttendance.objects.all()] == [world.officer_a]
    n = services.attendance_check_in(
        actor=world.user("station_a"), patrol=patrol, volunteer_members=[world.volunteer]
    )
    assert n == 1
    assert PatrolAttendance.objects.filter(volunteer_member=world.volunteer, by_self=False).count() == 1


def test_someone_not_on_the_plan_is_refused_and_nothing_is_written(world, patrol):
    with pytest.raises(DomainError) as refused:
        services.attendance_check_in(
            actor=world.user("station_a"),
            patrol=patrol,
            officers=[world.officer_b],
            auxiliary_officers=[world.aux_v1],
        )
    assert "不在您的辖区内或已停用" in refused.value.message
    assert PatrolAttendance.objects.count() == 1  # only the leader's


def test_a_participant_with_an_account_checks_themselves_in_once(world, patrol):
    aux = world.user("aux_v1")
    assert services.attendance_self(actor=aux, patrol=patrol) is True
    assert services.attendance_self(actor=aux, patrol=patrol) is False
    row = PatrolAttendance.objects.get(auxiliary_officer=world.aux_v1)
    assert row.by_self and row.checked_in_by == aux
    with pytest.raises(NotPermitted):
        services.attendance_self(actor=world.user("county"), patrol=patrol)


def test_the_record_page_and_the_api_show_who_came(client_for, world, patrol):
    services.attendance_self(actor=world.user("aux_v1"), patrol=patrol)
    page = client_for("county").get(f"/patrols/{patrol.pk}/").content.decode()
    assert "到岗人员" in page and "阿合队员" in page and "未到岗" in page
    body = _api(world, "station_a").get(f"/api/v1/patrols/{patrol.pk}/").json()
    assert sorted(a["kind"] for a in body["attendance"]) == ["auxiliary_officer", "officer"]
    assert client_for("station_b").get(f"/patrols/{patrol.pk}/").status_code == 404


def test_the_phone_page_and_the_api_check_people_in(client_for, world, patrol):
    staff = client_for("station_a")
    assert "登记到岗" in staff.get(f"/patrols/{patrol.pk}/m/").content.decode()
    response = staff.post(f"/patrols/{patrol.pk}/attendance/", {"volunteer_members": [world.volunteer.pk]})
    assert response.status_code == 302
    assert PatrolAttendance.objects.filter(volunteer_member=world.volunteer).exists()
    api = _api(world, "station_a")
    response = api.post(
        f"/api/v1/patrols/{patrol.pk}/attendance/", {"auxiliary_officers": [world.aux_v1.pk]}, format="json"
    )
    assert response.status_code == 200 and len(response.json()["attendance"]) == 3
    # someone who is not a participant: 400, nothing written
    response = api.post(f"/api/v1/patrols/{patrol.pk}/attendance/", {"officers": [999999]}, format="json")
    assert response.status_code == 400 and "officers" in response.json()
    assert PatrolAttendance.objects.count() == 3
    # outside the scope: 404; the phone self check-in through the API
    assert _api(world, "station_b").post(f"/api/v1/patrols/{patrol.pk}/attend/").status_code == 404
    assert client_for("station_b").post(f"/patrols/{patrol.pk}/attendance/").status_code == 404


def test_a_patrol_check_in_keeps_server_time_distance_and_offline_time(world, patrol):
    Grid.objects.filter(pk=world.grid_2.pk).update(boundary=BOX)
    stop = patrol.plan.checkpoints.get(order=2)  # the grid 二村一组
    now = timezone.now()
    offline = now - dt.timedelta(hours=2)
    check_in, _created = services.patrol_check_in(
        actor=world.user("station_a"),
        patrol=patrol,
        checkpoint=stop,
        lat="29.260000",
        lon="103.260000",
        recorded_offline_at=offline,
        now=now,
    )
    assert check_in.checked_in_at == now and check_in.recorded_offline_at == offline
    assert check_in.distance_m == pytest.approx(2780, rel=0.02)


def test_a_bad_offline_time_is_refused_with_the_same_message_on_the_page_and_the_api(
    client_for, world, patrol
):
    stop = patrol.plan.checkpoints.get(order=1)
    late = (timezone.now() + dt.timedelta(days=1)).isoformat()
    response = client_for("station_a").post(
        f"/patrols/{patrol.pk}/check-in/", {"checkpoint": stop.pk, "recorded_offline_at": late}, follow=True
    )
    assert "离线记录时间不能晚于当前时间。" in response.content.decode()
    response = _api(world, "station_a").post(
        f"/api/v1/patrols/{patrol.pk}/check-in/",
        {"checkpoint": stop.pk, "recorded_offline_at": late},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["recorded_offline_at"] == ["离线记录时间不能晚于当前时间。"]
    assert not PatrolCheckIn.objects.exists()


def test_the_record_page_queries_do_not_grow_with_the_participants(world, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    team = gov.volunteer_team_create(
        actor=world.user("admin"),
        region=world.village_1,
        name="一村人数测试队",
        kind="patrol",
        leader_name="队长",
        leader_phone=make_phone(),
    )
    client = client_for("station_a")
    counts = []
    for size in (2, 12):
        members = [
            gov.volunteer_member_add(
                actor=world.user("admin"), team=team, name=f"队员{size}-{i}", phone=make_phone()
            )
            for i in range(size)
        ]
        p = plan(world, title=f"巡逻{size}", volunteer_members=members)
        patrol = services.patrol_start(actor=world.user("station_a"), plan=p)
        services.attendance_check_in(
            actor=world.user("station_a"), patrol=patrol, volunteer_members=members[::2]
        )
        client.get(f"/patrols/{patrol.pk}/")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/patrols/{patrol.pk}/").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
