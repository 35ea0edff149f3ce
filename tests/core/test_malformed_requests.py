"""Malformed requests, pages and API, as several roles: none answers 5xx, each answers 400 or 404
with a message that says what is wrong (issue 13).

The API routes and their query parameters are read from the OpenAPI schema, so a new route or
filter is covered without editing this file: every detail route with an id that is not a record
number (``abc``, a number beyond the database's integer), every integer filter with such a
number, every date filter with the calendar's ends. The pages are listed by hand with the
parameters they read.
"""

import json

import pytest
from django.http import Http404
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from dashboards.areas import default_area

BIG = "99999999999999999999"  # beyond a 64-bit integer
BAD_IDS = ["abc", BIG, "0", "-1"]
BAD_DATES = ["0001-01-01", "9999-12-31", "2026-13-45"]
ROLES = ["station_a", "county", "grid_g1", "mediator_t1"]


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def _client(world, role: str) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(world.user(role))
    return client


def _fill(path: str, value: str) -> str:
    return path.replace("{id}", value).replace("{pk}", value)


def _operations(schema):
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            yield path, method, op.get("parameters", [])


def _call(client: Client, method: str, url: str, **params):
    if method == "get":
        return client.get(url, params)
    return getattr(client, method)(url, data=json.dumps({}), content_type="application/json")


def _messages(response) -> str:
    return json.dumps(response.json(), ensure_ascii=False)


@pytest.mark.parametrize("role", ["station_a", "county"])
def test_api_detail_routes_answer_404_with_a_message_for_ids_that_are_not_record_numbers(world, schema, role):
    client = _client(world, role)
    seen = 0
    for path, method, params in _operations(schema):
        if not any(p["in"] == "path" for p in params):
            continue
        for bad in BAD_IDS:
            response = _call(client, method, _fill(path, bad))
            assert response.status_code == 404, (method, path, bad, response.status_code)
            assert "detail" in response.json(), (method, path, bad)
            seen += 1
    assert seen > 100  # every detail route and action of every app


def test_api_id_message_is_clear(world):
    response = _client(world, "station_a").get("/api/v1/cases/abc/")
    assert response.status_code == 404
    assert "编号无效" in response.json()["detail"]


@pytest.mark.parametrize("role", ROLES)
def test_api_integer_and_date_filters_refuse_overflow_and_calendar_ends_with_400(world, schema, role):
    client = _client(world, role)
    checked = {"integer": 0, "date": 0}
    for path, method, params in _operations(schema):
        if method != "get" or any(p["in"] == "path" for p in params):
            continue
        for param in params:
            if param["in"] != "query" or param["name"] in ("page", "ordering", "search"):
                continue
            kind = param.get("schema", {})
            if kind.get("type") in ("integer", "number"):
                values, family = [BIG, f"-{BIG}"], "integer"
            elif kind.get("format") == "date":
                values, family = BAD_DATES, "date"
            else:
                continue
            if client.get(path).status_code == 403:
                continue  # a route this role may not use refuses it before reading anything
            for value in values:
                response = client.get(path, {param["name"]: value})
                assert response.status_code == 400, (path, param["name"], value, response.status_code)
                assert param["name"] in response.json(), (path, param["name"], response.json())
                checked[family] += 1
    assert checked["integer"] > 40 and checked["date"] > 10


@pytest.mark.parametrize("role", ["station_a", "county"])
def test_api_text_parameters_refuse_nul_bytes_and_overlong_terms_with_400(world, schema, role):
    """PostgreSQL cannot hold a NUL byte in text: a search term or text filter carrying one (or
    longer than the list pages' search box takes) is the caller's error, never the database's."""
    client = _client(world, role)
    checked = 0
    for path, method, params in _operations(schema):
        if method != "get" or any(p["in"] == "path" for p in params):
            continue
        for param in params:
            if param["in"] != "query" or param["name"] in ("page", "ordering"):
                continue
            kind = param.get("schema", {})
            if kind.get("type") != "string" or kind.get("format") or kind.get("enum"):
                continue
            baseline = client.get(path).status_code
            if baseline == 403:
                continue  # a route this role may not use refuses it before reading anything
            for value in ["吉克\x00阿木", "x" * 65] if param["name"] == "search" else ["吉克\x00阿木"]:
                response = client.get(path, {param["name"]: value})
                assert response.status_code == 400, (path, param["name"], value, response.status_code)
                if baseline == 200:  # (a route that needs another parameter names that one)
                    assert param["name"] in response.json(), (path, param["name"], response.json())
                checked += 1
    assert checked > 20


def test_api_search_message_matches_the_list_pages(world):
    body = _client(world, "station_a").get("/api/v1/auxiliary-officers/", {"search": "阿\x00"}).json()
    assert body == {"search": ["搜索词不能包含空字符(NUL)。"]}
    page = _client(world, "station_a").get("/cases/", {"q": "阿\x00"})
    assert page.status_code == 400 and "搜索词不能包含空字符(NUL)" in page.content.decode()


def test_api_filter_messages_say_what_is_wrong(world):
    client = _client(world, "station_a")
    body = client.get("/api/v1/grids/", {"village": BIG}).json()
    assert body == {"village": ["编号过大,不存在这样的记录。"]}
    body = client.get("/api/v1/cases/", {"date_from": "0001-01-01"}).json()
    assert body == {"date_from": ["日期须在 1900-01-01 至 2099-12-31 之间。"]}
    body = client.get("/api/v1/points/rankings/", {"month": "9999-12"}).json()
    assert "month" in body
    assert client.get("/api/v1/points/ledger/", {"kind": "grid_worker", "person": BIG}).status_code == 400


@pytest.mark.parametrize(
    "role,url",
    [("station_a", "/api/v1/cases/"), ("station_a", "/api/v1/incidents/"), ("county", "/api/v1/grids/")],
)
def test_api_deeply_nested_and_oversized_bodies_are_400(world, role, url, settings):
    client = _client(world, role)
    nested = "[" * 100_000 + "]" * 100_000
    response = client.post(url, data=nested, content_type="application/json")
    assert response.status_code == 400, (url, response.status_code)
    assert "嵌套" in response.json()["detail"]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    big = json.dumps({"summary": "纠" * 20_000})
    response = client.post(url, data=big, content_type="application/json")
    assert response.status_code == 400
    assert "请求内容过大" in response.json()["detail"]
    # a page's form body is capped the same way, with the same words
    response = _client(world, "station_a").post("/cases/new/", {"summary": "纠" * 20_000})
    assert response.status_code == 400
    assert "请求内容过大" in response.content.decode()


def test_api_deeply_nested_body_message(world):
    response = _client(world, "station_a").post(
        "/api/v1/cases/", data="{" + '"a":{' * 50_000 + "}" * 50_001, content_type="application/json"
    )
    assert response.status_code == 400
    assert "嵌套" in response.json()["detail"]


# --- Pages --------------------------------------------------------------------------------
def _page_requests(world, role):
    """(url, query, expected status, a word of the message)."""
    try:
        area = default_area(user=world.user(role)).url()
    except Http404:  # roles without a command centre: the county's (they get a 404 first)
        area = f"/dashboard/county/{world.county.pk}/"
    date_msg = "1900-01-01"
    out = []
    for url in ("/cases/", "/stations/incidents/"):
        for field in ("date_from", "date_to"):
            for value in ("0001-01-01", "9999-12-31"):
                out.append((url, {field: value}, 400, date_msg))
    for url in ("/grids/", "/grid-workers/", "/cases/", "/stations/incidents/"):
        out.append((url, {"village": BIG}, 400, "村"))
    out += [
        ("/villages/", {"township": BIG}, 400, "乡镇"),
        ("/mediators/", {"township": "abc"}, 400, "乡镇"),
        ("/cases/", {"grid": BIG}, 400, "网格"),
        ("/cases/export.xlsx", {"date_from": "0001-01-01"}, 400, date_msg),
        ("/cases/export.xlsx", {"village": BIG}, 400, "村"),
        ("/stations/presence/", {"month": "9999-12"}, 400, date_msg),
        ("/stations/presence/", {"month": "0001-01"}, 400, date_msg),
    ]
    for suffix in ("", "figures/", "trend.json", "map.json", "export.xlsx", "report/"):
        for start, end in (
            ("0001-01-01", "0001-01-31"),
            ("9999-12-01", "9999-12-31"),
            ("2026-01-01", "abc"),
            ("2026-03-01", "2026-01-01"),
            ("2000-01-01", "2026-01-01"),
        ):
            out.append((area + suffix, {"start": start, "end": end}, 400, "日期"))
    for month in ("9999-12", "0001-01", "2026-13", "abc"):
        out.append((area + "report/", {"month": month}, 400, "YYYY-MM"))
    # malformed pages and ids in page routes: the first page, or a 404
    for url in (
        "/cases/",
        "/grids/",
        "/stations/incidents/",
        "/inbox/",
        "/screening/",
        "/visits/",
        "/m/cases/",
    ):
        out.append((url, {"page": "abc"}, 200, ""))
        out.append((url, {"page": BIG}, 200, ""))
    for url in (
        f"/cases/{BIG}/",
        f"/grids/{BIG}/",
        f"/stations/incidents/{BIG}/",
        f"/dashboard/village/{BIG}/",
    ):
        out.append((url, {}, 404, ""))
    return out


@pytest.mark.parametrize("role", ROLES)
def test_pages_refuse_malformed_filters_periods_and_months_with_400_and_a_message(world, role):
    client = _client(world, role)
    for url, query, expected, word in _page_requests(world, role):
        response = client.get(url, query)
        status = response.status_code
        assert status < 500, (url, query, status)
        if role in ("station_a", "county"):
            assert status == expected, (role, url, query, status)
        elif expected == 404:
            assert status == 404, (role, url, query, status)
        else:  # a role that cannot open the page gets its 403/404 (or its own page) first; a
            # filter its form does not offer is not read
            assert status in (expected, 200, 302, 403, 404), (role, url, query, status)
        if status == 400 and word:
            assert word in response.content.decode(), (role, url, query)


def test_list_page_shows_the_filter_that_was_not_applied(world):
    response = _client(world, "station_a").get("/cases/", {"date_from": "0001-01-01"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "filter-errors" in html and "登记日期自" in html
    # an htmx refresh keeps 200 so that the results with the message are swapped in
    response = _client(world, "station_a").get("/cases/", {"date_from": "0001-01-01"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "filter-errors" in response.content.decode()


def test_page_posts_with_overflowing_ids_are_form_errors(world):
    client = _client(world, "county")
    response = client.post("/grids/new/", {"village": BIG, "name": "x", "code": "y"})
    assert response.status_code == 200 and "is-invalid" in response.content.decode()
    response = client.post("/cases/new/", {"village": BIG, "grid": BIG, "summary": "x"})
    assert response.status_code < 500


# --- unknown routes -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path", ["/api/v1/nope/", "/api/v1/cases/1/nope/", "/api/nothing", "/api/v1/cases/abc/"]
)
def test_unknown_api_paths_answer_json_404(world, client_for, path):
    for client in (client_for("station_a"), Client()):
        response = client.get(path)
        assert response.status_code in (403, 404), path  # anonymous on a real route: 403
        if response.status_code == 404:
            assert response["Content-Type"].startswith("application/json")
            assert response.json()["detail"]


def test_unknown_pages_still_answer_the_404_page(world, client_for):
    response = client_for("station_a").get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
