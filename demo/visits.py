"""Demo history of the risk → visit loop: the open 红/橙 cases are scored (as the nightly job
does) and are owed their risk visits, dated back to a day or so after each case was reported;
most were visited in time, by a grid worker of the case's grid or the village's attached
officer (a check-in made for the visit, with its outcome), some late, some not yet — only the
visits asked of someone with an account can be made; check-ins have a position in the grid
(verified), one 3 km off or none (unverified). Skipped once any check-in was made for a visit
(idempotent)."""

import datetime as dt
import random
from collections import Counter
from typing import cast

from django.utils import timezone

from disputes import risk
from governance.models import Grid, GridWorker, User
from patrols.visits import services as visit_services
from patrols.visits.models import GridCheckIn, RiskVisit
from stations.evidence import check_in_evidence
from stations.models import Officer, VillageAssignment, VillageVisit, VisitOutcome

SEED = 48


def seed_risk_visits() -> Counter:
    created: Counter = Counter()
    # the visits themselves are asked for as the demo cases are scored; their history is made once
    if (
        VillageVisit.objects.filter(risk_visit__isnull=False).exists()
        or GridCheckIn.objects.filter(risk_visit__isnull=False).exists()
    ):
        return created
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    if admin is None:
        return created
    now = timezone.now()
    risk.assess_open_cases(now=now)
    visit_services.risk_visits_create(now=now)
    if not RiskVisit.objects.exists():
        return created
    rng = random.Random(SEED)
    officers = {
        a.village_id: a
        for a in VillageAssignment.objects.filter(
            kind=VillageAssignment.Kind.ATTACHED_OFFICER, end_date__isnull=True
        ).select_related("officer__user")
    }
    workers: dict[tuple[int | None, int | None], GridWorker] = {
        (w.grid_id, w.user_id): w
        for w in GridWorker.objects.filter(is_active=True, user__isnull=False).only("grid_id", "user_id")
    }
    centres = {
        g.pk: _centre(cast(dict, g.boundary))
        for g in Grid.objects.exclude(boundary=None).only("pk", "boundary")
    }
    village_grid: dict[int, int] = {}
    for g in (
        Grid.objects.filter(is_active=True).exclude(boundary=None).order_by("code").only("pk", "village_id")
    ):
        village_grid.setdefault(g.village_id, g.pk)
    owed = list(RiskVisit.objects.select_related("case").prefetch_related("assignees").order_by("pk"))
    village_rows, grid_rows = [], []
    made = 0
    for visit in owed:
        created_at = min(
            visit.case.reported_at + dt.timedelta(hours=rng.randint(2, 30)), now - dt.timedelta(hours=1)
        )
        visit.created_at, visit.due_at = (
            created_at,
            created_at + dt.timedelta(hours=visit_services.visit_hours()),
        )
        assignees = list(visit.assignees.all())
        worker = next(
            (workers[(visit.grid_id, u.pk)] for u in assignees if (visit.grid_id, u.pk) in workers), None
        )
        assignment = officers.get(visit.village_id)
        officer_user = cast(Officer, assignment.officer).user if assignment is not None else None
        if worker is None and (officer_user is None or officer_user not in assignees):
            continue  # nobody with an account was asked (demo staff mostly have none): still owed
        made += 1
        if made % 5 == 0:
            continue  # not visited yet
        hours = rng.randint(3, 40) if made % 3 else rng.randint(55, 90)  # in time, or late
        at = min(created_at + dt.timedelta(hours=hours), now - dt.timedelta(minutes=10))
        # where the phone was: in the grid (verified), 3 km off or no position (unverified)
        place = visit.grid_id or village_grid.get(visit.village_id)
        lat = lon = None
        kind = ("inside", "far", "inside", "none")[(made - 1) % 4]
        if place in centres and kind != "none":
            lat, lon = centres[place]
            if kind == "far":
                lat += 0.03
        evidence = check_in_evidence(
            lat=None if lat is None else f"{lat:.6f}",
            lon=None if lon is None else f"{lon:.6f}",
            now=at,
            grid_id=visit.grid_id if worker is not None else None,
            village_id=visit.village_id,
        )
        outcome = rng.choice(VisitOutcome.values)
        common = {
            "checked_in_at": at,
            "latitude": evidence.latitude,
            "longitude": evidence.longitude,
            "distance_m": evidence.distance_m,
            "verified": evidence.verified,
            "risk_visit_id": visit.pk,
            "outcome": outcome,
        }
        if worker is not None:
            grid_rows.append(
                GridCheckIn(
                    grid_id=worker.grid_id,
                    user_id=cast(int, worker.user_id),
                    note="风险案件核查走访",
                    **common,
                )
            )
        else:
            village_rows.append(
                VillageVisit(
                    village_id=visit.village_id,
                    officer_id=cast(VillageAssignment, assignment).officer_id,
                    visited_on=timezone.localdate(at),
                    activity=VillageVisit.Activity.VISIT,
                    note="风险案件核查走访",
                    created_by=officer_user,
                    **common,
                )
            )
    RiskVisit.objects.bulk_update(owed, ["created_at", "due_at"])
    VillageVisit.objects.bulk_create(village_rows)
    GridCheckIn.objects.bulk_create(grid_rows)
    created["核查走访任务"] += len(owed)
    created["核查签到"] += len(village_rows) + len(grid_rows)
    return created


def _centre(boundary: dict) -> tuple[float, float]:
    """The middle of a grid's GeoJSON box, as (lat, lon)."""
    ring = boundary["coordinates"][0]
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    return (min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2
