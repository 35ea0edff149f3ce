"""Smoke test in a real headless Chromium at phone width (390 px): station staff sign in through
the login page, open the village list from the (collapsed) navigation, see their villages in
Chinese and only theirs, open a village, and move on to the grids. Also: nothing on these pages
is wider than the phone.

The test database is a SQLite file (``DATABASES["default"]["TEST"]["NAME"]``), so the live
server's thread reads what the test wrote; ``transaction=True`` commits it.
"""

import os

import pytest

from tests.conftest import PASSWORD, require_service

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {"width": 390, "height": 844}


def open_nav_entry(page, label: str) -> None:
    """Click a top-bar entry on a phone: open the collapsed menu, and the drop-down group that
    holds the entry if it is in one."""
    toggler = page.locator("button.navbar-toggler")
    if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
        toggler.click()
    link = page.locator(f"nav#mainnav a:text-is('{label}')")
    if not link.is_visible():
        page.locator(f"nav#mainnav li.dropdown:has(a:text-is('{label}')) > .dropdown-toggle").click()
    with page.expect_navigation():
        link.click()


def assert_fits_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide on a {PHONE['width']}px phone"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_station_staff_find_their_villages_on_a_phone(live_server, world):
    require_service("Chromium", os.path.exists(CHROMIUM), f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        # a police PC's Chromium asks for Chinese; LocaleMiddleware follows Accept-Language
        page = browser.new_page(viewport=PHONE, locale="zh-CN")
        page.set_default_timeout(15000)

        page.goto(f"{live_server.url}/login/")
        assert page.locator("html").get_attribute("lang") == "zh-hans"
        page.fill("input[name=username]", "station_a")
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.click("main button[type=submit]")
        assert page.locator("h1").first.inner_text().strip(), "the home page has a heading"
        assert_fits_phone(page)

        open_nav_entry(page, "村(社区)")
        assert page.locator("h1").inner_text().strip() == "村(社区)"
        rows = page.locator("#results a.row-link")
        names = sorted(rows.all_inner_texts())
        assert names == ["一村", "二村"], names  # 三村 is station B's
        # on a phone the table is stacked into cards: no header row, each cell labelled
        assert page.locator("#results thead").is_hidden()
        assert page.locator("#results td[data-label='挂村民警']").first.is_visible()
        assert "甲所民警" in page.inner_text("#results")  # 一村's attached officer
        assert_fits_phone(page)

        with page.expect_navigation():
            page.click("#results a.row-link:text-is('一村')")
        assert "一村" in page.locator("h1").inner_text()
        assert "一村辅警" in page.inner_text("main")  # the village's auxiliary officer
        assert_fits_phone(page)

        open_nav_entry(page, "网格")
        assert page.locator("h1").inner_text().strip() == "网格"
        assert {"一村一组", "一村二组", "二村一组"} <= set(
            page.locator("#results a.row-link").all_inner_texts()
        )
        assert_fits_phone(page)

        browser.close()
