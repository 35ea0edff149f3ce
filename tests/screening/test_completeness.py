"""Completeness of a round per grid, village, township and station — on time, late, missing —
computed by hand on a constructed set, scoped to the user, in one query whatever the size."""

import datetime as dt

import pytest

from governance import services as gov
from screening import selectors as screening_selectors
from screening.models import ScreeningRound

from .helpers import file, new_case_item, open_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def constructed(world):
    """一村一组 on time (zero), 三村一组 on time (items); then the deadline passes; 一村二组 files
    late and is then deactivated (still counted); 二村一组 and 三村二组 never file; 三村三组 is
    inactive and not counted."""
    admin = world.user("admin")
    r = open_round()
    on_time = [
        file(world, r, world.grid_1a, zero=True),
        file(world, r, world.grid_3, actor="station_b", items=[new_case_item()]),
    ]
    gov.grid_create(actor=admin, village=world.village_3, name="三村二组", code="G-3B")
    g3c = gov.grid_create(actor=admin, village=world.village_3, name="三村三组", code="G-3C")
    gov.grid_update(actor=admin, grid=g3c, data={"is_active": False})
    # time passes: the deadline is now behind us
    deadline = max(report.filed_at for report in on_time) + dt.timedelta(microseconds=1)
    ScreeningRound.objects.filter(pk=r.pk).update(due_at=deadline)
    r.refresh_from_db()
    file(world, r, world.grid_1b, actor="aux_v1", zero=True)
    gov.grid_update(actor=admin, grid=world.grid_1b, data={"is_active": False})
    return r


def figures(user, r, group_by, **filters):
    return [
        (row["label"], row["total"], row["on_time"], row["late"], row["missing"])
        for row in screening_selectors.screening_completeness(
            user=user, round=r, group_by=group_by, filters=filters
        )
    ]


def test_per_grid_village_township_and_station_for_the_county(world, constructed):
    county = world.user("county")
    rows = {
        row["label"]: row
        for row in screening_selectors.screening_completeness(user=county, round=constructed)
    }
    assert {k: v["status"] for k, v in rows.items()} == {
        "一村一组": "on_time",
        "一村二组": "late",
        "二村一组": "missing",
        "三村一组": "on_time",
        "三村二组": "missing",
    }
    assert rows["一村一组"]["is_zero"] is True and rows["三村一组"]["is_zero"] is False
    assert rows["二村一组"]["report_id"] is None and rows["一村二组"]["station"] == "甲镇派出所"
    assert figures(county, constructed, "village") == [
        ("一村", 2, 1, 1, 0),
        ("二村", 1, 0, 0, 1),
        ("三村", 2, 1, 0, 1),
    ]
    assert figures(county, constructed, "township") == [("甲镇", 3, 1, 1, 1), ("乙乡", 2, 1, 0, 1)]
    assert figures(county, constructed, "station") == [("乙乡派出所", 2, 1, 0, 1), ("甲镇派出所", 3, 1, 1, 1)]
    totals = screening_selectors.completeness_totals(
        screening_selectors.screening_completeness(user=county, round=constructed)
    )
    assert (totals.total, totals.on_time, totals.late, totals.missing, totals.rate) == (5, 2, 1, 2, 60)


def test_figures_are_scoped_to_the_user(world, constructed):
    assert figures(world.user("station_b"), constructed, "village") == [("三村", 2, 1, 0, 1)]
    assert figures(world.user("aux_v1"), constructed, "grid") == [
        ("一村一组", 1, 1, 0, 0),
        ("一村二组", 1, 0, 1, 0),
    ]
    assert figures(world.user("grid_g1"), constructed, "station") == [("甲镇派出所", 1, 1, 0, 0)]
    assert figures(world.user("norole"), constructed, "township") == []


def test_drill_down_filters(world, constructed):
    county = world.user("county")
    assert figures(county, constructed, "village", station=world.station_a.pk) == [
        ("一村", 2, 1, 1, 0),
        ("二村", 1, 0, 0, 1),
    ]
    assert figures(county, constructed, "village", township=world.township_b.pk) == [("三村", 2, 1, 0, 1)]
    assert [f[0] for f in figures(county, constructed, "grid", village=world.village_1.pk)] == [
        "一村一组",
        "一村二组",
    ]


def test_round_list_carries_each_users_summary(world, constructed):
    def summary(name):
        r = screening_selectors.screening_round_list(user=world.user(name)).get()
        return r.total, r.on_time, r.late, r.missing

    assert summary("county") == (5, 2, 1, 2)
    assert summary("station_a") == (3, 1, 1, 1)
    assert summary("station_b") == (2, 1, 0, 1)
    assert not screening_selectors.screening_round_list(user=world.user("mediator_t1")).exists()


@pytest.mark.parametrize("group_by", ["grid", "village", "township", "station"])
def test_one_query_whatever_the_number_of_grids(world, django_assert_num_queries, group_by):
    r = open_round()
    aux = world.user("aux_v1")
    file(world, r, world.grid_1a, zero=True)
    with django_assert_num_queries(1):
        assert (
            len(list(screening_selectors.screening_completeness(user=aux, round=r, group_by=group_by))) >= 1
        )
    for i in range(4):
        grid = gov.grid_create(
            actor=world.user("admin"), village=world.village_1, name=f"一村{i + 3}组", code=f"G-1-{i}"
        )
        if i % 2:
            file(world, r, grid, actor="aux_v1", zero=True)
    with django_assert_num_queries(1):
        rows = list(screening_selectors.screening_completeness(user=aux, round=r, group_by=group_by))
    assert screening_selectors.completeness_totals(rows).total == 6
    with django_assert_num_queries(1):
        assert len(list(screening_selectors.screening_round_list(user=aux))) == 1


def test_unknown_group_by_is_refused(world):
    from core.errors import DomainError

    with pytest.raises(DomainError):
        screening_selectors.screening_completeness(
            user=world.user("county"), round=open_round(), group_by="planet"
        )
