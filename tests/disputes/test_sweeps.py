"""Who is reminded, who is escalated, who is not; and running a sweep twice changes nothing."""

import datetime as dt

import pytest
from django.utils import timezone

from core.models import Notification
from disputes import services, sweeps
from disputes.models import DisputeCase, Status

from .helpers import agreement_data, report, to_closed

pytestmark = pytest.mark.django_db


def _past_due(case, hours):
    DisputeCase.objects.filter(pk=case.pk).update(due_at=timezone.now() - dt.timedelta(hours=hours))
    case.refresh_from_db()
    return case


def _reminded(kind):
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", "key"))


def test_overdue_cases_remind_the_responsible_person_once_per_due_date(world):
    staff = world.user("station_a")
    accepted = report(world)
    services.case_accept(actor=staff, case=accepted, responsible=world.user("aux_v1"))
    _past_due(accepted, 2)
    unassigned = _past_due(report(world, village=world.village_3, actor="station_b"), 2)
    not_yet = report(world)  # due tomorrow
    closed = _past_due(to_closed(world, report(world)), 2)  # closed: condition cleared
    now = timezone.now()
    sweeps.remind_overdue_cases(now=now)
    reminded = _reminded("case.overdue")
    assert [r[0] for r in reminded] == ["aux_v1", "station_b"]  # no responsible → the station's staff
    assert all(f"case-{c.pk}" not in k for _u, k in reminded for c in (not_yet, closed))
    assert f"case-{unassigned.pk}" in reminded[1][1]
    sweeps.remind_overdue_cases(now=now)  # twice → same rows
    assert _reminded("case.overdue") == reminded


def test_past_the_grace_period_a_case_goes_up_one_level_automatically(world):
    staff = world.user("station_a")
    late = report(world, grid=world.grid_1a)
    services.case_accept(actor=staff, case=late)
    _past_due(late, 25)  # grace is 24 h
    within_grace = _past_due(report(world, grid=world.grid_1a), 5)
    county = _past_due(report(world), 30)
    DisputeCase.objects.filter(pk=county.pk).update(level="county")
    now = timezone.now()
    assert sweeps.escalate_overdue_cases(now=now) == 1
    late.refresh_from_db()
    assert late.level == "village" and late.escalation_count == 1 and late.status == Status.ACCEPTED
    assert late.due_at > now  # a new due date at the new level
    event = late.events.last()
    assert event.code == "disputes.case.escalated_auto" and event.actor is None
    within_grace.refresh_from_db()
    assert within_grace.level == "grid"
    assert sweeps.escalate_overdue_cases(now=now) == 0  # run again: nothing more
    assert late.events.filter(code="disputes.case.escalated_auto").count() == 1
    assert Notification.objects.filter(kind="case.escalated").count() == 1


def test_judicial_confirmation_is_reminded_only_inside_the_warning_window_and_without_a_court_referral(world):
    staff = world.user("station_a")
    today = timezone.localdate()

    def with_agreement(days_ago):
        case = report(world)
        services.case_accept(actor=staff, case=case)
        return services.agreement_create(
            actor=staff, case=case, **agreement_data(signed_on=today - dt.timedelta(days=days_ago))
        )

    lapsing = with_agreement(25)  # deadline in 5 days: remind
    fresh = with_agreement(3)  # deadline in 27 days: not yet
    lapsed = with_agreement(31)  # already lapsed: nothing to apply for
    applied = with_agreement(26)
    services.referral_create(
        actor=staff,
        case=applied.case,
        kind="court",
        target_name="县人民法院",
        reason="申请司法确认",
        agreement=applied,
    )
    sweeps.remind_confirmation_lapsing(now=timezone.now())
    keys = [k for _u, k in _reminded("agreement.confirmation")]
    assert keys == [f"agreement.confirmation:agreement-{lapsing.pk}:{lapsing.judicial_confirmation_deadline}"]
    assert all(f"agreement-{a.pk}:" not in k for k in keys for a in (fresh, lapsed, applied))


def test_unanswered_referrals_and_due_follow_ups_are_reminded(world):
    staff = world.user("station_a")
    case = report(world)
    services.case_accept(actor=staff, case=case)
    referral = services.referral_create(
        actor=staff,
        case=case,
        kind="department",
        department="civil_affairs",
        target_name="县民政局",
        reason="困难救助",
        due_date=timezone.localdate(),
    )
    closed = to_closed(world, report(world))
    later = timezone.now() + dt.timedelta(days=8)  # referral overdue, first follow-up (7 days) due
    sweeps.remind_referrals_unanswered(now=later)
    sweeps.remind_follow_ups_due(now=later)
    assert [k for _u, k in _reminded("referral.overdue")] == [
        f"referral.overdue:referral-{referral.pk}:{referral.due_date}"
    ]
    follow_ups = _reminded("followup.due")
    assert (
        len(follow_ups) == 1
        and f"followup-{closed.follow_ups.order_by('due_date')[0].pk}" in follow_ups[0][1]
    )
    # answered / visited: the condition has cleared, nothing new
    services.referral_update(actor=staff, referral=referral, status="answered", answer="已纳入低保")
    services.follow_up_record(actor=staff, case=closed, result="stable", satisfaction="satisfied")
    Notification.objects.all().delete()
    sweeps.remind_referrals_unanswered(now=later)
    sweeps.remind_follow_ups_due(now=later)
    assert not Notification.objects.exists()


def test_run_all_twice_gives_the_same_rows(world):
    staff = world.user("station_a")
    for _ in range(3):
        case = report(world, grid=world.grid_1a)
        services.case_accept(actor=staff, case=case)
        _past_due(case, 30)
    now = timezone.now()
    first = sweeps.run_all(now=now)
    rows = sorted(Notification.objects.values_list("recipient_id", "key"))
    second = sweeps.run_all(now=now)
    assert first["escalated"] == 3 and second["escalated"] == 0
    assert sorted(Notification.objects.values_list("recipient_id", "key")) == rows
