"""The home page (工作台): the dispute panel, and grid workers sent to their phone home."""

import pytest

from tests.disputes.helpers import report

pytestmark = pytest.mark.django_db


def test_station_staff_see_their_dispute_work(client_for, world):
    report(world)
    report(world, village=world.village_3, actor="station_b")
    page = client_for("station_a").get("/")
    assert page.status_code == 200
    [panel] = [p for p in page.context["panels"] if p["template"] == "disputes/_home_panel.html"]
    assert panel["cases"]["open"] == 1 and panel["cases"]["reported"] == 1
    assert "矛盾纠纷待办" in page.content.decode()


def test_grid_workers_go_to_their_phone_home(client_for, world):
    response = client_for("grid_g1").get("/")
    assert response.status_code == 302 and response["Location"] == "/m/"


def test_a_user_without_a_role_sees_no_panel(client_for, world):
    page = client_for("norole").get("/")
    assert page.status_code == 200 and page.context["panels"] == []
