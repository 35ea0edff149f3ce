"""Demo points: plausible awards over three months, idempotent."""

import datetime as dt

import pytest
from django.db.models import Sum
from django.utils import timezone

from demo.points import seed_points
from governance.models import GridWorker, PointsEntry
from governance.points import selectors

pytestmark = pytest.mark.django_db


def test_seed_points_awards_three_months_once(world):
    created = seed_points()
    assert created["积分记录"] == PointsEntry.objects.count() > 0
    months = set(PointsEntry.objects.values_list("month", flat=True))
    today = timezone.localdate()
    assert months <= {
        today.replace(day=1),
        selectors.previous_month(today),
        selectors.previous_month(selectors.previous_month(today)),
    }
    assert PointsEntry.objects.filter(rule__isnull=True).count() == 0
    assert not PointsEntry.objects.filter(awarded_at__gt=timezone.now() + dt.timedelta(days=1)).exists()
    last = selectors.previous_month(today)
    for worker in GridWorker.objects.filter(is_active=True):
        total = (
            PointsEntry.objects.filter(grid_worker=worker, month=last).aggregate(s=Sum("points"))["s"] or 0
        )
        assert worker.stars == selectors.stars_for(total)
    assert seed_points() == {}
    assert PointsEntry.objects.count() == created["积分记录"]
