"""Phones that do the work (issue 16): the grid worker acts on a grid-level case of their grid from
the phone — settles it on the spot, records a mediation, reports back, hands it up to the
village — through the capability table's grid steps; the auxiliary officer lands on a phone home
with the village check-in first."""

import pytest
from django.urls import reverse

from core.errors import DomainError, NotPermitted
from disputes import services
from disputes.models import Agreement, FollowUp, Level, MediationSession, Status
from disputes.tiers import rules
from stations.presence import services as presence

from ..helpers import report

pytestmark = pytest.mark.django_db

SETTLE = {
    "settle-place": "一组石坎旁",
    "settle-attendees": "双方当事人、网格员",
    "settle-record": "网格员到场劝说,双方各退一步。",
    "settle-terms": "沙马拉哈赔礼道歉并当场赔付修复费 300 元,双方不再追究。",
}


def _action(case, key: str) -> str:
    return reverse("mobile:case-action", args=[case.pk, key])


def test_the_grid_worker_settles_a_grid_case_of_their_grid_on_the_phone(world, client_for):
    case = report(world, grid=world.grid_1a)
    assert case.level == Level.GRID
    phone = client_for("grid_g1")
    page = phone.get(reverse("mobile:case-detail", args=[case.pk])).content.decode()
    for label in ("就地化解办结", "受理", "上报村(社区)处置", "反馈情况"):
        assert label in page
    response = phone.post(_action(case, "settle"), {"version": case.version, **SETTLE})
    assert response.status_code == 302 and response["Location"] == reverse(
        "mobile:case-detail", args=[case.pk]
    )
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.responsible == world.user("grid_g1")
    agreement = case.agreements.get()
    assert (
        agreement.form == Agreement.Form.ORAL
        and agreement.performance_status == Agreement.Performance.PERFORMED
    )
    assert agreement.terms == SETTLE["settle-terms"]
    assert case.sessions.get().outcome == MediationSession.Outcome.AGREED
    codes = list(case.events.order_by("pk").values_list("code", flat=True))
    for code in (
        "disputes.case.accepted",
        "disputes.case.mediation_started",
        "disputes.session.recorded",
        "disputes.case.agreement_reached",
        "disputes.agreement.performance",
        "disputes.case.performed",
        "disputes.case.closed",
    ):
        assert code in codes
    assert FollowUp.objects.filter(case=case).exists()  # 回访 planned as for any closure


def test_a_settle_without_terms_writes_nothing_and_says_why(world, client_for):
    case = report(world, grid=world.grid_1a)
    events = case.events.count()
    response = client_for("grid_g1").post(
        _action(case, "settle"), {"version": case.version, **SETTLE, "settle-terms": "  "}
    )
    assert response.status_code == 400
    assert "请填写当场达成的协议内容" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Status.REPORTED and case.events.count() == events


def test_the_grid_worker_hands_a_case_up_to_the_village_and_then_only_reads_and_reports_back(
    world, client_for
):
    case = report(world, grid=world.grid_1a)
    phone = client_for("grid_g1")
    response = phone.post(
        _action(case, "escalate"),
        {"version": case.version, "escalate-reason": "涉及宅基地确权,网格难以化解。"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.level == Level.VILLAGE
    page = phone.get(reverse("mobile:case-detail", args=[case.pk])).content.decode()
    assert "就地化解办结" not in page and "反馈情况" in page
    assert phone.post(_action(case, "settle"), {"version": case.version, **SETTLE}).status_code == 403
    response = phone.post(
        _action(case, "note"), {"version": case.version, "note-note": "已告知双方到村委会。"}
    )
    assert response.status_code == 302
    assert case.events.filter(code="disputes.case.noted", note="已告知双方到村委会。").exists()


def test_the_grid_steps_are_the_grid_workers_only_on_their_grid_and_at_grid_level(world):
    grid_user = world.user("grid_g1")
    mine = report(world, grid=world.grid_1a)
    other_grid = report(world, grid=world.grid_1b)
    assert rules.may_act(grid_user, mine, "close") and rules.may_act(grid_user, mine, "escalate")
    assert not rules.may_act(grid_user, mine, "not_accept")  # refusing a case is the station's
    services.case_escalate(actor=world.user("station_a"), case=mine, reason="转村级")
    assert not rules.may_act(grid_user, mine, "close")
    with pytest.raises(DomainError) as error:  # another grid's case does not exist for them
        services.case_accept(actor=grid_user, case=other_grid)
    assert error.value.code == "not_found"
    with pytest.raises(NotPermitted):
        services.case_settle_on_the_spot(
            actor=grid_user, case=mine, place="村委会", attendees="双方", record="调解", terms="道歉"
        )


def test_settling_is_for_grid_level_cases_only_even_for_station_staff(world):
    case = report(world, grid=world.grid_1a)
    services.case_escalate(actor=world.user("station_a"), case=case, reason="转村级")
    with pytest.raises(DomainError) as error:
        services.case_settle_on_the_spot(
            actor=world.user("station_a"),
            case=case,
            place="村委会",
            attendees="双方",
            record="调解",
            terms="道歉",
        )
    assert "只有网格级案件可以就地化解办结" in str(error.value)
    case.refresh_from_db()
    assert case.status == Status.REPORTED and not case.agreements.exists()


def test_a_phone_action_outside_the_scope_is_404_and_a_desktop_only_action_too(world, client_for):
    other = report(world, "station_b", village=world.village_3, grid=world.grid_3)
    assert client_for("grid_g1").post(_action(other, "note"), {"note-note": "x"}).status_code == 404
    mine = report(world, grid=world.grid_1a)
    assert (
        client_for("station_a").post(_action(mine, "not-accept"), {"not-accept-reason": "x"}).status_code
        == 404
    )


def test_the_auxiliary_officer_lands_on_the_phone_home_with_the_village_check_in_first(world, client_for):
    phone = client_for("aux_v1")
    response = phone.get("/")
    assert response.status_code == 302 and response["Location"] == reverse("mobile:home")
    page = phone.get(reverse("mobile:home")).content.decode()
    tiles = [page.index(label) for label in ("驻村签到", "本村在办案件", "核查走访", "巡逻", "滚动排查")]
    assert tiles == sorted(tiles)  # in this order, the check-in first
    assert "今日尚未签到" in page and "一村" in page
    presence.visit_check_in(actor=world.user("aux_v1"), village=world.village_1, activity="visit")
    assert "今日已签到" in phone.get(reverse("mobile:home")).content.decode()
    assert phone.get("/?desktop=1").status_code == 200  # the desktop home stays one link away
    # every tile opens a page the auxiliary officer may use
    import re

    for href in re.findall(r'class="m-tile[^"]*" href="([^"]+)"', page):
        assert phone.get(href).status_code == 200, href


def test_the_grid_workers_phone_home_is_unchanged_by_the_village_tiles(world, client_for):
    page = client_for("grid_g1").get(reverse("mobile:home")).content.decode()
    assert "上报矛盾纠纷" in page and "本网格案件" in page and "驻村签到" not in page


def test_a_phone_action_sent_twice_with_one_client_key_is_recorded_once(world, client_for):
    """The outbox resends a form whose answer was lost: the second send runs nothing."""
    case = report(world, grid=world.grid_1a)
    phone = client_for("grid_g1")
    body = {
        "version": case.version,
        "note-note": "已电话联系双方。",
        "client_key": "5d6e7f80-91a2-4b3c-8d4e-5f60718293a4",
    }
    first = phone.post(_action(case, "note"), body)
    again = phone.post(_action(case, "note"), body)
    assert first.status_code == again.status_code == 302
    assert case.events.filter(code="disputes.case.noted").count() == 1
    body["client_key"] = "6e7f8091-a2b3-4c4d-9e5f-607182930a4b"
    phone.post(_action(case, "note"), body)
    assert case.events.filter(code="disputes.case.noted").count() == 2
    bad = phone.post(_action(case, "note"), {**body, "client_key": "not-a-key"})
    assert bad.status_code == 400 and case.events.filter(code="disputes.case.noted").count() == 2
