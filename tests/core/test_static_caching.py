"""Static files after collectstatic (what the Dockerfile runs): hashed names linked by
{% static %}, served by WhiteNoise with a ten-year immutable Cache-Control and their gzip copy;
the service worker's VERSION follows the shell's content. Without collectstatic (a fresh clone,
`make test`) the plain names are linked and served (core.staticfiles.StaticFilesStorage)."""

import re

import pytest
from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client, override_settings

from core import serviceworker

pytestmark = pytest.mark.django_db

TEN_YEARS = 315360000


def test_without_collectstatic_the_plain_names_are_linked_and_served(client):
    assert static("js/outbox.js") == "/static/js/outbox.js"
    response = client.get("/static/js/outbox.js")
    assert response.status_code == 200 and "max-age=3600" in response["Cache-Control"]


def test_after_collectstatic_hashed_files_are_cached_for_years_and_gzipped(tmp_path, world, client_for):
    root = tmp_path / "static"
    with override_settings(STATIC_ROOT=root):
        call_command("collectstatic", interactive=False, verbosity=0)
        assert (root / "staticfiles.json").exists()
        url = static("js/outbox.js")
        assert re.fullmatch(r"/static/js/outbox\.[0-9a-f]{12}\.js", url), url
        client = Client()  # a new handler: WhiteNoise reads the new STATIC_ROOT
        hashed = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
        assert hashed.status_code == 200
        assert f"max-age={TEN_YEARS}" in hashed["Cache-Control"] and "immutable" in hashed["Cache-Control"]
        assert hashed["Content-Encoding"] == "gzip"
        plain = client.get("/static/js/outbox.js")
        assert "immutable" not in plain.get("Cache-Control", "")

        # the phone pages link the hashed names; the service worker caches those
        phone = client_for("grid_g1").get("/m/").content.decode()
        assert url in phone and "/static/css/mobile." in phone
        serviceworker._script.cache_clear()
        try:
            sw = client.get("/sw.js")
            text = sw.content.decode()
            assert url in text and sw["Service-Worker-Allowed"] == "/" and sw["Cache-Control"] == "no-cache"
            hashed_version = sw["X-SW-Version"]
        finally:
            serviceworker._script.cache_clear()
    plain_version = Client().get("/sw.js")["X-SW-Version"]
    assert hashed_version != plain_version  # other shell URLs: another version, new caches
    serviceworker._script.cache_clear()


def test_the_service_worker_never_caches_posts_and_has_a_version(client):
    serviceworker._script.cache_clear()
    response = client.get("/sw.js")
    text = response.content.decode()
    assert response.status_code == 200 and response["Content-Type"].startswith("application/javascript")
    assert "__VERSION__" not in text and f'var VERSION = "{response["X-SW-Version"]}"' in text
    assert 'if (request.method !== "GET") {' in text and "cache.put(request, copy)" in text
    assert client.post("/sw.js").status_code == 405
