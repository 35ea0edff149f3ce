"""Risk is known the moment a case changes: every change that can move a factor re-scores the
case in the same transaction, and a rise to 红/橙 brings its notice and its visit at once (not at
the 01:30 run). The nightly run, for the same inputs, gives the same score."""

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import Notification
from disputes import risk, services
from disputes.models import DisputeCase, RiskAssessment
from patrols.models import RiskVisit
from stations import services as station_services

from .helpers import report
from .test_pages import _intake

pytestmark = pytest.mark.django_db


def _owed(case: DisputeCase) -> tuple[bool, bool]:
    """(a visit was asked for, the station was told)."""
    return (
        RiskVisit.objects.filter(case=case, level=case.risk_level).exists(),
        Notification.objects.filter(kind="case.risk_raised", key__contains=f"case-{case.pk}:").exists(),
    )


def test_a_walk_in_threat_case_of_12_people_has_its_visit_and_notice_right_after_the_page_report(
    world, client_for
):
    data = _intake(world, **{"parties-0-name": "吉克阿木", "threat_flag": "on", "people_involved": "12"})
    response = client_for("station_a").post(reverse("disputes:case-create"), data)
    assert response.status_code == 302
    case = DisputeCase.objects.get()
    assert case.risk_level in ("red", "orange") and case.risk_score >= 50
    assert _owed(case) == (True, True)
    assessment = case.risk_assessments.get()
    assert assessment.trigger == RiskAssessment.Trigger.ON_CHANGE
    assert assessment.factors["threat"]["points"] > 0 and assessment.factors["people"]["points"] > 0


def test_a_grid_report_through_the_api_is_scored_at_once(world):
    api = APIClient()
    api.force_login(world.user("grid_g1"))
    payload = {
        "category": "land_forest",
        "village": world.village_1.pk,
        "grid": world.grid_1a.pk,
        "summary": "两组村民争山林,扬言要动手。",
        "people_involved": 12,
        "threat_flag": True,
        "parties": [{"name": "吉克阿木", "role": "applicant"}],
    }
    response = api.post("/api/v1/cases/", payload, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["risk_level"] in ("red", "orange")
    case = DisputeCase.objects.get()
    assert _owed(case) == (True, True)


def test_failed_mediation_escalation_and_reopen_rescore_the_case(world):
    staff = world.user("station_a")
    case = report(world)
    services.case_accept(actor=staff, case=case)
    scores = [case.risk_score]
    services.case_start_mediation(actor=staff, case=case)
    services.case_mark_failed(actor=staff, case=case, reason="分歧大")
    scores.append(DisputeCase.objects.get(pk=case.pk).risk_score)
    services.case_escalate(actor=staff, case=case, reason="调解未成")
    scores.append(DisputeCase.objects.get(pk=case.pk).risk_score)
    assert scores[0] < scores[1] < scores[2]
    triggers = set(case.risk_assessments.values_list("trigger", flat=True))
    assert triggers == {RiskAssessment.Trigger.ON_CHANGE}


def test_a_repeat_incident_recorded_rescores_the_case_from_its_source(world):
    case = report(world, address="一组5号")
    before = DisputeCase.objects.get(pk=case.pk).risk_score
    for n in range(3):
        station_services.incident_record(
            actor=world.user("station_a"),
            station=world.station_a,
            village=world.village_1,
            number=f"110-{n}",
            received_at=timezone.now(),
            category="dispute",
            summary="又吵起来了",
            address="一组5号",
        )
    case.refresh_from_db()
    assert case.risk_assessments.latest("assessed_at").factors["repeat_incidents"]["value"] == 3
    assert case.risk_score > before


def test_the_nightly_run_agrees_with_the_on_change_score_for_the_same_inputs(world):
    case = report(world, category="land_acquisition", people_involved=6, threat_flag=True)
    services.party_add(actor=world.user("station_a"), case=case, name="阿说拉且", role="other")
    on_change = case.risk_assessments.latest("assessed_at")
    risk.assess_open_cases(now=timezone.now())
    nightly = case.risk_assessments.get(trigger=RiskAssessment.Trigger.NIGHTLY)
    assert (nightly.score, nightly.level, nightly.factors) == (
        on_change.score,
        on_change.level,
        on_change.factors,
    )
    case.refresh_from_db()
    assert case.risk_score == on_change.score
