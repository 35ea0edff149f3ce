"""Figures of risk → visit for the command centre (composed by ``dashboards``)."""

import datetime as dt
from typing import TypedDict

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from core.periods import rate
from disputes.models import RISK_LEVEL_RANK, RiskAssessment

from .models import RiskVisit
from .selectors import first_check_ins


class VisitFigures(TypedDict):
    total: int  # visits asked for in the period
    judged: int  # of those, done or past their deadline
    pending: int  # not done yet and still inside the deadline
    on_time: int  # done within the deadline (48 h)
    rate: float | None  # on_time ÷ judged
    done: int  # done at all (a check-in made for the visit by an assignee)
    verified: int  # of the done ones, verified (a check-in with a position near the grid/village)
    verified_share: float | None  # verified ÷ done
    risk_down: int  # done visits whose case's risk, assessed after the visit, is lower than
    risk_same: int  # … the same as
    risk_up: int  # … higher than at the visit's creation
    risk_unassessed: int  # done visits whose case has not been assessed since


def visited_within(
    village_ids: QuerySet, *, start: dt.datetime, end: dt.datetime, now: dt.datetime | None = None
) -> VisitFigures:
    """Of the visits asked for in [start, end) in these villages: how many were made within
    their deadline (a visit still inside its deadline and not yet made is not judged yet), how
    many were made at all and how many of those were verified, and how the case's risk level
    changed after the visit: the latest risk assessment after the (first) check-in against the
    level when the visit was asked for. "Done" and "verified" are ``selectors.with_check_ins``'s
    first check-ins, as on the visit list, read from the check-ins' side
    (``selectors.first_check_ins``); the visits are counted in the database, and only the done
    ones are read (a month of a prefecture's county is thousands of visits, few done yet: four
    subqueries of each and a row of each in Python were a tenth of the county page). Five
    queries."""
    now = now or timezone.now()
    visits = RiskVisit.objects.filter(village__in=village_ids, created_at__gte=start, created_at__lt=end)
    counts = visits.aggregate(total=Count("pk"), inside=Count("pk", filter=Q(due_at__gt=now)))
    first = first_check_ins(visits)
    done_visits: list[tuple[int, dt.datetime, str, str]] = []
    on_time = verified = done_inside = 0
    rows = visits.filter(pk__among=list(first)).values_list(
        "pk", "case_id", "due_at", "risk_level_at_creation", "level"
    )
    for pk, case_id, due, risk_at_creation, level in rows.order_by():
        finished, verified_at = first[pk]
        done_visits.append((case_id, finished, risk_at_creation, level))
        verified += verified_at is not None
        on_time += finished <= due
        done_inside += due > now
    change = _risk_after(done_visits)
    total, done = counts["total"], len(done_visits)
    pending = counts["inside"] - done_inside  # inside the deadline and not done
    judged = total - pending
    return {
        "total": total,
        "judged": judged,
        "pending": pending,
        "on_time": on_time,
        "rate": rate(on_time, judged),
        "done": done,
        "verified": verified,
        "verified_share": rate(verified, done),
        "risk_down": change["down"],
        "risk_same": change["same"],
        "risk_up": change["up"],
        "risk_unassessed": change["unassessed"],
    }


def _risk_after(done_visits: list[tuple[int, dt.datetime, str, str]]) -> dict[str, int]:
    """For each done visit (its case, when it was done, the risk level when it was asked for, and
    its level): the level of the latest assessment of its case after the visit was made, against
    the level when the visit was asked for (one query for all)."""
    counts = {"down": 0, "same": 0, "up": 0, "unassessed": 0}
    if not done_visits:
        return counts
    earliest = min(at for _c, at, _r, _l in done_visits)
    history: dict[int, list[tuple[dt.datetime, int, str]]] = {}
    for case_id, at, pk, level in (
        RiskAssessment.objects.filter(
            case__among=list({c for c, _at, _r, _l in done_visits}), assessed_at__gt=earliest
        )
        .order_by("assessed_at", "pk")
        .values_list("case_id", "assessed_at", "pk", "level")
    ):
        history.setdefault(case_id, []).append((at, pk, level))
    for case_id, at, risk_at_creation, visit_level in done_visits:
        after = [level for when, _pk, level in history.get(case_id, []) if when > at]
        if not after:
            counts["unassessed"] += 1
            continue
        before = RISK_LEVEL_RANK.get(risk_at_creation or visit_level, 0)
        now_rank = RISK_LEVEL_RANK.get(after[-1], 0)
        counts["down" if now_rank < before else "up" if now_rank > before else "same"] += 1
    return counts
