"""Scoped reads for patrol plans, patrols and findings: a user sees the patrols of the stations
in their scope (``stations.selectors.station_ids``: county-wide users all, station staff their
own, auxiliary officers their employing station)."""

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from governance.models import User, VolunteerMember
from stations.models import AuxiliaryOfficer, Officer
from stations.selectors import station_ids

from .models import Patrol, PatrolAttendance, PatrolCheckIn, PatrolCheckpoint, PatrolFinding, PatrolPlan


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
            Prefetch("attendance", queryset=attendance_rows()),
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


# --- Attendance (到岗) ---------------------------------------------------------------------
def attendance_rows() -> QuerySet[PatrolAttendance]:
    return PatrolAttendance.objects.select_related(
        "officer", "auxiliary_officer", "volunteer_member__team", "checked_in_by"
    ).order_by("checked_in_at", "pk")


class Participants:
    """Who is expected on a patrol: its plan's officers, auxiliary officers and volunteer members
    (named on the plan, or active members of a team on the plan); nobody for an unplanned one."""

    def __init__(self, patrol: Patrol) -> None:
        plan_id = patrol.plan_id
        if plan_id is None:
            self.officers = Officer.objects.none()
            self.auxiliary_officers = AuxiliaryOfficer.objects.none()
            self.volunteer_members = VolunteerMember.objects.none()
            return
        self.officers = Officer.objects.filter(patrol_plans=plan_id, is_active=True)
        self.auxiliary_officers = AuxiliaryOfficer.objects.filter(patrol_plans=plan_id, is_active=True)
        self.volunteer_members = (
            VolunteerMember.objects.filter(is_active=True)
            .filter(Q(patrol_plans=plan_id) | Q(team__patrol_plans=plan_id, team__is_active=True))
            .distinct()
            .select_related("team")
        )


def attendance_table(patrol: Patrol) -> list[dict]:
    """Every expected participant with their attendance row (``None``: not checked in), then
    anyone checked in who is no longer on the plan (three queries, and the patrol's prefetch)."""
    rows = {(a.officer_id, a.auxiliary_officer_id, a.volunteer_member_id): a for a in patrol.attendance.all()}
    people = Participants(patrol)
    table: list[dict] = []
    for kind, items, key in (
        ("officer", people.officers, lambda p: (p.pk, None, None)),
        ("auxiliary_officer", people.auxiliary_officers, lambda p: (None, p.pk, None)),
        ("volunteer_member", people.volunteer_members, lambda p: (None, None, p.pk)),
    ):
        for person in items:
            table.append({"kind": kind, "person": person, "row": rows.pop(key(person), None)})
    for row in rows.values():
        kind = (
            "officer"
            if row.officer_id
            else "auxiliary_officer"
            if row.auxiliary_officer_id
            else "volunteer_member"
        )
        table.append({"kind": kind, "person": row.person, "row": row})
    return table
