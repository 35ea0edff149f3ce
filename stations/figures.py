"""Figures of the stations app for the command centre (read by ``dashboards``): incidents
(警情) and village presence (一村一警、一村一辅警). Each takes the area's village ids (already
scoped) and issues a fixed number of queries."""

import datetime as dt
from typing import TypedDict

from django.db.models import Count, F, Q, QuerySet, Sum

from core.periods import rate
from governance.models import Region

from .models import Incident, VillageAssignment
from .presence.selectors import presence_min_days


class IncidentFigures(TypedDict):
    total: int
    population: int
    per_10k: float | None
    repeats: int  # incidents from a source that called within the repeat window before
    by_category: list[tuple[str, int]]  # (label, count), most first


class PresenceFigures(TypedDict):
    total: int  # villages
    with_auxiliary: int
    with_officer: int
    attached: int  # attached officers (挂村民警) currently assigned
    attached_met: int  # of those, in their village at least ``minimum`` days this month
    minimum: int
    attached_met_rate: float | None


def incident_figures(village_ids: QuerySet, *, start: dt.datetime, end: dt.datetime) -> IncidentFigures:
    """Incidents received in [start, end): total, per 10,000 residents, by category, repeats."""
    incidents = Incident.objects.filter(village__in=village_ids, received_at__gte=start, received_at__lt=end)
    by_category = dict(incidents.values_list("category").annotate(n=Count("pk")).values_list("category", "n"))
    repeats = incidents.filter(is_repeat=True).count()  # stored at write time (services)
    population = Region.objects.filter(pk__in=village_ids).aggregate(p=Sum("population"))["p"] or 0
    total = sum(by_category.values())
    labels = dict(Incident.Category.choices)
    return {
        "total": total,
        "population": population,
        "per_10k": round(total * 10000 / population, 1) if population else None,
        "repeats": repeats,
        "by_category": [
            (str(labels.get(k, k)), v) for k, v in sorted(by_category.items(), key=lambda kv: -kv[1])
        ],
    }


def presence_figures(village_ids: QuerySet, *, month: dt.date) -> PresenceFigures:
    """Villages with a current auxiliary officer / attached officer; attached officers who were in
    their village at least ``PRESENCE_MIN_DAYS`` days this month."""
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    current = VillageAssignment.objects.filter(village__in=village_ids, end_date__isnull=True)
    villages = Region.objects.filter(pk__in=village_ids).aggregate(
        total=Count("pk", distinct=True),
        with_auxiliary=Count("pk", filter=Q(assignments__in=current.filter(kind="auxiliary")), distinct=True),
        with_officer=Count("pk", filter=Q(assignments__in=current.filter(kind="officer")), distinct=True),
    )
    attached = list(
        current.filter(kind=VillageAssignment.Kind.ATTACHED_OFFICER)
        .annotate(
            days=Count(
                "officer__village_visits__visited_on",
                distinct=True,
                filter=Q(
                    officer__village_visits__village=F("village"),
                    officer__village_visits__visited_on__gte=first,
                    officer__village_visits__visited_on__lt=following,
                ),
            )
        )
        .values_list("days", flat=True)
    )
    minimum = presence_min_days()
    met = sum(1 for d in attached if d >= minimum)
    return {
        "total": villages["total"],
        "with_auxiliary": villages["with_auxiliary"],
        "with_officer": villages["with_officer"],
        "attached": len(attached),
        "attached_met": met,
        "minimum": minimum,
        "attached_met_rate": rate(met, len(attached)),
    }
