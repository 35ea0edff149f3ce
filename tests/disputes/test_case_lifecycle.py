"""The transitions map, the timeline, due dates and escalation."""

import datetime as dt

import pytest
from django.utils import timezone

from core.errors import ConflictError, DomainError, NotPermitted
from disputes import services
from disputes.models import TRANSITIONS, CaseEvent, DisputeCase, Level, Status

from .helpers import agreement_data, report, to_closed

pytestmark = pytest.mark.django_db


def test_report_numbers_cases_per_county_and_year_and_opens_the_timeline(world):
    first = report(world)
    second = report(world, village=world.village_3, actor="station_b")
    year = timezone.localdate().year
    assert first.number == f"{year}-000001"
    assert second.number == f"{year}-000002"
    assert first.station == world.station_a and second.station == world.station_b
    assert first.parties.count() == 2
    event = first.events.get()
    assert event.code == "disputes.case.reported"
    assert event.actor == world.user("station_a")
    assert event.changes["status"] == [None, "reported"]


def test_a_case_with_a_grid_starts_at_grid_level_with_24_hour_feedback_due(world):
    before = timezone.now()
    case = report(world, grid=world.grid_1a)
    assert case.level == Level.GRID
    assert before + dt.timedelta(hours=24) <= case.due_at <= timezone.now() + dt.timedelta(hours=24)
    walk_in = report(world)
    assert walk_in.level == Level.VILLAGE
    assert walk_in.due_at >= before + dt.timedelta(hours=48)


def test_the_ordinary_path_reaches_closure_with_one_event_per_change(world):
    case = report(world)
    to_closed(world, case)
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert case.closed_at is not None and case.closed_at <= case.due_at  # closed on time; the due date stays
    codes = list(case.events.values_list("code", flat=True))
    assert codes == [
        "disputes.case.reported",
        "disputes.case.accepted",
        "disputes.case.mediation_started",
        "disputes.case.agreement_reached",
        "disputes.agreement.performance",
        "disputes.case.performed",
        "disputes.case.closed",
    ]
    assert case.follow_ups.count() == 2  # 回访 planned 7 and 30 days after closure
    days = sorted((f.due_date - timezone.localdate()).days for f in case.follow_ups.all())
    assert days == [7, 30]


def test_accept_sets_the_responsible_person_and_the_30_day_mediation_due_date(world):
    case = report(world)
    services.case_accept(actor=world.user("station_a"), case=case)
    case.refresh_from_db()
    assert case.responsible == world.user("station_a")
    assert case.due_at > timezone.now() + dt.timedelta(days=29)


@pytest.mark.parametrize("status", [s for s in Status.values])
def test_the_map_refuses_every_move_it_does_not_list(world, status):
    case = report(world)
    DisputeCase.objects.filter(pk=case.pk).update(status=status)
    case.refresh_from_db()
    allowed = TRANSITIONS[status]
    if Status.ACCEPTED not in allowed:
        with pytest.raises(services.CaseTransitionError) as exc:
            services.case_accept(actor=world.user("station_a"), case=case)
        assert "不能变更为" in exc.value.message
    if Status.CLOSED not in allowed:
        with pytest.raises(services.CaseTransitionError):
            services.case_close(actor=world.user("station_a"), case=case)
    case.refresh_from_db()
    assert case.status == status


def test_not_accepting_needs_a_reason_and_writes_nothing_without_one(world):
    case = report(world)
    with pytest.raises(DomainError) as exc:
        services.case_not_accept(actor=world.user("station_a"), case=case, reason="  ")
    assert exc.value.field == "reason"
    case.refresh_from_db()
    assert case.status == Status.REPORTED and case.events.count() == 1
    services.case_not_accept(actor=world.user("station_a"), case=case, reason="属于民事诉讼已立案案件")
    assert case.status == Status.NOT_ACCEPTED
    assert case.events.last().note == "属于民事诉讼已立案案件"


def test_escalation_raises_the_level_from_any_open_status_and_resets_the_due_date(world):
    case = report(world, grid=world.grid_1a)
    services.case_accept(actor=world.user("station_a"), case=case)
    services.case_escalate(actor=world.user("station_a"), case=case, reason="网格化解不了,双方情绪激动")
    case.refresh_from_db()
    assert case.level == Level.VILLAGE and case.escalation_count == 1 and case.status == Status.ACCEPTED
    event = case.events.last()
    assert event.code == "disputes.case.escalated" and event.changes["level"] == ["grid", "village"]
    services.case_escalate(actor=world.user("station_a"), case=case, reason="村级调解未果")
    # a township-level case is the township 综治中心's to escalate, not the station's (issue 14)
    with pytest.raises(NotPermitted):
        services.case_escalate(actor=world.user("station_a"), case=case, reason="乡镇调解未果")
    services.case_escalate(actor=world.user("township_a"), case=case, reason="乡镇调解未果")
    case.refresh_from_db()
    assert case.level == Level.COUNTY
    with pytest.raises(services.CaseTransitionError):
        services.case_escalate(actor=world.user("county"), case=case, reason="再升")


def test_a_closed_case_cannot_be_escalated(world):
    case = to_closed(world, report(world))
    with pytest.raises(services.CaseTransitionError):
        services.case_escalate(actor=world.user("station_a"), case=case, reason="x")


def test_a_stale_copy_loses_the_race_with_a_clear_conflict(world):
    case = report(world)
    mine = DisputeCase.objects.get(pk=case.pk)
    theirs = DisputeCase.objects.get(pk=case.pk)
    services.case_accept(actor=world.user("station_a"), case=theirs)
    with pytest.raises(ConflictError) as exc:
        services.case_not_accept(actor=world.user("station_a"), case=mine, reason="重复登记")
    assert "已被他人处理" in exc.value.message
    assert exc.value.status_code == 409
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED
    assert case.events.filter(code="disputes.case.not_accepted").count() == 0


def test_mediation_failure_can_be_referred_or_mediated_again_after_escalation(world):
    user = world.user("station_a")
    case = report(world)
    services.case_accept(actor=user, case=case)
    services.case_start_mediation(actor=user, case=case)
    services.case_mark_failed(actor=user, case=case, reason="被申请人拒绝赔偿")
    services.case_escalate(actor=user, case=case, reason="提交乡镇调解")
    services.case_start_mediation(actor=world.user("township_a"), case=case, note="乡镇综治中心组织再次调解")
    assert case.status == Status.IN_MEDIATION and case.level == Level.TOWNSHIP


def test_a_breached_agreement_sends_the_case_back_to_mediation_failed(world):
    user = world.user("station_a")
    case = report(world)
    services.case_accept(actor=user, case=case)
    agreement = services.agreement_create(actor=user, case=case, **agreement_data())
    services.agreement_set_performance(actor=user, agreement=agreement, status="breached", note="逾期未付款")
    case.refresh_from_db()
    assert case.status == Status.MEDIATION_FAILED
    with pytest.raises(services.CaseTransitionError):
        services.agreement_set_performance(actor=user, agreement=agreement, status="performed")


def test_read_only_and_out_of_scope_actors_are_refused(world):
    case = report(world)
    with pytest.raises(NotPermitted):
        services.case_accept(actor=world.user("county"), case=case)
    # a grid worker accepts grid-level cases of their grid only (微事不出网格): not at village level
    village_level = report(world, grid=world.grid_1a)
    services.case_escalate(actor=world.user("station_a"), case=village_level, reason="转村级")
    with pytest.raises(NotPermitted):
        services.case_accept(actor=world.user("grid_g1"), case=village_level)
    with pytest.raises(DomainError) as exc:
        services.case_accept(actor=world.user("station_b"), case=case)
    assert exc.value.code == "not_found"
    assert CaseEvent.objects.filter(case=case).count() == 1


def test_notes_append_and_never_edit_the_timeline(world):
    case = report(world)
    services.case_add_note(actor=world.user("station_a"), case=case, note="更正:涉及人数应为3人")
    services.case_update(actor=world.user("station_a"), case=case, data={"people_involved": 3}, note="更正")
    events = list(case.events.values_list("code", "changes"))
    assert events[1][0] == "disputes.case.noted"
    assert events[2] == ("disputes.case.updated", {"people_involved": [2, 3]})
