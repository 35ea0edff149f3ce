"""In a real headless Chromium at phone width, with the phone's position set 3 km north of the
grid: the grid worker opens the visit tasks, picks the outcome and checks in; the visit is done
but not verified, and the page says so."""

import os

import pytest

from tests.conftest import PASSWORD, require_service
from tests.test_browser_smoke import ARGS, CHROMIUM, PHONE, assert_fits_phone

BOX = {
    "type": "Polygon",
    "coordinates": [
        [[103.255, 29.225], [103.265, 29.225], [103.265, 29.235], [103.255, 29.235], [103.255, 29.225]]
    ],
}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_visit_check_in_far_from_the_grid_leaves_the_task_unverified(live_server, world):
    require_service("Chromium", os.path.exists(CHROMIUM), f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    from disputes import risk
    from governance.models import Grid
    from patrols.visits.models import GridCheckIn, RiskVisit
    from tests.disputes.helpers import report

    Grid.objects.filter(pk=world.grid_1a.pk).update(boundary=BOX)
    case = report(
        world,
        grid=world.grid_1a,
        category="labour_debt",
        people_involved=12,
        threat_flag=True,
        amount_involved=150000,
    )
    risk.assess_case(case=case)
    visit = RiskVisit.objects.get(case=case)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(
            viewport=PHONE,
            locale="zh-CN",
            geolocation={"latitude": 29.26, "longitude": 103.26},
            permissions=["geolocation"],
        )
        page = context.new_page()
        page.set_default_timeout(15000)
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "grid_g1")
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.click("main button[type=submit]")
        page.goto(f"{live_server.url}/visits/m/")
        form = page.locator(f"form[action='/visits/{visit.pk}/check-in/']")
        page.wait_for_function("document.querySelector(\"form[data-geo] input[name=lat]\").value !== ''")
        form.locator("label.f-choice:has-text('情况稳定')").click()
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        text = page.inner_text("main")
        assert "已核查" in text and "未核实定位" in text
        assert_fits_phone(page)
        browser.close()

    check_in = GridCheckIn.objects.get(risk_visit=visit)
    assert check_in.outcome == "stable" and not check_in.verified
    assert 2700 < check_in.distance_m < 2900
