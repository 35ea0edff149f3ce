"""Every write with a rule on the territory and community forces.

Each service is keyword-only, runs in one transaction, checks that the actor may make the
change inside their scope, validates the whole object (fields and database constraints, with
Chinese messages) and raises ``django.core.exceptions.ValidationError`` or a ``DomainError``.
"""

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import F, Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.errors import DomainError, NotPermitted
from core.versions import save_changed

from . import capabilities, scoping
from .models import (
    CommitteeMember,
    Grid,
    GridWorker,
    Mediator,
    Region,
    SecurityCommittee,
    User,
    VolunteerMember,
    VolunteerTeam,
)
from .validators import normalize_id_number, normalize_phone

_PHONE_FIELDS = {"phone", "leader_phone"}
_ID_FIELDS = {"id_number"}


def _normalize(data: dict[str, Any]) -> dict[str, Any]:
    clean = dict(data)
    for key in _PHONE_FIELDS & clean.keys():
        clean[key] = normalize_phone(clean[key])
    for key in _ID_FIELDS & clean.keys():
        clean[key] = normalize_id_number(clean[key])
    return clean


M = TypeVar("M", bound=Model)


def apply_and_save(obj: M, data: dict[str, Any], allowed: tuple[str, ...]) -> M:
    """Create ``obj``, or edit it: only the fields that changed are written, and only if nobody
    wrote since the version its author saw (``core.versions.save_changed``; a stale one is a 409)."""
    unknown = set(data) - set(allowed)
    if unknown:
        raise DomainError(_("不允许修改的字段:%(fields)s") % {"fields": ", ".join(sorted(unknown))})
    for key, value in _normalize(data).items():
        setattr(obj, key, value)
    obj.full_clean()
    if obj._state.adding:
        obj.save()
    else:
        save_changed(obj)
    return obj


def require_manager(actor: User) -> None:
    if not capabilities.may(actor, "reference.manage"):
        raise NotPermitted()


def require_county_wide(actor: User) -> None:
    if not capabilities.may(actor, "reference.manage_county"):
        raise NotPermitted(_("只有县指挥中心或系统管理员可以调整行政区划。"))


def require_village_in_scope(actor: User, village: Region, field: str = "village") -> None:
    require_manager(actor)
    if not village.is_village_level:
        raise DomainError(_("请选择村或社区。"), field=field)
    if not scoping.village_ids(actor).filter(pk=village.pk).exists():
        raise DomainError(_("%(name)s 不在您的辖区内。") % {"name": village.name}, field=field)


def _require_township_in_scope(actor: User, township: Region, field: str = "township") -> None:
    require_manager(actor)
    if not township.is_township_level:
        raise DomainError(_("请选择乡镇或街道。"), field=field)
    if not scoping.township_ids(actor).filter(pk=township.pk).exists():
        raise DomainError(_("%(name)s 不在您的辖区内。") % {"name": township.name}, field=field)


# --- Regions ------------------------------------------------------------------------------
REGION_FIELDS = ("name", "code", "kind", "parent", "households", "population")
VILLAGE_EDITABLE = ("name", "households", "population")


@transaction.atomic
def region_create(
    *,
    actor: User,
    name: str,
    code: str,
    kind: str,
    parent: Region | None,
    households: int = 0,
    population: int = 0,
) -> Region:
    require_county_wide(actor)
    allowed_parents = Region.PARENT_KINDS.get(kind)
    if allowed_parents is None:
        raise DomainError(_("未知的区划类型。"), field="kind")
    if allowed_parents and (parent is None or parent.kind not in allowed_parents):
        raise DomainError(
            _("%(kind)s的上级必须是%(parents)s。")
            % {
                "kind": Region.Kind(kind).label,
                "parents": pgettext("joining alternatives", "或").join(
                    str(Region.Kind(k).label) for k in allowed_parents
                ),
            },
            field="parent",
        )
    if not allowed_parents and parent is not None:
        raise DomainError(_("县级区划不能有上级。"), field="parent")
    if parent is not None and parent.is_archived:
        raise DomainError(_("上级区划已归档,不能在其下新增。"), field="parent")
    region = Region(
        name=name, code=code, kind=kind, parent=parent, households=households, population=population
    )
    region.full_clean()
    region.save()
    return region


@transaction.atomic
def region_update(*, actor: User, region: Region, data: dict[str, Any]) -> Region:
    """Station staff may correct a village's name and figures; structure is the county's."""
    allowed: tuple[str, ...]
    if scoping.is_county_wide(actor):
        allowed = ("name", "code", "households", "population")
    else:
        if not region.is_village_level:
            raise NotPermitted(_("只有县指挥中心可以修改乡镇及以上区划。"))
        require_village_in_scope(actor, region)
        allowed = VILLAGE_EDITABLE
    return apply_and_save(region, data, allowed)


@transaction.atomic
def region_archive(*, actor: User, region: Region) -> Region:
    """Archive, never delete: history (cases, visits) keeps pointing at it."""
    require_county_wide(actor)
    if region.is_archived:
        raise DomainError(_("该区划已归档。"))
    if region.children.filter(is_archived=False).exists():
        raise DomainError(_("请先归档其下属的区划。"))
    Region.objects.filter(pk=region.pk).update(
        is_archived=True, archived_at=timezone.now(), version=F("version") + 1
    )
    grids = list(Grid.objects.filter(village=region, is_active=True).values_list("pk", flat=True))
    Grid.objects.filter(pk__in=grids).update(is_active=False, version=F("version") + 1)
    _grids_changed(grids)
    region.refresh_from_db()
    return region


@transaction.atomic
def region_restore(*, actor: User, region: Region) -> Region:
    require_county_wide(actor)
    if region.parent is not None and region.parent.is_archived:
        raise DomainError(_("上级区划已归档,请先恢复上级。"))
    Region.objects.filter(pk=region.pk).update(is_archived=False, archived_at=None, version=F("version") + 1)
    region.refresh_from_db()
    return region


# --- Grids --------------------------------------------------------------------------------
# Apps to the right keep data derived from which grids are active (screening: the completeness
# summary of each round); they register ``hook(*, grid_ids)`` from their ``AppConfig.ready``,
# called in the transaction that creates, deactivates or reactivates grids.
GridsHook = Callable[..., Any]
_GRIDS_CHANGED: list[GridsHook] = []


def register_grids_changed(hook: GridsHook) -> None:
    if hook not in _GRIDS_CHANGED:
        _GRIDS_CHANGED.append(hook)


def _grids_changed(grid_ids: list[int]) -> None:
    if grid_ids:
        for hook in _GRIDS_CHANGED:
            hook(grid_ids=grid_ids)


GRID_FIELDS = ("name", "code", "police_grid", "households", "population", "boundary", "is_active")


@transaction.atomic
def grid_create(*, actor: User, village: Region, **data: Any) -> Grid:
    require_village_in_scope(actor, village)
    if village.is_archived:
        raise DomainError(_("该村(社区)已归档,不能新增网格。"), field="village")
    grid = apply_and_save(Grid(village=village), data, GRID_FIELDS)
    _grids_changed([grid.pk])
    return grid


@transaction.atomic
def grid_update(*, actor: User, grid: Grid, data: dict[str, Any]) -> Grid:
    require_village_in_scope(actor, grid.village)
    if data.get("is_active") is False and grid.workers.filter(is_active=True).exists():
        raise DomainError(_("该网格还有在岗网格员,请先调整网格员后再停用网格。"), field="is_active")
    was_active = grid.is_active
    grid = apply_and_save(grid, data, GRID_FIELDS)
    if grid.is_active != was_active:
        _grids_changed([grid.pk])
    return grid


GRID_WORKER_FIELDS = (
    "name",
    "gender",
    "ethnicity",
    "id_number",
    "phone",
    "role",
    "stars",
    "since",
    "is_active",
    "user",
)


@transaction.atomic
def grid_worker_create(*, actor: User, grid: Grid, **data: Any) -> GridWorker:
    require_village_in_scope(actor, grid.village, field="grid")
    if not grid.is_active:
        raise DomainError(_("该网格已停用。"), field="grid")
    return apply_and_save(GridWorker(grid=grid), data, GRID_WORKER_FIELDS)


@transaction.atomic
def grid_worker_update(*, actor: User, worker: GridWorker, data: dict[str, Any]) -> GridWorker:
    require_village_in_scope(actor, worker.grid.village, field="grid")
    new_grid = data.pop("grid", None)
    if new_grid is not None and new_grid.pk != worker.grid_id:
        require_village_in_scope(actor, new_grid.village, field="grid")
        worker.grid = new_grid
    return apply_and_save(worker, data, GRID_WORKER_FIELDS)


# --- Mediators ----------------------------------------------------------------------------
MEDIATOR_FIELDS = (
    "name",
    "kind",
    "gender",
    "ethnicity",
    "clan",
    "id_number",
    "phone",
    "organisation",
    "speaks_yi",
    "speaks_mandarin",
    "is_active",
    "note",
    "user",
)


@transaction.atomic
def mediator_create(*, actor: User, township: Region, **data: Any) -> Mediator:
    _require_township_in_scope(actor, township)
    return apply_and_save(Mediator(township=township), data, MEDIATOR_FIELDS)


@transaction.atomic
def mediator_update(*, actor: User, mediator: Mediator, data: dict[str, Any]) -> Mediator:
    _require_township_in_scope(actor, mediator.township)
    new_township = data.pop("township", None)
    if new_township is not None and new_township.pk != mediator.township_id:
        _require_township_in_scope(actor, new_township)
        mediator.township = new_township
    return apply_and_save(mediator, data, MEDIATOR_FIELDS)


# --- Security committees ------------------------------------------------------------------
@transaction.atomic
def committee_create(
    *, actor: User, village: Region, name: str = "", established_on: dt.date | None = None, note: str = ""
) -> SecurityCommittee:
    require_village_in_scope(actor, village)
    if SecurityCommittee.objects.filter(village=village).exists():
        raise DomainError(
            _("%(name)s 已有治保会,每个村(社区)只设一个。") % {"name": village.name}, field="village"
        )
    committee = SecurityCommittee(
        village=village,
        name=name or _("%(name)s治保会") % {"name": village.name},
        established_on=established_on,
        note=note,
    )
    committee.full_clean()
    committee.save()
    return committee


@transaction.atomic
def committee_update(*, actor: User, committee: SecurityCommittee, data: dict[str, Any]) -> SecurityCommittee:
    require_village_in_scope(actor, committee.village)
    return apply_and_save(committee, data, ("name", "established_on", "note"))


COMMITTEE_MEMBER_FIELDS = ("name", "phone", "position", "kind", "joined_on", "is_active")
# The chair is the village party secretary; the deputy the village auxiliary officer.
_POSITION_KIND: dict[str, str] = {
    CommitteeMember.Position.CHAIR: CommitteeMember.Kind.PARTY_SECRETARY,
    CommitteeMember.Position.DEPUTY: CommitteeMember.Kind.AUXILIARY_OFFICER,
}


def _check_position_kind(member: CommitteeMember) -> None:
    required = _POSITION_KIND.get(member.position)
    if required and member.kind != required:
        raise DomainError(
            _("治保会%(position)s应由%(kind)s担任。")
            % {
                "position": CommitteeMember.Position(member.position).label,
                "kind": CommitteeMember.Kind(required).label,
            },
            field="kind",
        )


@transaction.atomic
def committee_member_add(*, actor: User, committee: SecurityCommittee, **data: Any) -> CommitteeMember:
    require_village_in_scope(actor, committee.village, field="committee")
    member = CommitteeMember(committee=committee)
    for key, value in _normalize(data).items():
        if key not in COMMITTEE_MEMBER_FIELDS:
            raise DomainError(_("不允许修改的字段:%(fields)s") % {"fields": key})
        setattr(member, key, value)
    _check_position_kind(member)
    member.full_clean()
    member.save()
    return member


@transaction.atomic
def committee_member_update(*, actor: User, member: CommitteeMember, data: dict[str, Any]) -> CommitteeMember:
    require_village_in_scope(actor, member.committee.village, field="committee")
    for key, value in _normalize(data).items():
        if key not in COMMITTEE_MEMBER_FIELDS:
            raise DomainError(_("不允许修改的字段:%(fields)s") % {"fields": key})
        setattr(member, key, value)
    _check_position_kind(member)
    member.full_clean()
    save_changed(member)
    return member


# --- Volunteer teams ----------------------------------------------------------------------
VOLUNTEER_TEAM_FIELDS = ("name", "kind", "leader_name", "leader_phone", "founded_on", "is_active")


def _require_region_in_scope(actor: User, region: Region) -> None:
    if region.is_village_level:
        require_village_in_scope(actor, region, field="region")
    elif region.is_township_level:
        _require_township_in_scope(actor, region, field="region")
    else:
        require_county_wide(actor)


@transaction.atomic
def volunteer_team_create(*, actor: User, region: Region, **data: Any) -> VolunteerTeam:
    _require_region_in_scope(actor, region)
    return apply_and_save(VolunteerTeam(region=region), data, VOLUNTEER_TEAM_FIELDS)


@transaction.atomic
def volunteer_team_update(*, actor: User, team: VolunteerTeam, data: dict[str, Any]) -> VolunteerTeam:
    _require_region_in_scope(actor, team.region)
    new_region = data.pop("region", None)
    if new_region is not None and new_region.pk != team.region_id:
        _require_region_in_scope(actor, new_region)
        team.region = new_region
    return apply_and_save(team, data, VOLUNTEER_TEAM_FIELDS)


@transaction.atomic
def volunteer_member_add(*, actor: User, team: VolunteerTeam, **data: Any) -> VolunteerMember:
    _require_region_in_scope(actor, team.region)
    return apply_and_save(
        VolunteerMember(team=team), data, ("name", "phone", "id_number", "joined_on", "is_active")
    )


VOLUNTEER_MEMBER_FIELDS = ("name", "phone", "id_number", "joined_on", "is_active")


@transaction.atomic
def volunteer_member_update(*, actor: User, member: VolunteerMember, data: dict[str, Any]) -> VolunteerMember:
    """Correct a team member's details, or mark them as having left (``is_active=False``)."""
    _require_region_in_scope(actor, member.team.region)
    return apply_and_save(member, data, VOLUNTEER_MEMBER_FIELDS)
