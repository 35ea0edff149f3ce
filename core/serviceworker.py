"""``/sw.js``: the phone service worker (``static/js/sw.js``), served at the root so that its
scope covers every phone page (``Service-Worker-Allowed: /``).

The script gets its ``VERSION`` (a hash of the shell files' contents and of the script itself,
so any change to them installs a new worker that replaces the old caches), its ``SHELL`` (the
phone CSS and JS at their ``{% static %}`` URLs: hashed names after collectstatic) and the work
list it warms. It is never cached by the browser (``no-cache``: the browser checks it on every
visit, as service workers expect)."""

import hashlib
import json
from functools import lru_cache

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

SHELL_FILES = (
    "css/mobile.css",
    "css/field-mobile.css",
    "css/outbox.css",
    "js/outbox.js",
    "js/reveal.js",
    "js/geo-checkin.js",
    "js/photo-resize.js",
    "js/report-draft.js",
)
# the user's work list (the pages a role may not open answer 403/404 and are not kept)
WARM_PAGES = (
    "/m/",
    "/m/cases/",
    "/m/cases/?open=1",
    "/visits/m/",
    "/screening/m/",
    "/stations/m/checkin/",
    "/jsi18n/",
)


def _read(name: str) -> bytes:
    path = finders.find(name)
    if not path:
        return b""
    with open(path if isinstance(path, str) else path[0], "rb") as f:
        return f.read()


@lru_cache(maxsize=1)
def _script() -> tuple[str, str]:
    """(the script with its constants filled in, its VERSION); once per process."""
    source = _read("js/sw.js").decode()
    shell = ["/" + staticfiles_storage.url(name).lstrip("/") for name in SHELL_FILES]
    digest = hashlib.sha256(source.encode())
    for name, url in zip(SHELL_FILES, shell, strict=True):
        digest.update(url.encode())
        digest.update(_read(name))
    version = digest.hexdigest()[:12]
    text = (
        source.replace("__VERSION__", version)
        .replace("__SHELL__", json.dumps(shell))
        .replace("__WARM__", json.dumps(list(WARM_PAGES)))
    )
    return text, version


def sw_version() -> str:
    return _script()[1]


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    text, version = _script()
    response = HttpResponse(text, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    response["X-SW-Version"] = version
    return response
