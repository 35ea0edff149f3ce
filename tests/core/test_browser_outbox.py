"""The phone outbox in a real headless Chromium on a 390-px phone (static/js/outbox.js).

For each phone form: the network drops mid-submit — the server gets the post but its answer
never reaches the phone (a Playwright route forwards the request, then aborts) — so the item
shows as waiting in the bar "待发送 (1)"; when it is resent ("立即重发", or the `online` event)
the server answers with the first record: exactly one record. And with the phone offline before
the tap: nothing reaches the server until the network returns, then one record.

The service worker: after one online visit the phone home and the work list open offline."""

import os
import re

import pytest
from django.utils import timezone

from disputes import risk
from patrols.models import PatrolCheckIn
from patrols.visits import services as visit_services
from patrols.visits.models import GridCheckIn
from screening.models import ScreeningReport
from stations.models import VillageVisit
from tests.conftest import PASSWORD, require_service
from tests.disputes.helpers import report
from tests.patrols.helpers import plan
from tests.screening.helpers import open_round

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone(live_server, monkeypatch):
    require_service("Chromium", os.path.exists(CHROMIUM), f"{CHROMIUM} is not installed")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)

        def open_as(name: str, *, service_workers: str = "block"):
            context = browser.new_context(
                viewport={"width": 390, "height": 844}, locale="zh-CN", service_workers=service_workers
            )
            page = context.new_page()
            page.goto(f"{live_server.url}/login/")
            page.fill("input[name=username]", name)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state()
            return context, page

        yield open_as
        browser.close()


def _lose_the_answer(page, path_regex: str):
    """The next POST to the path reaches the server, but its answer is lost on the way back."""

    def handler(route):
        if route.request.method != "POST":
            route.continue_()
            return
        route.fetch()  # the server does the work...
        route.abort("internetdisconnected")  # ...and the phone never hears of it

    pattern = re.compile(path_regex)
    page.route(pattern, handler)
    return pattern


def _waiting(page, n: int = 1):
    bar = page.locator("[data-outbox-bar]")
    bar.wait_for(state="visible", timeout=10000)
    page.wait_for_function(
        "(n) => document.querySelector('[data-outbox-bar]').getAttribute('data-count') === String(n)", arg=n
    )
    assert f"待发送 ({n})" in bar.inner_text()
    return bar


def _until(page, script: str, timeout: float = 15.0):
    """Poll an async page expression (page.evaluate awaits its promise) until it is true."""
    import time

    from playwright.sync_api import Error

    end = time.monotonic() + timeout
    while True:
        try:
            if page.evaluate(script):
                return
        except Error:  # a navigation under way: ask the next page
            pass
        assert time.monotonic() < end, script
        page.wait_for_timeout(200)


def _sent(page):
    page.wait_for_function(
        "() => { const b = document.querySelector('[data-outbox-bar]'); return b && b.getAttribute('data-count') === '0'; }",
        timeout=15000,
    )


def _visit(world):
    case = report(
        world,
        grid=world.grid_1a,
        category="labour_debt",
        people_involved=12,
        threat_flag=True,
        amount_involved=150000,
    )
    risk.assess_case(case=case)
    visit_services.risk_visits_create(now=timezone.now())
    return case.risk_visits.get()


def _patrol(world):
    from patrols import services as patrol_services

    return patrol_services.patrol_start(actor=world.user("aux_v1"), plan=plan(world))


FORMS = {
    # name: (user, set-up → (url, fill(page), submit selector, POST path regex), model)
    "village_check_in": (
        "aux_v1",
        lambda world: (
            "/stations/m/checkin/",
            None,
            "form[data-outbox] button[type=submit]",
            r"/stations/m/checkin/$",
        ),
        VillageVisit,
    ),
    "visit_check_in": (
        "grid_g1",
        lambda world: (
            "/visits/m/",
            lambda page: page.locator("input[name=outcome][value=stable]").first.check(),
            f"form[action='/visits/{_visit(world).pk}/check-in/'] button[type=submit]",
            r"/visits/\d+/check-in/$",
        ),
        GridCheckIn,
    ),
    "patrol_check_in": (
        "aux_v1",
        lambda world: (
            f"/patrols/{_patrol(world).pk}/m/",
            None,
            "form[data-outbox] button[type=submit] >> nth=0",
            r"/patrols/\d+/check-in/$",
        ),
        PatrolCheckIn,
    ),
    "zero_report": (
        "grid_g1",
        lambda world: (
            open_round() and "/screening/m/?zero=1",
            None,
            "form[data-outbox] button[type=submit]",
            r"/screening/m/",
        ),
        ScreeningReport,
    ),
}


def _fill_items(world):
    open_round()
    case = report(world, grid=world.grid_1a)

    def fill(page):
        page.click("label.m-cat:has(input[name='items-0-area'][value='family_neighbour'])")  # 家庭邻里
        assert page.is_checked("input[name='items-0-area'][value='family_neighbour']")
        page.fill("textarea[name='items-0-description']", "两户因宅基地边界又起争执")
        page.select_option("select[name='items-0-case']", str(case.pk))

    return "/screening/m/", fill, "form[data-outbox] button[type=submit]", r"/screening/m/"


FORMS["screening_report"] = ("grid_g1", _fill_items, ScreeningReport)


@pytest.mark.parametrize("name", list(FORMS))
def test_a_lost_answer_is_resent_once_and_makes_one_record(phone, live_server, world, name, tmp_path):
    user, setup, model = FORMS[name]
    url, fill, submit, post_path = setup(world)
    context, page = phone(user)
    page.goto(live_server.url + url)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    if fill:
        fill(page)
    pattern = _lose_the_answer(page, post_path)
    page.click(submit)
    _waiting(page, 1)
    page.screenshot(path=str(tmp_path / f"{name}-waiting.png"))
    assert model.objects.count() == 1  # the server made it; the phone does not know yet
    [entry] = page.evaluate("() => Outbox.list()")
    assert entry["state"] == "waiting" and len(entry["key"]) == 36

    page.unroute(pattern)
    page.click("[data-outbox-resend]")  # 立即重发
    _sent(page)
    page.wait_for_load_state()
    page.wait_for_selector("[data-outbox-bar]", state="hidden")
    assert model.objects.count() == 1
    context.close()


@pytest.mark.parametrize("name", ["village_check_in", "zero_report"])
def test_offline_before_the_tap_waits_then_sends_once_when_the_network_returns(
    phone, live_server, world, name
):
    user, setup, model = FORMS[name]
    url, fill, submit, _post = setup(world)
    context, page = phone(user)
    page.goto(live_server.url + url)
    context.set_offline(True)
    page.click(submit)
    bar = _waiting(page, 1)
    assert "网络中断" in bar.inner_text()
    assert model.objects.count() == 0
    context.set_offline(False)  # `online`: the outbox sends it by itself
    _sent(page)
    page.wait_for_load_state()
    assert model.objects.count() == 1
    # and once more from the outbox on the next page load: still one
    context.close()


def test_a_refused_item_keeps_the_servers_message(phone, live_server, world):
    context, page = phone("aux_v1")
    page.goto(live_server.url + "/stations/m/checkin/")
    page.evaluate(
        "() => document.querySelectorAll('input[name=village]').forEach(i => { i.checked = false; })"
    )
    page.click("form[data-outbox] button[type=submit]")
    bar = _waiting(page, 1)
    page.wait_for_selector("[data-outbox-item][data-state=refused]")
    assert "未被接受" in bar.inner_text()
    assert VillageVisit.objects.count() == 0
    page.click("[data-outbox-item] .ob-link")  # 删除
    page.wait_for_selector("[data-outbox-bar]", state="hidden")
    context.close()


def test_the_service_worker_serves_the_home_and_the_work_list_offline(phone, live_server, world):
    mine = report(world, grid=world.grid_1a)
    context, page = phone("grid_g1", service_workers="allow")
    # caches an older worker left (another VERSION): the new one deletes them when it activates
    page.evaluate("() => Promise.all([caches.open('shell-0ld'), caches.open('pages-0ld')])")
    page.goto(live_server.url + "/m/")
    assert page.evaluate("() => navigator.serviceWorker.ready.then(r => !!r.active)")
    _until(page, "() => caches.keys().then(ns => !ns.includes('shell-0ld'))")
    names = page.evaluate("() => caches.keys()")
    assert "shell-0ld" not in names and "pages-0ld" not in names, names
    # the first visit installs it; these visits go through it and are kept
    for path in ("/m/", "/m/cases/?open=1", "/visits/m/"):
        page.goto(live_server.url + path)
        page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=15000)
    _until(page, "() => caches.keys().then(ns => ns.some(n => n.startsWith('pages-')))")
    version = page.evaluate("() => caches.keys()")
    assert any(n.startswith("shell-") for n in version)

    context.set_offline(True)
    page.goto(live_server.url + "/m/")
    assert "上报矛盾纠纷" in page.inner_text("body")
    page.goto(live_server.url + "/m/cases/?open=1")
    assert mine.number in page.inner_text("body")
    page.goto(live_server.url + "/visits/m/")
    assert "核查走访" in page.content()
    context.set_offline(False)

    # logging out deletes the cached pages
    page.goto(live_server.url + "/m/")
    with page.expect_navigation(url=re.compile(r"/login/")):
        page.click("footer form[action$='/logout/'] button")
    _until(page, "() => caches.keys().then(ns => !ns.some(n => n.startsWith('pages-')))")
    # and signed out, the work list no longer opens offline from the cache
    context.set_offline(True)
    page.goto(live_server.url + "/m/cases/?open=1")
    assert mine.number not in page.inner_text("body")
    context.set_offline(False)
    context.close()


def test_a_report_with_its_photo_waits_offline_and_is_sent_once_with_the_photo(
    phone, live_server, world, tmp_path, settings
):
    from PIL import Image

    from core.attachments.models import Attachment
    from disputes.models import DisputeCase

    settings.MEDIA_ROOT = str(tmp_path / "media")
    photo = tmp_path / "IMG_0002.jpg"
    Image.new("RGB", (800, 600), (120, 160, 90)).save(photo, format="JPEG", quality=85)
    context, page = phone("grid_g1")
    page.goto(live_server.url + "/m/report/")
    page.click("label.m-cat:has-text('邻里')")
    page.fill("textarea[name=summary]", "两户因院坝排水发生争吵,已拍下现场。")
    page.fill("input[name=name_1]", "吉克阿木")
    page.set_input_files("input[name=photo]", str(photo))
    context.set_offline(True)
    page.click("[data-submit]")
    _waiting(page, 1)
    [entry] = page.evaluate(
        "() => Outbox.list().then(items => items.map(e => ({files: e.files.length, key: e.key})))"
    )
    assert entry["files"] == 1  # the photo is kept on the phone (a Blob in IndexedDB)
    # the network returns but the server cannot be reached yet; the page is closed and opened
    # again: the report (and its photo) is still waiting
    unreachable = re.compile(r"/m/report/$")
    page.route(
        unreachable, lambda route: route.abort() if route.request.method == "POST" else route.continue_()
    )
    context.set_offline(False)
    page.reload()
    _waiting(page, 1)
    assert DisputeCase.objects.count() == 0
    page.unroute(unreachable)
    page.click("[data-outbox-resend]")
    _sent(page)
    case = DisputeCase.objects.get()
    assert str(case.client_key) == entry["key"]
    assert Attachment.objects.get().object_id == case.pk
    context.close()


@pytest.mark.parametrize("name", ["village_check_in", "visit_check_in", "patrol_check_in"])
def test_a_check_in_kept_offline_says_when_it_was_made_and_keeps_the_servers_time(
    phone, live_server, world, name
):
    """The phone's time of the tap is kept only as "recorded offline at"; the check-in's time is
    the server's, when it arrives."""
    from django.utils import timezone

    user, setup, model = FORMS[name]
    url, fill, submit, _post = setup(world)
    context, page = phone(user)
    page.goto(live_server.url + url)
    if fill:
        fill(page)
    context.set_offline(True)
    tapped = timezone.now()
    page.click(submit)
    _waiting(page, 1)
    page.wait_for_timeout(1500)
    context.set_offline(False)
    _sent(page)
    page.wait_for_load_state()
    record = model.objects.get()
    assert record.recorded_offline_at is not None
    assert abs((record.recorded_offline_at - tapped).total_seconds()) < 5
    time_field = "checked_in_at" if hasattr(record, "checked_in_at") else "created_at"
    assert getattr(record, time_field) > record.recorded_offline_at  # the server's own, later time
    context.close()
