"""Scoped reads for the territory and community forces. Pages, the API, exports and the admin
all start here: nothing in scope → empty list; an object outside scope → 404."""

from dataclasses import dataclass, field
from typing import Any, cast

from django.db.models import Count, Model, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from . import scoping
from .capabilities import may, roles_with
from .models import (
    CommitteeMember,
    Grid,
    GridWorker,
    Mediator,
    PersonalDataAccess,
    Region,
    SecurityCommittee,
    User,
    VolunteerMember,
    VolunteerTeam,
)
from .roles import Role


# --- Accounts -----------------------------------------------------------------------------
def users_with_capability(code: str) -> QuerySet[User]:
    """Active accounts whose role may take the action ``code`` (superusers act as admins): who to
    tell when something needs that role's attention."""
    roles = roles_with(code)
    who = Q(role__in=roles) | Q(is_superuser=True) if Role.ADMIN in roles else Q(role__in=roles)
    return User.objects.filter(who, is_active=True)


def users_with_capability_over(code: str, village_id: int) -> list[User]:
    """Active accounts whose role may take ``code`` and whose scope holds the village
    ``village_id``: who to ask when a case of that village needs that role (an extension to
    approve at the level above, …). One scope query per candidate; for rare events only."""
    return [
        user
        for user in users_with_capability(code).order_by("pk")
        if scoping.village_ids(user).filter(pk=village_id).exists()
    ]


# --- Regions ------------------------------------------------------------------------------
def region_ids(user: User) -> QuerySet:
    """Villages in scope, the townships holding them and their county."""
    villages = scoping.village_ids(user)
    return Region.objects.filter(
        Q(pk__in=villages) | Q(children__in=villages) | Q(children__children__in=villages)
    ).values("pk")


def villages_in_scope(user: User, among: QuerySet[Region] | None = None) -> QuerySet:
    """A values-queryset of the villages (村/社区) of ``among`` (default: all) that ``user`` may see."""
    villages = Region.objects.filter(kind__in=Region.VILLAGE_KINDS) if among is None else among
    if among is not None and scoping.has_scope(user) and user.is_county_wide:
        return villages.values("pk")  # every village is in scope: no second subquery to guess
    return villages.filter(pk__in=scoping.village_ids(user)).values("pk")


def county_find(pk: int | None = None) -> Region | None:
    """The county ``pk`` (or, without one, the first county): for the command centre's top page."""
    counties = Region.objects.filter(kind=Region.Kind.COUNTY)
    return counties.filter(pk=pk).first() if pk is not None else counties.order_by("pk").first()


def region_find(pk: int) -> Region | None:
    """A region with its parent and grandparent, or ``None`` (callers apply the scope)."""
    return Region.objects.filter(pk=pk).select_related("parent", "parent__parent").first()


RESOLVED_VILLAGES_MAX = 100


def villages_resolved(village_ids: QuerySet) -> QuerySet:
    """The same villages as the values-queryset ``village_ids`` (a scope of nested subqueries),
    resolved now to their ids when they are few (one small query): queries filtering on the
    result read ``IN (SELECT id FROM region WHERE id = ANY(%s))`` (one array parameter:
    ``core.sql.Among``), which the planner sizes exactly. More (a county's hundreds) stay the
    subquery: measured when the ids went as one parameter each, a list that long cost more to
    send with each of a page's forty queries than the planner's guess did."""
    ids = list(village_ids.values_list("pk", flat=True)[: RESOLVED_VILLAGES_MAX + 1])
    if len(ids) > RESOLVED_VILLAGES_MAX:
        return village_ids
    return Region.objects.filter(pk__among=ids).values("pk")


def villages_of_county(county: Region) -> QuerySet[Region]:
    """The villages (村/社区) of a county: a deployment for a prefecture holds several."""
    return Region.objects.filter(kind__in=Region.VILLAGE_KINDS, parent__parent=county)


def villages_under(region: Region) -> QuerySet[Region]:
    """The villages of a township (or the village itself)."""
    villages = Region.objects.filter(kind__in=Region.VILLAGE_KINDS)
    return villages.filter(pk=region.pk) if region.is_village_level else villages.filter(parent=region)


def scoped_villages_under(user: User, region: Region) -> QuerySet | None:
    """The villages of a township (or the village itself) that ``user`` may see, as a
    values-queryset; ``None`` when they may see none of them."""
    ids = villages_in_scope(user, villages_under(region))
    return ids if ids.exists() else None


def first_village(user: User) -> Region | None:
    return Region.objects.filter(pk__in=scoping.village_ids(user)).order_by("code").first()


def townships_of(village_ids: QuerySet) -> list[Region]:
    return list(
        Region.objects.filter(kind__in=Region.TOWNSHIP_KINDS, children__in=village_ids)
        .distinct()
        .order_by("code")
    )


def villages_of(village_ids: QuerySet) -> list[Region]:
    return list(Region.objects.filter(pk__in=village_ids).order_by("code"))


def active_grids_of(village_ids: QuerySet) -> list[Grid]:
    return list(Grid.objects.filter(village__in=village_ids, is_active=True).order_by("code"))


def region_list(
    *,
    user: User,
    kind: str | None = None,
    parent_id: int | None = None,
    search: str = "",
    include_archived: bool = True,
) -> QuerySet[Region]:
    qs = Region.objects.filter(pk__in=region_ids(user)).select_related("parent")
    if kind:
        qs = qs.filter(kind=kind)
    if parent_id:
        qs = qs.filter(parent_id=parent_id)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(code__icontains=search))
    if not include_archived:
        qs = qs.filter(is_archived=False)
    return qs


def village_list(
    *, user: User, search: str = "", township_id: int | None = None, include_archived: bool = False
) -> QuerySet[Region]:
    qs = (
        Region.objects.filter(pk__in=scoping.village_ids(user))
        .select_related("parent", "security_committee")
        .annotate(
            grid_count=Count("grids", filter=Q(grids__is_active=True), distinct=True),
        )
    )
    if township_id:
        qs = qs.filter(parent_id=township_id)
    if search:
        qs = qs.filter(
            Q(name__icontains=search) | Q(code__icontains=search) | Q(parent__name__icontains=search)
        )
    if not include_archived:
        qs = qs.filter(is_archived=False)
    return qs


def village_choices(*, user: User) -> QuerySet[Region]:
    """The villages in scope a filter offers (``village_list`` without its joins and figures: a
    county's hundreds of options are on every page of a list)."""
    return Region.objects.filter(pk__in=scoping.village_ids(user), is_archived=False).only(
        "pk", "name", "code"
    )


def village_get(*, user: User, pk: int | str) -> Region:
    return get_object_or_404(
        Region.objects.filter(pk__in=scoping.village_ids(user)).select_related("parent", "parent__parent"),
        pk=pk,
    )


def township_list(*, user: User) -> QuerySet[Region]:
    return Region.objects.filter(pk__in=scoping.township_ids(user), is_archived=False)


# --- Grids and grid workers ---------------------------------------------------------------
def grid_list(
    *, user: User, search: str = "", village_id: int | None = None, include_inactive: bool = False
) -> QuerySet[Grid]:
    qs = (
        Grid.objects.filter(pk__in=scoping.grid_ids(user))
        .select_related("village", "village__parent")
        .annotate(worker_count=Count("workers", filter=Q(workers__is_active=True)))
    )
    if village_id:
        qs = qs.filter(village_id=village_id)
    if search:
        qs = qs.filter(
            Q(name__icontains=search) | Q(code__icontains=search) | Q(village__name__icontains=search)
        )
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs


def grid_get(*, user: User, pk: int | str) -> Grid:
    return get_object_or_404(
        Grid.objects.filter(pk__in=scoping.grid_ids(user)).select_related("village", "village__parent"), pk=pk
    )


def grid_worker_list(
    *,
    user: User,
    search: str = "",
    grid_id: int | None = None,
    village_id: int | None = None,
    role: str = "",
    include_inactive: bool = False,
) -> QuerySet[GridWorker]:
    qs = GridWorker.objects.filter(grid__in=scoping.grid_ids(user)).select_related(
        "grid", "grid__village", "grid__village__parent"
    )
    if grid_id:
        qs = qs.filter(grid_id=grid_id)
    if village_id:
        qs = qs.filter(grid__village_id=village_id)
    if role:
        qs = qs.filter(role=role)
    if search:
        qs = qs.filter(
            Q(name__icontains=search) | Q(phone__icontains=search) | Q(grid__name__icontains=search)
        )
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs


def grid_worker_get(*, user: User, pk: int | str) -> GridWorker:
    return get_object_or_404(grid_worker_list(user=user, include_inactive=True), pk=pk)


# --- Mediators ----------------------------------------------------------------------------
def mediator_ids(user: User) -> QuerySet:
    """County-wide users see all mediators; a mediator sees their own record; others the
    mediators serving a township that holds a village in their scope."""
    if scoping.has_scope(user) and not user.is_county_wide and user.role == User.Role.MEDIATOR:
        return Mediator.objects.filter(user=user).values("pk")
    return Mediator.objects.filter(township__in=scoping.township_ids(user)).values("pk")


def mediator_list(
    *,
    user: User,
    search: str = "",
    kind: str = "",
    township_id: int | None = None,
    include_inactive: bool = False,
) -> QuerySet[Mediator]:
    qs = Mediator.objects.filter(pk__in=mediator_ids(user)).select_related("township")
    if kind:
        qs = qs.filter(kind=kind)
    if township_id:
        qs = qs.filter(township_id=township_id)
    if search:
        qs = qs.filter(
            Q(name__icontains=search) | Q(clan__icontains=search) | Q(organisation__icontains=search)
        )
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs


def mediator_get(*, user: User, pk: int | str) -> Mediator:
    return get_object_or_404(mediator_list(user=user, include_inactive=True), pk=pk)


# --- Committees ---------------------------------------------------------------------------
def committee_list(
    *, user: User, search: str = "", township_id: int | None = None
) -> QuerySet[SecurityCommittee]:
    qs = (
        SecurityCommittee.objects.filter(village__in=scoping.village_ids(user))
        .select_related("village", "village__parent")
        .annotate(member_count=Count("members", filter=Q(members__is_active=True)))
    )
    if township_id:
        qs = qs.filter(village__parent_id=township_id)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(village__name__icontains=search))
    return qs


def committee_get(*, user: User, pk: int | str) -> SecurityCommittee:
    return get_object_or_404(
        SecurityCommittee.objects.filter(village__in=scoping.village_ids(user)).select_related(
            "village", "village__parent"
        ),
        pk=pk,
    )


def committee_member_list(
    *, user: User, committee_id: int | None = None, include_inactive: bool = False
) -> QuerySet[CommitteeMember]:
    qs = CommitteeMember.objects.filter(committee__village__in=scoping.village_ids(user)).select_related(
        "committee", "committee__village"
    )
    if committee_id:
        qs = qs.filter(committee_id=committee_id)
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs


def committee_member_get(*, user: User, pk: int | str) -> CommitteeMember:
    return get_object_or_404(committee_member_list(user=user, include_inactive=True), pk=pk)


# --- Volunteer teams ----------------------------------------------------------------------
def volunteer_team_ids(user: User) -> QuerySet:
    villages = scoping.village_ids(user)
    if scoping.is_county_wide(user):
        return VolunteerTeam.objects.values("pk")
    return VolunteerTeam.objects.filter(
        Q(region__in=villages) | Q(region__in=scoping.township_ids(user))
    ).values("pk")


def volunteer_team_list(
    *, user: User, search: str = "", include_inactive: bool = False
) -> QuerySet[VolunteerTeam]:
    qs = (
        VolunteerTeam.objects.filter(pk__in=volunteer_team_ids(user))
        .select_related("region", "region__parent")
        .annotate(member_count=Count("members", filter=Q(members__is_active=True)))
    )
    if search:
        qs = qs.filter(
            Q(name__icontains=search) | Q(region__name__icontains=search) | Q(leader_name__icontains=search)
        )
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs


def volunteer_team_get(*, user: User, pk: int | str) -> VolunteerTeam:
    return get_object_or_404(
        VolunteerTeam.objects.filter(pk__in=volunteer_team_ids(user)).select_related("region"), pk=pk
    )


def volunteer_member_list(*, user: User, team_id: int | None = None) -> QuerySet[VolunteerMember]:
    qs = VolunteerMember.objects.filter(team__in=volunteer_team_ids(user)).select_related("team")
    if team_id:
        qs = qs.filter(team_id=team_id)
    return qs


# --- Shaped for pages ---------------------------------------------------------------------
# The scoped lists above plus what a page shows next to each row, prefetched so that a page
# issues a fixed number of queries whatever the row count.
def current_assignments_prefetch() -> Prefetch:
    """Each village's current attached officer and auxiliary officer (``to_attr``
    ``current_assignments``), through the reverse relation ``Region.assignments`` that the
    stations app declares: governance reads it without importing stations."""
    assignment_model = cast("type[Model]", Region._meta.get_field("assignments").related_model)
    return Prefetch(
        "assignments",
        queryset=assignment_model._default_manager.filter(end_date__isnull=True)
        .select_related("officer", "auxiliary_officer")
        .order_by("kind"),
        to_attr="current_assignments",
    )


def village_list_with_assignments(
    *, user: User, search: str = "", township_id: int | None = None
) -> QuerySet[Region]:
    return village_list(user=user, search=search, township_id=township_id).prefetch_related(
        current_assignments_prefetch()
    )


def grid_leaders_prefetch() -> Prefetch:
    """The active grid leader(s) of each grid, as ``grid.active_leaders``."""
    return Prefetch(
        "workers",
        queryset=GridWorker.objects.filter(role=GridWorker.Role.LEADER, is_active=True),
        to_attr="active_leaders",
    )


def grid_list_with_leaders(*, user: User, search: str = "", village_id: int | None = None) -> QuerySet[Grid]:
    return grid_list(user=user, search=search, village_id=village_id).prefetch_related(
        grid_leaders_prefetch()
    )


@dataclass
class VillageOverview:
    village: Region
    grids: list[Grid] = field(default_factory=list)
    committee: SecurityCommittee | None = None
    committee_members: list[CommitteeMember] = field(default_factory=list)
    # stations' VillageAssignment rows: governance does not import stations, even to name the type
    current_assignments: list[Any] = field(default_factory=list)
    volunteer_teams: list[VolunteerTeam] = field(default_factory=list)

    @property
    def attached_officer(self) -> Any:
        return next((a for a in self.current_assignments if a.kind == "officer"), None)

    @property
    def auxiliary_assignment(self) -> Any:
        return next((a for a in self.current_assignments if a.kind == "auxiliary"), None)


def village_overview(*, user: User, pk: int | str) -> VillageOverview:
    """A village and what hangs off it, each part read through its own scoped selector
    (404 when the village is outside ``user``'s scope)."""
    village = village_get(user=user, pk=pk)
    committee = committee_list(user=user).filter(village=village).first()
    return VillageOverview(
        village=village,
        grids=list(grid_list_with_leaders(user=user, village_id=village.pk)),
        committee=committee,
        committee_members=list(committee_member_list(user=user, committee_id=committee.pk))
        if committee
        else [],
        current_assignments=list(
            village.assignments.filter(end_date__isnull=True)
            .select_related("officer", "auxiliary_officer")
            .order_by("kind")
        ),
        volunteer_teams=list(volunteer_team_list(user=user).filter(region=village)),
    )


def overview_counts(*, user: User) -> dict[str, int]:
    """How many of each record ``user`` sees: the landing page's figures."""
    return {
        "villages": village_list(user=user).count(),
        "grids": grid_list(user=user).count(),
        "grid_workers": grid_worker_list(user=user).count(),
        "mediators": mediator_list(user=user).count(),
        "committees": committee_list(user=user).count(),
        "volunteer_teams": volunteer_team_list(user=user).count(),
    }


# --- The personal-data access log ----------------------------------------------------------
def personal_data_access_list(*, user: Any, search: str = "") -> QuerySet[PersonalDataAccess]:
    """The access log, for those who audit it (``personal_data.audit``: the county); nobody
    else sees a row."""
    if not may(user, "personal_data.audit"):
        return PersonalDataAccess.objects.none()
    qs = PersonalDataAccess.objects.select_related("actor", "content_type")
    if search:
        qs = qs.filter(
            Q(subject__icontains=search)
            | Q(actor__username__icontains=search)
            | Q(actor__full_name__icontains=search)
        )
    return qs.order_by("-at", "-pk")
