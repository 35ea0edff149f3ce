"""The points API: rankings, a ledger, manual awards with a reason."""

import pytest
from rest_framework.test import APIClient

from governance.models import PointsEntry

pytestmark = pytest.mark.django_db


def _api(world, name):
    client = APIClient()
    client.force_authenticate(world.user(name))
    return client


def test_manual_award_then_ledger_and_rankings(world):
    staff = _api(world, "station_a")
    body = {"kind": "grid_worker", "person": world.worker_g1.pk, "points": 3, "reason": "协助化解邻里纠纷"}
    response = staff.post("/api/v1/points/awards/", body, format="json")
    assert response.status_code == 201 and response.json()["points"] == 3
    ledger = staff.get(f"/api/v1/points/ledger/?kind=grid_worker&person={world.worker_g1.pk}").json()
    assert [e["reason"] for e in ledger] == ["协助化解邻里纠纷"]
    ranking = staff.get("/api/v1/points/rankings/").json()
    top = ranking["people"][0]
    assert top["id"] == world.worker_g1.pk and top["total"] == 3 and top["rank"] == 1


def test_a_manual_award_needs_a_reason_and_writes_nothing_without_one(world):
    response = _api(world, "station_a").post(
        "/api/v1/points/awards/",
        {"kind": "grid_worker", "person": world.worker_g1.pk, "points": 3, "reason": " "},
        format="json",
    )
    assert response.status_code == 400 and "事由" in str(response.json())
    assert not PointsEntry.objects.exists()


def test_a_bad_month_is_a_clear_400(world):
    response = _api(world, "county").get("/api/v1/points/rankings/?month=2026-13x")
    assert response.status_code == 400 and "YYYY-MM" in str(response.json())


@pytest.mark.parametrize("name", ["grid_g1", "mediator_t1", "norole"])
def test_rankings_are_404_for_a_role_without_them_as_on_the_page(world, name):
    """``points.view_ranking``: the grid worker once read their grid's ranking (names, totals,
    ranks) through the API although the page answers 404."""
    response = _api(world, name).get("/api/v1/points/rankings/")
    assert response.status_code == 404 and "people" not in response.json()
    assert _api(world, "aux_v1").get("/api/v1/points/rankings/").status_code == 200
