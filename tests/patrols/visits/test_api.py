"""The risk-visit API: scoped list and detail, the grid worker's check-in."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from disputes import risk
from patrols.visits import services as visit_services
from tests.disputes.helpers import report

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(world):
    case = report(
        world,
        grid=world.grid_1a,
        category="labour_debt",
        people_involved=12,
        threat_flag=True,
        amount_involved=150000,
    )
    risk.assess_case(case=case)
    visit_services.risk_visits_create(now=timezone.now())
    return case.risk_visits.get()


def _api(world, name):
    client = APIClient()
    client.force_authenticate(world.user(name))
    return client


def test_list_detail_and_check_in(world, visit):
    staff = _api(world, "station_a")
    [row] = staff.get("/api/v1/visits/").json()["results"]
    assert row["case_number"] == visit.case.number and row["state"] == "open" and row["done_at"] is None
    assert staff.get("/api/v1/visits/?status=done").json()["results"] == []
    assert _api(world, "station_b").get(f"/api/v1/visits/{visit.pk}/").status_code == 404
    grid = _api(world, "grid_g1")
    response = grid.post(
        f"/api/v1/visits/{visit.pk}/check-in/",
        {"note": "已入户核查", "lat": "29.23", "lon": "103.26"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["state"] == "done"
    assert staff.get("/api/v1/visits/?status=done").json()["count"] == 1


def test_bad_coordinates_are_a_400_and_write_nothing(world, visit):
    from patrols.visits.models import GridCheckIn

    response = _api(world, "grid_g1").post(
        f"/api/v1/visits/{visit.pk}/check-in/", {"lat": "north"}, format="json"
    )
    assert response.status_code == 400 and "lat" in response.json()
    assert not GridCheckIn.objects.exists()
