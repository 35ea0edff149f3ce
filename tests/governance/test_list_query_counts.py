"""Every list page and list endpoint of governance and stations issues the same number of queries
with a few rows as with many: nothing is loaded row by row (N+1).

The world gets 3 more of everything (villages with a grid and its leader, a committee with a
member, a volunteer team with a member, an attached officer and an auxiliary officer, a mediator,
an incident), the page is counted; then 27 more, and the page is counted again. Rows are added
through the services. Pages show ``PAGE_SIZE`` rows (25), so the second count covers a full page.
"""

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance import services as gov
from governance.models import GridWorker, Mediator, Region
from stations import services as st

from ..factories import make_id_number, make_phone
from ..stations.incidents.helpers import record

_seq = itertools.count(1)


def grow(world, n: int) -> list[int]:
    """``n`` more villages in 甲镇, each with everything a list shows next to it; their numbers."""
    admin = world.user("admin")
    numbers = []
    for _ in range(n):
        i = next(_seq)
        numbers.append(i)
        village = gov.region_create(
            actor=admin,
            name=f"新村{i}",
            code=f"5111321003{i:02d}",
            kind=Region.Kind.VILLAGE,
            parent=world.township_a,
        )
        grid = gov.grid_create(actor=admin, village=village, name=f"新村{i}一组", code=f"G-N{i}")
        gov.grid_worker_create(
            actor=admin,
            grid=grid,
            name=f"新村{i}网格长",
            id_number=make_id_number(),
            phone=make_phone(),
            role=GridWorker.Role.LEADER,
        )
        committee = gov.committee_create(actor=admin, village=village)
        gov.committee_member_add(
            actor=admin,
            committee=committee,
            name=f"新村{i}书记",
            phone=make_phone(),
            position="chair",
            kind="party_secretary",
        )
        team = gov.volunteer_team_create(
            actor=admin,
            region=village,
            name=f"新村{i}护村队",
            kind="village_guard",
            leader_name=f"新村{i}队长",
            leader_phone=make_phone(),
        )
        gov.volunteer_member_add(actor=admin, team=team, name=f"新村{i}队员", phone=make_phone())
        gov.mediator_create(
            actor=admin,
            township=world.township_a,
            name=f"调解员{i}",
            kind=Mediator.Kind.PEOPLE,
            phone=make_phone(),
            speaks_yi=False,
            speaks_mandarin=True,
        )
        officer = st.officer_create(
            actor=admin,
            station=world.station_a,
            name=f"民警{i}",
            badge_number=f"2{i:05d}",
            phone=make_phone(),
        )
        aux = st.auxiliary_officer_create(
            actor=admin,
            station=world.station_a,
            name=f"辅警{i}",
            id_number=make_id_number(),
            phone=make_phone(),
        )
        start = dt.date(2026, 1, 1)
        st.village_assign(actor=admin, village=village, officer=officer, start_date=start)
        st.village_assign(actor=admin, village=village, auxiliary_officer=aux, start_date=start)
        record(world, number=f"J-QC-{i:05d}", village=village, caller_phone=make_phone())
    return numbers


PAGES = [
    "governance:village-list",
    "governance:grid-list",
    "governance:gridworker-list",
    "governance:mediator-list",
    "governance:committee-list",
    "governance:volunteerteam-list",
    "stations:station-list",
    "stations:coverage",
    "stations:incident-list",
    "home",
]

ENDPOINTS = [
    "regions-list",
    "grids-list",
    "grid-workers-list",
    "mediators-list",
    "committees-list",
    "committee-members-list",
    "volunteer-teams-list",
    "stations-list",
    "officers-list",
    "auxiliary-officers-list",
    "assignments-list",
]


def detail_pages(world) -> list[str]:
    """Detail pages that list what hangs off one object (the station's villages, its staff)."""
    return [
        reverse("stations:station-detail", args=[world.station_a.pk]),
        reverse("governance:village-detail", args=[world.village_1.pk]),
    ]


def count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries)


def counts(client, urls: list[str]) -> dict[str, int]:
    return {url: count(client, url) for url in urls}


@pytest.mark.parametrize("actor", ["station_a"])
def test_list_pages_and_endpoints_issue_fixed_queries(world, client_for, actor):
    client = client_for(actor)
    urls = [reverse(name) for name in PAGES + ENDPOINTS] + detail_pages(world)
    counts(client, urls)  # warm up: session, content types, cached lookups

    first = grow(world, 3)[0]
    few = counts(client, urls)
    grow(world, 27)
    many = counts(client, urls)

    differing = {url: (few[url], many[url]) for url in urls if few[url] != many[url]}
    assert differing == {}, f"queries with 3 vs 30 more rows: {differing}"

    # and the prefetched rows are really shown (a missing prefetch renders silently empty)
    villages = client.get(reverse("governance:village-list")).content.decode()
    assert f"民警{first}" in villages and f"辅警{first}" in villages
    assert f"新村{first}网格长" in client.get(reverse("governance:grid-list")).content.decode()
