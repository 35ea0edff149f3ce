"""Deep pages of the case list and API (issue 15): a page after the first is read by its ids
first (``core.pagination.window``: ``id IN (the ordered ids, sliced)``), which an index answers
without reading the rows skipped. The rows must be exactly those of the plain OFFSET query, in
every order, with ties on the order's columns, at the first, a middle and the last page, for the
page and the API alike; the query count does not grow with the list nor with the page number;
filters mean the same; the scope still holds."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core.pagination import LargeListPagination, LargeListPaginator, window
from disputes import selectors, services
from disputes.models import DisputeCase

from .helpers import report

pytestmark = pytest.mark.django_db

ORDERS = ["", "risk", "due"]


def _cases(world, n: int, *, actor: str = "station_a", village=None) -> list[DisputeCase]:
    """``n`` cases whose reported_at, risk_score and due_at repeat in groups of three (ties on
    every order's first column, some due_at empty), so the id decides within a group."""
    cases = [report(world, actor, village=village or world.village_1) for _ in range(n)]
    base = timezone.now() - dt.timedelta(days=1)
    for i, case in enumerate(cases):
        DisputeCase.objects.filter(pk=case.pk).update(
            reported_at=base - dt.timedelta(hours=i // 3),
            risk_score=(i // 3) % 2 * 40,
            due_at=None if i % 5 == 0 else base + dt.timedelta(days=(i // 3) % 3),
        )
    return cases


def _ids(rows) -> list[int]:
    return [row.pk for row in rows]


@pytest.mark.parametrize("order", ORDERS)
def test_every_page_has_the_rows_of_the_plain_offset_query(world, order):
    _cases(world, 14)
    qs = selectors.case_list(user=world.user("county"), filters={"order": order} if order else {})
    everything = _ids(qs)
    assert len(everything) == 14
    per_page = 4
    for cap in (25_000, 5):  # exact count, and a capped ("at least") one
        paginator = LargeListPaginator(qs, per_page, cap=cap)
        for number in (1, 2, 3, 4):  # the first, middle ones and the last (short) page
            bottom = (number - 1) * per_page
            page = paginator.page(number)
            assert _ids(page.object_list) == _ids(qs[bottom : bottom + per_page])
            assert _ids(page.object_list) == everything[bottom : bottom + per_page]
        assert _ids(paginator.page(1).object_list) == everything[:4]
    assert _ids(LargeListPaginator(qs, per_page, cap=5).page(5).object_list) == []  # past the end


def test_the_window_is_the_slice_for_any_queryset(world):
    _cases(world, 7)
    qs = DisputeCase.objects.order_by("-reported_at", "-pk")
    for bottom, top in ((0, 3), (2, 5), (5, 9), (6, 7), (9, 12)):
        assert _ids(window(qs, bottom, top)) == _ids(qs[bottom:top])
    distinct = DisputeCase.objects.order_by("pk").distinct()
    assert _ids(window(distinct, 2, 4)) == _ids(distinct[2:4])
    assert _ids(window(qs[:5], 2, 4)) == _ids(qs[:5][2:4])
    assert window([1, 2, 3, 4], 1, 3) == [2, 3]


def test_a_deep_page_reads_its_rows_by_their_ids(world):
    _cases(world, 6)
    qs = selectors.case_list(user=world.user("county"))
    with CaptureQueriesContext(connection) as ctx:
        list(LargeListPaginator(qs, 2).page(2).object_list)
    page_sql = next(q["sql"] for q in ctx.captured_queries if "LIMIT 2 OFFSET 2" in q["sql"])
    assert page_sql.count("LIMIT 2 OFFSET 2") == 1 and " IN (SELECT" in page_sql


@pytest.mark.parametrize("order", ORDERS)
def test_the_page_and_the_api_show_the_same_rows_as_the_plain_query(
    world, client_for, settings, monkeypatch, order
):
    settings.PAGE_SIZE = 4
    _cases(world, 11)
    qs = selectors.case_list(user=world.user("station_a"), filters={"order": order} if order else {})
    everything = _ids(qs)
    client = client_for("station_a")
    for number in (1, 2, 3):
        response = client.get(reverse("disputes:case-list"), {"page": number, "order": order})
        assert response.status_code == 200
        assert _ids(response.context["object_list"]) == everything[(number - 1) * 4 : number * 4]
    api = APIClient()
    api.force_login(world.user("station_a"))
    monkeypatch.setattr(LargeListPagination, "page_size", 4)
    for number in (1, 2, 3):
        params = {"page": number, **({"order": order} if order else {})}
        data = api.get("/api/v1/cases/", params).json()
        assert [row["id"] for row in data["results"]] == everything[(number - 1) * 4 : number * 4]
        assert (data["count"], data["count_approximate"]) == (11, False)


def test_filters_mean_the_same_on_a_deep_page(world, client_for, settings):
    settings.PAGE_SIZE = 2
    cases = _cases(world, 9)
    for case in cases[:5]:
        services.case_accept(actor=world.user("station_a"), case=case)
    filters = {"status": "accepted", "order": "due"}
    expected = _ids(selectors.case_list(user=world.user("station_a"), filters=filters))
    assert len(expected) == 5 and set(expected) == {c.pk for c in cases[:5]}
    client = client_for("station_a")
    shown = []
    for number in (1, 2, 3):
        response = client.get(reverse("disputes:case-list"), {**filters, "page": number})
        shown += _ids(response.context["object_list"])
    assert shown == expected


def test_a_station_never_sees_another_stations_cases_on_any_page(world, client_for, settings, monkeypatch):
    settings.PAGE_SIZE = 3
    mine = {c.pk for c in _cases(world, 7)}
    theirs = {c.pk for c in _cases(world, 5, actor="station_b", village=world.village_3)}
    client = client_for("station_b")
    seen: list[int] = []
    for number in (1, 2, 3):
        seen += _ids(client.get(reverse("disputes:case-list"), {"page": number}).context["object_list"])
    assert set(seen) == theirs and not set(seen) & mine
    api = APIClient()
    api.force_login(world.user("station_b"))
    monkeypatch.setattr(LargeListPagination, "page_size", 2)
    rows = [row["id"] for n in (1, 2, 3) for row in api.get("/api/v1/cases/", {"page": n}).json()["results"]]
    assert set(rows) == theirs


def _queries(client, url: str, params: dict) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_a_deep_page_takes_as_many_queries_as_the_first_at_any_size(world, client_for, settings, monkeypatch):
    settings.PAGE_SIZE = 3
    monkeypatch.setattr(LargeListPagination, "page_size", 3)
    _cases(world, 7)
    client = client_for("station_a")
    page_url = reverse("disputes:case-list")
    small = [_queries(client, page_url, {"page": n}) for n in (1, 2)]
    api_small = [_queries(client, "/api/v1/cases/", {"page": n}) for n in (1, 2)]
    for case in _cases(world, 12):
        services.mediator_assign(actor=world.user("station_a"), case=case, mediator=world.mediator_t1)
    assert [_queries(client, page_url, {"page": n}) for n in (1, 2, 5)] == [small[0], small[1], small[1]]
    assert [_queries(client, "/api/v1/cases/", {"page": n}) for n in (1, 2, 5)] == [
        api_small[0],
        api_small[1],
        api_small[1],
    ]
    assert small[0] == small[1] and api_small[0] == api_small[1]


def test_the_api_says_when_its_count_is_approximate(world, settings):
    settings.LIST_COUNT_CAP = 3
    _cases(world, 5)
    api = APIClient()
    api.force_login(world.user("county"))
    data = api.get("/api/v1/cases/").json()
    assert list(data) == ["count", "count_approximate", "next", "previous", "results"]
    assert (data["count"], data["count_approximate"]) == (3, True)
    settings.LIST_COUNT_CAP = 25_000
    assert api.get("/api/v1/cases/").json()["count_approximate"] is False
