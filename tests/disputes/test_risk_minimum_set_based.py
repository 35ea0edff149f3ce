"""The sweep after the nightly scores, set-based in chunks (``sweeps.escalate_to_risk_minimum``
through ``services.cases_raise_to_risk_minimum``), does what the sweep one case at a time did
(``services.case_raise_to_risk_minimum`` per case): the same levels, deadlines, versions and
scores, the same timeline events, assessments, notices and visits, on a constructed set (red
cases one and two steps below the township, a paused one, orange and red cases whose deadline
shortens, a closed one, the other station); and its query count does not grow with the cases."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.errors import ConflictError
from disputes import risk, services, sweeps
from disputes.models import LEVEL_ORDER, DisputeCase, Level, RiskLevel
from disputes.selectors import is_open

from .helpers import report, rolled_back
from .test_escalation_set_based import _state

pytestmark = pytest.mark.django_db

RED: dict[str, Any] = {"people_involved": 12, "amount_involved": Decimal("120000"), "threat_flag": True}
ORANGE: dict[str, Any] = {"category": "labour_debt", "people_involved": 5, "threat_flag": True}


def _constructed(world) -> list[DisputeCase]:
    staff = world.user("station_a")
    later = timezone.now() + dt.timedelta(days=60)
    cases = []
    for level in (Level.GRID, Level.VILLAGE, Level.TOWNSHIP):
        for accept in (False, True):
            case = report(world, grid=world.grid_1a, **RED)
            DisputeCase.objects.filter(pk=case.pk).update(level=Level.GRID)  # raised on report
            case.refresh_from_db()
            if accept:
                services.case_accept(actor=staff, case=case, responsible=world.user("aux_v1"))
            # as seeded: the level of the case below what its risk calls for, a long deadline
            DisputeCase.objects.filter(pk=case.pk).update(level=level, due_at=later)
            cases.append(case)
    orange = report(world, grid=world.grid_1a, **ORANGE)
    services.case_accept(actor=staff, case=orange)
    DisputeCase.objects.filter(pk=orange.pk).update(due_at=later)
    paused = report(world, **RED)
    DisputeCase.objects.filter(pk=paused.pk).update(level=Level.GRID)
    paused.refresh_from_db()
    services.case_accept(actor=staff, case=paused)
    DisputeCase.objects.filter(pk=paused.pk).update(
        level=Level.GRID, paused_at=timezone.now() - dt.timedelta(days=1)
    )
    closed = report(world, **RED)
    DisputeCase.objects.filter(pk=closed.pk).update(level=Level.GRID)
    closed.refresh_from_db()
    services.case_not_accept(actor=staff, case=closed, reason="不属于受理范围")
    DisputeCase.objects.filter(pk=closed.pk).update(level=Level.GRID)
    other = report(world, village=world.village_3, actor="station_b", **RED)
    DisputeCase.objects.filter(pk=other.pk).update(level=Level.GRID)
    return [*cases, orange, paused, closed, other]


def _one_by_one(now: dt.datetime) -> int:
    """The sweep as it was: ``case_raise_to_risk_minimum`` per case."""
    ruleset = risk.current_rules()
    longest = max(settings.DISPUTES["MEDIATION_DAYS"].values())
    below = Q(pk__in=[])
    for risk_level in RiskLevel.values:
        minimum = ruleset.for_level(risk_level).get("min_level") or Level.GRID
        if minimum in LEVEL_ORDER:
            below |= Q(risk_level=risk_level, level__in=LEVEL_ORDER[: LEVEL_ORDER.index(Level(minimum))])
        if ruleset.for_level(risk_level).get("handling_days", longest) < longest:
            below |= Q(risk_level=risk_level, accepted_at__isnull=False, due_at__isnull=False)
    moved = 0
    for case in DisputeCase.objects.filter(is_open()).filter(below).select_related("village").order_by("pk"):
        level = case.level
        try:
            services.case_raise_to_risk_minimum(case=case)
        except ConflictError:
            continue
        moved += case.level != level
    return moved


def test_the_set_based_raise_to_the_risk_minimum_does_what_the_one_by_one_raise_did(world, monkeypatch):
    _constructed(world)
    fixed = timezone.now() + dt.timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: fixed)
    before = _state()
    reference_count, reference = rolled_back(lambda: (_one_by_one(fixed), _state()))
    assert _state() == before
    assert sweeps.escalate_to_risk_minimum(now=fixed) == reference_count == 6
    after = _state()
    for key in reference:
        assert after[key] == reference[key], key
    # the set covers two steps, one step, a paused case and shorter deadlines
    codes = [code for _c, code, *_rest in reference["events"]]
    assert codes.count("disputes.case.escalated_auto") - codes_before(before) >= 7
    assert "disputes.case.deadline_shortened" in codes
    kinds = {kind for _r, kind, *_rest in reference["notices"]}
    assert "case.escalated_to_level" in kinds
    # run again: nothing more
    assert sweeps.escalate_to_risk_minimum(now=fixed) == 0
    assert _state() == reference


def codes_before(state: dict[str, Any]) -> int:
    return [code for _c, code, *_rest in state["events"]].count("disputes.case.escalated_auto")


def _below(world, n: int) -> None:
    for _i in range(n):
        case = report(world, grid=world.grid_1a, **RED)
        DisputeCase.objects.filter(pk=case.pk).update(level=Level.GRID)


def test_the_raise_to_the_risk_minimum_runs_a_fixed_number_of_queries(world):
    sweeps.escalate_to_risk_minimum(now=timezone.now())  # the connection's one-off feature checks
    counts = []
    for n in (3, 12):
        _below(world, n)
        with CaptureQueriesContext(connection) as queries:
            assert sweeps.escalate_to_risk_minimum(now=timezone.now()) == n
        counts.append(len(queries))
    assert counts[0] == counts[1]
