"""The tiers' figures for the command centre (composed by ``dashboards.figures``): evaluations
(评价) in the period per station, hand-ons waiting for 签收, supervisions open and unanswered.
A fixed number of queries whatever the data size."""

from typing import TypedDict

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from core.periods import Period, rate

from .models import Evaluation, HandOn, Supervision
from .selectors import unanswered


class UnitEvaluation(TypedDict):
    station: str
    satisfied: int
    fairly: int
    unsatisfied: int
    total: int
    satisfaction: float | None  # share of 满意 + 基本满意


class TierFigures(TypedDict):
    evaluations: list[UnitEvaluation]
    evaluated: int
    satisfaction: float | None
    hand_ons_pending: int
    hand_ons_late: int  # past the acknowledgement time
    supervisions_open: int
    supervisions_unanswered: int


def tier_figures(village_ids: QuerySet, period: Period) -> TierFigures:
    start, end = period.bounds
    rows = (
        Evaluation.objects.filter(
            case__village__in=village_ids, evaluated_at__gte=start, evaluated_at__lt=end
        )
        .values("case__station__name")
        .annotate(
            satisfied=Count("pk", filter=Q(rating=Evaluation.Rating.SATISFIED)),
            fairly=Count("pk", filter=Q(rating=Evaluation.Rating.FAIRLY)),
            unsatisfied=Count("pk", filter=Q(rating=Evaluation.Rating.UNSATISFIED)),
            total=Count("pk"),
        )
        .order_by("case__station__name")
    )
    units: list[UnitEvaluation] = [
        {
            "station": r["case__station__name"],
            "satisfied": r["satisfied"],
            "fairly": r["fairly"],
            "unsatisfied": r["unsatisfied"],
            "total": r["total"],
            "satisfaction": rate(r["satisfied"] + r["fairly"], r["total"]),
        }
        for r in rows
    ]
    now = timezone.now()
    hand_ons = HandOn.objects.filter(case__village__in=village_ids, status=HandOn.Status.PENDING).aggregate(
        pending=Count("pk"), late=Count("pk", filter=Q(ack_due_at__lt=now))
    )
    supervisions = Supervision.objects.filter(
        case__village__in=village_ids, status=Supervision.Status.OPEN
    ).aggregate(open=Count("pk"), unanswered=Count("pk", filter=unanswered()))
    total = sum(u["total"] for u in units)
    return {
        "evaluations": units,
        "evaluated": total,
        "satisfaction": rate(sum(u["satisfied"] + u["fairly"] for u in units), total),
        "hand_ons_pending": hand_ons["pending"],
        "hand_ons_late": hand_ons["late"],
        "supervisions_open": supervisions["open"],
        "supervisions_unanswered": supervisions["unanswered"],
    }
