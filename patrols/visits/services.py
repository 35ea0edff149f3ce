"""Risk → visit: the writes (scoped reads are in ``selectors``).

When a case's risk is 红 or 橙, ``risk_visits_create`` asks for a visit (one per case and level)
by the grid's workers and the village's attached officer and auxiliary officer, due in
``settings.VISIT_TASK_HOURS`` (48 h). A visit is done only by a check-in after it was asked for:
an officer's village check-in (``stations.VillageVisit``) in the case's village, or a grid
worker's ``GridCheckIn`` in the case's grid ("done" is derived in the query, see
``selectors.done_filter``). Overdue visits are reminded.

The notification kinds and keys, and the points' source keys, keep the strings they were first
stored with (``visit.task``, ``visittask-<id>``): they deduplicate against rows already written.
"""

import datetime as dt
from typing import cast

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import NotPermitted
from core.notifications import Message, notify_bulk
from disputes.models import OPEN_STATUSES, DisputeCase, RiskLevel
from governance import points
from governance.models import Grid, GridWorker, User
from stations.models import VillageAssignment
from stations.services import Coordinate, parse_coordinate

from .models import GridCheckIn, RiskVisit
from .selectors import done_filter

HIGH = (RiskLevel.RED, RiskLevel.ORANGE)
# Stored strings (notification kinds, a notification's target, a points source key): unchanged.
KIND_ASKED = "visit.task"
KIND_OVERDUE = "visit.task.overdue"


def stored_key(visit_id: int) -> str:
    """The target of a visit's overdue reminder and the points source key of its check-ins."""
    return f"visittask-{visit_id}"


def visit_hours() -> int:
    return int(getattr(settings, "VISIT_TASK_HOURS", 48))


# --- Asking for visits --------------------------------------------------------------------
def _assignees(cases: list[DisputeCase]) -> dict[int, list[User]]:
    """Per case: the active grid workers of its grid who have an account, and the village's
    current attached officer and auxiliary officer (two queries for all cases)."""
    grid_ids = {c.grid_id for c in cases if c.grid_id}
    village_ids = {c.village_id for c in cases}
    by_grid: dict[int | None, list[User]] = {}
    for w in GridWorker.objects.filter(
        grid_id__in=grid_ids, is_active=True, user__isnull=False, user__is_active=True
    ).select_related("user"):
        by_grid.setdefault(w.grid_id, []).append(cast(User, w.user))  # user__isnull=False
    by_village: dict[int, list[User]] = {}
    for a in VillageAssignment.objects.filter(
        village_id__in=village_ids, end_date__isnull=True
    ).select_related("officer__user", "auxiliary_officer__user"):
        person = a.officer if a.kind == VillageAssignment.Kind.ATTACHED_OFFICER else a.auxiliary_officer
        if person is not None and person.user is not None and person.user.is_active:
            by_village.setdefault(a.village_id, []).append(person.user)
    return {c.pk: by_grid.get(c.grid_id, []) + by_village.get(c.village_id, []) for c in cases}


def risk_visits_create(*, now: dt.datetime, case_ids: list[int] | None = None) -> int:
    """A visit for every open 红/橙 case that has none at its level yet (set-wise, idempotent:
    one visit per case and level). With ``case_ids``, only those cases: the hook a rise of risk
    calls at once (``disputes.risk.register_risk_rise_handler``, wired in ``PatrolsConfig``)."""
    targets = DisputeCase.objects.all() if case_ids is None else DisputeCase.objects.filter(pk__in=case_ids)
    cases = list(
        targets.filter(status__in=OPEN_STATUSES, risk_level__in=HIGH)
        .exclude(Exists(RiskVisit.objects.filter(case=OuterRef("pk"), level=OuterRef("risk_level"))))
        .select_related("village")
    )
    if not cases:
        return 0
    due = now + dt.timedelta(hours=visit_hours())
    with transaction.atomic():
        RiskVisit.objects.bulk_create(
            [
                RiskVisit(
                    case=c,
                    level=c.risk_level,
                    village_id=c.village_id,
                    grid_id=c.grid_id,
                    created_at=now,
                    due_at=due,
                )
                for c in cases
            ],
            ignore_conflicts=True,
        )
        visits = {v.case_id: v for v in RiskVisit.objects.filter(case__in=cases, created_at=now)}
        people = _assignees(cases)
        through = RiskVisit.assignees.through
        through.objects.bulk_create(
            [
                through(riskvisit_id=visits[c.pk].pk, user_id=u.pk)
                for c in cases
                if c.pk in visits
                for u in {u.pk: u for u in people[c.pk]}.values()
            ],
            ignore_conflicts=True,
        )
        # the visits and their notices commit together (the rerun selects cases without a visit)
        notify_bulk(
            [
                (
                    people[c.pk],
                    Message(
                        kind=KIND_ASKED,
                        target=f"case-{c.pk}",
                        period=c.risk_level,
                        title=_("%(l)s色风险案件 %(n)s:请在%(h)d小时内到村(网格)核查走访")
                        % {"l": RiskLevel(c.risk_level).label, "n": c.number, "h": visit_hours()},
                        body=f"{c.village.name} · {c.get_category_display()}",
                        url=reverse("visits:detail", args=[visits[c.pk].pk]),
                    ),
                )
                for c in cases
                if c.pk in visits
            ],
            sms=True,
        )
    return len(visits)


def risk_visits_remind_overdue(*, now: dt.datetime) -> int:
    """Visits past their deadline without a check-in, on cases still open: remind the assignees
    (once per visit)."""
    visits = list(
        RiskVisit.objects.filter(due_at__lt=now, case__status__in=OPEN_STATUSES)
        .filter(done_filter(False))
        .select_related("case", "village")
        .prefetch_related("assignees")
    )
    return notify_bulk(
        [
            (
                list(v.assignees.all()),
                Message(
                    kind=KIND_OVERDUE,
                    target=stored_key(v.pk),
                    period=str(timezone.localdate(v.due_at)),
                    title=_("核查走访任务已超期:案件 %(n)s(%(v)s)")
                    % {"n": v.case.number, "v": v.village.name},
                    url=reverse("visits:detail", args=[v.pk]),
                ),
            )
            for v in visits
        ]
    )


# --- Grid check-in ------------------------------------------------------------------------
@transaction.atomic
def grid_check_in(
    *,
    actor: User,
    grid: Grid,
    note: str = "",
    lat: Coordinate = None,
    lon: Coordinate = None,
    now: dt.datetime | None = None,
) -> GridCheckIn:
    """A grid worker checks in in their own grid. Every open visit of that grid asked for
    before now is thereby done; the worker earns 走访核查 points once per visit."""
    worker = GridWorker.objects.filter(user=actor, grid=grid, is_active=True).first()
    if worker is None:
        raise NotPermitted(_("只有本网格的网格员可以在本网格签到。"))
    now = now or timezone.now()
    check_in = GridCheckIn(
        grid=grid,
        user=actor,
        checked_in_at=now,
        note=(note or "").strip()[:200],
        latitude=parse_coordinate(lat, -90, 90, "lat"),
        longitude=parse_coordinate(lon, -180, 180, "lon"),
    )
    check_in.full_clean()
    check_in.save()
    for visit in RiskVisit.objects.filter(grid=grid, created_at__lte=now, case__status__in=OPEN_STATUSES):
        points.points_for_visit(person=worker, source_key=stored_key(visit.pk), when=now)
    return check_in
