"""Hostile names in a real headless Chromium: a village and a grid called
``<img src=x onerror=…><script>…</script>`` are shown on the dashboard map tooltip and on every
page reached from the menus, and nothing runs (``window.__xss`` stays undefined). The pages raise
no script error and the Content-Security-Policy blocks none of our own scripts."""

import os
import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from governance.models import Grid, Region
from tests.conftest import PASSWORD, require_service

from ..disputes.helpers import report

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PAYLOAD = "<img src=x onerror=__xss=1><script>__xss=1</script>"  # names are at most 64 characters
SKIP = re.compile(r"/(logout|export|i18n)|\.xlsx|\.json|/api/|/admin/|/static/|/media/")
BOX = {
    "type": "Polygon",
    "coordinates": [[[103.0, 29.0], [103.2, 29.0], [103.2, 29.2], [103.0, 29.2], [103.0, 29.0]]],
}


@pytest.fixture
def hostile_world(world):
    Region.objects.filter(pk=world.village_1.pk).update(name="村" + PAYLOAD)
    Grid.objects.filter(pk=world.grid_1a.pk).update(name="组" + PAYLOAD, boundary=BOX)
    party = "<img src=x onerror=window.__xss=1>"  # a name is at most 64 characters
    parties = [{"name": party, "role": "applicant", "ethnicity": "yi", "address": PAYLOAD}]
    report(world, grid=world.grid_1a, summary=PAYLOAD, parties=parties)
    return world


def _watch(page, problems: list[str]) -> None:
    page.on("pageerror", lambda exc: problems.append(f"{page.url}: page error {exc}"))

    def console(msg):
        text = msg.text
        if msg.type == "error" and ("Content Security Policy" in text or "Refused to" in text):
            problems.append(f"{page.url}: {text}")

    page.on("console", console)


def _links(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.netloc or not parts.path.startswith("/") or SKIP.search(parts.path):
            continue
        found.append(base + parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def _crawl(page, base: str, start: list[str], limit: int) -> list[str]:
    seen: list[str] = []
    queue = [base + path for path in start]
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.append(url)
        page.goto(url)
        page.wait_for_load_state("load")
        assert page.evaluate("typeof window.__xss") == "undefined", url
        queue.extend(link for link in _links(page, base) if link not in seen)
    return seen


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_hostile_names_execute_nothing_on_the_map_and_pages(live_server, hostile_world):
    require_service("Chromium", os.path.exists(CHROMIUM), f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    world = hostile_world
    base = live_server.url
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for username, start, limit in [
            ("county", [f"/dashboard/county/{world.county.pk}/", "/"], 45),
            ("station_a", ["/", reverse("disputes:case-list"), reverse("governance:grid-list")], 45),
            ("grid_g1", ["/", reverse("mobile:home")], 15),
        ]:
            context = browser.new_context(viewport={"width": 1366, "height": 900})
            page = context.new_page()
            _watch(page, problems)
            page.goto(f"{base}/login/")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state("load")
            if username == "county":
                page.goto(f"{base}/dashboard/county/{world.county.pk}/")
                page.wait_for_selector("#risk-map[data-ready='1']", timeout=15000)
                page.locator("#risk-map").scroll_into_view_if_needed()
                box = page.locator("#risk-map").bounding_box()
                assert box
                for fx, fy in [(0.5, 0.5), (0.45, 0.55), (0.55, 0.45), (0.6, 0.6), (0.4, 0.4)] * 3:
                    page.mouse.move(box["x"] + 5, box["y"] + 5)
                    page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy, steps=6)
                    page.wait_for_timeout(300)
                    if page.locator(".leaflet-tooltip").count():
                        break
                tooltip = page.locator(".leaflet-tooltip").first
                assert PAYLOAD in (tooltip.text_content() or "")  # shown as text
                assert page.locator(".leaflet-tooltip img, .leaflet-tooltip script").count() == 0
                assert page.evaluate("typeof window.__xss") == "undefined"
            seen = _crawl(page, base, start, limit)
            if username == "station_a":  # the API docs page: Swagger UI runs under the policy too
                page.goto(f"{base}/api/v1/docs/")
                page.wait_for_selector(".swagger-ui .info", timeout=20000)
            assert len(seen) > 5, seen
            context.close()
        browser.close()
    assert problems == [], "\n".join(sorted(set(problems)))


def test_every_response_carries_a_policy_without_inline_scripts(client_for, world):
    response = client_for("county").get("/")
    policy = response["Content-Security-Policy"]
    script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert "'self'" in script_src and "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert "object-src 'none'" in policy


def test_templates_hold_no_inline_script_or_handler():
    root = os.path.join(os.path.dirname(__file__), "..", "..", "templates")
    offenders = []
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            text = open(path, encoding="utf-8").read()  # noqa: SIM115
            for tag in re.findall(r"<script\b[^>]*>", text):
                if "src=" not in tag and 'type="application/json"' not in tag:
                    offenders.append(f"{path}: {tag}")
            offenders += [f"{path}: {m}" for m in re.findall(r"<[^>]*\son[a-z]+\s*=", text)]
            if "javascript:" in text:
                offenders.append(f"{path}: javascript: URL")
    assert offenders == []
