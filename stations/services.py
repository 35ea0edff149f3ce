"""Writes with a rule for stations: jurisdiction, staff and village assignments."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.errors import DomainError, NotPermitted
from governance.models import Region, User
from governance.services import apply_and_save, require_county_wide, require_village_in_scope

from . import selectors
from .models import AuxiliaryOfficer, Jurisdiction, Officer, Station, VillageAssignment


def _require_station_in_scope(actor: User, station: Station) -> None:
    if not actor.can_manage_reference_data:
        raise NotPermitted()
    if not selectors.station_ids(actor).filter(pk=station.pk).exists():
        raise DomainError(_("%(name)s 不在您的管辖范围内。") % {"name": station.name}, field="station")


@transaction.atomic
def jurisdiction_add(*, actor: User, station: Station, region: Region) -> Jurisdiction:
    """Put a township (with all its villages) or a single village under a station."""
    require_county_wide(actor)
    if not (region.is_township_level or region.is_village_level):
        raise DomainError(_("辖区只能是乡镇(街道)或村(社区)。"), field="region")
    if Jurisdiction.objects.filter(region=region).exists():
        raise DomainError(_("%(name)s 已属于其他派出所辖区。") % {"name": region.name}, field="region")
    if region.is_village_level and Jurisdiction.objects.filter(region=region.parent_id).exists():
        raise DomainError(_("%(name)s 所在乡镇已整体划入派出所辖区。") % {"name": region.name}, field="region")
    jurisdiction = Jurisdiction(station=station, region=region)
    jurisdiction.full_clean()
    jurisdiction.save()
    return jurisdiction


OFFICER_FIELDS = ("name", "badge_number", "post", "gender", "phone", "is_active", "user")
AUXILIARY_FIELDS = ("name", "gender", "ethnicity", "id_number", "phone", "is_active", "user")


@transaction.atomic
def officer_create(*, actor: User, station: Station, **data) -> Officer:
    _require_station_in_scope(actor, station)
    return apply_and_save(Officer(station=station), data, OFFICER_FIELDS)


@transaction.atomic
def officer_update(*, actor: User, officer: Officer, data: dict) -> Officer:
    _require_station_in_scope(actor, officer.station)
    return apply_and_save(officer, data, OFFICER_FIELDS)


@transaction.atomic
def auxiliary_officer_create(*, actor: User, station: Station, **data) -> AuxiliaryOfficer:
    _require_station_in_scope(actor, station)
    return apply_and_save(AuxiliaryOfficer(station=station), data, AUXILIARY_FIELDS)


@transaction.atomic
def auxiliary_officer_update(*, actor: User, auxiliary_officer: AuxiliaryOfficer, data: dict) -> AuxiliaryOfficer:
    _require_station_in_scope(actor, auxiliary_officer.station)
    return apply_and_save(auxiliary_officer, data, AUXILIARY_FIELDS)


@transaction.atomic
def village_assign(*, actor: User, village: Region, officer: Officer | None = None,
                   auxiliary_officer: AuxiliaryOfficer | None = None, start_date: dt.date | None = None,
                   note: str = "") -> VillageAssignment:
    """Attach an officer (挂村民警) or an auxiliary officer (一村一辅警) to a village from
    ``start_date``; the current one of the same kind, if any, ends the day before."""
    require_village_in_scope(actor, village)
    if (officer is None) == (auxiliary_officer is None):
        raise DomainError(_("请选择一名民警或一名辅警。"))
    person = officer or auxiliary_officer
    if not person.is_active:
        raise DomainError(_("%(name)s 已不在岗。") % {"name": person.name})
    station = selectors.station_for_village(village.pk)
    if station is None or station.pk != person.station_id:
        raise DomainError(_("%(name)s 不属于该村所在派出所。") % {"name": person.name})
    kind = VillageAssignment.Kind.ATTACHED_OFFICER if officer else VillageAssignment.Kind.AUXILIARY
    start_date = start_date or timezone.localdate()
    current = (
        VillageAssignment.objects.select_for_update()
        .filter(village=village, kind=kind, end_date__isnull=True)
        .first()
    )
    if current is not None:
        if current.person == person:
            raise DomainError(_("%(name)s 已是该村的在岗人员。") % {"name": person.name})
        if start_date <= current.start_date:
            raise DomainError(_("新安排的开始日期须晚于原安排的开始日期(%(date)s)。") % {"date": current.start_date},
                              field="start_date")
        current.end_date = start_date - dt.timedelta(days=1)
        current.save(update_fields=["end_date"])
    assignment = VillageAssignment(
        village=village, kind=kind, officer=officer, auxiliary_officer=auxiliary_officer,
        start_date=start_date, note=note,
    )
    assignment.full_clean()
    assignment.save()
    return assignment


@transaction.atomic
def assignment_end(*, actor: User, assignment: VillageAssignment, end_date: dt.date | None = None) -> VillageAssignment:
    require_village_in_scope(actor, assignment.village)
    if assignment.end_date is not None:
        raise DomainError(_("该安排已结束。"))
    end_date = end_date or timezone.localdate()
    if end_date < assignment.start_date:
        raise DomainError(_("结束日期不能早于开始日期。"), field="end_date")
    assignment.end_date = end_date
    assignment.save(update_fields=["end_date"])
    return assignment



STATION_FIELDS = ("name", "code", "address", "phone", "is_active")


@transaction.atomic
def station_create(*, actor: User, county: Region, **data) -> Station:
    """Stations are set up by the county command centre."""
    require_county_wide(actor)
    if county.kind != Region.Kind.COUNTY:
        raise DomainError(_("请选择县级区划。"), field="county")
    return apply_and_save(Station(county=county), data, STATION_FIELDS)


@transaction.atomic
def station_update(*, actor: User, station: Station, data: dict) -> Station:
    require_county_wide(actor)
    return apply_and_save(station, data, STATION_FIELDS)
