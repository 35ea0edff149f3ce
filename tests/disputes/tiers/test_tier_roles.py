"""Township and county handlers act at their own level; a township handler sees only its
township; a liaison sees only the referrals sent to its unit."""

import pytest
from django.http import Http404

from core.errors import NotFound, NotPermitted
from disputes import selectors, services
from disputes.models import Level, Status
from disputes.tiers import selectors as tier_selectors
from disputes.tiers import services as tiers

from ..helpers import escalate_to, report

pytestmark = pytest.mark.django_db


def _to_level(world, case, level):
    return escalate_to(world, case, level, reason="情况复杂,提级处置")


def test_township_handler_sees_only_its_township(world):
    mine = report(world, village=world.village_2)
    other = report(world, "station_b", village=world.village_3)
    seen = set(selectors.case_list(user=world.user("township_a")).values_list("pk", flat=True))
    assert mine.pk in seen and other.pk not in seen
    with pytest.raises(Http404):  # outside the scope
        selectors.case_get(user=world.user("township_a"), pk=other.pk)


def test_township_handler_acts_on_township_level_cases_only(world):
    village_case = report(world)
    with pytest.raises(NotPermitted):
        services.case_accept(actor=world.user("township_a"), case=village_case)
    case = _to_level(world, report(world), Level.TOWNSHIP)
    services.case_accept(actor=world.user("township_a"), case=case)
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED and case.responsible == world.user("township_a")


def test_county_accepts_a_county_level_case_hands_it_on_and_the_station_acknowledges(
    world, django_capture_on_commit_callbacks
):
    case = _to_level(world, report(world), Level.COUNTY)
    county = world.user("county")
    services.case_accept(actor=county, case=case)
    case.refresh_from_db()
    import datetime as dt

    from django.utils import timezone

    hand_on = tiers.hand_on_create(
        actor=county,
        case=case,
        target="station",
        instructions="请派出所组织双方调解,一周内反馈。",
        deadline=timezone.now() + dt.timedelta(days=7),
    )
    case.refresh_from_db()
    assert case.level == Level.VILLAGE
    assert world.user("station_a").notifications.filter(kind="case.handed_on").exists()
    assert hand_on in tier_selectors.work_queue(user=world.user("station_a")).hand_ons
    tiers.hand_on_acknowledge(actor=world.user("station_a"), hand_on=hand_on)
    case.refresh_from_db()
    assert case.responsible == world.user("station_a")
    codes = list(case.events.values_list("code", flat=True))
    assert "disputes.case.handed_on" in codes and "disputes.case.hand_on_acknowledged" in codes
    # the outsider station is not the receiver
    with pytest.raises(NotFound):
        tiers.hand_on_acknowledge(actor=world.user("station_b"), hand_on=hand_on)


def test_county_cannot_handle_a_village_level_case(world):
    case = report(world)
    with pytest.raises(NotPermitted):
        services.case_accept(actor=world.user("county"), case=case)


def test_liaison_sees_no_case_only_its_referrals(world):
    from django.utils import timezone

    case = report(world)
    services.case_accept(actor=world.user("station_a"), case=case)
    ours = services.referral_create(
        actor=world.user("station_a"),
        case=case,
        kind="department",
        department="hrss",
        target_name="县人社局",
        reason="拖欠工资,移交劳动监察",
    )
    other_case = report(world)
    services.case_accept(actor=world.user("station_a"), case=other_case)
    services.referral_create(
        actor=world.user("station_a"),
        case=other_case,
        kind="department",
        department="housing",
        target_name="县住建局",
        reason="房屋质量",
    )
    liaison = world.user("liaison_hrss")
    assert not selectors.case_list(user=liaison).exists()
    assert list(tier_selectors.liaison_referral_list(user=liaison)) == [ours]
    tiers.liaison_referral_update(actor=liaison, referral=ours, status="accepted")
    tiers.liaison_referral_update(
        actor=liaison, referral=ours, status="answered", answer="已责令用人单位支付工资。"
    )
    ours.refresh_from_db()
    assert ours.status == "answered" and ours.answered_at <= timezone.now()
    assert case.events.filter(code="disputes.referral.answered_by_unit").count() == 2
    assert world.user("station_a").notifications.filter(kind="case.referral_answered").exists()
