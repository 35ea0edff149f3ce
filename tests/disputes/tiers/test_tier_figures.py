"""Evaluation figures per unit and the supervision/hand-on counts, computed by hand."""

import datetime as dt

import pytest
from django.utils import timezone

from core.periods import month_period
from disputes.tiers import services as tiers
from disputes.tiers.figures import tier_figures
from governance import scoping

from ..helpers import report, to_closed

pytestmark = pytest.mark.django_db


def test_tier_figures_count_evaluations_per_station_and_open_supervisions(world, client_for):
    county = world.user("county")
    for rating in ("satisfied", "unsatisfied"):
        case = to_closed(world, report(world))
        tiers.evaluation_record(actor=county, case=case, rating=rating, note="")
    open_case = report(world)
    tiers.supervision_open(
        actor=county, case=open_case, reason="快办", reply_by=timezone.now() + dt.timedelta(days=1)
    )
    figures = tier_figures(
        scoping.village_ids(county), month_period(timezone.localdate().year, timezone.localdate().month)
    )
    assert figures["evaluated"] == 2 and figures["satisfaction"] == 50.0
    assert figures["evaluations"] == [
        {
            "station": "甲镇派出所",
            "satisfied": 1,
            "fairly": 0,
            "unsatisfied": 1,
            "total": 2,
            "satisfaction": 50.0,
        }
    ]
    assert figures["supervisions_open"] == 1 and figures["supervisions_unanswered"] == 0
    outsider = tier_figures(
        scoping.village_ids(world.user("station_b")),
        month_period(timezone.localdate().year, timezone.localdate().month),
    )
    assert outsider["evaluated"] == 0 and outsider["supervisions_open"] == 0
    assert "交办、督办与评价" in client_for("county").get("/dashboard/", follow=True).content.decode()
