"""Writes with a rule for patrols: plans, the patrol's lifecycle (start → check-ins → end,
moved by conditional updates along ``Patrol.TRANSITIONS``) and findings, which become a
dispute case (``disputes.services.case_report``) or an incident (``stations.services``) in one
action, linked from the finding."""

import datetime as dt
from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ConflictError, DomainError, NotPermitted
from core.i18n import join_list
from disputes import services as dispute_services
from disputes.models import DisputeCase, Source
from governance import capabilities, points, scoping
from governance.models import Grid, Region, User, VolunteerMember, VolunteerTeam
from governance.selectors import volunteer_team_ids
from stations import selectors as station_selectors
from stations import services as station_services
from stations.evidence import check_in_evidence
from stations.models import AuxiliaryOfficer, Incident, Officer, Station
from stations.presence.services import person_of

from .models import Patrol, PatrolAttendance, PatrolCheckIn, PatrolCheckpoint, PatrolFinding, PatrolPlan
from .selectors import Participants, route_checkpoint


# --- Who may do what ----------------------------------------------------------------------
def may_plan(user: User, station: Station) -> bool:
    """Plans are made by station staff of the station, the county and administrators."""
    return (
        capabilities.may(user, "patrol.plan")
        and station_selectors.station_ids(user).filter(pk=station.pk).exists()
    )


def may_patrol(user: User, station: Station) -> bool:
    """Patrols are run (started, checked in, findings added) by the station's staff and its
    auxiliary officers, and by the county and administrators."""
    return (
        capabilities.may(user, "patrol.run")
        and station_selectors.station_ids(user).filter(pk=station.pk).exists()
    )


def may_plan_somewhere(user: User) -> bool:
    """Whether the user may plan patrols for any station (the API's check before the body)."""
    return capabilities.may(user, "patrol.plan") and station_selectors.station_ids(user).exists()


def may_patrol_somewhere(user: User) -> bool:
    """Whether the user may run patrols for any station (the API's check before the body)."""
    return capabilities.may(user, "patrol.run") and station_selectors.station_ids(user).exists()


def _require_patrol(actor: User, station: Station) -> None:
    if not station_selectors.station_ids(actor).filter(pk=station.pk).exists():
        raise DomainError(_("巡逻不存在或不在您的辖区内。"), code="not_found")
    if not may_patrol(actor, station):
        raise NotPermitted()


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


# --- Plans --------------------------------------------------------------------------------
def _checkpoint(station: Station, order: int, data: dict[str, Any]) -> PatrolCheckpoint:
    village: Region | None = data.get("village")
    grid: Grid | None = data.get("grid")
    place = (data.get("place") or "").strip()
    if village is None and grid is not None:
        village = grid.village
    if (
        village is not None
        and not station_selectors.villages_of_station(station.pk).filter(pk=village.pk).exists()
    ):
        raise DomainError(
            _("巡逻点 %(n)s:%(name)s 不在 %(station)s 辖区内。")
            % {"n": order, "name": village.name, "station": station.name},
            field="checkpoints",
        )
    if grid is not None and village is not None and grid.village_id != village.pk:
        raise DomainError(_("巡逻点 %(n)s:网格不属于所选村(社区)。") % {"n": order}, field="checkpoints")
    if village is None and not place:
        raise DomainError(_("巡逻点 %(n)s:请选择村、网格或填写地点。") % {"n": order}, field="checkpoints")
    return PatrolCheckpoint(order=order, village=village, grid=grid, place=place[:64])


M = TypeVar("M", bound=Model)


def _in(queryset: QuerySet[M], items: Iterable[M] | None, label: str) -> list[M]:
    items = list(items or [])
    allowed = set(queryset.filter(pk__in=[i.pk for i in items]).values_list("pk", flat=True))
    outside = [str(i) for i in items if i.pk not in allowed]
    if outside:
        raise DomainError(
            _("%(label)s不在您的辖区内或已停用:%(names)s") % {"label": label, "names": join_list(outside)}
        )
    return items


@transaction.atomic
def plan_create(
    *,
    actor: User,
    station: Station,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    checkpoints: list[dict[str, Any]],
    officers: Iterable[Officer] = (),
    auxiliary_officers: Iterable[AuxiliaryOfficer] = (),
    volunteer_teams: Iterable[VolunteerTeam] = (),
    volunteer_members: Iterable[VolunteerMember] = (),
    joint_units: str = "",
    note: str = "",
) -> PatrolPlan:
    """A patrol plan: a station, a time window, an ordered route and the people taking part
    (officers and auxiliary officers of stations in the actor's scope; volunteer teams and
    their members in the actor's scope). Joint patrols name the other units in ``joint_units``."""
    if not station_selectors.station_ids(actor).filter(pk=station.pk).exists():
        raise DomainError(_("%(name)s 不在您的管辖范围内。") % {"name": station.name}, field="station")
    if not may_plan(actor, station):
        raise NotPermitted()
    stations = station_selectors.station_ids(actor)
    officers = _in(Officer.objects.filter(station__in=stations, is_active=True), officers, _("民警"))
    auxiliary_officers = _in(
        AuxiliaryOfficer.objects.filter(station__in=stations, is_active=True), auxiliary_officers, _("辅警")
    )
    teams = _in(
        VolunteerTeam.objects.filter(pk__in=volunteer_team_ids(actor), is_active=True),
        volunteer_teams,
        _("群防群治队伍"),
    )
    members = _in(
        VolunteerMember.objects.filter(team__in=volunteer_team_ids(actor), is_active=True),
        volunteer_members,
        _("队员"),
    )
    stops = [c for c in checkpoints if c.get("village") or c.get("grid") or (c.get("place") or "").strip()]
    if not stops:
        raise DomainError(_("请至少设置一个巡逻点。"), field="checkpoints")
    built = [_checkpoint(station, n, data) for n, data in enumerate(stops, start=1)]
    plan = PatrolPlan(
        station=station,
        title=(title or "").strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        joint_units=(joint_units or "").strip(),
        note=(note or "").strip(),
        created_by=actor,
    )
    plan.full_clean()
    plan.save()
    for checkpoint in built:
        checkpoint.plan = plan
    PatrolCheckpoint.objects.bulk_create(built)
    plan.officers.set(officers)
    plan.auxiliary_officers.set(auxiliary_officers)
    plan.volunteer_teams.set(teams)
    plan.volunteer_members.set(members)
    return plan


# --- The patrol ---------------------------------------------------------------------------
@transaction.atomic
def patrol_start(
    *,
    actor: User,
    plan: PatrolPlan | None = None,
    station: Station | None = None,
    title: str = "",
    now: dt.datetime | None = None,
) -> Patrol:
    """Start a patrol on a plan (or an unplanned one for ``station``). A plan has at most one
    patrol in progress (409 otherwise)."""
    station = plan.station if plan is not None else station
    if station is None:
        raise DomainError(_("请选择巡逻计划或派出所。"), field="plan")
    _require_patrol(actor, station)
    title = (title or "").strip() or (plan.title if plan is not None else _("临时巡逻"))
    patrol = Patrol(plan=plan, station=station, title=title[:64], started_at=_now(now), started_by=actor)
    patrol.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            patrol.save()
    except IntegrityError:
        raise ConflictError(_("该计划已有一次正在进行的巡逻。"), code="in_progress") from None
    if _own_participant(actor, patrol) is not None:  # the leader on the plan is there
        attendance_self(actor=actor, patrol=patrol, now=patrol.started_at)
    return patrol


# --- Attendance (到岗签到) ------------------------------------------------------------------
def _own_participant(actor: User, patrol: Patrol) -> Officer | AuxiliaryOfficer | None:
    """The officer or auxiliary officer whose account ``actor`` is, if expected on the patrol."""
    person = person_of(actor)
    people = Participants(patrol)
    if isinstance(person, Officer) and people.officers.filter(pk=person.pk).exists():
        return person
    if isinstance(person, AuxiliaryOfficer) and people.auxiliary_officers.filter(pk=person.pk).exists():
        return person
    return None


def may_attend_self(user: User, patrol: Patrol) -> bool:
    """Whether ``user`` is a participant with an account who has not checked in yet."""
    person = _own_participant(user, patrol) if patrol.is_in_progress else None
    if person is None:
        return False
    field = "officer" if isinstance(person, Officer) else "auxiliary_officer"
    return not PatrolAttendance.objects.filter(patrol=patrol, **{field: person}).exists()


def _attend(rows: list[PatrolAttendance]) -> int:
    """Write the rows not yet there (a person is checked in once per patrol); how many new."""
    before = PatrolAttendance.objects.filter(patrol_id=rows[0].patrol_id).count() if rows else 0
    PatrolAttendance.objects.bulk_create(rows, ignore_conflicts=True)
    return (PatrolAttendance.objects.filter(patrol_id=rows[0].patrol_id).count() - before) if rows else 0


@transaction.atomic
def attendance_check_in(
    *,
    actor: User,
    patrol: Patrol,
    officers: Iterable[Officer] = (),
    auxiliary_officers: Iterable[AuxiliaryOfficer] = (),
    volunteer_members: Iterable[VolunteerMember] = (),
    now: dt.datetime | None = None,
) -> int:
    """The leader checks the participants in at the start (到岗): each must be expected on the
    patrol (its plan's people); someone checked in already stays as first recorded. Only the
    ones present earn patrol points. Returns how many were newly checked in."""
    _require_patrol(actor, patrol.station)
    _require_in_progress(patrol)
    people = Participants(patrol)
    chosen = [
        *_in(people.officers, officers, _("民警")),
        *_in(people.auxiliary_officers, auxiliary_officers, _("辅警")),
        *_in(people.volunteer_members, volunteer_members, _("队员")),
    ]
    if not chosen:
        raise DomainError(_("请选择到岗的参加人员。"), field="participants")
    now = _now(now)
    return _attend(
        [
            PatrolAttendance(
                patrol=patrol,
                officer=p if isinstance(p, Officer) else None,
                auxiliary_officer=p if isinstance(p, AuxiliaryOfficer) else None,
                volunteer_member=p if isinstance(p, VolunteerMember) else None,
                checked_in_at=now,
                checked_in_by=actor,
            )
            for p in chosen
        ]
    )


@transaction.atomic
def attendance_self(*, actor: User, patrol: Patrol, now: dt.datetime | None = None) -> bool:
    """A participant with an account (an officer or auxiliary officer on the plan) checks
    themselves in on the phone. Returns whether it was new (a second tap changes nothing)."""
    if not station_selectors.station_ids(actor).filter(pk=patrol.station_id).exists():
        raise DomainError(_("巡逻不存在或不在您的辖区内。"), code="not_found")
    _require_in_progress(patrol)
    person = _own_participant(actor, patrol)
    if person is None:
        raise NotPermitted(_("您不是本次巡逻的参加人员。"))
    return bool(
        _attend(
            [
                PatrolAttendance(
                    patrol=patrol,
                    officer=person if isinstance(person, Officer) else None,
                    auxiliary_officer=person if isinstance(person, AuxiliaryOfficer) else None,
                    checked_in_at=_now(now),
                    checked_in_by=actor,
                    by_self=True,
                )
            ]
        )
    )


def _require_in_progress(patrol: Patrol) -> None:
    if not Patrol.objects.filter(pk=patrol.pk, status=Patrol.Status.IN_PROGRESS).exists():
        raise ConflictError(_("该巡逻已结束。"), code="ended")


@transaction.atomic
def patrol_check_in(
    *,
    actor: User,
    patrol: Patrol,
    checkpoint: PatrolCheckpoint | int | None,
    lat: station_services.Coordinate = None,
    lon: station_services.Coordinate = None,
    recorded_offline_at: Any = None,
    now: dt.datetime | None = None,
) -> tuple[PatrolCheckIn, bool]:
    """Check in at one checkpoint (or checkpoint id, as a page or the API sends it) of the
    patrol's route (optional GPS, measured from the checkpoint's grid or village; the server's
    time, a phone's offline time kept apart). A checkpoint is checked in once: a second tap (or
    a phone resending) returns the first check-in, ``created=False``."""
    _require_patrol(actor, patrol.station)
    _require_in_progress(patrol)
    stop = route_checkpoint(patrol=patrol, checkpoint=checkpoint)
    if stop is None:
        raise DomainError(_("该巡逻点不在本次巡逻路线上。"), field="checkpoint")
    checkpoint = stop
    existing = PatrolCheckIn.objects.filter(patrol=patrol, checkpoint=checkpoint).first()
    if existing is not None:
        return existing, False
    now = _now(now)
    evidence = check_in_evidence(
        lat=lat,
        lon=lon,
        now=now,
        recorded_offline_at=recorded_offline_at,
        grid_id=checkpoint.grid_id,
        village_id=checkpoint.village_id,
    )
    check_in = PatrolCheckIn(
        patrol=patrol,
        checkpoint=checkpoint,
        checked_in_at=now,
        latitude=evidence.latitude,
        longitude=evidence.longitude,
        distance_m=evidence.distance_m,
        recorded_offline_at=evidence.recorded_offline_at,
        created_by=actor,
    )
    try:
        with transaction.atomic():
            check_in.save()
    except IntegrityError:
        return PatrolCheckIn.objects.get(patrol=patrol, checkpoint=checkpoint), False
    return check_in, True


@transaction.atomic
def patrol_end(*, actor: User, patrol: Patrol, summary: str = "", now: dt.datetime | None = None) -> Patrol:
    _require_patrol(actor, patrol.station)
    now = _now(now)
    if Patrol.Status.ENDED not in Patrol.TRANSITIONS[patrol.status]:
        raise ConflictError(_("该巡逻已结束。"), code="ended")
    moved = Patrol.objects.filter(pk=patrol.pk, status=Patrol.Status.IN_PROGRESS).update(
        status=Patrol.Status.ENDED, ended_at=max(now, patrol.started_at), summary=(summary or "").strip()
    )
    if not moved:
        raise ConflictError(_("该巡逻已被他人结束。"), code="ended")
    patrol.refresh_from_db()
    # 参加巡逻: the volunteers checked in as present earn their points, once per patrol
    points.points_for_patrol(
        people=list(
            VolunteerMember.objects.filter(is_active=True, patrol_attendance__patrol=patrol).distinct()
        ),
        patrol_id=patrol.pk,
        when=patrol.ended_at,
    )
    return patrol


# --- Findings -----------------------------------------------------------------------------
@transaction.atomic
def finding_add(
    *,
    actor: User,
    patrol: Patrol,
    kind: str,
    description: str,
    village: Region,
    address: str = "",
    now: dt.datetime | None = None,
) -> PatrolFinding:
    """A hazard (隐患) or lead (线索) found on the patrol, during it or written up just after."""
    _require_patrol(actor, patrol.station)
    if village is None or not village.is_village_level:
        raise DomainError(_("请选择村或社区。"), field="village")
    if not scoping.village_ids(actor).filter(pk=village.pk).exists():
        raise DomainError(_("%(name)s 不在您的辖区内。") % {"name": village.name}, field="village")
    finding = PatrolFinding(
        patrol=patrol,
        kind=kind,
        description=(description or "").strip(),
        village=village,
        address=(address or "").strip(),
        found_at=_now(now),
        created_by=actor,
    )
    finding.full_clean()
    finding.save()
    return finding


def _lock(finding: PatrolFinding) -> PatrolFinding:
    # lock only the finding's own row: PostgreSQL refuses FOR UPDATE on the nullable side of the
    # outer joins that select_related("case", "incident") needs
    return (
        PatrolFinding.objects.select_for_update(of=("self",))
        .select_related("patrol", "patrol__station", "village", "case", "incident")
        .get(pk=finding.pk)
    )


@transaction.atomic
def finding_to_case(
    *,
    actor: User,
    finding: PatrolFinding,
    category: str,
    summary: str = "",
    people_involved: int = 2,
    threat_flag: bool = False,
) -> tuple[DisputeCase, bool]:
    """Make a dispute case of a finding (source 网格上报: the closest existing source for a
    discovery in the field). Linked from the finding; a second call returns the same case."""
    _require_patrol(actor, finding.patrol.station)
    locked = _lock(finding)
    if locked.case is not None:
        return locked.case, False
    if locked.incident is not None:
        raise ConflictError(_("该发现已转为警情 %(n)s。") % {"n": locked.incident.number}, code="handled")
    case = dispute_services.case_report(
        actor=actor,
        village=locked.village,
        category=category,
        summary=(summary or "").strip() or locked.description,
        source=Source.GRID_REPORT,
        people_involved=people_involved,
        address=locked.address,
        threat_flag=threat_flag,
        occurred_on=timezone.localdate(locked.found_at),
        note=_("巡逻发现:%(title)s") % {"title": locked.patrol.title},
    )
    PatrolFinding.objects.filter(pk=locked.pk).update(case=case)
    finding.case = case
    return case, True


@transaction.atomic
def finding_to_incident(*, actor: User, finding: PatrolFinding, category: str) -> tuple[Incident, bool]:
    """Record a finding as an incident of the patrol's station (number ``XL<patrol>-<finding>``,
    巡逻发现). Linked from the finding; a second call returns the same incident."""
    _require_patrol(actor, finding.patrol.station)
    locked = _lock(finding)
    if locked.incident is not None:
        return locked.incident, False
    if locked.case is not None:
        raise ConflictError(_("该发现已转为案件 %(n)s。") % {"n": locked.case.number}, code="handled")
    incident = station_services.incident_record(
        actor=actor,
        station=locked.patrol.station,
        village=locked.village,
        number=f"XL{locked.patrol_id:05d}-{locked.pk}",
        received_at=locked.found_at,
        category=category,
        summary=locked.description,
        address=locked.address,
        outcome=_("巡逻发现"),
    )
    PatrolFinding.objects.filter(pk=locked.pk).update(incident=incident)
    finding.incident = incident
    return incident, True
