"""Who works for a unit: the people a tiers notice or an escalation goes to. Reads only; used by
``disputes.services`` (escalation) and ``disputes.tiers.services``."""

from typing import Any

from django.db.models import QuerySet

from governance.models import User
from governance.roles import Role
from stations.models import Officer

from ..models import DisputeCase, Level


def station_staff(station_id: int) -> QuerySet[User]:
    return User.objects.filter(
        pk__in=Officer.objects.filter(station_id=station_id, is_active=True, user__isnull=False).values(
            "user_id"
        ),
        is_active=True,
    )


def township_staff(township_id: int | None) -> QuerySet[User]:
    return User.objects.filter(role=Role.TOWNSHIP, township_id=township_id, is_active=True)


def unit_liaisons(unit: str) -> QuerySet[User]:
    return User.objects.filter(role=Role.LIAISON, liaison_unit=unit, is_active=True)


def county_staff() -> QuerySet[User]:
    return User.objects.filter(role=Role.COUNTY, is_active=True)


def level_handlers(case: DisputeCase) -> QuerySet[User]:
    """The unit that handles the case at its level: the county command centre for county-level
    cases, the township's 综治中心 for township-level ones, else the station's staff."""
    if case.level == Level.COUNTY:
        return county_staff()
    if case.level == Level.TOWNSHIP:
        return township_staff(case.village.parent_id)
    return station_staff(case.station_id)


def level_handler_joins(case: str) -> list[tuple[str, list[Any]]]:
    """``level_handlers`` of many cases in SQL, for the levels with a unit of their own (the
    county command centre, the township's 综治中心): per level, the JOIN of its handlers' active
    accounts as ``h`` to the rows at ``case`` (their ``level``, and ``township_id``: the parent
    of the case's village) and the WHERE that keeps the rows at that level, with its parameters."""
    users = User._meta.db_table
    return [
        (
            f"JOIN {users} h ON h.role = %s AND h.is_active WHERE {case}.level = %s",
            [Role.COUNTY.value, Level.COUNTY.value],
        ),
        (
            f"JOIN {users} h ON h.role = %s AND h.is_active AND h.township_id = {case}.township_id"
            f" WHERE {case}.level = %s",
            [Role.TOWNSHIP.value, Level.TOWNSHIP.value],
        ),
    ]
