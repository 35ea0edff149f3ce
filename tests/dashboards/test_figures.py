"""Each figure against a constructed data set whose expected values are worked out by hand."""

import datetime as dt

import pytest
from django.utils import timezone

from core.periods import month_period
from dashboards.areas import area_get
from dashboards.figures import children
from disputes import figures, services
from disputes.models import DisputeCase, RiskLevel
from screening import services as screening_services
from screening.figures import screening_figures
from screening.models import ScreeningReport
from tests.disputes.helpers import agreement_data, report

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(world):
    staff, other = world.user("station_a"), world.user("station_b")
    # A: grid level, mediated, agreement performed, closed → resolved at grid level, on time
    a = report(world, grid=world.grid_1a)
    services.case_accept(actor=staff, case=a)
    agreement = services.agreement_create(actor=staff, case=a, **agreement_data())
    services.agreement_set_performance(actor=staff, agreement=agreement, status="performed")
    services.case_close(actor=staff, case=a)
    services.follow_up_record(actor=staff, case=a, result="stable", satisfaction="satisfied")
    # B: village level, referred to a department, answered, closed without an agreement
    b = report(world, village=world.village_2)
    services.case_accept(actor=staff, case=b)
    ref = services.referral_create(
        actor=staff, case=b, kind="department", department="hrss", target_name="县人社局", reason="欠薪"
    )
    services.referral_update(actor=staff, referral=ref, status="answered", answer="已结清")
    services.case_close(actor=staff, case=b)
    # C: not accepted
    c = report(world)
    services.case_not_accept(actor=staff, case=c, reason="已起诉")
    # D: open, escalated from grid to village
    d = report(world, grid=world.grid_1b)
    services.case_accept(actor=staff, case=d)
    services.case_escalate(actor=staff, case=d, reason="网格调解未果")
    # E: the other station: resolved and closed
    e = report(world, village=world.village_3, actor="station_b")
    services.case_accept(actor=other, case=e)
    ag = services.agreement_create(actor=other, case=e, **agreement_data())
    services.agreement_set_performance(actor=other, agreement=ag, status="performed")
    services.case_close(actor=other, case=e)
    services.follow_up_record(actor=other, case=e, result="stable", satisfaction="unsatisfied")
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


def _this_month():
    today = timezone.localdate()
    return month_period(today.year, today.month)


def test_station_figures(world, data):
    area = area_get(user=world.user("station_a"), kind="station", pk=world.station_a.pk)
    f = figures.dispute_figures(area.village_ids, _this_month())
    assert f["new"] == 4  # A B C D
    assert f["closed"] == 2  # A B
    assert f["resolved"] == 1  # A (B closed without an agreement)
    assert f["resolution_rate"] == 50.0
    assert f["completion_rate"] == 66.7  # of A B D (accepted), A B closed: 2/3
    assert f["on_time_rate"] == 100.0
    assert f["escalations"] == {"village": 1, "township": 0, "county": 0}
    assert f["resolved_share"] == {"grid": 100.0, "village": 0.0, "township": 0.0, "county": 0.0}
    assert f["recurrence_rate"] == 0.0
    assert f["satisfaction_rate"] == 100.0 and f["follow_ups"] == 1
    assert f["median_days"] == 0.0
    assert figures.open_case_figures(area.village_ids) == {"open": 1, "overdue": 0, "red": 0, "orange": 0}


def test_county_figures_add_the_other_station(world, data):
    county = area_get(user=world.user("county"), kind="county", pk=world.county.pk)
    f = figures.dispute_figures(county.village_ids, _this_month())
    assert (f["new"], f["closed"], f["resolved"]) == (5, 3, 2)
    assert f["resolution_rate"] == 66.7
    assert f["satisfaction_rate"] == 50.0  # satisfied + unsatisfied
    assert f["resolved_share"]["grid"] == 50.0 and f["resolved_share"]["village"] == 50.0


def test_recurrence_is_counted_in_the_period_it_happened(world, data):
    services.follow_up_record(
        actor=world.user("station_a"),
        case=data["b"],
        result="recurring",
        satisfaction="unsatisfied",
        note="又起纠纷",
    )
    area = area_get(user=world.user("station_a"), kind="station", pk=world.station_a.pk)
    f = figures.dispute_figures(area.village_ids, _this_month())
    assert f["closed"] == 1 and f["recurrence_rate"] == 100.0  # one reopened ÷ one still closed


def test_the_previous_period_and_last_year_are_empty_here(world, data):
    area = area_get(user=world.user("county"), kind="county", pk=world.county.pk)
    period = _this_month()
    for p in (period.previous(), period.last_year()):
        f = figures.dispute_figures(area.village_ids, p)
        assert (f["new"], f["closed"], f["resolution_rate"], f["median_days"]) == (0, 0, None, None)


def test_children_table_and_trend(world, data):
    county = area_get(user=world.user("county"), kind="county", pk=world.county.pk)
    rows = figures.figures_by(county.village_ids, group="station", period=_this_month())
    assert rows[world.station_a.pk]["new"] == 4 and rows[world.station_a.pk]["resolution_rate"] == 50.0
    assert rows[world.station_b.pk]["closed"] == 1
    trend = figures.dispute_trend(county.village_ids)
    assert len(trend["months"]) == 12 and trend["new"][-1] == 5 and trend["closed"][-1] == 3
    assert trend["resolution_rate"][-1] == 66.7 and sum(trend["new"][:-1]) == 0


def test_the_map_colours_grids_by_their_highest_open_risk(world, data, settings):
    from disputes import risk
    from governance.models import Grid

    Grid.objects.filter(pk__in=[world.grid_1a.pk, world.grid_1b.pk]).update(
        boundary={
            "type": "Polygon",
            "coordinates": [[[103.0, 29.0], [103.01, 29.0], [103.01, 29.01], [103.0, 29.01], [103.0, 29.0]]],
        }
    )
    hot = report(
        world,
        grid=world.grid_1b,
        category="labour_debt",
        people_involved=12,
        threat_flag=True,
        amount_involved=150000,
    )
    risk.assess_open_cases(now=timezone.now())
    area = area_get(user=world.user("station_a"), kind="station", pk=world.station_a.pk)
    data_ = figures.grid_map(area.village_ids)
    levels = {f["properties"]["id"]: f["properties"]["level"] for f in data_["grids"]["features"]}
    assert levels == {world.grid_1a.pk: "none", world.grid_1b.pk: "red"}
    points = {f["properties"]["number"] for f in data_["cases"]["features"]}
    assert points == {hot.number, data["d"].number}
    assert data_["cases_total"] == 2
    # a county's map carries the highest risk scores only, and says how many there are in all
    settings.MAP_CASE_POINTS = 1
    capped = figures.grid_map(area.village_ids)
    assert [f["properties"]["number"] for f in capped["cases"]["features"]] == [hot.number]
    assert capped["cases_total"] == 2


def test_screening_completeness_of_the_latest_round(world):
    now = timezone.now()
    [round_] = screening_services.screening_rounds_open_due(now=now)
    screening_services.screening_report_file(
        actor=world.user("grid_g1"), round=round_, grid=world.grid_1a, zero=True
    )
    screening_services.screening_report_file(
        actor=world.user("station_a"), round=round_, grid=world.grid_2, zero=True
    )
    ScreeningReport.objects.filter(grid=world.grid_2).update(filed_at=round_.due_at + dt.timedelta(hours=1))
    screening_services.round_grids_rebuild()  # a filing time moved behind the services' back
    area = area_get(user=world.user("station_a"), kind="station", pk=world.station_a.pk)
    [row] = screening_figures(area.village_ids)
    # station A has grids 1a, 1b, 2: one on time, one late, one missing
    assert (row["total"], row["on_time"], row["late"], row["missing"]) == (3, 1, 1, 1)
    assert row["rate"] == 66.7 and row["on_time_rate"] == 33.3


def test_a_county_dashboard_counts_its_own_county_only(world):
    """A prefecture's deployment holds several counties: each county's page counts the villages,
    cases and stations of that county, not every county the user may see."""
    from dashboards.figures import area_figures
    from governance import services as gov
    from governance.models import Region
    from stations import services as st
    from stations.models import Station

    admin = world.user("admin")
    other = gov.region_create(
        actor=admin, name="邻县", code="511133000000", kind=Region.Kind.COUNTY, parent=None
    )
    township = gov.region_create(
        actor=admin, name="丁镇", code="511133100000", kind=Region.Kind.TOWNSHIP, parent=other
    )
    village = gov.region_create(
        actor=admin, name="丁村", code="511133100201", kind=Region.Kind.VILLAGE, parent=township
    )
    station = Station.objects.create(name="丁镇派出所", code="PS-D", county=other)
    st.jurisdiction_add(actor=admin, station=station, region=township)
    report(world, actor="admin", village=village)
    report(world, actor="admin", village=village)
    report(world)  # one in the test county
    county_user = world.user("county")
    period = _this_month()
    here = area_get(user=county_user, kind="county", pk=world.county.pk)
    there = area_get(user=county_user, kind="county", pk=other.pk)
    assert village.pk not in set(here.village_ids.values_list("pk", flat=True))
    assert set(there.village_ids.values_list("pk", flat=True)) == {village.pk}
    assert area_figures(here, period, county_user)["current"]["new"] == 1
    assert area_figures(there, period, county_user)["current"]["new"] == 2
    assert area_figures(here, period, county_user)["open_now"]["open"] == 1
    kind, rows, _open = children(here, county_user, period)
    assert kind == "station" and "丁镇派出所" not in {r["name"] for r in rows}
    assert [r["name"] for r in children(there, county_user, period)[1]] == ["丁镇派出所"]


def test_the_open_picture_from_the_children_equals_the_area_count(world, data):
    """The page takes today's picture from its children's grouped counts (one scan of the open
    cases, not two): for every kind of area, cases with no grid, overdue and red ones included."""
    overdue = report(world, village=world.village_2)  # no grid: under ``None`` in a village's grids
    DisputeCase.objects.filter(pk=overdue.pk).update(
        due_at=timezone.now() - dt.timedelta(days=3), risk_level=RiskLevel.RED
    )
    orange = report(world, grid=world.grid_1a)
    DisputeCase.objects.filter(pk=orange.pk).update(risk_level=RiskLevel.ORANGE)
    county_user = world.user("county")
    period = _this_month()
    areas = [
        ("county", world.county.pk),
        ("station", world.station_a.pk),
        ("township", world.township_a.pk),
        ("village", world.village_2.pk),
        ("village", world.village_1.pk),
    ]
    for kind, pk in areas:
        area = area_get(user=county_user, kind=kind, pk=pk)
        expected = figures.open_case_figures(area.village_ids)
        assert children(area, county_user, period).open_now == expected, kind
    county = area_get(user=county_user, kind="county", pk=world.county.pk)
    assert children(county, county_user, period).open_now == {"open": 3, "overdue": 1, "red": 1, "orange": 1}
