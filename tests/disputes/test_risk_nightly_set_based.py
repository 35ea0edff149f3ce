"""The nightly risk run in SQL (``risk.scored_cases_sql``, in chunks) gives, for every case, the
score, level and factors of the per-case scoring (``risk.score_case`` with the counts of
``assess_case``), on a constructed set covering every factor; chunks change nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from disputes import risk, services
from disputes.models import CaseEvent, DisputeCase, RiskAssessment
from stations import services as st

from .helpers import report

pytestmark = pytest.mark.django_db


def _incident(world, n, *, address="", phone="", days_ago=1):
    return st.incident_record(
        actor=world.user("station_a"),
        station=world.station_a,
        village=world.village_1,
        number=f"R-{n}",
        received_at=timezone.now() - dt.timedelta(days=days_ago),
        category="dispute",
        summary="报警",
        address=address,
        caller_phone=phone,
    )


def _constructed(world) -> list[DisputeCase]:
    actor = world.user("station_a")
    cases = [
        report(world),  # quiet
        report(
            world,
            category="labour_debt",
            people_involved=12,
            amount_involved=Decimal("120000"),
            threat_flag=True,
            vulnerable_flag=True,
        ),  # capped at 100
        report(world, category="land_acquisition", people_involved=5, amount_involved=Decimal("50000")),
        report(world, category="contract", people_involved=3, amount_involved=Decimal("9999.99")),
        report(
            world,
            category="neighbour",
            address="一村3组12号",
            parties=[{"name": "吉克阿木", "role": "applicant", "phone": "13911112222"}],
        ),
        report(world, category="marriage_family", people_involved=1),
    ]
    # repeat incidents at the address and from the party's phone (and one too old)
    _incident(world, 1, address="一村 3组12号")
    _incident(world, 2, phone="13911112222")
    _incident(world, 3, address="一村3组12号", days_ago=3)
    _incident(world, 4, address="一村3组12号", days_ago=40)
    # overdue by some days, one of them paused; escalations, failures, recurrences
    DisputeCase.objects.filter(pk=cases[2].pk).update(due_at=timezone.now() - dt.timedelta(days=3, hours=5))
    DisputeCase.objects.filter(pk=cases[3].pk).update(
        due_at=timezone.now() - dt.timedelta(days=20), paused_at=timezone.now()
    )
    DisputeCase.objects.filter(pk=cases[0].pk).update(
        escalation_count=2, recurrence_count=1, due_at=timezone.now() - dt.timedelta(hours=2)
    )
    for _ in range(3):
        CaseEvent.objects.create(case=cases[5], code="disputes.case.mediation_failed", actor=actor)
    return cases


def _per_case(case: DisputeCase, now: dt.datetime):
    """``assess_case``'s counts (the correlated definitions) and ``score_case``."""
    counts = (
        DisputeCase.objects.filter(pk=case.pk)
        .annotate(failed=risk._failed_mediations(), repeats=risk._repeat_incidents(now))
        .values("failed", "repeats")
        .get()
    )
    case.refresh_from_db()
    return risk.score_case(
        case,
        failed_mediations=counts["failed"],
        now=now,
        repeat_incidents=counts["repeats"],
        rules=risk.RULES,
    )


@pytest.mark.parametrize("chunk", [risk.NIGHTLY_CHUNK, 2])
def test_set_based_nightly_scores_equal_the_per_case_scoring(world, chunk):
    cases = _constructed(world)
    now = timezone.now()
    expected = {c.pk: _per_case(c, now) for c in cases}
    previous = {c.pk: DisputeCase.objects.get(pk=c.pk).risk_level for c in cases}
    assert risk.assess_open_cases(now=now, chunk=chunk) == len(cases)
    for a in RiskAssessment.objects.filter(trigger="nightly"):
        score, level, factors = expected[a.case_id]
        assert (a.score, a.level, a.previous_level) == (score, level, previous[a.case_id]), a.case_id
        assert a.factors == factors, a.case_id
        assert a.rule_version == risk.RULES["version"]
    scores = {s for s, _l, _f in expected.values()}
    assert max(scores) >= 90 and min(scores) < 30 and len(scores) >= 5  # the set covers the range
    # the cases carry their scores, and each level change is one timeline event with its text
    for case in DisputeCase.objects.filter(pk__in=expected):
        assert (case.risk_score, case.risk_level) == expected[case.pk][:2]
    changed = [pk for pk, (_s, level, _f) in expected.items() if level != previous[pk]]
    events = CaseEvent.objects.filter(code="disputes.case.risk_changed", created_at=now)
    assert sorted(e.case_id for e in events) == sorted(changed)
    for event in events:
        assert event.changes == {"risk_level": [previous[event.case_id], expected[event.case_id][1]]}
        assert event.note.startswith(f"风险分 {expected[event.case_id][0]}")
    assert risk.assess_open_cases(now=now + dt.timedelta(minutes=5), chunk=chunk) == 0  # once a day


def test_a_closed_case_is_not_scored_at_night(world):
    cases = _constructed(world)
    services.case_not_accept(actor=world.user("station_a"), case=cases[0], reason="不属于受理范围")
    assert risk.assess_open_cases(now=timezone.now(), chunk=2) == len(cases) - 1
