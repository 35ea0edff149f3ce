"""The case list (page and API) without an exact count of a huge list (issue 15): an unfiltered
county list takes the table's estimate on PostgreSQL, any other list counts at most the cap and
says "at least"; page numbers keep working; small lists count exactly as before."""

import pytest
from django.db import connection
from django.urls import reverse

from core import pagination
from core.pagination import LargeListPaginator
from disputes.models import DisputeCase
from tests.conftest import require_service

from .helpers import report

pytestmark = pytest.mark.django_db


def test_a_list_over_the_cap_is_capped_and_its_pages_still_work(world):
    for _ in range(5):
        report(world)
    qs = DisputeCase.objects.filter(village=world.village_1).order_by("-pk")
    paginator = LargeListPaginator(qs, 2, cap=3)
    assert (paginator.count, paginator.is_capped, paginator.is_estimate) == (3, True, False)
    assert paginator.num_pages == 2
    # the cap does not cut the list short: every row is on a page, "next" after every full page
    ids = list(qs.values_list("pk", flat=True))
    pages = [paginator.page(n) for n in (1, 2, 3, 4)]
    assert [[c.pk for c in p.object_list] for p in pages] == [ids[0:2], ids[2:4], ids[4:5], []]
    assert [p.has_next() for p in pages] == [True, True, False, False]
    exact = LargeListPaginator(qs, 2, cap=10)
    assert (exact.count, exact.is_capped, exact.num_pages) == (5, False, 3)


def test_the_case_page_and_api_say_at_least_over_the_cap(world, client_for, settings):
    settings.LIST_COUNT_CAP = 3
    for _ in range(5):
        report(world)
    client = client_for("county")
    html = client.get(reverse("disputes:case-list")).content.decode()
    assert "共 3 条" in html and "(至少)" in html
    data = client.get("/api/v1/cases/").json()
    assert data["count"] == 3 and len(data["results"]) == 5  # one page of 50: every row is there
    settings.LIST_COUNT_CAP = 25_000
    html = client.get(reverse("disputes:case-list")).content.decode()
    assert "共 5 条" in html and "(至少)" not in html and "(约数)" not in html


def test_an_unfiltered_big_table_takes_the_planner_estimate(world, client_for, monkeypatch):
    require_service("PostgreSQL", connection.vendor == "postgresql", "the test database is not PostgreSQL")
    for _ in range(4):
        report(world)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE disputes_disputecase")
    monkeypatch.setattr(pagination, "ESTIMATE_FROM_ROWS", 1)
    estimate = pagination.table_estimate(DisputeCase)
    assert estimate is not None and estimate >= 1
    paginator = LargeListPaginator(DisputeCase.objects.order_by("-pk"), 2)
    assert (paginator.count, paginator.is_estimate) == (estimate, True)
    # a filtered list is never estimated
    filtered = LargeListPaginator(DisputeCase.objects.filter(village=world.village_1).order_by("-pk"), 2)
    assert (filtered.count, filtered.is_estimate) == (4, False)
    html = client_for("county").get(reverse("disputes:case-list")).content.decode()
    assert "(约数)" in html


def test_the_county_filter_offers_grids_once_a_village_is_chosen(world, client_for):
    """A prefecture's 20,000 grids are not rendered as options on every county list page."""
    in_grid = report(world, grid=world.grid_1a)
    report(world, village=world.village_2, grid=None)
    option = f"{world.village_1.name} · {world.grid_1a.name}"
    client = client_for("county")
    page = client.get(reverse("disputes:case-list")).content.decode()
    assert option not in page
    page = client.get(reverse("disputes:case-list"), {"village": world.village_1.pk}).content.decode()
    assert option in page
    response = client.get(reverse("disputes:case-list"), {"grid": world.grid_1a.pk})
    assert response.status_code == 200
    assert [c.pk for c in response.context["object_list"]] == [in_grid.pk]
    # station staff likewise: the chosen village's grids (hundreds in a station at scale)
    station = client_for("station_a")
    assert option not in station.get(reverse("disputes:case-list")).content.decode()
    page = station.get(reverse("disputes:case-list"), {"village": world.village_1.pk}).content.decode()
    assert option in page
    response = station.get(reverse("disputes:case-list"), {"grid": world.grid_1a.pk})
    assert [c.pk for c in response.context["object_list"]] == [in_grid.pk]
    # a village's own auxiliary officer sees its few grids at once
    assert option in client_for("aux_v1").get(reverse("disputes:case-list")).content.decode()
