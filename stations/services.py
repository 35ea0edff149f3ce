"""Writes with a rule for stations: jurisdiction, staff, village assignments and incidents (警情).
Village check-ins (驻村签到) are in ``stations.presence.services``, the incident import in
``stations.incidents.imports``."""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ConflictError, DomainError, NotPermitted
from core.versions import save_changed
from governance import scoping
from governance.capabilities import may
from governance.models import Region, User
from governance.services import apply_and_save, require_county_wide, require_village_in_scope
from governance.validators import normalize_phone

from . import selectors
from .models import (
    AuxiliaryOfficer,
    Incident,
    Jurisdiction,
    Officer,
    Station,
    VillageAssignment,
)


def _require_station_in_scope(actor: User, station: Station, capability: str = "reference.manage") -> None:
    if not may(actor, capability):
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
        raise DomainError(
            _("%(name)s 所在乡镇已整体划入派出所辖区。") % {"name": region.name}, field="region"
        )
    jurisdiction = Jurisdiction(station=station, region=region)
    jurisdiction.full_clean()
    jurisdiction.save()
    return jurisdiction


OFFICER_FIELDS = ("name", "badge_number", "post", "gender", "phone", "is_active", "user")
AUXILIARY_FIELDS = ("name", "gender", "ethnicity", "id_number", "phone", "is_active", "user")


@transaction.atomic
def officer_create(*, actor: User, station: Station, **data: Any) -> Officer:
    _require_station_in_scope(actor, station)
    return apply_and_save(Officer(station=station), data, OFFICER_FIELDS)


@transaction.atomic
def officer_update(*, actor: User, officer: Officer, data: dict) -> Officer:
    _require_station_in_scope(actor, officer.station)
    return apply_and_save(officer, data, OFFICER_FIELDS)


@transaction.atomic
def auxiliary_officer_create(*, actor: User, station: Station, **data: Any) -> AuxiliaryOfficer:
    _require_station_in_scope(actor, station)
    return apply_and_save(AuxiliaryOfficer(station=station), data, AUXILIARY_FIELDS)


@transaction.atomic
def auxiliary_officer_update(
    *, actor: User, auxiliary_officer: AuxiliaryOfficer, data: dict
) -> AuxiliaryOfficer:
    _require_station_in_scope(actor, auxiliary_officer.station)
    return apply_and_save(auxiliary_officer, data, AUXILIARY_FIELDS)


@transaction.atomic
def village_assign(
    *,
    actor: User,
    village: Region,
    officer: Officer | None = None,
    auxiliary_officer: AuxiliaryOfficer | None = None,
    start_date: dt.date | None = None,
    note: str = "",
) -> VillageAssignment:
    """Attach an officer (挂村民警) or an auxiliary officer (一村一辅警) to a village from
    ``start_date``; the current one of the same kind, if any, ends the day before."""
    require_village_in_scope(actor, village)
    if (officer is None) == (auxiliary_officer is None):
        raise DomainError(_("请选择一名民警或一名辅警。"))
    person = officer or auxiliary_officer
    assert person is not None  # exactly one of the two, checked above
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
            raise DomainError(
                _("新安排的开始日期须晚于原安排的开始日期(%(date)s)。") % {"date": current.start_date},
                field="start_date",
            )
        current.end_date = start_date - dt.timedelta(days=1)
        current.save(update_fields=["end_date"])
    assignment = VillageAssignment(
        village=village,
        kind=kind,
        officer=officer,
        auxiliary_officer=auxiliary_officer,
        start_date=start_date,
        note=note,
    )
    assignment.full_clean()
    assignment.save()
    return assignment


@transaction.atomic
def assignment_end(
    *, actor: User, assignment: VillageAssignment, end_date: dt.date | None = None
) -> VillageAssignment:
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
def station_create(*, actor: User, county: Region, **data: Any) -> Station:
    """Stations are set up by the county command centre."""
    require_county_wide(actor)
    if county.kind != Region.Kind.COUNTY:
        raise DomainError(_("请选择县级区划。"), field="county")
    return apply_and_save(Station(county=county), data, STATION_FIELDS)


@transaction.atomic
def station_update(*, actor: User, station: Station, data: dict) -> Station:
    require_county_wide(actor)
    return apply_and_save(station, data, STATION_FIELDS)


# --- Incidents (警情) ------------------------------------------------------------------------
INCIDENT_FIELDS = (
    "number",
    "received_at",
    "category",
    "village",
    "address",
    "caller_name",
    "caller_phone",
    "parties",
    "summary",
    "outcome",
)


def require_incident_writer(actor: User, station: Station) -> None:
    """Station staff of ``station``, the county command centre and administrators record incidents."""
    _require_station_in_scope(actor, station, "incident.manage")


def _check_incident_village(actor: User, station: Station, village: Region) -> None:
    if village is None or not village.is_village_level:
        raise DomainError(_("请选择村或社区。"), field="village")
    if not selectors.villages_of_station(station.pk).filter(pk=village.pk).exists():
        raise DomainError(
            _("%(village)s 不在 %(station)s 辖区内。") % {"village": village.name, "station": station.name},
            field="village",
        )
    if not scoping.village_ids(actor).filter(pk=village.pk).exists():
        raise DomainError(_("%(name)s 不在您的辖区内。") % {"name": village.name}, field="village")


def _clean_incident_data(data: dict) -> dict:
    data = dict(data)
    for key in ("number", "address", "caller_name", "parties", "summary", "outcome"):
        if key in data and isinstance(data[key], str):
            data[key] = data[key].strip()
    if "caller_phone" in data:
        data["caller_phone"] = normalize_phone(data["caller_phone"] or "")
    return data


# Apps to the right (disputes: a repeat incident is a risk factor of the cases from its source)
# register what new incidents owe them, from their ``AppConfig.ready``.
IncidentHook = Callable[..., Any]
_INCIDENTS_RECORDED: list[IncidentHook] = []


def register_incidents_recorded(hook: IncidentHook) -> None:
    """``hook(*, incidents)``, called in the transaction that records incidents: one by hand, or
    an import's whole batch."""
    if hook not in _INCIDENTS_RECORDED:
        _INCIDENTS_RECORDED.append(hook)


def incidents_recorded(incidents: list[Incident]) -> None:
    """Tell the registered apps of new incidents (inside the recording transaction), after
    storing which incidents are now repeats (``incident_repeats_refresh``)."""
    if incidents:
        incident_repeats_refresh(sources=[_source(i) for i in incidents])
        for hook in _INCIDENTS_RECORDED:
            hook(incidents=incidents)


# What an edited incident owes the apps to the right (disputes: 民转刑 links): ``hook(*,
# incidents)``, called in the editing transaction.
_INCIDENTS_CHANGED: list[IncidentHook] = []


def register_incidents_changed(hook: IncidentHook) -> None:
    if hook not in _INCIDENTS_CHANGED:
        _INCIDENTS_CHANGED.append(hook)


# --- Repeat incidents, stored (issue 15) -----------------------------------------------------
# ``Incident.is_repeat`` holds ``selectors.is_repeat_incident`` so that lists and figures read a
# column instead of a correlated EXISTS over every incident. Recording or editing an incident
# can change it for the incident and for the later ones from the same source within the window:
# those are recomputed in the same transaction. The nightly rebuild recomputes every incident
# set-based (window functions) and corrects any drift.
Source = tuple[int, str, str, dt.datetime]  # village id, address key, caller phone, received at
_REFRESH_CHUNK = 500


def _source(incident: Incident) -> Source:
    return (incident.village_id, incident.address_key, incident.caller_phone, incident.received_at)


def incident_repeats_refresh(*, sources: list[Source]) -> int:
    """Recompute ``is_repeat`` of every incident from one of ``sources`` received from the
    earliest source's time to the window after the latest (a superset is harmless: each value
    is recomputed exactly). In chunks of 500 sources; returns the rows written."""
    window = dt.timedelta(days=selectors.REPEAT_WINDOW_DAYS)
    written = 0
    for start in range(0, len(sources), _REFRESH_CHUNK):
        chunk = sources[start : start + _REFRESH_CHUNK]
        places = {(v, k) for v, k, _p, _t in chunk if k}
        phones = {p for _v, _k, p, _t in chunk if p}
        same = Q(pk__in=[])
        if places:
            same |= Q(village_id__in={v for v, _k in places}, address_key__in={k for _v, k in places})
        if phones:
            same |= Q(caller_phone__in=phones)
        if not places and not phones:
            continue
        times = [t for _v, _k, _p, t in chunk]
        written += (
            Incident.objects.filter(same, received_at__gte=min(times), received_at__lte=max(times) + window)
            .order_by()
            .update(is_repeat=selectors.is_repeat_incident())
        )
    return written


def incident_repeats_rebuild() -> int:
    """The nightly rebuild: ``is_repeat`` of every incident recomputed in one statement — an
    incident is a repeat when the previous incident of its place (village + address key) or of
    its caller phone, in (received_at, id) order, lies within the window (the same answer as
    ``selectors.is_repeat_incident``, from two window functions instead of one EXISTS per row).
    Only the rows whose value changes are written; returns how many."""
    days = selectors.REPEAT_WINDOW_DAYS
    table = Incident._meta.db_table
    if connection.vendor == "postgresql":
        within = f"{{lag}} >= received_at - interval '{days:d} days'"
    else:  # SQLite: datetimes are ISO text
        within = f"julianday({{lag}}) >= julianday(received_at) - {days:d}"
    place_lag = "LAG(received_at) OVER (PARTITION BY village_id, address_key ORDER BY received_at, id)"
    phone_lag = "LAG(received_at) OVER (PARTITION BY caller_phone ORDER BY received_at, id)"
    # built from the model's table name and a constant, never from input
    sql = f"""
        UPDATE {table} SET is_repeat = fresh.rep
        FROM (
            SELECT id, (
                COALESCE(address_key <> '' AND {within.format(lag=place_lag)}, FALSE)
                OR COALESCE(caller_phone <> '' AND {within.format(lag=phone_lag)}, FALSE)
            ) AS rep
            FROM {table}
        ) AS fresh
        WHERE fresh.id = {table}.id AND {table}.is_repeat <> fresh.rep
    """  # noqa: S608
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.rowcount


@transaction.atomic
def incident_record(
    *,
    actor: User,
    station: Station,
    village: Region,
    number: str,
    received_at: dt.datetime,
    category: str,
    summary: str,
    address: str = "",
    caller_name: str = "",
    caller_phone: str = "",
    parties: str = "",
    outcome: str = "",
) -> Incident:
    """Record one incident of ``station`` (by hand; the import uses the same checks row by row)."""
    require_incident_writer(actor, station)
    _check_incident_village(actor, station, village)
    data = _clean_incident_data(
        {
            "number": number,
            "received_at": received_at,
            "category": category,
            "village": village,
            "address": address,
            "caller_name": caller_name,
            "caller_phone": caller_phone,
            "parties": parties,
            "summary": summary,
            "outcome": outcome,
        }
    )
    incident = Incident(station=station, created_by=actor, **data)
    incident.address_key = selectors.normalize_address(incident.address)
    incident.full_clean()
    incident.save()
    incidents_recorded([incident])
    incident.refresh_from_db(fields=["is_repeat"])  # stored by incidents_recorded
    return incident


@transaction.atomic
def incident_update(*, actor: User, incident: Incident, data: dict) -> Incident:
    require_incident_writer(actor, incident.station)
    unknown = set(data) - set(INCIDENT_FIELDS)
    if unknown:
        raise DomainError(_("不允许修改的字段:%(fields)s") % {"fields": ", ".join(sorted(unknown))})
    data = _clean_incident_data(data)
    if "village" in data:
        _check_incident_village(actor, incident.station, data["village"])
    for key, value in data.items():
        setattr(incident, key, value)
    before = _source(Incident.objects.get(pk=incident.pk))
    incident.address_key = selectors.normalize_address(incident.address)
    incident.full_clean()
    save_changed(incident)  # only the changed fields, from the version the editor saw
    after = _source(incident)
    if after != before:  # its place, caller or time moved: repeats at the old and the new source
        incident_repeats_refresh(sources=[before, after])
        incident.refresh_from_db(fields=["is_repeat"])
    for hook in _INCIDENTS_CHANGED:
        hook(incidents=[incident])
    return incident


@transaction.atomic
def incident_refer(
    *, actor: User, incident: Incident, department: str, now: dt.datetime | None = None
) -> Incident:
    """Refer a non-police matter to a department (12345 热线, 劳动监察, 民政 …) and wait for its
    answer. A matter already waiting for an answer is not referred again (409)."""
    require_incident_writer(actor, incident.station)
    department = (department or "").strip()
    if not department:
        raise DomainError(_("请填写移交部门。"), field="department")
    if len(department) > 64:
        raise DomainError(_("移交部门名称不能超过64个字。"), field="department")
    now = now or timezone.now()
    moved = (
        Incident.objects.filter(pk=incident.pk)
        .exclude(referral_status=Incident.ReferralStatus.PENDING)
        .update(
            referred_to=department,
            referred_at=now,
            referral_status=Incident.ReferralStatus.PENDING,
            referral_answer="",
            answered_at=None,
            updated_at=now,
            version=F("version") + 1,
        )
    )
    if not moved:
        raise ConflictError(
            _("该警情已移交 %(dept)s,正在等待答复。") % {"dept": incident.referred_to},
            code="already_referred",
        )
    incident.refresh_from_db()
    return incident


@transaction.atomic
def incident_answer(
    *, actor: User, incident: Incident, answer: str, now: dt.datetime | None = None
) -> Incident:
    """Record the department's answer to a referral."""
    require_incident_writer(actor, incident.station)
    answer = (answer or "").strip()
    if not answer:
        raise DomainError(_("请填写部门答复内容。"), field="answer")
    now = now or timezone.now()
    moved = Incident.objects.filter(pk=incident.pk, referral_status=Incident.ReferralStatus.PENDING).update(
        referral_status=Incident.ReferralStatus.ANSWERED,
        referral_answer=answer,
        answered_at=now,
        updated_at=now,
        version=F("version") + 1,
    )
    if not moved:
        raise ConflictError(_("该警情没有等待答复的移交。"), code="not_referred")
    incident.refresh_from_db()
    return incident


# --- Input helpers (for presence and patrols) ----------------------------------------------
# A GPS coordinate as a form (Decimal), the API (str or number) or nothing sends it.
Coordinate = Decimal | float | str | None


def parse_coordinate(value: Coordinate, low: int, high: int, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except ArithmeticError:
        raise DomainError(_("定位数据无效。"), field=field) from None
    if not (low <= number <= high):
        raise DomainError(_("定位数据无效。"), field=field)
    return number
