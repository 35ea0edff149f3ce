"""Chinese by default whatever the browser says; English when the user chooses it."""

import pytest

pytestmark = pytest.mark.django_db


def test_an_english_browser_still_gets_chinese_pages(client_for, world):
    page = client_for("station_a").get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page.status_code == 200
    assert '<html lang="zh-hans">' in page.content.decode()


def test_choosing_english_switches_the_interface(client_for, world):
    client = client_for("station_a")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/")
    assert '<html lang="en">' in page.content.decode()
