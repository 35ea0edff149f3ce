"""Demo history of the risk → visit loop: the open 红/橙 cases are scored (as the nightly job
does) and get their visit tasks, dated back to a day or so after each case was reported; most
were visited in time by the village's attached officer, some late, some not yet. Skipped when any
visit task exists (idempotent)."""

import datetime as dt
import random
from collections import Counter

from django.utils import timezone

from disputes import risk
from governance.models import User
from patrols import visit_tasks
from patrols.models import VisitTask
from stations.models import VillageAssignment, VillageVisit

SEED = 48


def seed_visit_tasks() -> Counter:
    created: Counter = Counter()
    if VisitTask.objects.exists():
        return created
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    if admin is None:
        return created
    now = timezone.now()
    risk.assess_open_cases(now=now)
    if not visit_tasks.visit_tasks_create(now=now):
        return created
    rng = random.Random(SEED)
    officers = {
        a.village_id: a
        for a in VillageAssignment.objects.filter(
            kind=VillageAssignment.Kind.ATTACHED_OFFICER, end_date__isnull=True
        ).select_related("officer__user")
    }
    tasks = list(VisitTask.objects.select_related("case").order_by("pk"))
    visits = []
    for task in tasks:
        created_at = min(
            task.case.reported_at + dt.timedelta(hours=rng.randint(2, 30)), now - dt.timedelta(hours=1)
        )
        task.created_at, task.due_at = created_at, created_at + dt.timedelta(hours=visit_tasks.task_hours())
        assignment = officers.get(task.village_id)
        roll = rng.random()
        if assignment is None or roll > 0.85:
            continue  # not visited yet
        hours = rng.randint(3, 40) if roll < 0.7 else rng.randint(55, 90)  # in time, or late
        at = created_at + dt.timedelta(hours=hours)
        if at >= now:
            continue
        visits.append(
            VillageVisit(
                village_id=task.village_id,
                officer_id=assignment.officer_id,
                visited_on=timezone.localdate(at),
                checked_in_at=at,
                activity=VillageVisit.Activity.VISIT,
                note="风险案件核查走访",
                created_by=assignment.officer.user or admin,
            )
        )
    VisitTask.objects.bulk_update(tasks, ["created_at", "due_at"])
    VillageVisit.objects.bulk_create(visits)
    created["核查走访任务"] += len(tasks)
    created["核查签到"] += len(visits)
    return created
