"""Station staff take a walk-in case from the front desk to closure in a real headless Chromium,
only by clicking in the pages: log in, register the case with a party, accept it, start the
mediation, record the agreement, mark it performed, close it; the timeline shows each step."""

import os

import pytest

from disputes.models import DisputeCase, Status
from tests.conftest import PASSWORD, require_service

from ..factories import make_id_number, make_phone

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def open_and_submit(page, key: str) -> None:
    """Open the action's disclosure and press its button; the page comes back with a message."""
    action = page.locator(f"#act-{key}")
    action.locator("summary").click()
    with page.expect_navigation():
        action.locator("button[type=submit]").click()
    assert page.locator(".alert-success").count() == 1, page.inner_text("main")[:1500]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_station_staff_take_a_walk_in_case_to_closure(live_server, world, tmp_path):
    require_service("Chromium", os.path.exists(CHROMIUM), f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    id_number, phone = make_id_number(), make_phone()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.set_default_timeout(15000)

        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "station_a")
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.click("button[type=submit]")

        # the navigation leads to the cases, the list to the intake form
        page.click("nav#mainnav >> text=矛盾纠纷")
        page.wait_for_selector("h1:has-text('矛盾纠纷')")
        page.click("text=来访登记")
        page.wait_for_selector("h1:has-text('来访登记')")
        page.select_option("select[name=category]", label="邻里")
        page.select_option("select[name=village]", label="一村")
        page.fill("textarea[name=summary]", "两户村民因房前排水沟堵塞互相指责,来所要求处理。")
        page.fill("input[name=address]", "一村一组3号")
        page.fill("input[name='parties-0-name']", "吉克阿木")
        page.select_option("select[name='parties-0-ethnicity']", label="彝族")
        page.fill("input[name='parties-0-id_number']", id_number)
        page.fill("input[name='parties-0-phone']", phone)
        page.fill("input[name='parties-0-clan']", "吉克")
        page.click("summary:has-text('当事人 2')")
        page.fill("input[name='parties-1-name']", "沙马拉哈")
        with page.expect_navigation():
            page.click("button:has-text('登记')")
        number = page.inner_text("h1").split()[1]  # 案件 2026-000001 已上报 …
        assert "已登记案件" in page.inner_text(".messages")
        assert id_number in page.inner_text("#parties")  # station staff see it in full on the case page

        open_and_submit(page, "accept")
        open_and_submit(page, "start-mediation")

        agreement = page.locator("#act-agreement")
        agreement.locator("summary").click()
        agreement.locator("textarea[name='agreement-disputed_matters']").fill("排水沟清理责任及费用。")
        agreement.locator("textarea[name='agreement-terms']").fill(
            "双方共同清理排水沟,费用各半,今后互不指责。"
        )
        agreement.locator("input[name='agreement-performance_method']").fill("双方共同出工清理")
        with page.expect_navigation():
            agreement.locator("button[type=submit]").click()
        assert "已记录调解协议" in page.inner_text(".messages")
        assert page.locator("a:has-text('打印协议书')").count() == 1

        performance = page.locator("#act-performance")
        performance.locator("summary").click()
        performance.locator("select[name='performance-status']").select_option("performed")
        with page.expect_navigation():
            performance.locator("button[type=submit]").click()
        assert "已登记协议履行情况" in page.inner_text(".messages")

        open_and_submit(page, "close")
        page.screenshot(path=str(tmp_path / "walk-in-closed.png"), full_page=True)
        assert "已办结" in page.inner_text("h1")
        labels = page.locator("#timeline .timeline-label").all_inner_texts()
        assert labels == ["办结", "协议已履行", "协议履行情况", "达成协议", "开始调解", "受理", "登记上报"]
        assert "已上报 → 已受理" in page.inner_text("#timeline").replace("\n", "")
        # after closure only the recurrence and the follow-up visit are offered
        assert page.locator("#act-reopen").count() == 1 and page.locator("#act-follow-up").count() == 1
        assert page.locator("#act-accept, #act-close, #act-agreement").count() == 0

        # the printable agreement opens with the parties on it
        with page.expect_popup() as popup:
            page.click("a:has-text('打印协议书')")
        sheet = popup.value
        sheet.wait_for_load_state()
        assert "人民调解协议书" in sheet.inner_text("h1")
        assert "吉克阿木" in sheet.inner_text(".parties") and "沙马拉哈" in sheet.inner_text(".parties")
        sheet.screenshot(path=str(tmp_path / "agreement.png"), full_page=True)
        browser.close()

    # the ORM is not usable inside Playwright's event loop: check the database afterwards
    case = DisputeCase.objects.get()
    assert case.number == number and case.status == Status.CLOSED and case.source == "walk_in"
    assert case.parties.get(name="吉克阿木").id_number == id_number
    assert list(case.events.order_by("pk").values_list("code", flat=True)) == [
        "disputes.case.reported",
        "disputes.case.accepted",
        "disputes.case.mediation_started",
        "disputes.case.agreement_reached",
        "disputes.agreement.performance",
        "disputes.case.performed",
        "disputes.case.closed",
    ]
