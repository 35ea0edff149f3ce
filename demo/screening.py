"""Demo screening history: the last five weekly rounds of 滚动排查, most grids reporting on time
(mostly 零报告), some late, a few missing. Skipped when any round exists (idempotent)."""

import datetime as dt
import random
from collections import Counter

from django.utils import timezone

from governance.models import Grid, User
from screening.models import ScreeningReport, ScreeningRound
from screening.services import round_grids_refresh, screening_rounds_open_due

SEED = 47
WEEKS = 5


def seed_screening() -> Counter:
    created: Counter = Counter()
    if ScreeningRound.objects.exists():
        return created
    filer = User.objects.filter(is_superuser=True).order_by("pk").first()
    if filer is None:
        return created
    rng = random.Random(SEED)
    now = timezone.now()
    grids = list(Grid.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
    for weeks_ago in range(WEEKS, 0, -1):
        for round_ in screening_rounds_open_due(now=now - dt.timedelta(days=7 * weeks_ago)):
            created["排查轮次"] += 1
            opened = timezone.make_aware(dt.datetime.combine(round_.opens_on, dt.time(8, 0)))
            window = (round_.due_at - opened).total_seconds()
            reports = []
            for grid_id in grids:
                roll = rng.random()
                if roll < 0.05:
                    continue  # missing
                late = roll < 0.11
                filed_at = (
                    round_.due_at + dt.timedelta(hours=rng.randint(2, 40))
                    if late
                    else opened + dt.timedelta(seconds=rng.uniform(0.1, 0.98) * window)
                )
                reports.append(
                    ScreeningReport(
                        round=round_,
                        grid_id=grid_id,
                        filed_by=filer,
                        filed_at=filed_at,
                        is_zero=True,
                        note="已入户排查,未发现矛盾纠纷隐患",
                    )
                )
            ScreeningReport.objects.bulk_create(reports, batch_size=500)
            created["排查报告"] += len(reports)
            round_grids_refresh(round_ids=[round_.pk])  # in bulk, not through the service: the summary
    return created
