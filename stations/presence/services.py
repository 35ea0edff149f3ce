"""Village presence (驻村签到): the writes. An attached officer or auxiliary officer checks in
to a village (``visit_check_in``); from the 15th of the month, attached officers behind the
``PRESENCE_MIN_DAYS`` rule are reminded once per village and month (``presence_remind_behind``)."""

import datetime as dt
from typing import Any, cast

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError, NotPermitted
from core.notifications import Message, notify_bulk
from governance import scoping
from governance.models import Region, User
from stations.evidence import check_in_evidence
from stations.models import AuxiliaryOfficer, Officer, VillageAssignment, VillageVisit
from stations.services import Coordinate

from .selectors import month_bounds, presence_assignments, presence_min_days


def person_of(actor: User) -> Officer | AuxiliaryOfficer | None:
    """The active officer or auxiliary officer whose login ``actor`` is (who checks in)."""
    if not scoping.has_scope(actor):
        return None
    officer = Officer.objects.filter(user=actor, is_active=True).first()
    if officer is not None:
        return officer
    return AuxiliaryOfficer.objects.filter(user=actor, is_active=True).first()


@transaction.atomic
def visit_check_in(
    *,
    actor: User,
    village: Region,
    activity: str = VillageVisit.Activity.VISIT,
    note: str = "",
    lat: Coordinate = None,
    lon: Coordinate = None,
    recorded_offline_at: Any = None,
    now: dt.datetime | None = None,
    risk_visit_id: int | None = None,
    outcome: str = "",
) -> VillageVisit:
    """An attached officer or auxiliary officer checks in to a village in their scope (from a
    phone, with an optional GPS position). The check-in time is the server's; the position is
    measured from the village's grids (``stations.evidence``); a time the phone reports is kept
    as ``recorded_offline_at`` only. Several check-ins a day are kept; presence counts distinct
    days. ``risk_visit_id`` and ``outcome`` are given by the risk-visit service
    (``patrols.visits.services.visit_check_in``), which checks them first."""
    person = person_of(actor) if scoping.has_scope(actor) else None
    if person is None:
        raise NotPermitted(_("只有在岗的民警或辅警本人可以驻村签到。"))
    if not village.is_village_level:
        raise DomainError(_("请选择村或社区。"), field="village")
    if not scoping.village_ids(actor).filter(pk=village.pk).exists():
        raise DomainError(_("%(name)s 不在您的辖区内。") % {"name": village.name}, field="village")
    now = now or timezone.now()
    evidence = check_in_evidence(
        lat=lat, lon=lon, now=now, recorded_offline_at=recorded_offline_at, village_id=village.pk
    )
    visit = VillageVisit(
        village=village,
        visited_on=timezone.localdate(now),
        checked_in_at=now,
        latitude=evidence.latitude,
        longitude=evidence.longitude,
        distance_m=evidence.distance_m,
        verified=evidence.verified,
        recorded_offline_at=evidence.recorded_offline_at,
        activity=activity,
        note=(note or "").strip(),
        created_by=actor,
        officer=person if isinstance(person, Officer) else None,
        auxiliary_officer=person if isinstance(person, AuxiliaryOfficer) else None,
        risk_visit_id=risk_visit_id,
        outcome=outcome,
    )
    visit.full_clean()
    visit.save()
    return visit


def presence_remind_behind(*, today: dt.date) -> int:
    """From the 15th of the month: every attached officer (挂村民警) with fewer than
    ``PRESENCE_MIN_DAYS`` days this month in one of their current villages gets one reminder per
    village and month (key ``presence.behind:officer<id>-village<id>:YYYY-MM``). One query selects
    them; the reminders are written set-wise and idempotently, so running it every day from the
    15th, twice, or after a crash reminds each officer once per village and month."""
    if today.day < 15:
        return 0
    first, _last = month_bounds(today)
    minimum = presence_min_days()
    behind = (
        presence_assignments(first=first, last=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .filter(
            kind=VillageAssignment.Kind.ATTACHED_OFFICER,
            start_date__lte=today,
            officer__is_active=True,
            officer__user__isnull=False,
            officer__user__is_active=True,
        )
        .filter(days__lt=minimum)
        .select_related("officer__user", "village")
        .order_by("pk")
    )
    period = today.strftime("%Y-%m")
    url = reverse("stations:presence")
    pairs: list[tuple[list[User], Message]] = []
    for a in behind:
        pairs.append(
            (
                [cast(User, cast(Officer, a.officer).user)],  # the filter requires both
                Message(
                    kind="presence.behind",
                    target=f"officer{a.officer_id}-village{a.village_id}",
                    period=period,
                    title=_("驻村天数不足:%(village)s 本月 %(days)s 天(每月不少于 %(min)s 天)")
                    % {"village": a.village.name, "days": a.days, "min": minimum},
                    body=_("%(month)s 您在 %(village)s 的驻村天数为 %(days)s 天,请在月底前补足 %(min)s 天。")
                    % {"month": period, "village": a.village.name, "days": a.days, "min": minimum},
                    url=url,
                ),
            )
        )
    notify_bulk(pairs)
    return len(pairs)
