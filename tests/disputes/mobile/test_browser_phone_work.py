"""The phone flows by clicking in a real headless Chromium at 390 px (issue 16): the grid worker
lands on the phone home, opens a case of their grid and settles it on the spot (就地化解办结); the
auxiliary officer lands on the village phone home and checks in to the village from its first
tile."""

import os

import pytest

from disputes.models import Agreement, Status
from stations.models import VillageVisit
from tests.conftest import PASSWORD, require_service

from ..helpers import report

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {"width": 390, "height": 844}


def _login(browser, url: str, username: str):
    page = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    page.set_default_timeout(15000)
    page.goto(f"{url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    return page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_grid_worker_settles_and_auxiliary_officer_checks_in_by_clicking(live_server, world, tmp_path):
    require_service("Chromium", os.path.exists(CHROMIUM), f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    case = report(world, grid=world.grid_1a)
    url = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)

        grid = _login(browser, url, "grid_g1")
        assert grid.url.rstrip("/").endswith("/m")  # the phone home is the grid worker's home
        with grid.expect_navigation():
            grid.locator("a.m-tile:has-text('本网格案件')").click()
        with grid.expect_navigation():
            grid.locator(f"a.m-card:has-text('{case.number}')").click()
        grid.locator("#m-act-settle summary").click()
        grid.fill("input[name='settle-attendees']", "双方当事人、网格员")
        grid.fill("textarea[name='settle-record']", "网格员到场劝说,双方各退一步。")
        grid.fill("textarea[name='settle-terms']", "赔礼道歉并当场赔付 300 元,双方不再追究。")
        grid.screenshot(path=str(tmp_path / "grid-settle.png"), full_page=True)
        with grid.expect_navigation():
            grid.locator("#m-act-settle button[type=submit]").click()
        assert "已就地化解办结" in grid.inner_text("body")
        assert grid.locator("#m-act-settle").count() == 0  # closed: nothing left to settle

        aux = _login(browser, url, "aux_v1")
        assert aux.url.rstrip("/").endswith("/m")  # the village phone home
        first_tile = aux.locator("nav.m-home a.m-tile").first
        assert "驻村签到" in first_tile.inner_text() and "今日尚未签到" in first_tile.inner_text()
        with aux.expect_navigation():
            first_tile.click()
        aux.locator("input[name='village']").first.check()
        aux.locator("input[name='activity'][value='visit']").check()
        aux.screenshot(path=str(tmp_path / "aux-checkin.png"), full_page=True)
        with aux.expect_navigation():
            aux.locator("form button[type=submit]:has-text('签到')").click()
        assert "已签到" in aux.inner_text("body")
        aux.goto(f"{url}/m/")
        assert "今日已签到" in aux.locator("nav.m-home a.m-tile").first.inner_text()
        browser.close()
    # (the database is read outside Playwright's event loop)
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.agreements.get().form == Agreement.Form.ORAL
    assert VillageVisit.objects.filter(created_by=world.user("aux_v1"), village=world.village_1).count() == 1
