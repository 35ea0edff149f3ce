"""Demo points (积分): three months of plausible awards for the grid workers of a few townships,
the same ledger rows ``governance.points.services.points_award`` writes (a rule and a source key each).

Deterministic (fixed seed) and idempotent: each demo award has its own source key
(``demo:<month>:<event>-<n>``), and the service writes nothing for a key a person already has,
so running the seed twice creates nothing. The stars of last month are then set from the
totals (以绩定星), as the monthly job would.
"""

import datetime as dt
import random
from collections import Counter

from django.utils import timezone

from governance.models import GridWorker, PointsEntry, PointsRule, Region
from governance.points.selectors import month_of, previous_month
from governance.points.services import points_update_stars

SEED = 20261201
TOWNSHIPS = 3  # the first few townships (by code) get demo points
# event rule → (least, most) times per worker and month
EVENTS = {
    "visit.done": (0, 8),
    "patrol.participation": (0, 4),
    "screening.on_time": (1, 4),
    "screening.late": (0, 1),
}


def _months(today: dt.date) -> list[dt.date]:
    current = today.replace(day=1)
    return [previous_month(previous_month(current)), previous_month(current), current]


def _moment(rng: random.Random, month: dt.date, today: dt.date) -> dt.datetime:
    last = (
        today
        if month == today.replace(day=1)
        else (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    )
    day = month + dt.timedelta(days=rng.randrange((last - month).days + 1))
    return timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randrange(8, 19), rng.randrange(60))))


def seed_points() -> Counter:
    """Written in bulk (the ledger rows the services would write: same rule, points, month and
    source key), since a few thousand awards one service call at a time slow ``make run`` down;
    the unique (person, source key) constraint keeps it idempotent."""
    created: Counter = Counter()
    rng = random.Random(SEED)
    today = timezone.localdate()
    rules = {r.code: r for r in PointsRule.objects.filter(code__in=EVENTS, is_active=True)}
    townships = list(
        Region.objects.filter(kind__in=Region.TOWNSHIP_KINDS)
        .order_by("code")
        .values_list("pk", flat=True)[:TOWNSHIPS]
    )
    workers = list(
        GridWorker.objects.filter(is_active=True, grid__village__parent__in=townships).order_by(
            "grid__code", "pk"
        )
    )
    existing = PointsEntry.objects.filter(source_key__startswith="demo:").count()
    rows = []
    for worker in workers:
        effort = rng.random()  # some workers are keener than others, every month
        for month in _months(today):
            for code, (least, most) in EVENTS.items():
                times = least + round((most - least) * min(1.0, effort * rng.uniform(0.6, 1.4)))
                for n in range(times):
                    when = _moment(rng, month, today)
                    rule = rules.get(code)
                    if rule is None:
                        continue
                    rows.append(
                        PointsEntry(
                            grid_worker=worker,
                            rule=rule,
                            points=rule.points,
                            reason=rule.name,
                            source_key=f"demo:{month:%Y-%m}:{code}-{n}",
                            month=month_of(when),
                            awarded_at=when,
                        )
                    )
    PointsEntry.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    added = PointsEntry.objects.filter(source_key__startswith="demo:").count() - existing
    if added:
        created["积分记录"] += added
        points_update_stars(month=previous_month(today))
    return created
