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
        {"outcome": "met_parties", "note": "已入户核查", "lat": "29.23", "lon": "103.26"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["state"] == "done"
    assert response.json()["verified"] is False  # the test grid has no boundary: nothing to measure
    assert staff.get("/api/v1/visits/?status=done").json()["count"] == 1
    assert staff.get("/api/v1/visits/?status=verified").json()["count"] == 0


def test_bad_coordinates_are_a_400_and_write_nothing(world, visit):
    from patrols.visits.models import GridCheckIn

    response = _api(world, "grid_g1").post(
        f"/api/v1/visits/{visit.pk}/check-in/", {"outcome": "stable", "lat": "north"}, format="json"
    )
    assert response.status_code == 400 and "lat" in response.json()
    assert not GridCheckIn.objects.exists()


def test_a_future_offline_time_is_a_400_with_the_form_s_message(world, visit):
    import datetime as dt

    from patrols.visits.models import GridCheckIn

    late = (timezone.now() + dt.timedelta(days=1)).isoformat()
    response = _api(world, "grid_g1").post(
        f"/api/v1/visits/{visit.pk}/check-in/",
        {"outcome": "stable", "recorded_offline_at": late},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["recorded_offline_at"] == ["离线记录时间不能晚于当前时间。"]
    assert not GridCheckIn.objects.exists()


def test_a_check_in_without_outcome_is_a_400_and_outside_the_scope_a_404(world, visit):
    assert (
        _api(world, "grid_g1").post(f"/api/v1/visits/{visit.pk}/check-in/", {}, format="json").status_code
        == 400
    )
    response = _api(world, "station_b").post(
        f"/api/v1/visits/{visit.pk}/check-in/", {"outcome": "stable"}, format="json"
    )
    assert response.status_code == 404
