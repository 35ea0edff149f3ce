"""Write the demo plan into the database: create what is missing, leave what exists.

Every table is matched on a natural key (Region.code, Station.code, Officer.badge_number, ID
numbers, Grid.code, team names, (committee, name, phone) …). Rows already there are left as they
are, so running it twice changes nothing, and an edit made through the application is not
overwritten. New rows go in with ``bulk_create`` after their fields (choices, lengths, ID-number
and phone validators) are checked with ``clean_fields``; the database enforces the unique and
check constraints. The caller runs it inside one transaction.
"""

from collections import Counter
from collections.abc import Iterable
from typing import Any, TypeVar

from django.contrib.auth.hashers import check_password, make_password
from django.db import models

from governance.models import (
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
from stations.models import AuxiliaryOfficer, Jurisdiction, Officer, Station, VillageAssignment

from .plan import PASSWORD, Plan, Row

BATCH = 500
M = TypeVar("M", bound=models.Model)


def _build(model: type[M], row: Row, refs: dict[str, dict[str, Any]]) -> M:
    data = dict(row)
    for name, targets in refs.items():
        data[name] = targets[data[name]] if data[name] is not None else None
    return model(**data)


def _insert(model: type[M], objs: list[M], created: Counter) -> None:
    relations = [f.name for f in model._meta.concrete_fields if f.is_relation]
    for obj in objs:
        obj.clean_fields(exclude=relations)
    model._default_manager.bulk_create(objs, batch_size=BATCH)
    created[model._meta.verbose_name] += len(objs)


def _by(model: type[M], key: str, values: Iterable[str]) -> dict[str, M]:
    values = list(values)
    found: dict[str, M] = {}
    for start in range(0, len(values), BATCH):
        chunk = values[start : start + BATCH]
        found.update({getattr(o, key): o for o in model._default_manager.filter(**{f"{key}__in": chunk})})
    return found


def seed(plan: Plan) -> Counter:
    """Create every row of ``plan`` that does not exist yet; return how many were created per model."""
    created: Counter = Counter()
    regions = _seed_regions(plan, created)
    stations = _seed_stations(plan, regions, created)
    officers, auxiliaries = _seed_staff(plan, stations, regions, created)
    grids = _seed_grids(plan, regions, created)
    _seed_workers(plan, grids, created)
    _seed_mediators(plan, regions, created)
    _seed_committees(plan, regions, created)
    _seed_teams(plan, regions, created)
    _seed_accounts(plan, created)
    return created


def _seed_regions(plan: Plan, created: Counter) -> dict[str, Region]:
    codes = [r["code"] for r in plan.regions]
    existing = set(Region.objects.filter(code__in=codes).values_list("code", flat=True))
    for kinds in (("county",), ("township",), ("village", "community")):
        rows = [r for r in plan.regions if r["kind"] in kinds and r["code"] not in existing]
        parents = _by(Region, "code", sorted({r["parent"] for r in rows if r["parent"]}))
        _insert(Region, [_build(Region, r, {"parent": parents}) for r in rows], created)
    return _by(Region, "code", codes)


def _seed_stations(plan: Plan, regions: dict[str, Region], created: Counter) -> dict[str, Station]:
    codes = [r["code"] for r in plan.stations]
    existing = set(Station.objects.filter(code__in=codes).values_list("code", flat=True))
    rows = [r for r in plan.stations if r["code"] not in existing]
    _insert(Station, [_build(Station, r, {"county": regions}) for r in rows], created)
    stations = _by(Station, "code", codes)

    # a township is under one station; skip one that already is, or whose villages are placed singly
    taken = set(Jurisdiction.objects.values_list("region__code", flat=True))
    taken |= set(
        Jurisdiction.objects.filter(region__kind__in=Region.VILLAGE_KINDS).values_list(
            "region__parent__code", flat=True
        )
    )
    rows = [r for r in plan.jurisdictions if r["region"] not in taken]
    _insert(
        Jurisdiction,
        [_build(Jurisdiction, r, {"station": stations, "region": regions}) for r in rows],
        created,
    )
    return stations


def _seed_staff(
    plan: Plan, stations: dict[str, Station], regions: dict[str, Region], created: Counter
) -> tuple[dict[str, Officer], dict[str, AuxiliaryOfficer]]:
    badges = [r["badge_number"] for r in plan.officers]
    existing = set(Officer.objects.filter(badge_number__in=badges).values_list("badge_number", flat=True))
    rows = [r for r in plan.officers if r["badge_number"] not in existing]
    _insert(Officer, [_build(Officer, r, {"station": stations}) for r in rows], created)
    officers = _by(Officer, "badge_number", badges)

    ids = [r["id_number"] for r in plan.auxiliaries]
    existing = set(AuxiliaryOfficer.objects.filter(id_number__in=ids).values_list("id_number", flat=True))
    rows = [r for r in plan.auxiliaries if r["id_number"] not in existing]
    _insert(AuxiliaryOfficer, [_build(AuxiliaryOfficer, r, {"station": stations}) for r in rows], created)
    auxiliaries = _by(AuxiliaryOfficer, "id_number", ids)

    # one current assignment per village and kind: leave a village that already has one
    current = set(
        VillageAssignment.objects.filter(end_date__isnull=True).values_list("village__code", "kind")
    )
    rows = [r for r in plan.assignments if (r["village"], r["kind"]) not in current]
    refs: dict[str, dict[str, Any]] = {
        "village": regions,
        "officer": officers,
        "auxiliary_officer": auxiliaries,
    }
    _insert(VillageAssignment, [_build(VillageAssignment, r, refs) for r in rows], created)
    return officers, auxiliaries


def _seed_grids(plan: Plan, regions: dict[str, Region], created: Counter) -> dict[str, Grid]:
    codes = [r["code"] for r in plan.grids]
    existing = set(Grid.objects.filter(code__in=codes).values_list("code", flat=True))
    rows = [r for r in plan.grids if r["code"] not in existing]
    _insert(Grid, [_build(Grid, r, {"village": regions}) for r in rows], created)
    return _by(Grid, "code", codes)


def _seed_workers(plan: Plan, grids: dict[str, Grid], created: Counter) -> None:
    ids = [r["id_number"] for r in plan.workers]
    existing = set(_by(GridWorker, "id_number", ids))
    # a grid has one active leader: do not add ours where someone already leads
    led = set(
        GridWorker.objects.filter(role=GridWorker.Role.LEADER, is_active=True).values_list(
            "grid__code", flat=True
        )
    )
    rows = [
        r
        for r in plan.workers
        if r["id_number"] not in existing and not (r["role"] == "leader" and r["grid"] in led)
    ]
    _insert(GridWorker, [_build(GridWorker, r, {"grid": grids}) for r in rows], created)


def _seed_mediators(plan: Plan, regions: dict[str, Region], created: Counter) -> None:
    ids = [r["id_number"] for r in plan.mediators]
    existing = set(Mediator.objects.filter(id_number__in=ids).values_list("id_number", flat=True))
    rows = [r for r in plan.mediators if r["id_number"] not in existing]
    _insert(Mediator, [_build(Mediator, r, {"township": regions}) for r in rows], created)


def _seed_committees(plan: Plan, regions: dict[str, Region], created: Counter) -> None:
    villages = [r["village"] for r in plan.committees]
    existing = set(
        SecurityCommittee.objects.filter(village__code__in=villages).values_list("village__code", flat=True)
    )
    rows = [r for r in plan.committees if r["village"] not in existing]
    _insert(SecurityCommittee, [_build(SecurityCommittee, r, {"village": regions}) for r in rows], created)
    committees = {
        c.village.code: c
        for c in SecurityCommittee.objects.filter(village__code__in=villages).select_related("village")
    }

    members = CommitteeMember.objects.filter(committee__in=committees.values())
    existing_members = set(members.values_list("committee__village__code", "name", "phone"))
    # one active chair and one active deputy per committee: keep whoever holds the post
    held = set(
        members.filter(position__in=["chair", "deputy"], is_active=True).values_list(
            "committee__village__code", "position"
        )
    )
    rows = [
        r
        for r in plan.members
        if (r["committee"], r["name"], r["phone"]) not in existing_members
        and (r["committee"], r["position"]) not in held
    ]
    _insert(CommitteeMember, [_build(CommitteeMember, r, {"committee": committees}) for r in rows], created)


def _seed_teams(plan: Plan, regions: dict[str, Region], created: Counter) -> None:
    names = [r["name"] for r in plan.teams]
    existing = set(VolunteerTeam.objects.filter(name__in=names).values_list("name", flat=True))
    rows = [r for r in plan.teams if r["name"] not in existing]
    _insert(VolunteerTeam, [_build(VolunteerTeam, r, {"region": regions}) for r in rows], created)
    teams = _by(VolunteerTeam, "name", names)

    existing_members = set(
        VolunteerMember.objects.filter(team__in=teams.values()).values_list("team__name", "name", "phone")
    )
    rows = [r for r in plan.team_members if (r["team"], r["name"], r["phone"]) not in existing_members]
    _insert(VolunteerMember, [_build(VolunteerMember, r, {"team": teams}) for r in rows], created)


_LINKS: dict[str, tuple[type[Officer | AuxiliaryOfficer | GridWorker | Mediator], str]] = {
    "officer": (Officer, "badge_number"),
    "auxiliary": (AuxiliaryOfficer, "id_number"),
    "grid_worker": (GridWorker, "id_number"),
    "mediator": (Mediator, "id_number"),
}


def _seed_accounts(plan: Plan, created: Counter) -> None:
    """One account per role. An existing account gets its role, name and password back (the demo
    password is documented); it is linked to its record only if both sides are still free."""
    encoded = ""
    verified: dict[str, bool] = {}
    for spec in plan.accounts:
        values = {k: spec[k] for k in ("role", "full_name", "phone", "is_staff", "is_superuser")}
        values["is_active"] = True
        # a township 综治中心 account names its township, a liaison its unit
        values["township_id"] = (
            Region.objects.filter(code=spec["township"]).values_list("pk", flat=True).first()
            if spec.get("township")
            else None
        )
        values["liaison_unit"] = spec.get("liaison_unit", "")
        user = User.objects.filter(username=spec["username"]).first()
        if user is None:
            encoded = encoded or make_password(PASSWORD)  # one hash for all: they share the password
            user = User(username=spec["username"], password=encoded, **values)
            user.full_clean()
            user.save()
            created[User._meta.verbose_name] += 1
        else:
            changed = [k for k, v in values.items() if getattr(user, k) != v]
            if user.password not in verified:
                verified[user.password] = check_password(PASSWORD, user.password)
            if not verified[user.password]:
                encoded = encoded or make_password(PASSWORD)
                user.password = encoded
                changed.append("password")
            if changed:
                for k in changed:
                    if k != "password":
                        setattr(user, k, values[k])
                user.save(update_fields=changed)
        if spec["link"]:
            kind, key = spec["link"]
            model, field_name = _LINKS[kind]
            record = model._default_manager.filter(**{field_name: key}).first()
            if (
                record is not None
                and record.user_id is None
                and not model._default_manager.filter(user=user).exists()
            ):
                record.user = user
                record.save(update_fields=["user"])
