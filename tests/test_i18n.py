"""The English interface.

* The catalogues (locale/en/LC_MESSAGES/django.po and djangojs.po) are complete: no fuzzy or
  empty entry, the same placeholders in every msgstr as in its msgid, and every msgid the code
  marks today (extracted afresh with makemessages, in a copy of the project) is in them.
* A page rendered in English has no CJK character outside data fields. To tell data from
  interface text, every text value stored in the project's tables that contains CJK (names,
  summaries, notes written when the test world was built...) is replaced by an ASCII token
  before the pages are rendered, and ``<script type="application/json">`` data blocks are left
  out of the check. What CJK is left can only come from the templates and the code.
* The Chinese default still shows Chinese.
"""

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone, translation

from disputes import services
from disputes.models import MediationSession

from .conftest import require_service
from .disputes.helpers import agreement_data, report

BASE_DIR = Path(settings.BASE_DIR)
LOCALE_DIR = BASE_DIR / "locale" / "en" / "LC_MESSAGES"
DOMAINS = ["django", "djangojs"]

# Han ideographs, CJK symbols and punctuation (、。【】), full-width forms (,:()+)
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
JSON_SCRIPT = re.compile(r"<script\b[^>]*type=\"application/json\"[^>]*>.*?</script>", re.S)
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[#0 +-]*\d*(?:\.\d+)?([sdifrxXeEgGc%])")

# the project's own apps: their text fields hold the data that the pages show
DATA_APPS = ["governance", "stations", "disputes", "patrols"]


def _load_compiler():
    spec = importlib.util.spec_from_file_location(
        "compile_catalogs", BASE_DIR / "scripts" / "compile_catalogs.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


compiler = _load_compiler()


def catalogue_path(domain: str) -> Path:
    path = LOCALE_DIR / f"{domain}.po"
    if not path.exists():
        pytest.fail(
            f"{path.relative_to(BASE_DIR)} is missing"
            + (
                " (it is made from the parts: msgcat --use-first part1.po part2.po pending.po -o django.po)"
                if domain == "django"
                else ""
            )
        )
    return path


def entry_key(entry) -> tuple:
    return (entry.msgctxt, entry.msgid, entry.msgid_plural)


def describe(key: tuple) -> str:
    ctxt, msgid, _plural = key
    return (f"[{ctxt}] " if ctxt else "") + repr(msgid)


def placeholders(text: str) -> list[str]:
    found = []
    for name, conversion in PLACEHOLDER.findall(text):
        if conversion != "%":
            found.append(f"%({name}){conversion}" if name else f"%{conversion}")
    return sorted(found)


# --- a. The catalogues ----------------------------------------------------------------------
@pytest.mark.parametrize("domain", DOMAINS)
def test_catalogue_has_no_fuzzy_empty_or_mismatched_entry(domain):
    entries = [e for e in compiler.parse_po(catalogue_path(domain)) if e.msgid]
    assert entries, f"{domain}.po has no entries"
    fuzzy = [describe(entry_key(e)) for e in entries if e.fuzzy]
    empty = [describe(entry_key(e)) for e in entries if not e.translated]
    mismatched = []
    for e in entries:
        for index, msgstr in sorted(e.msgstr.items()):
            source = e.msgid if index == 0 or e.msgid_plural is None else e.msgid_plural
            if msgstr and placeholders(source) != placeholders(msgstr):
                mismatched.append(
                    f"{describe(entry_key(e))}: {placeholders(source)} ≠ {placeholders(msgstr)}"
                )
    assert not fuzzy, f"fuzzy entries in {domain}.po: {fuzzy}"
    assert not empty, f"untranslated entries in {domain}.po: {empty}"
    assert not mismatched, f"placeholders differ in {domain}.po: {mismatched}"


@pytest.mark.parametrize("domain", DOMAINS)
def test_catalogue_translations_have_no_cjk(domain):
    leftovers = [
        describe(entry_key(e))
        for e in compiler.parse_po(catalogue_path(domain))
        if e.msgid and any(CJK.search(s) for s in e.msgstr.values())
    ]
    assert not leftovers, f"English translations with CJK characters in {domain}.po: {leftovers}"


_COPIED_SUFFIXES = {".py", ".html", ".txt", ".js"}
_SKIPPED_DIRS = {
    ".git",
    ".venv",
    "venv",
    "var",
    "locale",
    "tests",
    "node_modules",
    "__pycache__",
    ".pytest_cache",
}


def _copy_sources(target: Path) -> None:
    """The files makemessages reads (Python, templates, our scripts), without the vendored ones."""
    for dirpath, dirnames, filenames in os.walk(BASE_DIR):
        here = Path(dirpath)
        rel = here.relative_to(BASE_DIR)
        dirnames[:] = [
            d for d in dirnames if d not in _SKIPPED_DIRS and (rel / d).as_posix() not in {"static/vendor"}
        ]
        for name in filenames:
            if Path(name).suffix in _COPIED_SUFFIXES:
                (target / rel).mkdir(parents=True, exist_ok=True)
                shutil.copy2(here / name, target / rel / name)


def test_every_msgid_in_the_code_is_in_the_catalogue(tmp_path):
    require_service("xgettext", shutil.which("xgettext") is not None, "GNU gettext is not installed")
    copy = tmp_path / "project"
    _copy_sources(copy)
    (copy / "locale").mkdir()
    env = {"SECRET_KEY": "makemessages-only", **os.environ, "VAR_DIR": str(tmp_path / "var")}
    for domain in DOMAINS:
        result = subprocess.run(
            [sys.executable, "manage.py", "makemessages", "-l", "en", "-d", domain, "--no-obsolete"]
            + ["--ignore=static/vendor", "--ignore=.venv", "--ignore=var", "--ignore=tests"],
            cwd=copy,
            env=env,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, f"makemessages -d {domain} failed:\n{result.stdout}\n{result.stderr}"
    missing = {}
    for domain in DOMAINS:
        extracted = copy / "locale" / "en" / "LC_MESSAGES" / f"{domain}.po"
        in_code = {entry_key(e) for e in compiler.parse_po(extracted) if e.msgid}
        in_catalogue = {entry_key(e) for e in compiler.parse_po(catalogue_path(domain)) if e.msgid}
        absent = sorted(in_code - in_catalogue, key=str)
        if absent:
            missing[domain] = [describe(k) for k in absent]
    assert not missing, f"msgids in the code but not in the catalogue: {missing}"


# --- b. English pages -----------------------------------------------------------------------
@pytest.fixture(scope="session")
def compiled_catalogues():
    """Build the .mo files from the .po files in the tree (a clean clone has none) and make
    Django load them afresh."""
    import gettext

    from django.utils.translation import trans_real

    for domain in DOMAINS:
        compiler.compile_file(catalogue_path(domain))
    # what Django's autoreloader does when a .mo file changes
    gettext._translations = {}
    trans_real._translations = {}
    trans_real._default = None
    for cached in (trans_real.check_for_language, getattr(trans_real, "translation_catalog_exists", None)):
        if hasattr(cached, "cache_clear"):
            cached.cache_clear()


@pytest.fixture(autouse=True)
def _back_to_the_default_language():
    """The locale middleware leaves the request's language active in this thread: a later test
    calling services directly would otherwise write English."""
    yield
    translation.deactivate()


def _ascii_token(obj, field) -> str:
    token = f"d{obj._meta.model_name[:6]}{obj.pk}{field.name[:6]}"
    return token[: field.max_length] if field.max_length else token


def _ascii_json(value, token: str):
    if isinstance(value, str):
        return token if CJK.search(value) else value
    if isinstance(value, list):
        return [_ascii_json(v, token) for v in value]
    if isinstance(value, dict):
        return {k: _ascii_json(v, token) for k, v in value.items()}
    return value


def replace_cjk_data() -> None:
    """Every stored text with CJK in it becomes an ASCII token (choice fields hold codes and
    are left alone: their labels are interface text)."""
    for app in DATA_APPS:
        for model in apps.get_app_config(app).get_models():
            text_fields = [
                f
                for f in model._meta.concrete_fields
                if isinstance(f, models.CharField | models.TextField | models.JSONField) and not f.choices
            ]
            if not text_fields:
                continue
            for obj in model._base_manager.all():
                changes = {}
                for f in text_fields:
                    value = getattr(obj, f.attname)
                    if isinstance(f, models.JSONField):
                        new = _ascii_json(value, _ascii_token(obj, f))
                        if new != value:
                            changes[f.attname] = new
                    elif isinstance(value, str) and CJK.search(value):
                        changes[f.attname] = _ascii_token(obj, f)
                if changes:
                    model._base_manager.filter(pk=obj.pk).update(**changes)


@pytest.fixture
def english_world(world, compiled_catalogues):
    """The test world with one case taken through mediation to an agreement, then its data
    turned ASCII."""
    admin = world.user("admin")
    case = report(world, "station_a", village=world.village_1, grid=world.grid_1a)
    services.case_accept(actor=admin, case=case)
    services.mediator_assign(actor=admin, case=case, mediator=world.mediator_t1)
    services.session_record(
        actor=world.user("mediator_t1"),
        case=case,
        held_at=timezone.now(),
        place="一村村委会",
        attendees="双方当事人",
        record="双方陈述了各自的理由。",
        outcome=MediationSession.Outcome.CONTINUING,
    )
    services.agreement_create(actor=admin, case=case, **agreement_data())
    other = report(world, "station_a", village=world.village_1, grid=world.grid_1a)
    replace_cjk_data()
    world.case = case
    world.other_case = other
    return world


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def interface_cjk(html: str) -> list[str]:
    """The CJK characters of a page with their surroundings (JSON data blocks left out)."""
    text = JSON_SCRIPT.sub("", html)
    found = []
    for match in CJK.finditer(text):
        snippet = text[max(0, match.start() - 60) : match.end() + 60].replace("\n", " ")
        if snippet not in found:
            found.append(snippet)
    return found


def get_page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert response.headers.get("Content-Language") == "en" or 'lang="en"' in response.content.decode()
    return response.content.decode()


def assert_no_interface_cjk(html: str, url: str) -> None:
    leftovers = interface_cjk(html)
    assert not leftovers, f"{url} shows Chinese interface text in English:\n" + "\n".join(leftovers[:30])


def test_the_english_login_page_has_no_chinese(client, compiled_catalogues, db):
    url = reverse("login")
    html = get_page(english(client), url)
    assert "Sign in" in html or "Log in" in html or "Login" in html
    assert_no_interface_cjk(html, url)


@pytest.mark.parametrize(
    "page",
    ["disputes:case-list", "disputes:case-detail", "disputes:agreement-print", "home"],
)
def test_the_english_desktop_case_pages_have_no_chinese(client_for, english_world, page):
    w = english_world
    if page == "disputes:case-detail":
        url = reverse(page, args=[w.case.pk])
    elif page == "disputes:agreement-print":
        url = reverse(page, args=[w.case.agreements.get().pk])
    else:
        url = reverse(page)
    html = get_page(english(client_for("station_a")), url)
    assert w.case.number in html or page == "home"
    assert_no_interface_cjk(html, url)


@pytest.mark.parametrize("page", ["mobile:home", "mobile:cases", "mobile:case-detail", "mobile:report"])
def test_the_english_phone_pages_have_no_chinese(client_for, english_world, page):
    w = english_world
    url = reverse(page, args=[w.case.pk]) if page == "mobile:case-detail" else reverse(page)
    html = get_page(english(client_for("grid_g1")), url)
    assert_no_interface_cjk(html, url)


def test_the_english_field_check_in_page_has_no_chinese(client_for, english_world):
    url = reverse("stations:checkin")
    html = get_page(english(client_for("aux_v1")), url)
    assert_no_interface_cjk(html, url)


def test_the_javascript_catalogue_is_english_when_english_is_chosen(client, compiled_catalogues, db):
    english_js = english(client).get(reverse("javascript-catalog")).content.decode()
    assert "Submitting\\u2026" in english_js or "Submitting…" in english_js
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME)
    chinese_js = client.get(reverse("javascript-catalog")).content.decode()
    assert "Submitting" not in chinese_js


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_phone_report_script_speaks_english(
    live_server, world, compiled_catalogues, tmp_path, monkeypatch
):
    """In a real Chromium: the page script's own messages (offline, sent) come from the
    JavaScript catalogue in English, and the page with its language switch fits a phone."""
    from .disputes.test_browser_grid_report import ARGS, CHROMIUM

    require_service("Chromium", os.path.exists(CHROMIUM), f"{CHROMIUM} is not installed")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    from .conftest import PASSWORD

    replace_cjk_data()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
        context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
        page = context.new_page()
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "grid_g1")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        page.goto(f"{live_server.url}{reverse('mobile:report')}")
        page.wait_for_selector("[data-report-form]")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        assert page.evaluate("() => typeof window.gettext") == "function"
        page.click("label.m-cat >> nth=0")
        page.fill("textarea[name=summary]", "Two households argued over a blocked ditch.")
        page.fill("input[name=name_1]", "Alice")
        context.set_offline(True)
        page.click("[data-submit]")
        status = page.locator("[data-submit-status]")
        status.wait_for(state="visible")
        assert status.inner_text().startswith("No network"), status.inner_text()
        context.set_offline(False)
        done = page.locator("[data-report-done]")
        done.wait_for(state="visible", timeout=15000)
        assert done.inner_text().startswith("Reported, case number"), done.inner_text()
        page.screenshot(path=str(tmp_path / "english-report.png"), full_page=True)
        assert not interface_cjk(page.content())
        browser.close()


# --- the switch on the phone pages ------------------------------------------------------------
@pytest.mark.parametrize(("actor", "page"), [("grid_g1", "mobile:home"), ("aux_v1", "stations:checkin")])
def test_the_phone_pages_switch_the_language(client_for, world, compiled_catalogues, actor, page):
    client = client_for(actor)
    url = reverse(page)
    html = client.get(url).content.decode()
    assert f'action="{reverse("set_language")}"' in html and 'name="language" value="en"' in html
    response = client.post(reverse("set_language"), {"language": "en", "next": url})
    assert response.status_code == 302 and response["Location"] == url
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert 'lang="en"' in client.get(url).content.decode()
    client.post(reverse("set_language"), {"language": "zh-hans", "next": url})
    assert 'lang="zh-hans"' in client.get(url).content.decode()


# --- c. The Chinese default ------------------------------------------------------------------
def test_chinese_is_still_the_default(client_for, world, compiled_catalogues, client):
    login = client.get(reverse("login")).content.decode()
    assert 'lang="zh-hans"' in login and "登录" in login and "Sign in" not in login
    case = report(world, "station_a", village=world.village_1, grid=world.grid_1a)
    detail = client_for("station_a").get(reverse("disputes:case-detail", args=[case.pk])).content.decode()
    assert "案件" in detail and "吉克阿木" in detail
    phone = client_for("grid_g1").get(reverse("mobile:home")).content.decode()
    assert 'lang="zh-hans"' in phone and "退出登录" in phone
