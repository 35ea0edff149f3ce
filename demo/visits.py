"""Demo history of the risk → visit loop: the open 红/橙 cases are scored (as the nightly job
does) and are owed their risk visits, dated back to a day or so after each case was reported;
most were visited in time by the village's attached officer, some late, some not yet. Skipped
when any risk visit exists (idempotent)."""

import datetime as dt
import random
from collections import Counter
from typing import cast

from django.utils import timezone

from disputes import risk
from governance.models import User
from patrols.visits import services as visit_services
from patrols.visits.models import RiskVisit
from stations.models import Officer, VillageAssignment, VillageVisit

SEED = 48


def seed_risk_visits() -> Counter:
    created: Counter = Counter()
    if RiskVisit.objects.exists():
        return created
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    if admin is None:
        return created
    now = timezone.now()
    risk.assess_open_cases(now=now)
    if not visit_services.risk_visits_create(now=now):
        return created
    rng = random.Random(SEED)
    officers = {
        a.village_id: a
        for a in VillageAssignment.objects.filter(
            kind=VillageAssignment.Kind.ATTACHED_OFFICER, end_date__isnull=True
        ).select_related("officer__user")
    }
    owed = list(RiskVisit.objects.select_related("case").order_by("pk"))
    check_ins = []
    for visit in owed:
        created_at = min(
            visit.case.reported_at + dt.timedelta(hours=rng.randint(2, 30)), now - dt.timedelta(hours=1)
        )
        visit.created_at, visit.due_at = (
            created_at,
            created_at + dt.timedelta(hours=visit_services.visit_hours()),
        )
        assignment = officers.get(visit.village_id)
        roll = rng.random()
        if assignment is None or roll > 0.85:
            continue  # not visited yet
        hours = rng.randint(3, 40) if roll < 0.7 else rng.randint(55, 90)  # in time, or late
        at = created_at + dt.timedelta(hours=hours)
        if at >= now:
            continue
        check_ins.append(
            VillageVisit(
                village_id=visit.village_id,
                officer_id=assignment.officer_id,
                visited_on=timezone.localdate(at),
                checked_in_at=at,
                activity=VillageVisit.Activity.VISIT,
                note="风险案件核查走访",
                created_by=cast(Officer, assignment.officer).user or admin,  # an attached officer's
            )
        )
    RiskVisit.objects.bulk_update(owed, ["created_at", "due_at"])
    VillageVisit.objects.bulk_create(check_ins)
    created["核查走访任务"] += len(owed)
    created["核查签到"] += len(check_ins)
    return created
