"""Who may see which part of the territory.

Everything a user may see hangs off the villages (and, for grid workers, the grid) in their
scope. Deny by default: a user without a role, or whose role has no resolver, sees nothing.

Roles whose scope is defined by another app's records (station staff by their station's
jurisdiction, auxiliary officers by their village assignment) register a resolver from that
app's ``AppConfig.ready``, so this module never imports an app above it.
"""

from collections.abc import Callable

from django.db.models import QuerySet

from .models import Grid, Region, User

VillageScope = Callable[[User], QuerySet]
_village_resolvers: dict[str, VillageScope] = {}


def register_village_scope(role: str, resolver: VillageScope) -> None:
    """``resolver(user)`` returns a values-queryset of the ids of the villages the user may see."""
    _village_resolvers[role] = resolver


def _grid_worker_village_ids(user: User) -> QuerySet:
    return Region.objects.filter(grids__workers__user=user, grids__workers__is_active=True).values("pk")


register_village_scope(User.Role.GRID, _grid_worker_village_ids)


def _township_village_ids(user: User) -> QuerySet:
    """A township 综治中心 handler sees every village and community of their township."""
    if user.township_id is None:
        return Region.objects.none().values("pk")
    return Region.objects.filter(parent_id=user.township_id).values("pk")


register_village_scope(User.Role.TOWNSHIP, _township_village_ids)
# a liaison (department, court) has no village scope: only the referrals sent to their unit
# (disputes.tiers.selectors.liaison_referral_list)


def has_scope(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def is_county_wide(user) -> bool:
    return has_scope(user) and user.is_county_wide


def village_ids(user) -> QuerySet:
    """A values-queryset of the village/community ids ``user`` may see (usable as a subquery)."""
    villages = Region.objects.filter(kind__in=Region.VILLAGE_KINDS)
    if not has_scope(user):
        return villages.none().values("pk")
    if user.is_county_wide:
        return villages.values("pk")
    resolver = _village_resolvers.get(user.role)
    if resolver is None:
        return villages.none().values("pk")
    return villages.filter(pk__in=resolver(user)).values("pk")


def township_ids(user) -> QuerySet:
    """Townships that contain at least one village in scope (for township-level records such as
    mediators), or all townships for county-wide users."""
    townships = Region.objects.filter(kind__in=Region.TOWNSHIP_KINDS)
    if is_county_wide(user):
        return townships.values("pk")
    return townships.filter(children__in=village_ids(user)).distinct().values("pk")


def grid_ids(user) -> QuerySet:
    """Grids in scope: a grid worker sees only their own grid(s); others every grid of their villages."""
    if has_scope(user) and not user.is_county_wide and user.role == User.Role.GRID:
        return Grid.objects.filter(workers__user=user, workers__is_active=True).values("pk")
    return Grid.objects.filter(village__in=village_ids(user)).values("pk")
