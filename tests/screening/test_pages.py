"""Screening pages per role: the round list and completeness table, drill-down, filing on behalf
of a grid, the grid worker's phone page with its zero-report flow; outsiders get 404."""

import pytest
from django.urls import reverse

from disputes.models import DisputeCase, Source
from governance.models import Grid
from screening.models import ScreeningReport
from tests.disputes.helpers import report

from .helpers import file, open_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def round_(world):
    return open_round()


# role × page → status
@pytest.mark.parametrize(
    "role, list_, detail, file_1a, mobile",
    [
        ("admin", 200, 200, 200, 404),
        ("county", 200, 200, 403, 404),
        ("station_a", 200, 200, 200, 404),
        ("station_b", 200, 200, 404, 404),
        ("aux_v1", 200, 200, 200, 404),
        ("grid_g1", 200, 200, 200, 200),
        ("mediator_t1", 200, 404, 404, 404),
        ("norole", 200, 404, 404, 404),
    ],
)
def test_permission_matrix(client_for, world, round_, role, list_, detail, file_1a, mobile):
    client = client_for(role)
    assert client.get(reverse("screening:round-list")).status_code == list_
    assert client.get(reverse("screening:round-detail", args=[round_.pk])).status_code == detail
    assert (
        client.get(reverse("screening:file-report", args=[round_.pk, world.grid_1a.pk])).status_code
        == file_1a
    )
    assert client.get(reverse("screening:mobile")).status_code == mobile


def test_anonymous_users_go_to_the_login_page(client, world, round_):
    for url in (
        reverse("screening:round-list"),
        reverse("screening:mobile"),
        reverse("screening:round-detail", args=[round_.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_a_report_outside_scope_is_404(client_for, world, round_):
    filed = file(world, round_, world.grid_1a, zero=True)
    url = reverse("screening:report-detail", args=[filed.pk])
    assert client_for("station_b").get(url).status_code == 404
    assert client_for("station_a").get(url).status_code == 200


def test_nav_shows_screening_for_station_county_admin_and_auxiliary(client_for, world):
    for role, shown in [
        ("admin", True),
        ("county", True),
        ("station_a", True),
        ("aux_v1", True),
        ("mediator_t1", False),
    ]:
        # (the auxiliary officer's home is the phone's: the desktop one is its ?desktop=1 link)
        html = client_for(role).get(reverse("home"), {"desktop": "1"}).content.decode()
        assert (reverse("screening:round-list") in html) is shown, role


def test_round_list_and_completeness_table_with_group_by_and_drill_down(
    client_for, world, round_, django_assert_max_num_queries
):
    file(world, round_, world.grid_1a, zero=True)
    client = client_for("county")
    html = client.get(reverse("screening:round-list")).content.decode()
    assert round_.title in html and "25%" in html  # 1 of 4 grids
    url = reverse("screening:round-detail", args=[round_.pk])
    html = client.get(url).content.decode()  # county default: by station
    assert (
        "甲镇派出所" in html
        and "乙乡派出所" in html
        and f"?group_by=village&amp;station={world.station_a.pk}" in html
    )
    html = client.get(url, {"group_by": "village", "station": world.station_a.pk}).content.decode()
    assert "一村" in html and "二村" in html and "三村" not in html
    html = client.get(url, {"group_by": "grid", "village": world.village_1.pk}).content.decode()
    assert "一村一组" in html and "一村二组" in html and "二村一组" not in html
    assert "按时报告" in html and "未报告" in html
    html = client.get(url, {"group_by": "bogus"}).content.decode()
    assert "甲镇派出所" in html  # unknown → default
    with django_assert_max_num_queries(12):
        client.get(url, {"group_by": "grid"})


def test_station_staff_file_on_behalf_of_a_grid(client_for, world, round_):
    client = client_for("station_a")
    url = reverse("screening:file-report", args=[round_.pk, world.grid_2.pk])
    detail = client.get(
        reverse("screening:round-detail", args=[round_.pk]), {"group_by": "grid"}
    ).content.decode()
    assert url in detail  # "代为填报" link
    response = client.post(
        url,
        {
            "report-note": "走访20户",
            "items-TOTAL_FORMS": "2",
            "items-INITIAL_FORMS": "0",
            "items-0-area": "labour_debt",
            "items-0-description": "拖欠工资",
            "items-0-category": "labour_debt",
            "items-0-people_involved": "4",
            "items-0-parties": "张三、李四",
            "items-1-people_involved": "2",  # an untouched extra form
        },
    )
    filed = ScreeningReport.objects.get(grid=world.grid_2)
    assert response.status_code == 302 and response["Location"] == reverse(
        "screening:report-detail", args=[filed.pk]
    )
    case = filed.items.get().case
    assert case.source == Source.SCREENING and case.people_involved == 4
    assert list(case.parties.values_list("name", flat=True)) == ["张三", "李四"]
    # a second visit goes to the filed report
    assert client.get(url)["Location"] == reverse("screening:report-detail", args=[filed.pk])


def test_bad_input_on_the_desktop_form_shows_a_message_and_writes_nothing(client_for, world, round_):
    client = client_for("station_a")
    url = reverse("screening:file-report", args=[round_.pk, world.grid_2.pk])
    base = {"items-TOTAL_FORMS": "1", "items-INITIAL_FORMS": "0", "items-0-people_involved": "2"}
    html = client.post(url, base).content.decode()  # neither items nor zero
    assert "请至少填写一条排查发现" in html
    html = client.post(url, {**base, "items-0-area": "other", "items-0-description": "x"}).content.decode()
    assert "新立案件请选择纠纷类别" in html
    html = client.post(
        url,
        {
            **base,
            "report-zero": "on",
            "items-0-area": "other",
            "items-0-description": "x",
            "items-0-category": "other",
        },
    ).content.decode()
    assert "零报告不能同时填写排查发现" in html
    assert not ScreeningReport.objects.exists() and not DisputeCase.objects.exists()


def test_the_grid_worker_phone_page_zero_report_flow(client_for, world, round_):
    client = client_for("grid_g1")
    url = reverse("screening:mobile")
    html = client.get(url).content.decode()
    assert round_.title in html and "零报告:已排查,未发现" in html and "一村一组" in html
    html = client.get(url, {"zero": "1"}).content.decode()  # confirmation step
    assert "确认提交零报告" in html
    response = client.post(url, {"action": "zero"})  # not confirmed yet
    assert response["Location"].endswith("?zero=1") and not ScreeningReport.objects.exists()
    response = client.post(url, {"action": "zero", "confirm": "1", "note": "走访32户"})
    assert response.status_code == 302
    filed = ScreeningReport.objects.get()
    assert filed.is_zero and filed.grid == world.grid_1a and filed.note == "走访32户"
    html = client.get(url).content.decode()
    assert "已提交零报告" in html and "零报告:已排查,未发现" not in html
    html = client.post(url, {"action": "zero", "confirm": "1"}).content.decode()  # a second tap
    assert "该网格本轮已提交排查报告" in html and ScreeningReport.objects.count() == 1


def test_the_grid_worker_phone_page_items_with_a_linked_case(client_for, world, round_):
    mine = report(world, grid=world.grid_1a)
    other_grid = report(world, grid=world.grid_1b)
    client = client_for("grid_g1")
    url = reverse("screening:mobile")
    html = client.get(url).content.decode()
    assert mine.number in html and other_grid.number not in html  # only cases they may see
    base = {"action": "items", "items-TOTAL_FORMS": "1", "items-INITIAL_FORMS": "0"}
    html = client.post(
        url,
        {
            **base,
            "items-0-area": "family_neighbour",
            "items-0-description": "x",
            "items-0-case": str(other_grid.pk),
        },
    ).content.decode()
    assert "有误" in html and not ScreeningReport.objects.exists()
    response = client.post(
        url,
        {
            **base,
            "items-0-area": "family_neighbour",
            "items-0-description": "又起争执",
            "items-0-case": str(mine.pk),
        },
    )
    assert response.status_code == 302
    item = ScreeningReport.objects.get().items.get()
    assert item.case == mine and not item.is_new_case
    assert mine.number in client.get(url).content.decode()


def test_the_phone_page_without_an_open_round(client_for, world):
    html = client_for("grid_g1").get(reverse("screening:mobile")).content.decode()
    assert "目前没有进行中的排查轮次" in html


def test_a_late_round_on_the_phone_page_invites_late_filing(client_for, world):
    open_round(days_ago=10)
    html = client_for("grid_g1").get(reverse("screening:mobile")).content.decode()
    assert "已过截止时间" in html


def test_an_outsiders_grid_is_404_for_filing(client_for, world, round_):
    url = reverse("screening:file-report", args=[round_.pk, world.grid_3.pk])
    assert (
        client_for("station_a")
        .post(url, {"report-zero": "on", "items-TOTAL_FORMS": "0", "items-INITIAL_FORMS": "0"})
        .status_code
        == 404
    )
    Grid.objects.filter(pk=world.grid_2.pk).update(is_active=False)
    assert (
        client_for("station_a")
        .get(reverse("screening:file-report", args=[round_.pk, world.grid_2.pk]))
        .status_code
        == 404
    )
    assert not ScreeningReport.objects.exists()


def test_the_grid_workers_home_page_links_to_the_phone_page(client_for, world):
    assert (
        reverse("screening:mobile")
        in client_for("grid_g1").get(reverse("home"), follow=True).content.decode()
    )
    assert reverse("screening:mobile") not in client_for("station_a").get(reverse("home")).content.decode()


def test_pages_issue_a_fixed_number_of_queries_whatever_the_number_of_grids(client_for, world, round_):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from governance import services as gov

    client = client_for("station_a")
    urls = [reverse("screening:round-list")] + [
        f"{reverse('screening:round-detail', args=[round_.pk])}?group_by={g}"
        for g in ("grid", "village", "township", "station")
    ]

    def counts():
        result = []
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            result.append(len(ctx))
        return result

    few = counts()
    for i in range(4):
        grid = gov.grid_create(
            actor=world.user("admin"), village=world.village_2, name=f"二村{i + 2}组", code=f"G-2-{i}"
        )
        file(world, round_, grid, actor="station_a", zero=True)
    assert counts() == few
