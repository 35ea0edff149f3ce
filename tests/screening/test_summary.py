"""The completeness summary (``RoundGrid``, issue 15) against the raw completeness, on a
constructed set: kept by the services (a round opened, a report filed, grids created,
deactivated, a village archived), rebuilt nightly, read by ``/screening/`` and the dashboard."""

import datetime as dt

import pytest

from governance import services as gov
from screening import selectors, services
from screening.models import RoundGrid, ScreeningReport, ScreeningRound

from .helpers import file, open_round

pytestmark = pytest.mark.django_db

USERS = ["county", "station_a", "station_b", "township_a", "aux_v1", "grid_g1"]


def _summary(user, r):
    row = selectors.screening_round_list(user=user).get(pk=r.pk)
    return row.total, row.on_time, row.late, row.missing


def _raw(user, r):
    t = selectors.completeness_totals(selectors.screening_completeness(user=user, round=r))
    return t.total, t.on_time, t.late, t.missing


@pytest.fixture
def rounds(world):
    """An older round and the current one; reports on time and late; a grid made after the
    round opened, one deactivated before reporting, a village archived (its grids drop out)."""
    admin = world.user("admin")
    old = open_round(days_ago=10)
    file(world, old, world.grid_1a, zero=True)
    current = open_round()
    file(world, current, world.grid_1a, zero=True)
    file(world, current, world.grid_3, actor="station_b", zero=True)
    gov.grid_create(actor=admin, village=world.village_3, name="三村二组", code="G-3B")
    spare = gov.grid_create(actor=admin, village=world.village_1, name="一村三组", code="G-1C")
    gov.grid_update(actor=admin, grid=spare, data={"is_active": False})
    # the deadline passes, then 一村二组 files late
    filed = [r.filed_at for r in ScreeningReport.objects.filter(round=current)]
    ScreeningRound.objects.filter(pk=current.pk).update(due_at=max(filed) + dt.timedelta(microseconds=1))
    current.refresh_from_db()
    file(world, current, world.grid_1b, actor="aux_v1", zero=True)
    return old, current


def test_summary_kept_by_the_services_agrees_with_the_raw_completeness(world, rounds):
    old, current = rounds
    for name in USERS:
        user = world.user(name)
        for r in (old, current):
            assert _summary(user, r) == _raw(user, r), (name, r.title)
    county = world.user("county")
    assert _summary(county, current) == (5, 2, 1, 2)  # 一村一组, 三村一组 on time; 一村二组 late
    # a village archived through the service: its unreported grid no longer counts
    archived_grids = list(world.village_2.grids.values_list("pk", flat=True))
    gov.region_archive(actor=world.user("admin"), region=world.village_2)
    assert not RoundGrid.objects.filter(grid__in=archived_grids, round=current).exists()
    for name in USERS:
        assert _summary(world.user(name), current) == _raw(world.user(name), current), name


def test_a_filed_report_is_in_the_summary_in_the_same_transaction(world):
    r = open_round()
    assert (
        RoundGrid.objects.filter(round=r, filed_at__isnull=True).count()
        == RoundGrid.objects.filter(round=r).count()
        > 0
    )
    report = file(world, r, world.grid_1a, zero=True)
    assert RoundGrid.objects.get(round=r, grid=world.grid_1a).filed_at == report.filed_at


def test_nightly_rebuild_restores_the_summary(world, rounds):
    old, current = rounds
    expected = {name: [_raw(world.user(name), r) for r in rounds] for name in USERS}
    RoundGrid.objects.filter(round=current).delete()
    RoundGrid.objects.filter(round=old).update(filed_at=None)
    assert _summary(world.user("county"), current) != expected["county"][1]
    services.round_grids_rebuild()
    for name in USERS:
        assert [_summary(world.user(name), r) for r in rounds] == expected[name], name


def test_the_round_list_is_one_query_at_two_sizes(world, django_assert_num_queries):
    county = world.user("county")
    open_round(days_ago=20)
    with django_assert_num_queries(1):
        assert len(list(selectors.screening_round_list(user=county))) == 1
    open_round(days_ago=10)
    open_round()
    for i in range(5):
        gov.grid_create(
            actor=world.user("admin"), village=world.village_1, name=f"一村{i + 5}组", code=f"G-X{i}"
        )
    with django_assert_num_queries(1):
        assert len(list(selectors.screening_round_list(user=county))) == 3
