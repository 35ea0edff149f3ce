"""The risk rules and policy are data: versioned rows (every version kept, each assessment names
its version); per risk level the minimum handling level (red → township at least, escalated with
the reason "风险升至红色"), the handling deadline and who is told."""

import pytest
from django.utils import timezone

from core.models import Notification
from disputes import risk, sweeps
from disputes.models import DisputeCase, Level, RiskRuleSet

from .helpers import report

pytestmark = pytest.mark.django_db

RED = {"category": "land_acquisition", "people_involved": 12, "threat_flag": True, "amount_involved": 200_000}


def test_the_first_version_is_seeded_from_the_old_dict_and_names_every_assessment(world):
    seeded = RiskRuleSet.objects.get()
    assert seeded.version == risk.RULES["version"] and seeded.weights["threat"] == risk.RULES["threat"]
    case = report(world)
    assert case.risk_assessments.get().rule_version == seeded.version


def test_a_red_case_is_raised_to_the_policys_minimum_level(world):
    case = report(world, grid=world.grid_1a, **RED)  # reported at grid level
    case.refresh_from_db()
    assert case.risk_level == "red"
    assert case.level == Level.TOWNSHIP
    steps = case.events.filter(code="disputes.case.escalated_auto").order_by("pk")
    assert [e.changes["level"] for e in steps] == [["grid", "village"], ["village", "township"]]
    assert all(e.note == "风险升至红色" for e in steps)
    # the county command centre is told of a red case (the policy's "notify")
    assert Notification.objects.filter(
        kind="case.risk_raised", recipient=world.user("county"), key__contains=f"case-{case.pk}:"
    ).exists()


def test_a_new_version_changes_the_scores_and_the_old_one_is_kept(world):
    old = RiskRuleSet.objects.get()
    RiskRuleSet.objects.create(
        version="2026.2",
        weights={**old.weights, "threat": 0},
        level_policy={**old.level_policy, "red": {**old.level_policy["red"], "min_level": "county"}},
        note="扬言不再单独计分;红色提至县级",
    )
    case = report(world, **RED)
    case.refresh_from_db()
    latest = case.risk_assessments.latest("assessed_at")
    assert latest.rule_version == "2026.2" and latest.factors["threat"]["points"] == 0
    assert RiskRuleSet.objects.filter(version=old.version).exists()
    if case.risk_level == "red":
        assert case.level == Level.COUNTY


def test_the_policy_decides_who_is_told(world):
    rules = RiskRuleSet.objects.get()
    rules.level_policy = {**rules.level_policy, "orange": {**rules.level_policy["orange"], "notify": []}}
    rules.save()
    case = report(world, threat_flag=True, people_involved=12)
    case.refresh_from_db()
    assert case.risk_level == "orange"
    assert not Notification.objects.filter(kind="case.risk_raised").exists()


def test_after_the_nightly_scores_the_sweep_raises_a_case_that_turned_red(world):
    case = report(world, threat_flag=True, people_involved=12)  # orange: stays at village level
    case.refresh_from_db()
    assert case.risk_level == "orange" and case.level == Level.VILLAGE
    rules = RiskRuleSet.objects.get()
    rules.weights = {**rules.weights, "levels": [[50, "red"], [40, "orange"], [30, "yellow"]]}
    rules.save()
    now = timezone.now()
    risk.assess_open_cases(now=now)
    assert DisputeCase.objects.get(pk=case.pk).risk_level == "red"
    assert sweeps.escalate_to_risk_minimum(now=now) == 1
    assert DisputeCase.objects.get(pk=case.pk).level == Level.TOWNSHIP
    assert sweeps.escalate_to_risk_minimum(now=now) == 0  # twice: nothing more
