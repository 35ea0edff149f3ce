"""The command centre in a real headless Chromium on the demo county: the trend chart and the
risk map draw (non-empty canvases), and a click drills down to a station."""

import os

import pytest
from django.core.management import call_command

from tests.conftest import require_service

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

NON_EMPTY = """(selector) => {
  const canvases = document.querySelectorAll(selector + ' canvas');
  let painted = 0;
  for (const c of canvases) {
    if (!c.width || !c.height) continue;
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < data.length; i += 4) { if (data[i] !== 0) { painted++; } }
  }
  return painted;
}"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_charts_and_map_render_on_the_demo_county(live_server, tmp_path):
    require_service("Chromium", os.path.exists(CHROMIUM), f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    call_command("run_jobs", "disputes.risk_nightly", stdout=open(os.devnull, "w"))  # noqa: SIM115
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "demo_county")
        page.fill("input[name=password]", "demo12345")
        page.click("button[type=submit]")
        page.goto(f"{live_server.url}/dashboard/")
        page.wait_for_selector("#trend-chart[data-ready='1']", timeout=15000)
        page.wait_for_selector("#risk-map[data-ready='1']", timeout=15000)
        page.wait_for_timeout(500)
        page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
        assert page.evaluate(NON_EMPTY, "#trend-chart") > 1000
        assert page.evaluate(NON_EMPTY, "#risk-map") > 1000
        assert "峨边彝族自治县" in page.inner_text("h1")
        assert int(page.inner_text(".figure-card .figure-value")) > 0  # open cases
        page.click(".children-table a >> nth=0")
        page.wait_for_selector("#trend-chart[data-ready='1']", timeout=15000)
        assert "派出所" in page.inner_text("h1")
        assert page.locator(".area-crumbs a", has_text="峨边彝族自治县").count() == 1
        browser.close()
