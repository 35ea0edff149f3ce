"""API for incidents, village visits, incident → case and patrols: same scoping as the pages
(outside scope → 404), writes through the services."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from disputes.models import DisputeCase
from patrols.models import Patrol
from stations.models import VillageVisit

from .incidents.helpers import record


@pytest.fixture
def api(world):
    def _as(name: str) -> APIClient:
        client = APIClient()
        client.force_authenticate(world.user(name))
        return client

    return _as


def test_incident_api_scoping_masking_and_writes(world, api):
    incident = record(world, caller_phone="13912345678")
    station = api("station_a")
    listing = station.get("/api/v1/incidents/").json()
    assert listing["count"] == 1 and listing["results"][0]["caller_phone"] == "139****5678"
    assert station.get(f"/api/v1/incidents/{incident.pk}/").json()["caller_phone"] == "13912345678"
    for outsider in ("station_b", "grid_g1", "norole"):
        assert api(outsider).get(f"/api/v1/incidents/{incident.pk}/").status_code == 404
        assert api(outsider).get("/api/v1/incidents/").json()["count"] == 0
    created = station.post(
        "/api/v1/incidents/",
        {
            "station": world.station_a.pk,
            "number": "API1",
            "received_at": "2026-01-05T08:30:00+08:00",
            "category": "help",
            "village": world.village_1.pk,
            "summary": "求助",
            "caller_phone": "123",
        },
        format="json",
    )
    assert created.status_code == 400 and "caller_phone" in created.json()
    created = station.post(
        "/api/v1/incidents/",
        {
            "station": world.station_a.pk,
            "number": "API1",
            "received_at": "2026-01-05T08:30:00+08:00",
            "category": "help",
            "village": world.village_1.pk,
            "summary": "求助",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert (
        station.post(f"/api/v1/incidents/{pk}/refer/", {"department": "12345"}, format="json").status_code
        == 200
    )
    assert (
        station.post(f"/api/v1/incidents/{pk}/refer/", {"department": "12345"}, format="json").status_code
        == 409
    )
    answered = station.post(f"/api/v1/incidents/{pk}/answer/", {"answer": "已处理"}, format="json")
    assert answered.json()["referral_status"] == "answered"
    assert (
        api("station_b")
        .post(f"/api/v1/incidents/{pk}/refer/", {"department": "x"}, format="json")
        .status_code
        == 404
    )
    assert (
        api("aux_v1").post(f"/api/v1/incidents/{pk}/refer/", {"department": "x"}, format="json").status_code
        == 403
    )
    assert station.get("/api/v1/incidents/", {"repeat": "true"}).json()["count"] == 0


def test_incident_list_api_queries_do_not_grow(world, api):
    client = api("station_a")
    counts = []
    for batch in (3, 27):
        for i in range(batch):
            record(world, address=f"{i % 3}组")
        with CaptureQueriesContext(connection) as ctx:
            client.get("/api/v1/incidents/")
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_incident_case_api(world, api):
    incident = record(world)
    first = api("station_a").post(
        "/api/v1/incident-cases/", {"incident": incident.pk, "category": "neighbour"}, format="json"
    )
    assert first.status_code == 201 and first.json()["created"]
    second = api("station_a").post(
        "/api/v1/incident-cases/", {"incident": incident.pk, "category": "other"}, format="json"
    )
    assert second.status_code == 200 and second.json()["case"] == first.json()["case"]
    assert DisputeCase.objects.count() == 1
    outsider = api("station_b").post(
        "/api/v1/incident-cases/", {"incident": incident.pk, "category": "other"}, format="json"
    )
    assert outsider.status_code == 400 and "incident" in outsider.json()


def test_village_visit_api(world, api):
    response = api("aux_v1").post(
        "/api/v1/village-visits/",
        {"village": world.village_1.pk, "activity": "visit", "lat": "28.1", "lon": "103.2"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert VillageVisit.objects.get().auxiliary_officer == world.aux_v1
    assert (
        api("grid_g1")
        .post("/api/v1/village-visits/", {"village": world.village_1.pk}, format="json")
        .status_code
        == 403
    )
    assert api("station_b").get(f"/api/v1/village-visits/{response.json()['id']}/").status_code == 404
    assert api("station_a").get("/api/v1/village-visits/").json()["count"] == 1


def test_patrol_api(world, api):
    client = api("station_a")
    created = client.post(
        "/api/v1/patrol-plans/",
        {
            "station": world.station_a.pk,
            "title": "API巡逻",
            "starts_at": "2026-03-01T20:00:00+08:00",
            "ends_at": "2026-03-01T23:00:00+08:00",
            "checkpoints": [{"village": world.village_1.pk}, {"place": "桥头"}],
            "officers": [world.officer_a.pk],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    plan_id = created.json()["id"]
    assert [c["label"] for c in created.json()["checkpoints"]] == ["一村", "桥头"]
    started = api("aux_v1").post("/api/v1/patrols/", {"plan": plan_id}, format="json")
    assert started.status_code == 201, started.json()
    patrol_id = started.json()["id"]
    stop = created.json()["checkpoints"][0]["id"]
    aux = api("aux_v1")
    assert (
        aux.post(f"/api/v1/patrols/{patrol_id}/check-in/", {"checkpoint": stop}, format="json").status_code
        == 201
    )
    assert (
        aux.post(f"/api/v1/patrols/{patrol_id}/check-in/", {"checkpoint": stop}, format="json").status_code
        == 200
    )
    finding = aux.post(
        f"/api/v1/patrols/{patrol_id}/findings/",
        {"kind": "hazard", "description": "护栏缺失", "village": world.village_1.pk},
        format="json",
    )
    assert finding.status_code == 201, finding.json()
    to_case = client.post(
        f"/api/v1/patrol-findings/{finding.json()['id']}/to-case/", {"category": "other"}, format="json"
    )
    assert to_case.status_code == 201
    ended = aux.post(f"/api/v1/patrols/{patrol_id}/end/", {"summary": "ok"}, format="json")
    assert ended.status_code == 200 and ended.json()["status"] == "ended"
    assert aux.post(f"/api/v1/patrols/{patrol_id}/end/", {}, format="json").status_code == 409
    for outsider in ("station_b", "grid_g1", "norole"):
        assert api(outsider).get(f"/api/v1/patrols/{patrol_id}/").status_code == 404
        assert api(outsider).get(f"/api/v1/patrol-plans/{plan_id}/").status_code == 404
        assert api(outsider).post(f"/api/v1/patrols/{patrol_id}/end/", {}, format="json").status_code == 404
    assert api("aux_v1").post("/api/v1/patrol-plans/", {}, format="json").status_code in (400, 403)
    assert Patrol.objects.count() == 1
