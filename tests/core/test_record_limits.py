"""One validation per record: incidents, grid workers, committee members, volunteer teams,
village assignments and follow-ups refuse dates in the future where they cannot be, dates
beyond the calendar and over-long texts, with the same message in the API and the forms."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core.limits import TEXT_MAX

from ..factories import make_id_number

pytestmark = pytest.mark.django_db
FUTURE = "日期不能晚于今天。"
TOO_LONG = "内容过长"


def _api(world, name: str = "station_a") -> APIClient:
    client = APIClient()
    client.force_login(world.user(name))
    return client


def _tomorrow() -> str:
    return (timezone.localdate() + dt.timedelta(days=2)).isoformat()


def _refused(response, field: str, message: str) -> None:
    assert response.status_code == 400, response.content
    assert any(message in m for m in response.json()[field]), response.json()


def test_incidents_refuse_a_future_time_and_a_long_summary(world):
    base = {
        "station": world.station_a.pk,
        "number": "LIM1",
        "received_at": "2026-01-05T08:30:00+08:00",
        "category": "help",
        "village": world.village_1.pk,
        "summary": "求助",
    }
    api = _api(world)
    _refused(
        api.post(
            "/api/v1/incidents/", {**base, "received_at": _tomorrow() + "T08:00:00+08:00"}, format="json"
        ),
        "received_at",
        FUTURE,
    )
    _refused(
        api.post("/api/v1/incidents/", {**base, "summary": "长" * (TEXT_MAX + 1)}, format="json"),
        "summary",
        TOO_LONG,
    )
    created = api.post("/api/v1/incidents/", base, format="json")
    assert created.status_code == 201
    patched = api.patch(
        f"/api/v1/incidents/{created.json()['id']}/", {"outcome": "果" * (TEXT_MAX + 1)}, format="json"
    )
    if patched.status_code != 405:
        _refused(patched, "outcome", TOO_LONG)


def test_grid_workers_refuse_a_future_start_in_the_api_and_the_form(world, client_for):
    data = {
        "grid": world.grid_1a.pk,
        "name": "新网格员",
        "role": "worker",
        "phone": "13800138000",
        "since": _tomorrow(),
    }
    _refused(_api(world).post("/api/v1/grid-workers/", data, format="json"), "since", FUTURE)
    _refused(
        _api(world).patch(
            f"/api/v1/grid-workers/{world.worker_g1.pk}/", {"since": _tomorrow()}, format="json"
        ),
        "since",
        FUTURE,
    )
    form = {
        **data,
        "gender": "M",
        "ethnicity": "yi",
        "stars": 0,
        "is_active": "on",
        "id_number": make_id_number(),
    }
    page = client_for("station_a").post(reverse("governance:gridworker-create"), form)
    assert page.status_code == 200 and FUTURE in page.content.decode()


def test_committee_members_and_teams_refuse_future_dates(world, client_for):
    api = _api(world)
    members = api.get("/api/v1/committee-members/").json()["results"]
    member = next(m for m in members if m["name"] == "一村书记")
    _refused(
        api.patch(f"/api/v1/committee-members/{member['id']}/", {"joined_on": _tomorrow()}, format="json"),
        "joined_on",
        FUTURE,
    )
    teams = api.get("/api/v1/volunteer-teams/").json()["results"]
    _refused(
        api.patch(f"/api/v1/volunteer-teams/{teams[0]['id']}/", {"founded_on": _tomorrow()}, format="json"),
        "founded_on",
        FUTURE,
    )
    page = client_for("station_a").post(
        reverse("governance:volunteerteam-create"),
        {
            "region": world.village_1.pk,
            "name": "新队",
            "kind": "patrol",
            "leader_name": "队长",
            "leader_phone": "13800138000",
            "founded_on": _tomorrow(),
            "is_active": "on",
        },
    )
    assert page.status_code == 200 and FUTURE in page.content.decode()


def test_assignments_refuse_a_future_start_and_a_date_beyond_the_calendar(world):
    data = {
        "village": world.village_2.pk,
        "kind": "officer",
        "officer": world.officer_a.pk,
        "start_date": _tomorrow(),
    }
    _refused(_api(world).post("/api/v1/assignments/", data, format="json"), "start_date", FUTURE)
    response = _api(world).post("/api/v1/assignments/", {**data, "start_date": "2100-01-01"}, format="json")
    assert response.status_code == 400 and "start_date" in response.json()


def test_follow_ups_refuse_a_visit_in_the_future_or_before_the_case_was_closed(world, client_for):
    from disputes.models import FollowUp

    from ..disputes.helpers import report, to_closed

    case = to_closed(world, report(world, grid=world.grid_1a))
    api = _api(world)
    base = {"case": case.pk, "result": "stable", "satisfaction": "satisfied", "note": "回访稳定"}
    _refused(
        api.post(
            "/api/v1/follow-ups/", {**base, "visited_at": _tomorrow() + "T09:00:00+08:00"}, format="json"
        ),
        "visited_at",
        FUTURE,
    )
    before = (case.closed_at - dt.timedelta(days=1)).isoformat()
    _refused(
        api.post("/api/v1/follow-ups/", {**base, "visited_at": before}, format="json"),
        "visited_at",
        "回访时间不能早于案件办结时间",
    )
    _refused(
        api.post("/api/v1/follow-ups/", {**base, "note": "访" * (TEXT_MAX + 1)}, format="json"),
        "note",
        TOO_LONG,
    )
    assert not FollowUp.objects.filter(case=case, visited_at__isnull=False).exists()
    # the page (visited now) takes the same note limit, with the same message
    fields = {"result": "stable", "satisfaction": "satisfied", "note": "访" * (TEXT_MAX + 1)}
    page = client_for("station_a").post(
        f"/cases/{case.pk}/follow-up/", {f"follow-up-{k}": v for k, v in fields.items()}
    )
    assert TOO_LONG in page.content.decode()
    assert not FollowUp.objects.filter(case=case, visited_at__isnull=False).exists()
    assert api.post("/api/v1/follow-ups/", base, format="json").status_code == 201
    assert FollowUp.objects.filter(case=case, visited_at__isnull=False).count() == 1
