"""Risk → task → verified visit (services and scoped reads in one module).

When a case's risk is 红 or 橙, ``visit_tasks_create`` gives it a visit task (one per case and
level) for the grid's workers and the village's attached officer and auxiliary officer, due in
``settings.VISIT_TASK_HOURS`` (48 h). A task is done only by a check-in after it was created:
an officer's village check-in (``stations.VillageVisit``) in the case's village, or a grid
worker's ``GridCheckIn`` in the case's grid. "Done" is derived in the query (``_done_filter``,
``visit_task_list``), never stored, so stations never call up into this app. Overdue tasks are reminded.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import NotPermitted
from core.notifications import Message, notify_bulk
from disputes.models import OPEN_STATUSES, DisputeCase, RiskLevel
from governance import points, scoping
from governance.models import Grid, GridWorker, User
from stations.models import VillageAssignment, VillageVisit
from stations.services import parse_coordinate

from .models import GridCheckIn, VisitTask

HIGH = (RiskLevel.RED, RiskLevel.ORANGE)


def task_hours() -> int:
    return int(getattr(settings, "VISIT_TASK_HOURS", 48))


# --- Derived state ------------------------------------------------------------------------
def _first_village_visit() -> Subquery:
    return Subquery(
        VillageVisit.objects.filter(village=OuterRef("village_id"), checked_in_at__gte=OuterRef("created_at"))
        .order_by("checked_in_at")
        .values("checked_in_at")[:1]
    )


def _first_grid_check_in() -> Subquery:
    return Subquery(
        GridCheckIn.objects.filter(grid=OuterRef("grid_id"), checked_in_at__gte=OuterRef("created_at"))
        .order_by("checked_in_at")
        .values("checked_in_at")[:1]
    )


def _done_at(task) -> dt.datetime | None:
    times = [t for t in (task.village_visit_at, task.grid_check_in_at) if t is not None]
    return min(times) if times else None


def _done_filter(done: bool) -> Q:
    visited = Q(
        Exists(
            VillageVisit.objects.filter(
                village=OuterRef("village_id"), checked_in_at__gte=OuterRef("created_at")
            )
        )
    ) | Q(
        Exists(
            GridCheckIn.objects.filter(grid=OuterRef("grid_id"), checked_in_at__gte=OuterRef("created_at"))
        )
    )
    return visited if done else ~visited


# --- Creating tasks -----------------------------------------------------------------------
def _assignees(cases: list[DisputeCase]) -> dict[int, list[User]]:
    """Per case: the active grid workers of its grid who have an account, and the village's
    current attached officer and auxiliary officer (two queries for all cases)."""
    grid_ids = {c.grid_id for c in cases if c.grid_id}
    village_ids = {c.village_id for c in cases}
    by_grid: dict[int, list[User]] = {}
    for w in GridWorker.objects.filter(
        grid_id__in=grid_ids, is_active=True, user__isnull=False, user__is_active=True
    ).select_related("user"):
        by_grid.setdefault(w.grid_id, []).append(w.user)
    by_village: dict[int, list[User]] = {}
    for a in VillageAssignment.objects.filter(
        village_id__in=village_ids, end_date__isnull=True
    ).select_related("officer__user", "auxiliary_officer__user"):
        person = a.officer if a.kind == VillageAssignment.Kind.ATTACHED_OFFICER else a.auxiliary_officer
        if person is not None and person.user_id and person.user.is_active:
            by_village.setdefault(a.village_id, []).append(person.user)
    return {c.pk: by_grid.get(c.grid_id, []) + by_village.get(c.village_id, []) for c in cases}


def visit_tasks_create(*, now: dt.datetime) -> int:
    """A task for every open 红/橙 case that has none at its level yet (set-wise, idempotent:
    one task per case and level)."""
    cases = list(
        DisputeCase.objects.filter(status__in=OPEN_STATUSES, risk_level__in=HIGH)
        .exclude(Exists(VisitTask.objects.filter(case=OuterRef("pk"), level=OuterRef("risk_level"))))
        .select_related("village")
    )
    if not cases:
        return 0
    due = now + dt.timedelta(hours=task_hours())
    with transaction.atomic():
        VisitTask.objects.bulk_create(
            [
                VisitTask(
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
        tasks = {t.case_id: t for t in VisitTask.objects.filter(case__in=cases, created_at=now)}
        people = _assignees(cases)
        through = VisitTask.assignees.through
        through.objects.bulk_create(
            [
                through(visittask_id=tasks[c.pk].pk, user_id=u.pk)
                for c in cases
                if c.pk in tasks
                for u in {u.pk: u for u in people[c.pk]}.values()
            ],
            ignore_conflicts=True,
        )
    notify_bulk(
        [
            (
                people[c.pk],
                Message(
                    kind="visit.task",
                    target=f"case-{c.pk}",
                    period=c.risk_level,
                    title=_("%(l)s色风险案件 %(n)s:请在%(h)d小时内到村(网格)核查走访")
                    % {"l": RiskLevel(c.risk_level).label, "n": c.number, "h": task_hours()},
                    body=f"{c.village.name} · {c.get_category_display()}",
                    url=f"/visit-tasks/{tasks[c.pk].pk}/",
                ),
            )
            for c in cases
            if c.pk in tasks
        ],
        sms=True,
    )
    return len(tasks)


def visit_tasks_remind_overdue(*, now: dt.datetime) -> int:
    """Tasks past their deadline without a check-in, on cases still open: remind the assignees
    (once per task)."""
    tasks = list(
        VisitTask.objects.filter(due_at__lt=now, case__status__in=OPEN_STATUSES)
        .filter(_done_filter(False))
        .select_related("case", "village")
        .prefetch_related("assignees")
    )
    return notify_bulk(
        [
            (
                list(t.assignees.all()),
                Message(
                    kind="visit.task.overdue",
                    target=f"visittask-{t.pk}",
                    period=str(timezone.localdate(t.due_at)),
                    title=_("核查走访任务已超期:案件 %(n)s(%(v)s)")
                    % {"n": t.case.number, "v": t.village.name},
                    url=f"/visit-tasks/{t.pk}/",
                ),
            )
            for t in tasks
        ]
    )


# --- Grid check-in ------------------------------------------------------------------------
@transaction.atomic
def grid_check_in(
    *, actor: User, grid: Grid, note: str = "", lat=None, lon=None, now: dt.datetime | None = None
) -> GridCheckIn:
    """A grid worker checks in in their own grid. Every open visit task of that grid created
    before now is thereby done; the worker earns 走访核查 points once per task."""
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
    for task in VisitTask.objects.filter(grid=grid, created_at__lte=now, case__status__in=OPEN_STATUSES):
        points.points_for_visit(person=worker, source_key=f"visittask-{task.pk}", when=now)
    return check_in


# --- Scoped reads -------------------------------------------------------------------------
def visit_task_list(*, user, status: str = "", search: str = "") -> QuerySet[VisitTask]:
    """Tasks in the user's scope, newest first, with ``village_visit_at`` / ``grid_check_in_at``
    annotated. ``status``: "open" (not done), "done", "overdue" (not done, past due); ``search``:
    case number or village name."""
    if not scoping.has_scope(user):
        return VisitTask.objects.none()
    if not user.is_county_wide and user.role == User.Role.GRID:
        qs = VisitTask.objects.filter(grid__in=scoping.grid_ids(user))
    else:
        qs = VisitTask.objects.filter(village__in=scoping.village_ids(user))
    qs = qs.select_related("case", "village", "grid").annotate(
        village_visit_at=_first_village_visit(), grid_check_in_at=_first_grid_check_in()
    )
    if status == "open":
        qs = qs.filter(_done_filter(False))
    elif status == "done":
        qs = qs.filter(_done_filter(True))
    elif status == "overdue":
        qs = qs.filter(_done_filter(False), due_at__lt=timezone.now())
    if search:
        qs = qs.filter(Q(case__number__icontains=search) | Q(village__name__icontains=search))
    return qs.order_by("-created_at", "-pk")


def visit_task_get(*, user, pk) -> VisitTask:
    return get_object_or_404(visit_task_list(user=user).prefetch_related("assignees"), pk=pk)


def done_at(task: VisitTask) -> dt.datetime | None:
    return _done_at(task)


def visited_within(
    village_ids: QuerySet, *, start: dt.datetime, end: dt.datetime, now: dt.datetime | None = None
) -> dict:
    """For the command centre: of the tasks created in [start, end) in these villages, how many
    were visited within their deadline (48 h). A task still inside its deadline and not yet
    visited is not judged yet (``pending``)."""
    now = now or timezone.now()
    tasks = list(
        VisitTask.objects.filter(village__in=village_ids, created_at__gte=start, created_at__lt=end)
        .annotate(village_visit_at=_first_village_visit(), grid_check_in_at=_first_grid_check_in())
        .values("due_at", "village_visit_at", "grid_check_in_at")
    )
    on_time = pending = 0
    for t in tasks:
        times = [x for x in (t["village_visit_at"], t["grid_check_in_at"]) if x is not None]
        if times and min(times) <= t["due_at"]:
            on_time += 1
        elif not times and t["due_at"] > now:
            pending += 1
    return {"tasks": len(tasks), "judged": len(tasks) - pending, "pending": pending, "on_time": on_time}


def my_grids(user) -> QuerySet[Grid]:
    return Grid.objects.filter(workers__user=user, workers__is_active=True, is_active=True).distinct()
