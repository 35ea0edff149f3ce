"""Dashboard pages and data endpoints: who sees what, fixed query counts, export and report."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from disputes import services
from tests.disputes.helpers import report

pytestmark = pytest.mark.django_db

SUFFIXES = ["", "figures/", "trend.json", "map.json", "export.xlsx", "report/"]


def _urls(kind, pk):
    return [f"/dashboard/{kind}/{pk}/{s}" for s in SUFFIXES]


@pytest.mark.parametrize(
    "role, target, expected",
    [
        ("county", "county", 200),
        ("admin", "county", 200),
        ("station_a", "county", 404),
        ("station_a", "station_a", 200),
        ("station_a", "station_b", 404),
        ("county", "station_b", 200),
        ("station_b", "station_a", 404),
        ("aux_v1", "village_1", 200),
        ("aux_v1", "village_2", 404),
        ("station_a", "village_1", 200),
        ("station_a", "village_3", 404),
        ("station_a", "township_a", 200),
        ("grid_g1", "village_1", 404),
        ("mediator_t1", "township_a", 404),
        ("norole", "county", 404),
    ],
)
def test_who_sees_which_dashboard(client_for, world, role, target, expected):
    kind = {
        "county": "county",
        "station_a": "station",
        "station_b": "station",
        "village_1": "village",
        "village_2": "village",
        "village_3": "village",
        "township_a": "township",
    }[target]
    obj = getattr(world, target)
    client = client_for(role)
    for url in _urls(kind, obj.pk):
        assert client.get(url).status_code == expected, url


def test_anonymous_users_are_sent_to_login(client, world):
    response = client.get(f"/dashboard/county/{world.county.pk}/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_home_starts_each_role_at_its_own_area(client_for, world):
    assert client_for("county").get("/dashboard/")["Location"] == f"/dashboard/county/{world.county.pk}/"
    assert (
        client_for("station_a").get("/dashboard/")["Location"] == f"/dashboard/station/{world.station_a.pk}/"
    )
    assert client_for("aux_v1").get("/dashboard/")["Location"] == f"/dashboard/village/{world.village_1.pk}/"
    assert client_for("grid_g1").get("/dashboard/").status_code == 404


def test_a_station_sees_only_its_own_figures(client_for, world):
    report(world)
    report(world, village=world.village_3, actor="station_b")
    page = client_for("station_a").get(f"/dashboard/station/{world.station_a.pk}/")
    assert page.context["current"]["new"] == 1
    names = [row["name"] for row in page.context["children"]]
    assert names == ["甲镇"]


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_overview_issues_the_same_queries_for_small_and_large_data(client_for, world):
    client = client_for("county")
    url = f"/dashboard/county/{world.county.pk}/"
    staff = world.user("station_a")
    for _ in range(2):
        services.case_accept(actor=staff, case=report(world, grid=world.grid_1a))
    small = _count(client, url)
    small_map = _count(client, url + "map.json")
    for _ in range(12):
        services.case_accept(actor=staff, case=report(world, grid=world.grid_1b))
        report(world, village=world.village_3, actor="station_b")
    assert _count(client, url) == small
    assert _count(client, url + "map.json") == small_map


def test_the_excel_export_holds_the_page_tables(client_for, world):
    from openpyxl import load_workbook

    report(world)
    response = client_for("county").get(f"/dashboard/county/{world.county.pk}/export.xlsx")
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["主要指标", "滚动排查", "警情与基层力量", "下级对比", "月度趋势"]
    main = wb["主要指标"]
    assert main.cell(3, 1).value == "新增纠纷" and main.cell(3, 2).value == 1
    children = [row[0] for row in wb["下级对比"].iter_rows(min_row=2, values_only=True)]
    assert children == ["丙镇派出所(无人员)", "甲镇派出所", "乙乡派出所"]
    assert wb["月度趋势"].max_row == 13


def test_the_monthly_report_prints_on_one_a4_page(client_for, world):
    report(world)
    page = client_for("county").get(f"/dashboard/county/{world.county.pk}/report/")
    html = page.content.decode()
    assert "矛盾纠纷排查化解工作月报" in html and "print-report.css" in html
    assert "甲镇派出所" in html
