"""A grid worker reports a dispute on a 390-px-wide phone page in a real headless Chromium; the
network drops before the report is sent: the draft and the outbox (static/js/outbox.js, in
IndexedDB) keep it on the phone and the worker is told; when the network returns the page sends
it again by itself, and exactly one case exists, even when the stored report is then sent twice
more at once and again from the outbox on the next page load."""

import json
import os

import pytest

from disputes.models import DisputeCase, Source
from tests.conftest import PASSWORD, require_service

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _draft(page):
    raw = page.evaluate("() => window.localStorage.getItem(window.ReportDraft.draftKey)")
    return json.loads(raw) if raw else None


def _outbox(page):
    return page.evaluate("() => Outbox.list()")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_offline_report_is_resent_when_the_network_returns_and_makes_one_case(
    live_server, world, tmp_path, monkeypatch
):
    require_service("Chromium", os.path.exists(CHROMIUM), f"{CHROMIUM} is not installed")
    # Playwright's sync API runs an event loop in this thread; the ORM reads below are plain
    # synchronous reads of the test database
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
        page = context.new_page()
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "grid_g1")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()

        page.goto(f"{live_server.url}/m/")
        page.click("text=上报矛盾纠纷")
        page.wait_for_selector("[data-report-form]")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390  # no sideways scrolling
        page.click("label.m-cat:has-text('邻里')")
        page.fill("textarea[name=summary]", "两户因排水沟堵塞发生争吵,一方扬言要堵路。")
        page.fill("input[name=name_1]", "吉克阿木")
        page.fill("input[name=name_2]", "沙马拉哈")
        page.click("[data-step='1']")
        page.click("[data-step='1']")
        page.check("input[name=threat_flag]")
        draft = _draft(page)
        assert (
            draft["fields"]["summary"].startswith("两户因排水沟")
            and draft["fields"]["people_involved"] == "4"
        )
        key = page.input_value("input[name=client_key]")
        assert key and draft["key"] == key

        # the network drops, then the worker taps 提交
        context.set_offline(True)
        page.click("[data-submit]")
        status = page.locator("[data-submit-status]")
        status.wait_for(state="visible")
        assert "网络中断,已保存草稿,恢复网络后自动重新提交" in status.inner_text()
        page.screenshot(path=str(tmp_path / "offline.png"))
        assert DisputeCase.objects.count() == 0
        outbox = _outbox(page)
        assert [e["key"] for e in outbox] == [key]
        assert "待发送 (1)" in page.inner_text("[data-outbox-bar]")
        assert _draft(page)["key"] == key  # the draft is kept too

        # the network returns: the page sends the report by itself
        context.set_offline(False)
        done = page.locator("[data-report-done]")
        done.wait_for(state="visible", timeout=15000)
        page.screenshot(path=str(tmp_path / "sent.png"))
        case = DisputeCase.objects.get()
        assert done.get_attribute("data-number") == case.number and case.number in done.inner_text()
        assert str(case.client_key) == key
        assert case.source == Source.GRID_REPORT and case.grid == world.grid_1a and case.people_involved == 4
        assert case.threat_flag and case.reported_by == world.user("grid_g1")
        assert _outbox(page) == [] and _draft(page) is None
        assert page.input_value("input[name=client_key]") != key  # the next report gets a new key

        # the stored report is sent twice more at once: the server returns the same case both times
        results = page.evaluate(
            "(e) => Outbox.put(e).then(() => Promise.all([Outbox.send(e), Outbox.send(e)]))", outbox[0]
        )
        assert results == ["sent", "sent"]
        assert DisputeCase.objects.count() == 1

        # ... and once more from the outbox on the next page load
        page.evaluate("(e) => Outbox.put(e)", outbox[0])
        page.goto(f"{live_server.url}/m/cases/")
        page.wait_for_function(
            "() => { const b = document.querySelector('[data-outbox-bar]'); return b && b.getAttribute('data-count') === '0'; }",
            timeout=15000,
        )
        assert DisputeCase.objects.count() == 1
        assert case.number in page.inner_text(".m-cards")
        browser.close()
