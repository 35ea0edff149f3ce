"""Demo points (积分): three months of plausible awards for the grid workers of a few townships,
written through ``governance.points`` so that every entry carries a rule and a source key.

Deterministic (fixed seed) and idempotent: each demo award has its own source key
(``demo:<month>:<event>-<n>``), and the service writes nothing for a key a person already has,
so running the seed twice creates nothing. The stars of last month are then set from the
totals (以绩定星), as the monthly job would.
"""

import datetime as dt
import random
from collections import Counter

from django.utils import timezone

from governance import points
from governance.models import GridWorker, Region

SEED = 20261201
TOWNSHIPS = 4  # the first few townships (by code) get demo points
# event rule → (least, most) times per worker and month
EVENTS = {"visit.done": (0, 8), "patrol.participation": (0, 4), "screening.on_time": (1, 4),
          "screening.late": (0, 1)}


def _months(today: dt.date) -> list[dt.date]:
    current = today.replace(day=1)
    return [points.previous_month(points.previous_month(current)), points.previous_month(current), current]


def _moment(rng: random.Random, month: dt.date, today: dt.date) -> dt.datetime:
    last = today if month == today.replace(day=1) else (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    day = month + dt.timedelta(days=rng.randrange((last - month).days + 1))
    return timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randrange(8, 19), rng.randrange(60))))


def seed_points() -> Counter:
    created: Counter = Counter()
    rng = random.Random(SEED)
    today = timezone.localdate()
    townships = list(Region.objects.filter(kind__in=Region.TOWNSHIP_KINDS).order_by("code")
                     .values_list("pk", flat=True)[:TOWNSHIPS])
    workers = list(GridWorker.objects.filter(is_active=True, grid__village__parent__in=townships)
                   .order_by("grid__code", "pk"))
    for worker in workers:
        effort = rng.random()  # some workers are keener than others, every month
        for month in _months(today):
            for rule, (least, most) in EVENTS.items():
                times = least + round((most - least) * min(1.0, effort * rng.uniform(0.6, 1.4)))
                for n in range(times):
                    entry = points.points_award(person=worker, rule_code=rule,
                                                source_key=f"demo:{month:%Y-%m}:{rule}-{n}",
                                                when=_moment(rng, month, today))
                    if entry is not None:
                        created["积分记录"] += 1
    if created:
        points.points_update_stars(month=points.previous_month(today))
    return created
