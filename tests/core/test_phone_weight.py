"""Every phone page, with its assets, weighs at most 50 KB compressed on first load and 10 KB
after (its assets cached: the HTML alone). The HTML is compressed by GZipMiddleware (asked with
Accept-Encoding: gzip, as phones do); each referenced same-origin script and stylesheet — and
the service worker the page registers — is fetched and counted gzipped, as WhiteNoise serves
its compressed copy after collectstatic (here, a fresh clone: served from the finders, gzipped
in the test)."""

import gzip
import re

import pytest
from django.utils import timezone

from disputes import risk
from patrols import services as patrol_services
from patrols.visits import services as visit_services
from tests.disputes.helpers import report
from tests.patrols.helpers import plan
from tests.screening.helpers import open_round

pytestmark = pytest.mark.django_db

FIRST_LOAD = 50 * 1024
AFTER = 10 * 1024
ASSET = re.compile(r'<(?:script|link)\b[^>]*?(?:src|href)="([^"]+)"')
SERVICE_WORKER = re.compile(r'data-sw="([^"]+)"')


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _gzipped(response) -> int:
    body = _body(response)
    if response.get("Content-Encoding") == "gzip":
        return len(body)
    return len(gzip.compress(body, 9))


def _weigh(client, url: str) -> tuple[int, int, dict[str, int]]:
    page = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert page.status_code == 200, url
    assert page["Content-Encoding"] == "gzip", f"{url} is not compressed"
    html = gzip.decompress(page.content).decode()
    assets = {}
    for ref in ASSET.findall(html) + SERVICE_WORKER.findall(html):
        if ref.startswith(("http:", "https:", "//")) or ref in assets:
            continue
        asset = client.get(ref, HTTP_ACCEPT_ENCODING="gzip")
        assert asset.status_code == 200, ref
        assets[ref] = _gzipped(asset)
    return len(page.content), len(page.content) + sum(assets.values()), assets


@pytest.fixture
def pages(world):
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
    patrol = patrol_services.patrol_start(actor=world.user("aux_v1"), plan=plan(world))
    open_round()
    return [
        ("grid_g1", "/m/"),
        ("grid_g1", "/m/report/"),
        ("grid_g1", "/m/cases/"),
        ("grid_g1", "/m/cases/?open=1"),
        ("grid_g1", f"/m/cases/{case.pk}/"),
        ("grid_g1", "/visits/m/"),
        ("aux_v1", "/stations/m/checkin/"),
        ("aux_v1", f"/patrols/{patrol.pk}/m/"),
    ]


def test_every_phone_page_is_light_on_first_load_and_after(pages, client_for):
    heavy = []
    for user, url in pages:
        after, first, assets = _weigh(client_for(user), url)
        if first > FIRST_LOAD or after > AFTER:
            heavy.append((user, url, first, after, assets))
    assert not heavy, heavy


def test_the_screening_phone_page_is_light(world, client_for):
    open_round()
    after, first, assets = _weigh(client_for("grid_g1"), "/screening/m/")
    assert first <= FIRST_LOAD and after <= AFTER, assets


def test_json_answers_are_compressed_too(world, client_for):
    for n in range(30):
        report(world, grid=world.grid_1a, summary=f"第{n}起:两户因排水沟堵塞发生争吵。")
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(world.user("station_a"))
    response = api.get("/api/v1/cases/", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200 and response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
