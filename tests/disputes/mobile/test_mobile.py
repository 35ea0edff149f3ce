"""The grid worker's phone pages (/m/): reporting a dispute into their own grid (once per client
key, whatever the resends), their grid's cases, and nothing of anyone else's."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from disputes.models import DisputeCase, Party, Source
from tests.disputes.helpers import report

pytestmark = pytest.mark.django_db


def form_data(world, **kw) -> dict:
    data = {
        "category": "neighbour",
        "summary": "两户因猪圈排污发生争吵,已劝开。",
        "name_1": "吉克阿木",
        "phone_1": "",
        "name_2": "沙马拉哈",
        "people_involved": "3",
        "grid": str(world.grid_1a.pk),
        "address": "一组王家院坝",
        "threat_flag": "on",
        "client_key": str(uuid.uuid4()),
    }
    data.update(kw)
    return data


JSON = {"HTTP_ACCEPT": "application/json"}


def test_the_report_creates_one_case_in_the_workers_grid(client_for, world):
    client = client_for("grid_g1")
    response = client.post(reverse("mobile:report"), form_data(world))
    case = DisputeCase.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "mobile:case-detail", args=[case.pk]
    )
    assert case.grid == world.grid_1a and case.village == world.village_1 and case.station == world.station_a
    assert case.source == Source.GRID_REPORT and case.level == "grid"
    assert case.threat_flag is True and case.people_involved == 3 and case.address == "一组王家院坝"
    assert case.reported_by == world.user("grid_g1")
    assert sorted(case.parties.values_list("name", "role")) == [
        ("吉克阿木", "applicant"),
        ("沙马拉哈", "respondent"),
    ]
    page = client.get(response["Location"])
    assert case.number in page.content.decode() and "已上报" in page.content.decode()


def test_the_same_client_key_twice_makes_one_case(client_for, world):
    client = client_for("grid_g1")
    data = form_data(world)
    first = client.post(reverse("mobile:report"), data, **JSON)
    again = client.post(reverse("mobile:report"), data, **JSON)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["number"] == again.json()["number"] and again.json()["resent"] is True
    assert DisputeCase.objects.count() == 1 and Party.objects.count() == 2
    # and a plain (no-JS) resend too
    assert client.post(reverse("mobile:report"), data).status_code == 302
    assert DisputeCase.objects.count() == 1


def test_a_grid_worker_cannot_report_into_another_grid(client_for, world):
    client = client_for("grid_g1")
    for grid in (world.grid_1b, world.grid_3):
        response = client.post(reverse("mobile:report"), form_data(world, grid=str(grid.pk)))
        assert response.status_code == 200
        assert "不在您负责的范围内" in response.content.decode()
        response = client.post(reverse("mobile:report"), form_data(world, grid=str(grid.pk)), **JSON)
        assert response.status_code == 400
        assert "不在您负责的范围内" in response.json()["errors"]["grid"][0]
    assert DisputeCase.objects.count() == 0 and Party.objects.count() == 0


def test_bad_input_is_answered_in_chinese_and_nothing_is_written(client_for, world):
    client = client_for("grid_g1")
    response = client.post(
        reverse("mobile:report"),
        form_data(world, category="", summary="", phone_1="12345", people_involved="0"),
        **JSON,
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["category"] == ["请选择纠纷类别。"]
    assert errors["summary"] == ["请简要说明发生了什么。"]
    assert "phone_1" in errors and "people_involved" in errors
    assert DisputeCase.objects.count() == 0


def test_the_pages_render_for_the_grid_worker(client_for, world):
    client = client_for("grid_g1")
    home = client.get(reverse("mobile:home")).content.decode()
    assert "上报矛盾纠纷" in home and "本网格案件" in home and "一村一组" in home
    page = client.get(reverse("mobile:report"))
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('name="category"') == 17
    assert f'name="grid" value="{world.grid_1a.pk}"' in html  # preselected, the worker's only grid
    assert 'name="client_key"' in html and "report-draft.js" in html
    assert "bootstrap" not in html  # a light page
    mine = report(world, "grid_g1", grid=world.grid_1a, source="grid_report")
    cases = client.get(reverse("mobile:cases")).content.decode()
    assert mine.number in cases
    detail = client.get(reverse("mobile:case-detail", args=[mine.pk])).content.decode()
    assert "登记上报" in detail and mine.summary[:10] in detail


def test_others_cases_are_404_and_not_listed(client_for, world):
    other_grid = report(world, "station_a", grid=world.grid_1b)
    other_station = report(world, "station_b", village=world.village_3, grid=world.grid_3)
    client = client_for("grid_g1")
    for case in (other_grid, other_station):
        assert client.get(reverse("mobile:case-detail", args=[case.pk])).status_code == 404
    html = client.get(reverse("mobile:cases")).content.decode()
    assert other_grid.number not in html and other_station.number not in html


def test_who_may_open_the_report_page(client_for, world, client):
    assert client.get(reverse("mobile:report")).status_code == 302  # anonymous → login
    assert client_for("county").get(reverse("mobile:report")).status_code == 403
    assert client_for("mediator_t1").get(reverse("mobile:report")).status_code == 403
    assert client_for("station_a").get(reverse("mobile:report")).status_code == 200  # chooses among its grids
    assert client_for("county").get(reverse("mobile:cases")).status_code == 200


def test_case_list_query_count_does_not_grow(client_for, world):
    client = client_for("grid_g1")
    for _ in range(3):
        report(world, "grid_g1", grid=world.grid_1a)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("mobile:cases"))
    for _ in range(20):
        report(world, "grid_g1", grid=world.grid_1a)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("mobile:cases"))
    assert len(few.captured_queries) == len(many.captured_queries)


def test_the_phone_form_asks_each_partys_clan_and_ethnicity_one_tap_and_optional(client_for, world):
    client = client_for("grid_g1")
    page = client.get(reverse("mobile:report")).content.decode()
    assert 'name="ethnicity_1"' in page and 'name="clan_1"' in page and 'name="clan_2"' in page
    data = form_data(world, ethnicity_1="yi", clan_1="吉克", ethnicity_2="yi", clan_2="沙马")
    assert client.post(reverse("mobile:report"), data).status_code == 302
    case = DisputeCase.objects.get()
    assert sorted(case.parties.values_list("name", "ethnicity", "clan")) == [
        ("吉克阿木", "yi", "吉克"),
        ("沙马拉哈", "yi", "沙马"),
    ]
    # left out: still a report (at the same place it is offered as a duplicate first: a new case)
    assert (
        client.post(reverse("mobile:report"), {**form_data(world), "duplicate_choice": "new"}).status_code
        == 302
    )
    assert DisputeCase.objects.count() == 2


def test_the_phone_form_takes_the_same_people_limit_as_the_model(client_for, world):
    """One limit for every channel: 20,000 people (a whole township's land dispute) is accepted
    on the phone as on the page and the API; 100,001 is refused with the model's message."""
    client = client_for("grid_g1")
    too_many = client.post(reverse("mobile:report"), form_data(world, people_involved="100001"), **JSON)
    assert too_many.status_code == 400
    assert too_many.json()["errors"]["people_involved"] == ["人数最多为 100000。"]
    assert DisputeCase.objects.count() == 0
    ok = client.post(reverse("mobile:report"), form_data(world, people_involved="20000"), **JSON)
    assert ok.status_code in (200, 201), ok.content
    assert DisputeCase.objects.get().people_involved == 20000
