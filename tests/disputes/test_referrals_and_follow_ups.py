"""Referrals and their deadlines, judicial confirmation, follow-up visits and recurrence."""

import datetime as dt

import pytest
from django.utils import timezone

from core.errors import DomainError
from disputes import services
from disputes.models import FollowUp, Referral, Status

from .helpers import agreement_data, report, to_closed

pytestmark = pytest.mark.django_db


def test_a_department_referral_hands_the_case_over_with_a_default_15_day_answer_due(world):
    staff = world.user("station_a")
    case = report(world, category="labour_debt")
    services.case_accept(actor=staff, case=case)
    referral = services.referral_create(
        actor=staff,
        case=case,
        kind="department",
        department="hrss",
        target_name="县人社局劳动监察大队",
        reason="拖欠农民工工资",
    )
    case.refresh_from_db()
    assert case.status == Status.REFERRED
    assert referral.due_date == timezone.localdate() + dt.timedelta(days=15)
    services.referral_update(actor=staff, referral=referral, status="accepted")
    with pytest.raises(DomainError):
        services.referral_update(actor=staff, referral=referral, status="answered", answer="")
    services.referral_update(actor=staff, referral=referral, status="answered", answer="已责令老板结清工资")
    with pytest.raises(services.CaseTransitionError):
        services.referral_update(actor=staff, referral=referral, status="accepted")
    services.case_close(actor=staff, case=case, note="人社部门处理完毕")
    assert case.status == Status.CLOSED


def test_a_department_referral_must_name_the_department(world):
    staff = world.user("station_a")
    case = report(world)
    services.case_accept(actor=staff, case=case)
    with pytest.raises(Exception) as exc:
        services.referral_create(actor=staff, case=case, kind="department", target_name="某局", reason="x")
    assert "部门" in str(exc.value)
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED and not case.referrals.exists()


def test_judicial_confirmation_is_refused_after_the_30_day_window(world):
    staff = world.user("station_a")
    case = report(world)
    services.case_accept(actor=staff, case=case)
    signed = timezone.localdate() - dt.timedelta(days=31)
    old = services.agreement_create(actor=staff, case=case, **agreement_data(signed_on=signed))
    assert old.judicial_confirmation_deadline == signed + dt.timedelta(days=30)
    with pytest.raises(DomainError) as exc:
        services.referral_create(
            actor=staff,
            case=case,
            kind="court",
            target_name="县人民法院",
            reason="申请司法确认",
            agreement=old,
        )
    assert "已过" in exc.value.message
    assert not Referral.objects.exists()


def test_judicial_confirmation_within_the_window_keeps_the_case_status(world):
    staff = world.user("station_a")
    case = report(world)
    services.case_accept(actor=staff, case=case)
    agreement = services.agreement_create(actor=staff, case=case, **agreement_data())
    services.referral_create(
        actor=staff,
        case=case,
        kind="court",
        target_name="县人民法院",
        reason="申请司法确认",
        agreement=agreement,
    )
    case.refresh_from_db()
    assert case.status == Status.AGREEMENT_REACHED


def test_an_agreement_cannot_end_before_it_is_signed(world):
    staff = world.user("station_a")
    case = report(world)
    services.case_accept(actor=staff, case=case)
    today = timezone.localdate()
    with pytest.raises(DomainError) as exc:
        services.agreement_create(
            actor=staff, case=case, **agreement_data(performance_deadline=today - dt.timedelta(days=1))
        )
    assert exc.value.field == "performance_deadline"
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED and not case.agreements.exists()


def test_a_recurring_follow_up_reopens_the_case_and_cancels_the_remaining_visits(world):
    staff = world.user("station_a")
    case = to_closed(world, report(world))
    services.follow_up_record(
        actor=staff, case=case, result="recurring", satisfaction="unsatisfied", note="被申请人又把石坎推倒"
    )
    case.refresh_from_db()
    assert case.status == Status.REOPENED and case.recurrence_count == 1 and case.closed_at is None
    assert case.events.filter(code="disputes.case.reopened").exists()
    assert FollowUp.objects.filter(case=case, visited_at__isnull=True, is_cancelled=False).count() == 0
    assert FollowUp.objects.filter(case=case).count() == 2  # nothing deleted
    services.case_start_mediation(actor=staff, case=case)
    assert case.status == Status.IN_MEDIATION


def test_a_stable_follow_up_fills_the_first_planned_visit(world):
    staff = world.user("station_a")
    case = to_closed(world, report(world))
    visit = services.follow_up_record(actor=staff, case=case, result="stable", satisfaction="satisfied")
    assert visit.due_date == timezone.localdate() + dt.timedelta(days=7)
    case.refresh_from_db()
    assert case.status == Status.CLOSED


def test_follow_up_needs_a_closed_case(world):
    with pytest.raises(services.CaseTransitionError):
        services.follow_up_record(
            actor=world.user("station_a"), case=report(world), result="stable", satisfaction="satisfied"
        )
