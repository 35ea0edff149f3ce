"""Patrol pages: plan list/create/detail, the phone page (check in, finding, end), findings →
case/incident pages; outsiders get 404; list queries do not grow."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from disputes.models import DisputeCase
from patrols import services
from patrols.models import Patrol, PatrolCheckIn, PatrolFinding, PatrolPlan
from stations.models import Incident

from .helpers import plan


def test_create_plan_through_the_page(world, client_for):
    client = client_for("station_a")
    assert client.get(reverse("patrols:plan-create")).status_code == 200
    data = {
        "station": world.station_a.pk,
        "title": "集市日巡逻",
        "starts_at": "2026-03-01T08:00",
        "ends_at": "2026-03-01T12:00",
        "officers": [world.officer_a.pk],
        "joint_units": "市场监管所",
        "cp-TOTAL_FORMS": "3",
        "cp-INITIAL_FORMS": "0",
        "cp-MIN_NUM_FORMS": "0",
        "cp-MAX_NUM_FORMS": "20",
        "cp-0-village": world.village_1.pk,
        "cp-1-place": "",
        "cp-2-place": "甲镇集市",
    }
    response = client.post(reverse("patrols:plan-create"), data)
    created = PatrolPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "patrols:plan-detail", args=[created.pk]
    )
    assert [c.label for c in created.checkpoints.all()] == ["一村", "甲镇集市"]
    empty = client.post(reverse("patrols:plan-create"), {**data, "cp-0-village": "", "cp-2-place": ""})
    assert empty.status_code == 200 and "至少设置一个巡逻点" in empty.content.decode()
    assert client_for("aux_v1").get(reverse("patrols:plan-create")).status_code == 403


def test_patrol_on_the_phone(world, client_for):
    p = plan(world)
    client = client_for("aux_v1")
    response = client.post(reverse("patrols:patrol-start", args=[p.pk]))
    patrol = Patrol.objects.get()
    assert response["Location"] == reverse("patrols:patrol-mobile", args=[patrol.pk])
    page = client.get(response["Location"])
    assert page.status_code == 200 and "甲镇集市" in page.content.decode()
    stop = p.checkpoints.get(order=1)
    client.post(
        reverse("patrols:patrol-checkin", args=[patrol.pk]),
        {"checkpoint": stop.pk, "lat": "28.2", "lon": "103.1"},
    )
    client.post(reverse("patrols:patrol-checkin", args=[patrol.pk]), {"checkpoint": stop.pk})
    assert PatrolCheckIn.objects.count() == 1
    client.post(
        reverse("patrols:patrol-mobile", args=[patrol.pk]),
        {"kind": "hazard", "village": world.village_1.pk, "description": "桥梁护栏缺失。"},
    )
    assert PatrolFinding.objects.count() == 1
    response = client.post(reverse("patrols:patrol-end", args=[patrol.pk]), {"summary": "正常"})
    assert response["Location"] == reverse("patrols:patrol-detail", args=[patrol.pk])
    patrol.refresh_from_db()
    assert patrol.status == "ended"
    detail = client.get(response["Location"]).content.decode()
    assert "桥梁护栏缺失" in detail and "1 / 3" in detail


def test_findings_become_case_or_incident_through_pages(world, client_for):
    patrol = services.patrol_start(actor=world.user("station_a"), plan=plan(world))
    a = services.finding_add(
        actor=world.user("station_a"),
        patrol=patrol,
        kind="hazard",
        description="争水纠纷",
        village=world.village_1,
    )
    b = services.finding_add(
        actor=world.user("station_a"),
        patrol=patrol,
        kind="lead",
        description="可疑车辆",
        village=world.village_1,
    )
    client = client_for("station_a")
    response = client.post(
        reverse("patrols:finding-to-case", args=[a.pk]), {"category": "neighbour", "people_involved": 2}
    )
    case = DisputeCase.objects.get()
    assert response["Location"] == reverse("disputes:case-detail", args=[case.pk])
    response = client.post(reverse("patrols:finding-to-incident", args=[b.pk]), {"category": "public_order"})
    incident = Incident.objects.get()
    assert response["Location"] == reverse("stations:incident-detail", args=[incident.pk])


def test_outsiders_get_404(world, client_for):
    p = plan(world)
    patrol = services.patrol_start(actor=world.user("station_a"), plan=p)
    finding = services.finding_add(
        actor=world.user("station_a"), patrol=patrol, kind="lead", description="x", village=world.village_1
    )
    urls = [
        reverse("patrols:plan-detail", args=[p.pk]),
        reverse("patrols:patrol-detail", args=[patrol.pk]),
        reverse("patrols:patrol-mobile", args=[patrol.pk]),
        reverse("patrols:finding-to-case", args=[finding.pk]),
    ]
    for name in ("station_b", "grid_g1", "mediator_t1", "norole"):
        client = client_for(name)
        for url in urls:
            assert client.get(url).status_code == 404, (name, url)
        assert client.post(reverse("patrols:patrol-end", args=[patrol.pk])).status_code == 404
    assert client_for("county").get(urls[1]).status_code == 200


def test_plan_list_queries_do_not_grow(world, client_for):
    client = client_for("station_a")
    counts = []
    for batch in (3, 27):
        for i in range(batch):
            p = plan(world, title=f"巡逻{i}")
            if i % 2:
                services.patrol_start(actor=world.user("station_a"), plan=p)
        client.get(reverse("patrols:plan-list"))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("patrols:plan-list")).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
