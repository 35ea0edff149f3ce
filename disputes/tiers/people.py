"""Who works for a unit: the people a tiers notice or an escalation goes to. Reads only; used by
``disputes.services`` (escalation) and ``disputes.tiers.services``."""

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
