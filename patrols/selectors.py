"""Scoped reads for patrol plans, patrols and findings: a user sees the patrols of the stations
in their scope (``stations.selectors.station_ids``: county-wide users all, station staff their
own, auxiliary officers their employing station)."""

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from governance.models import User
from stations.selectors import station_ids

from .models import Patrol, PatrolCheckIn, PatrolCheckpoint, PatrolFinding, PatrolPlan


def plan_list(*, user: User, search: str = "", station_id: int | None = None) -> QuerySet[PatrolPlan]:
    qs = (
        PatrolPlan.objects.filter(station__in=station_ids(user))
        .select_related("station")
        .annotate(
            checkpoint_count=Count("checkpoints", distinct=True), patrol_count=Count("patrols", distinct=True)
        )
    )
    if station_id:
        qs = qs.filter(station_id=station_id)
    if search:
        qs = qs.filter(Q(title__icontains=search) | Q(joint_units__icontains=search))
    return qs


def route_checkpoint(*, patrol: Patrol, checkpoint: PatrolCheckpoint | int | None) -> PatrolCheckpoint | None:
    """The one definition of "a checkpoint on the patrol's route": one of the checkpoints of the
    plan the patrol runs (``None`` for anything else, or for a patrol without a plan)."""
    pk = checkpoint.pk if isinstance(checkpoint, PatrolCheckpoint) else checkpoint
    if patrol.plan_id is None or pk is None:
        return None
    return PatrolCheckpoint.objects.filter(plan_id=patrol.plan_id, pk=pk).first()


def checkpoints_prefetch() -> Prefetch:
    return Prefetch("checkpoints", queryset=PatrolCheckpoint.objects.select_related("village", "grid"))


def plan_get(*, user: User, pk: int | str) -> PatrolPlan:
    return get_object_or_404(
        plan_list(user=user).prefetch_related(
            checkpoints_prefetch(),
            "officers",
            "auxiliary_officers",
            "volunteer_teams",
            "volunteer_members__team",
        ),
        pk=pk,
    )


def patrol_list(
    *, user: User, status: str = "", plan_id: int | None = None, search: str = ""
) -> QuerySet[Patrol]:
    qs = (
        Patrol.objects.filter(station__in=station_ids(user))
        .select_related("station", "plan", "started_by")
        .annotate(
            check_in_count=Count("check_ins", distinct=True), finding_count=Count("findings", distinct=True)
        )
    )
    if status:
        qs = qs.filter(status=status)
    if plan_id:
        qs = qs.filter(plan_id=plan_id)
    if search:
        qs = qs.filter(title__icontains=search)
    return qs


def patrol_get(*, user: User, pk: int | str) -> Patrol:
    return get_object_or_404(
        patrol_list(user=user).prefetch_related(
            Prefetch("check_ins", queryset=PatrolCheckIn.objects.select_related("checkpoint", "created_by")),
            Prefetch(
                "findings",
                queryset=PatrolFinding.objects.select_related("village", "case", "incident", "created_by"),
            ),
            Prefetch(
                "plan__checkpoints", queryset=PatrolCheckpoint.objects.select_related("village", "grid")
            ),
        ),
        pk=pk,
    )


def finding_get(*, user: User, pk: int | str) -> PatrolFinding:
    return get_object_or_404(
        PatrolFinding.objects.filter(patrol__station__in=station_ids(user)).select_related(
            "patrol", "patrol__station", "village", "case", "incident"
        ),
        pk=pk,
    )
