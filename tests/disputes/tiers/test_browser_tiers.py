"""Every tier acts, by clicking in a real headless Chromium (issue 14): the county hands a
county-level case on to the station (交办), the station's officer acknowledges it (签收) from the
work queue, the township's 综治中心 supervises it (督办), the officer replies (反馈) on a 390 px
phone from the home page's work queue, and after closure the county evaluates the handling (评价)."""

import datetime as dt
import os

import pytest
from django.utils import timezone

from disputes import services
from disputes.models import DisputeCase, Level, Status
from disputes.tiers.models import Evaluation, HandOn, Supervision
from tests.conftest import PASSWORD, require_service

from ..helpers import agreement_data, escalate_to, report

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _when(days: int) -> str:
    return (timezone.localtime() + dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def _login(browser, url, username, viewport=None):
    page = browser.new_context(viewport=viewport or {"width": 1366, "height": 900}).new_page()
    page.set_default_timeout(15000)
    page.goto(f"{url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    return page


def _submit(page, key: str, message: str) -> None:
    with page.expect_navigation():
        page.locator(f"#tier-{key} button[type=submit]").click()
    assert message in page.inner_text(".messages"), page.inner_text("main")[:1500]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_hand_on_acknowledge_supervise_reply_and_evaluate_by_clicking(live_server, world, tmp_path):
    require_service("Chromium", os.path.exists(CHROMIUM), f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    case = escalate_to(world, report(world), Level.COUNTY)
    services.case_accept(actor=world.user("county"), case=case)
    url, detail = live_server.url, f"{live_server.url}/cases/{case.pk}/"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        # 交办: the county hands its case on to the station
        county = _login(browser, url, "county")
        county.goto(detail)
        county.locator("#tier-hand-on summary").click()
        county.select_option("select[name='t-hand-on-target']", "station")
        county.fill("input[name='t-hand-on-deadline']", _when(7))
        county.fill("textarea[name='t-hand-on-instructions']", "请派出所组织双方调解,一周内办结。")
        _submit(county, "hand-on", "已交办")

        # 签收: the officer finds it in 我的待办 and acknowledges it
        station = _login(browser, url, "station_a")
        station.goto(f"{url}/")
        queue = station.locator("#work-queue")
        assert "待签收交办" in queue.inner_text()
        with station.expect_navigation():
            queue.locator(f"a:has-text('{case.number}')").first.click()
        station.locator("#tier-acknowledge summary").click()
        station.locator("select[name='t-acknowledge-hand_on']").select_option(index=1)
        station.fill("textarea[name='t-acknowledge-note']", "已签收,今日联系双方")
        _submit(station, "acknowledge", "已签收")

        # 督办: the township's 综治中心 asks for progress
        township = _login(browser, url, "township_a")
        township.goto(detail)
        township.locator("#tier-supervise summary").click()
        township.fill("textarea[name='t-supervise-reason']", "群众反映调处进展慢,请反馈")
        township.fill("input[name='t-supervise-reply_by']", _when(2))
        _submit(township, "supervise", "已督办")

        # 反馈: the officer on a phone (390 px) answers from the work queue of the home page
        phone = _login(browser, url, "station_a", viewport={"width": 390, "height": 844})
        phone.goto(f"{url}/")
        queue = phone.locator("#work-queue")
        assert "待反馈督办" in queue.inner_text()
        phone.screenshot(path=str(tmp_path / "queue-390.png"), full_page=True)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the phone page scrolls sideways ({width}px)"
        with phone.expect_navigation():
            queue.locator(f"a:has-text('{case.number}')").first.click()
        phone.locator("#tier-supervision-reply summary").click()
        phone.locator("select[name='t-supervision-reply-supervision']").select_option(index=1)
        phone.fill("textarea[name='t-supervision-reply-text']", "已组织双方面谈,约定周五再次调解")
        _submit(phone, "supervision-reply", "已反馈督办")
        browser.close()

    # the ORM is not usable inside Playwright's event loop: the station closes the case here
    staff = world.user("station_a")
    case = DisputeCase.objects.get(pk=case.pk)
    assert case.level == Level.VILLAGE and case.responsible == staff
    services.case_start_mediation(actor=staff, case=case)
    agreement = services.agreement_create(actor=staff, case=case, **agreement_data())
    services.agreement_set_performance(actor=staff, agreement=agreement, status="performed")
    services.case_close(actor=staff, case=DisputeCase.objects.get(pk=case.pk), note="协议履行完毕")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        # 评价: the county rates the handling of the case it handed on
        county = _login(browser, url, "county")
        county.goto(detail)
        county.locator("#tier-evaluate summary").click()
        county.locator("input[name='t-evaluate-rating'][value='satisfied']").check()
        county.fill("textarea[name='t-evaluate-note']", "调处及时,群众满意")
        _submit(county, "evaluate", "已评价")
        assert "满意" in county.inner_text("#tiers-evaluation")
        county.screenshot(path=str(tmp_path / "evaluated.png"), full_page=True)
        browser.close()

    case = DisputeCase.objects.get(pk=case.pk)
    assert case.status == Status.CLOSED
    hand_on = HandOn.objects.get(case=case)
    assert hand_on.status == HandOn.Status.ACKNOWLEDGED and hand_on.acknowledged_by == staff
    supervision = Supervision.objects.get(case=case)
    assert supervision.opened_by == world.user("township_a") and supervision.replied_at is not None
    assert supervision.replies.get().text == "已组织双方面谈,约定周五再次调解"
    evaluation = Evaluation.objects.get(case=case)
    assert (evaluation.rating, evaluation.evaluator) == ("satisfied", world.user("county"))
    codes = set(case.events.values_list("code", flat=True))
    assert {
        "disputes.case.handed_on",
        "disputes.case.hand_on_acknowledged",
        "disputes.case.supervised",
        "disputes.case.supervision_replied",
        "disputes.case.evaluated",
    } <= codes
