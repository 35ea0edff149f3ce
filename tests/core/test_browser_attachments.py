"""On a 390-px phone in a real headless Chromium, a grid worker picks a large photo (4000×3000,
several MB) in the report form: ``static/js/photo-resize.js`` shrinks it on the phone (the file
the input holds, and the bytes sent over the network, are a JPEG ≤1600 px), the report is sent,
and the stored photo is ≤1600 px and shown on the case page to the grid worker."""

import os

import pytest
from PIL import Image

from core.attachments import checks
from core.attachments.models import Attachment
from disputes.models import DisputeCase
from tests.conftest import PASSWORD, require_service

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _big_photo(path) -> None:
    image = Image.effect_noise((4000, 3000), 64).convert("RGB")  # noise: a big file, as from a phone
    image.save(path, format="JPEG", quality=95)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_phone_resizes_the_photo_before_upload(live_server, world, tmp_path, monkeypatch, settings):
    require_service("Chromium", os.path.exists(CHROMIUM), f"{CHROMIUM} is not installed")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.MEDIA_ROOT = str(tmp_path / "media")
    from playwright.sync_api import sync_playwright

    big = tmp_path / "IMG_0001.jpg"
    _big_photo(big)
    assert big.stat().st_size > 2_000_000
    # what reaches the server (the live server runs in this process): the upload before the checks
    received: list[dict] = []
    prepare = checks.prepare

    def spy(upload, **kw):
        upload.seek(0)
        received.append({"size": upload.size, "pixels": Image.open(upload).size})
        return prepare(upload, **kw)

    monkeypatch.setattr(checks, "prepare", spy)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
        page = context.new_page()
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "grid_g1")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()

        page.goto(f"{live_server.url}/m/report/")
        page.wait_for_selector("[data-report-form]")
        page.click("label.m-cat:has-text('邻里')")
        page.fill("textarea[name=summary]", "两户因院坝排水发生争吵,已拍下现场。")
        page.fill("input[name=name_1]", "吉克阿木")
        page.set_input_files("input[name=photo]", str(big))
        page.wait_for_selector("input[name=photo][data-resized='1']", state="attached", timeout=20000)
        picked = page.evaluate(
            """async () => {
                const f = document.querySelector("input[name=photo]").files[0];
                const b = await createImageBitmap(f);
                return {type: f.type, size: f.size, name: f.name, w: b.width, h: b.height};
            }"""
        )
        assert picked["type"] == "image/jpeg" and max(picked["w"], picked["h"]) == 1600
        assert picked["size"] < big.stat().st_size / 2 and picked["name"] == "IMG_0001.jpg"
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390

        page.click("[data-submit]")
        page.locator("[data-report-done]").wait_for(state="visible", timeout=20000)
        case = DisputeCase.objects.get()
        attachment = Attachment.objects.get()
        assert attachment.object_id == case.pk and attachment.uploaded_by == world.user("grid_g1")
        assert max(attachment.width, attachment.height) <= 1600
        # what the server received was the phone's small JPEG, not the 4000-px original
        assert len(received) == 1
        assert received[0]["size"] < big.stat().st_size / 2 and max(received[0]["pixels"]) == 1600

        # the grid worker sees it on the case page (the thumbnail is served to their scope)
        page.goto(f"{live_server.url}/cases/{case.pk}/")
        thumb = page.locator("img.attachment-thumb")
        thumb.wait_for()
        # (loading="lazy": wait until the browser has fetched and decoded it)
        page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
        assert page.evaluate("(img) => img.naturalWidth", thumb.element_handle()) == 320
        page.locator("#attachments").screenshot(path=str(tmp_path / "case.png"))
        page.goto(f"{live_server.url}/m/cases/{case.pk}/")
        page.locator("#attachments").screenshot(path=str(tmp_path / "phone-case.png"))
        browser.close()
