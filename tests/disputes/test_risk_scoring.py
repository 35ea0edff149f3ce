"""Risk factors and levels on constructed cases, with hand-computed expected scores."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import Notification
from disputes import risk, services
from disputes.models import CaseEvent, DisputeCase, RiskAssessment

from .helpers import report

pytestmark = pytest.mark.django_db


def test_a_quiet_neighbour_case_is_blue(world):
    case = report(world, category="neighbour", people_involved=2)
    a = risk.assess_case(case=case)
    # category 邻里 6, nothing else
    assert a.score == 6 and a.level == "blue"
    assert a.factors["category"] == {"value": "neighbour", "points": 6}
    assert a.rule_version == risk.RULES["version"]


def test_a_group_wage_dispute_with_threats_is_red_and_the_factors_say_why(world):
    case = report(
        world, category="labour_debt", people_involved=12, amount_involved=Decimal("120000"), threat_flag=True
    )
    # scored as it is reported (risk is re-scored on every change): the report's assessment
    a = case.risk_assessments.order_by("assessed_at", "pk").first()
    # 劳资 15 + ≥10 people 25 + ≥100000 yuan 15 + threat 25 = 80
    assert a.score == 80 and a.level == "red"
    assert {k: v["points"] for k, v in a.factors.items() if v["points"]} == {
        "category": 15,
        "people": 25,
        "amount": 15,
        "threat": 25,
    }
    case.refresh_from_db()
    # red → raised to township by the risk policy, whose escalation is a factor too (+5)
    assert case.risk_level == "red" and case.level == "township" and case.risk_score == 85
    event = case.events.filter(code="disputes.case.risk_changed").order_by("pk").first()
    assert event.changes == {"risk_level": ["blue", "red"]}


def test_history_escalations_failures_recurrence_and_overdue_days_add_up(world):
    staff = world.user("station_a")
    case = report(world, category="homestead", people_involved=5)  # 10 + 20
    services.case_accept(actor=staff, case=case)
    services.case_start_mediation(actor=staff, case=case)
    services.case_mark_failed(actor=staff, case=case, reason="不同意")  # failed 1 → 8
    services.case_escalate(actor=staff, case=case, reason="提级")  # escalation 1 → 5
    case.refresh_from_db()
    now = case.due_at + dt.timedelta(days=2, hours=1)  # 3 days overdue → 6
    score, level, factors = risk.score_case(case, failed_mediations=1, now=now)
    assert score == 10 + 20 + 8 + 5 + 6 == 49
    assert level == "yellow"
    DisputeCase.objects.filter(pk=case.pk).update(recurrence_count=1)  # recurrence 1 → 10
    case.refresh_from_db()
    score, level, _ = risk.score_case(case, failed_mediations=1, now=now)
    assert (score, level) == (59, "orange")


def test_scores_are_capped_at_100(world):
    case = report(
        world,
        category="land_acquisition",
        people_involved=30,
        amount_involved=Decimal("900000"),
        threat_flag=True,
        vulnerable_flag=True,
    )
    DisputeCase.objects.filter(pk=case.pk).update(escalation_count=3, recurrence_count=2)
    case.refresh_from_db()
    score, level, _ = risk.score_case(case, failed_mediations=2, now=timezone.now())
    assert score == 100 and level == "red"


def test_the_nightly_run_scores_every_open_case_once_a_day_and_notifies_rises(world):
    red = report(
        world, category="labour_debt", people_involved=12, amount_involved=Decimal("120000"), threat_flag=True
    )
    blue = report(world)
    closed = report(world)
    services.case_not_accept(actor=world.user("station_a"), case=closed, reason="不属于受理范围")
    # 10:00 local tomorrow: the run and the one five minutes later fall on the same local day
    # whatever the wall clock says (a run near midnight would straddle two days)
    now = (timezone.localtime() + dt.timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    assert risk.assess_open_cases(now=now) == 2
    assert risk.assess_open_cases(now=now + dt.timedelta(minutes=5)) == 0  # same day: nothing new
    assert RiskAssessment.objects.filter(trigger="nightly").count() == 2
    red.refresh_from_db()
    blue.refresh_from_db()
    # 80 when reported, raised to township by the risk policy: +5 for the escalation
    assert (red.risk_level, red.risk_score, red.level) == ("red", 85, "township")
    assert blue.risk_level == "blue"
    # a rise to 红 (on the report already) tells the station's staff and the county, once
    recipients = set(
        Notification.objects.filter(kind="case.risk_raised").values_list("recipient__username", flat=True)
    )
    assert recipients == {"station_a", "county", "admin"}
    assert Notification.objects.filter(kind="case.risk_raised").count() == 3
    tomorrow = now + dt.timedelta(days=1)
    assert risk.assess_open_cases(now=tomorrow) == 2
    assert Notification.objects.filter(kind="case.risk_raised").count() == 3  # still red: no new message
    assert CaseEvent.objects.filter(code="disputes.case.risk_changed").count() == 1


def _nightly_queries(now) -> int:
    with CaptureQueriesContext(connection) as ctx:
        risk.assess_open_cases(now=now)
    return len(ctx.captured_queries)


def test_the_nightly_run_issues_the_same_queries_for_3_or_30_cases(world):
    for _ in range(3):
        report(world, category="labour_debt", people_involved=12, threat_flag=True)
    small = _nightly_queries(timezone.now())
    for _ in range(27):
        report(world, category="labour_debt", people_involved=12, threat_flag=True)
    large = _nightly_queries(timezone.now() + dt.timedelta(days=1))
    # 30 on report (on change), 3 + 30 at night
    assert RiskAssessment.objects.filter(trigger="nightly").count() == 33
    assert RiskAssessment.objects.filter(trigger="on_change").count() == 30
    assert large == small


def test_on_demand_assessment_is_for_case_workers_and_the_county(world):
    from core.errors import NotPermitted

    case = report(world, category="labour_debt", people_involved=6, grid=world.grid_1a)
    a = services.case_assess_risk(actor=world.user("county"), case=case)
    assert (a.score, a.level, a.trigger) == (35, "yellow", "on_demand")
    with pytest.raises(NotPermitted):
        services.case_assess_risk(actor=world.user("grid_g1"), case=case)


def test_the_case_list_sorts_and_filters_by_risk(world):
    from disputes import selectors

    low = report(world)
    high = report(world, category="labour_debt", people_involved=12, threat_flag=True)
    risk.assess_open_cases(now=timezone.now())
    staff = world.user("station_a")
    assert list(selectors.case_list(user=staff, filters={"order": "risk"})) == [high, low]
    assert list(selectors.case_list(user=staff, filters={"risk_level": "orange"})) == [high]
    # on the report (on change) and at night
    assert [a.level for a in selectors.risk_history(user=staff, case_pk=high.pk)] == ["orange", "orange"]
    assert not selectors.risk_history(user=world.user("station_b"), case_pk=high.pk).exists()


def _incident(world, n, *, address="", phone="", days_ago=1):
    import datetime as dt

    from stations import services as st

    return st.incident_record(
        actor=world.user("station_a"),
        station=world.station_a,
        village=world.village_1,
        number=f"110-{n}",
        received_at=timezone.now() - dt.timedelta(days=days_ago),
        category="dispute",
        summary="邻里纠纷报警",
        address=address,
        caller_phone=phone,
    )


def test_repeat_incidents_at_the_address_or_from_a_party_raise_the_score(world):
    case = report(
        world,
        category="neighbour",
        address="一村3组12号",
        parties=[{"name": "吉克阿木", "role": "applicant", "phone": "13911112222"}],
    )
    base = risk.assess_case(case=case).score  # 邻里 6
    assert base == 6
    _incident(world, 1, address="一村 3组12号")  # the dispute itself: no repeat yet
    assert risk.assess_case(case=case).factors["repeat_incidents"] == {"value": 1, "points": 0}
    _incident(world, 2, phone="13911112222")  # the applicant calls 110 again
    _incident(world, 3, address="一村3组12号", days_ago=3)
    _incident(world, 4, address="一村3组12号", days_ago=40)  # too old to count
    _incident(world, 5, address="二村1组")  # elsewhere
    a = risk.assess_case(case=case)
    assert a.factors["repeat_incidents"] == {"value": 3, "points": 12}  # 3 incidents: 2 repeats × 6
    assert a.score == 18
    # the nightly run counts the same way, set-wise
    risk.assess_open_cases(now=timezone.now())
    assert (
        RiskAssessment.objects.filter(case=case, trigger="nightly").get().factors["repeat_incidents"]["value"]
        == 3
    )
