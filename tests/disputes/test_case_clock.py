"""The case clock: a feedback deadline from the report, a handling deadline from acceptance that
status changes never move; only an approved extension, a pause or an escalation move it; and
overdue / on-time read the same clock everywhere (lists, filters, figures, sweeps, the ledger)."""

import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core.errors import ConflictError, DomainError, NotPermitted
from core.models import Notification
from core.periods import Period
from disputes import figures, selectors, services, sweeps
from disputes.models import CaseEvent, CaseExtension, CasePause, DisputeCase, Level, Referral, Status
from governance.models import Region

from .helpers import agreement_data, report

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def calendar_days(settings):
    """These tests count calendar days; the working-day ones (tests/core/test_workdays.py and
    the end of this file) set the policy back."""
    settings.DISPUTES = {**settings.DISPUTES, "WORKING_DAYS": {"handling": False, "extension": False}}


@pytest.fixture
def at(monkeypatch):
    """``at(moment)``: from then on the services see ``moment`` as now (time travel, no sleeping)."""

    def _set(moment: dt.datetime) -> dt.datetime:
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment

    return _set


def _accepted(world, at, start, **kw):
    at(start - dt.timedelta(hours=2))
    case = report(world, **kw)
    at(start)
    services.case_accept(actor=world.user("station_a"), case=case)
    case.refresh_from_db()
    return case


def test_the_feedback_deadline_follows_the_level_and_the_handling_one_starts_at_acceptance(world, at):
    start = at(timezone.now())
    grid_case = report(world, grid=world.grid_1a)
    village_case = report(world)
    assert grid_case.feedback_due_at == grid_case.due_at == start + dt.timedelta(hours=24)
    assert village_case.feedback_due_at == start + dt.timedelta(hours=48)
    assert grid_case.handling_due_at is None
    accepted = at(start + dt.timedelta(hours=5))
    services.case_accept(actor=world.user("station_a"), case=village_case)
    village_case.refresh_from_db()
    assert village_case.accepted_at == accepted
    assert village_case.due_at == village_case.handling_due_at == accepted + 30 * DAY
    assert village_case.feedback_due_at == start + dt.timedelta(hours=48)  # kept


def test_the_handling_deadline_does_not_move_on_mediation_failure_notes_referral_and_back(world, at):
    staff = world.user("station_a")
    start = timezone.now()
    case = _accepted(world, at, start)
    due = case.due_at
    assert due == start + 30 * DAY
    at(start + 2 * DAY)
    services.case_start_mediation(actor=staff, case=case)
    at(start + 4 * DAY)
    services.case_mark_failed(actor=staff, case=case, reason="双方分歧大")
    at(start + 5 * DAY)
    services.case_add_note(actor=staff, case=case, note="所长督办")
    at(start + 6 * DAY)
    referral = services.referral_create(
        actor=staff,
        case=case,
        kind=Referral.Kind.PEOPLE_MEDIATION,
        target_name="镇人民调解委员会",
        reason="移交",
    )
    at(start + 8 * DAY)
    services.referral_update(
        actor=staff, referral=referral, status=Referral.Status.ANSWERED, answer="退回继续调解"
    )
    services.case_start_mediation(actor=staff, case=case)
    at(start + 9 * DAY)
    services.session_record(
        actor=staff,
        case=case,
        held_at=start + 9 * DAY,
        place="村委会",
        attendees="双方",
        record="未达成一致",
        outcome="failed",
    )
    case.refresh_from_db()
    assert case.status == Status.MEDIATION_FAILED
    assert case.due_at == due
    assert not any("due_at" in e.changes for e in case.events.exclude(code="disputes.case.accepted"))


def test_a_red_case_gets_the_shorter_handling_deadline(world, at):
    start = at(timezone.now())
    case = report(
        world, category="land_acquisition", people_involved=12, threat_flag=True, amount_involved=200_000
    )
    services.case_assess_risk(actor=world.user("station_a"), case=case)
    case.refresh_from_db()
    assert case.risk_level == "red" and case.level == Level.TOWNSHIP  # a red case is the township's
    services.case_accept(actor=world.user("township_a"), case=case)
    case.refresh_from_db()
    assert case.due_at == start + 10 * DAY


def test_an_extension_needs_the_level_above_and_moves_the_deadline_by_its_days(world, at):
    start = timezone.now()
    case = _accepted(world, at, start)  # a walk-in: village level
    assert case.level == Level.VILLAGE
    at(start + 10 * DAY)
    with pytest.raises(DomainError, match="延期须说明理由"):
        services.extension_request(actor=world.user("aux_v1"), case=case, days=10, reason=" ")
    assert not CaseExtension.objects.exists()
    extension = services.extension_request(
        actor=world.user("aux_v1"), case=case, days=10, reason="当事人外出务工"
    )
    with pytest.raises(DomainError, match="待审批"):
        services.extension_request(actor=world.user("station_a"), case=case, days=5, reason="再延")
    # the village's own auxiliary officer is not the level above a village case
    with pytest.raises(NotPermitted):
        services.extension_decide(actor=world.user("aux_v1"), extension=extension, approve=True)
    # station staff (township level) are
    services.extension_decide(actor=world.user("station_a"), extension=extension, approve=True, note="同意")
    case.refresh_from_db()
    assert case.due_at == start + 40 * DAY and case.extension_count == 1
    event = case.events.get(code="disputes.case.extension_approved")
    assert event.actor == world.user("station_a") and "due_at" in event.changes
    assert case.events.filter(code="disputes.case.extension_requested").count() == 1
    with pytest.raises(ConflictError):
        services.extension_decide(actor=world.user("county"), extension=extension, approve=True)


def test_a_township_case_needs_the_county_and_nobody_approves_their_own_request(world, at):
    start = timezone.now()
    case = _accepted(world, at, start)
    services.case_escalate(actor=world.user("station_a"), case=case, reason="涉及两村")
    case.refresh_from_db()
    assert case.level == Level.TOWNSHIP
    extension = services.extension_request(
        actor=world.user("township_a"), case=case, days=7, reason="等待勘界"
    )
    with pytest.raises(NotPermitted):
        services.extension_decide(actor=world.user("station_a"), extension=extension, approve=True)
    with pytest.raises(NotPermitted):
        services.extension_decide(actor=world.user("township_a"), extension=extension, approve=True)
    refused = services.extension_decide(
        actor=world.user("county"), extension=extension, approve=False, note="请加快调处"
    )
    assert refused.status == CaseExtension.Status.REFUSED
    case.refresh_from_db()
    assert case.extension_count == 0 and case.events.filter(code="disputes.case.extension_refused").exists()


def test_extensions_are_limited_by_policy(world, at, settings):
    settings.DISPUTES = {**settings.DISPUTES, "EXTENSION_MAX_COUNT": 1, "EXTENSION_MAX_DAYS": 15}
    start = timezone.now()
    case = _accepted(world, at, start)
    with pytest.raises(DomainError, match="1至15天"):
        services.extension_request(actor=world.user("aux_v1"), case=case, days=20, reason="x")
    ext = services.extension_request(actor=world.user("aux_v1"), case=case, days=15, reason="x")
    services.extension_decide(actor=world.user("county"), extension=ext, approve=True)
    case.refresh_from_db()
    with pytest.raises(DomainError, match="上限"):
        services.extension_request(actor=world.user("aux_v1"), case=case, days=5, reason="y")


def test_a_pause_excludes_its_time_from_the_clock_and_from_on_time(world, at, settings):
    # a long grace, so that the overdue case stays at its level and keeps its deadline here
    settings.DISPUTES = {**settings.DISPUTES, "ESCALATION_GRACE_HOURS": 24 * 30}
    staff = world.user("station_a")
    start = timezone.now()
    paused = _accepted(world, at, start)
    plain = _accepted(world, at, start)
    at(start + 5 * DAY)
    with pytest.raises(DomainError, match="中止须说明原因"):
        services.case_pause(actor=staff, case=paused, kind=CasePause.Kind.PARTY_ABSENT, reason="")
    services.case_pause(actor=staff, case=paused, kind=CasePause.Kind.AWAITING_EXPERT, reason="等待伤情鉴定")
    # 40 days after acceptance: the plain case is overdue, the paused one is not
    now = at(start + 40 * DAY)
    overdue = set(DisputeCase.objects.filter(selectors.is_overdue(now)).values_list("pk", flat=True))
    assert overdue == {plain.pk}
    paused.refresh_from_db()
    assert paused.is_paused and not paused.is_overdue
    sweeps.run_all(now=now)
    assert not Notification.objects.filter(kind="case.overdue", key__contains=f"case-{paused.pk}:").exists()
    assert Notification.objects.filter(kind="case.overdue", key__contains=f"case-{plain.pk}:").exists()
    paused.refresh_from_db()
    assert paused.level == Level.VILLAGE
    # resumed after 35 days of pause: the deadline is 35 days later
    services.case_resume(actor=staff, case=paused, note="鉴定意见已出")
    paused.refresh_from_db()
    assert paused.due_at == start + 30 * DAY + 35 * DAY
    assert paused.paused_at is None and paused.paused_seconds == 35 * 86400
    # both closed 50 days after acceptance: only the paused one is on time
    at(start + 50 * DAY)
    for case in (paused, plain):
        DisputeCase.objects.filter(pk=case.pk).update(
            status=Status.PERFORMED
        )  # the path there is tested elsewhere
        case.refresh_from_db()
        services.case_close(actor=staff, case=case)
        case.refresh_from_db()
    assert paused.closed_on_time is True and plain.closed_on_time is False
    period = Period(start=timezone.localdate(start), end=timezone.localdate(start + 60 * DAY))
    result = figures.dispute_figures(Region.objects.filter(pk=world.village_1.pk).values("pk"), period)
    assert result["on_time_rate"] == 50.0


def test_a_paused_case_past_its_deadline_is_neither_reminded_nor_escalated(world, at):
    staff = world.user("station_a")
    start = timezone.now()
    paused, plain = _accepted(world, at, start), _accepted(world, at, start)
    at(start + DAY)
    services.case_pause(actor=staff, case=paused, kind=CasePause.Kind.AWAITING_COURT, reason="等待法院")
    now = at(start + 45 * DAY)
    result = sweeps.run_all(now=now)
    assert result["escalated"] == 1 and result["overdue_reminded"] >= 1
    paused.refresh_from_db()
    plain.refresh_from_db()
    assert paused.level == Level.VILLAGE and plain.level == Level.TOWNSHIP
    assert not Notification.objects.filter(key__contains=f"case-{paused.pk}:").exists()
    # the ledger's 超期 column reads the same clock
    assert selectors.case_list(user=staff, filters={"overdue": True}).count() == 0  # plain has a new deadline


def test_a_pause_awaiting_a_referral_ends_when_it_is_answered(world, at):
    staff = world.user("station_a")
    start = timezone.now()
    case = _accepted(world, at, start)
    at(start + DAY)
    referral = services.referral_create(
        actor=staff,
        case=case,
        kind=Referral.Kind.DEPARTMENT,
        department="hrss",
        target_name="县人社局",
        reason="欠薪",
    )
    services.case_pause(
        actor=staff,
        case=case,
        kind=CasePause.Kind.AWAITING_REFERRAL,
        reason="等人社局答复",
        referral=referral,
    )
    at(start + 11 * DAY)
    services.referral_update(
        actor=staff, referral=referral, status=Referral.Status.ANSWERED, answer="已责令支付"
    )
    case.refresh_from_db()
    assert case.paused_at is None and case.due_at == start + 40 * DAY
    resumed = case.events.get(code="disputes.case.resumed")
    assert "县人社局" in resumed.note
    assert CasePause.objects.get(case=case).ended_at == start + 11 * DAY


def test_no_pause_before_acceptance_nor_once_overdue(world, at):
    staff = world.user("station_a")
    start = at(timezone.now())
    reported = report(world)
    with pytest.raises(DomainError, match="尚未受理"):
        services.case_pause(actor=staff, case=reported, kind=CasePause.Kind.OTHER, reason="x")
    case = _accepted(world, at, start)
    at(start + 31 * DAY)
    with pytest.raises(DomainError, match="已超过办理期限"):
        services.case_pause(actor=staff, case=case, kind=CasePause.Kind.OTHER, reason="x")
    assert not CasePause.objects.exists()


def test_escalation_gives_the_new_level_its_own_deadline_and_keeps_the_old_in_the_timeline(world, at):
    start = timezone.now()
    case = _accepted(world, at, start)
    old_due = case.due_at
    later = at(start + 20 * DAY)
    services.case_escalate(actor=world.user("station_a"), case=case, reason="矛盾升级")
    case.refresh_from_db()
    assert case.due_at == later + 30 * DAY
    event = case.events.get(code="disputes.case.escalated")
    assert event.changes["due_at"][0] == old_due.isoformat()


def test_the_data_migration_rebuilds_deadlines_from_the_timeline(world, at):
    """Cases whose due dates the old code reset on every move get them back from their events."""
    staff = world.user("station_a")
    start = timezone.now()
    case = _accepted(world, at, start)
    at(start + 3 * DAY)
    services.case_start_mediation(actor=staff, case=case)
    reported = report(world, grid=world.grid_1a)
    at(start + 4 * DAY)
    services.case_escalate(actor=staff, case=reported, reason="网格未反馈")
    # what the old code left: every move reset the date, and nothing else was stored
    DisputeCase.objects.update(due_at=start + 90 * DAY, accepted_at=None, feedback_due_at=None)
    # the events' times are the database's (their default is the real clock): align them
    CaseEvent.objects.filter(case=case, code="disputes.case.accepted").update(created_at=start)
    CaseEvent.objects.filter(case=reported, code="disputes.case.escalated").update(created_at=start + 4 * DAY)
    migration = importlib.import_module("disputes.migrations.0007_rebuild_case_clock")
    migration.forwards(django_apps, None)
    case.refresh_from_db()
    reported.refresh_from_db()
    assert case.accepted_at == start and case.due_at == start + 30 * DAY
    assert case.feedback_due_at == case.reported_at + dt.timedelta(hours=48)
    assert reported.accepted_at is None
    assert reported.due_at == reported.feedback_due_at == start + 4 * DAY + dt.timedelta(hours=48)


def test_the_page_offers_pause_resume_and_extension_request_and_approval(world, client_for, at):
    start = timezone.now()
    case = _accepted(world, at, start)
    detail = reverse("disputes:case-detail", args=[case.pk])
    aux = client_for("aux_v1")
    page = aux.get(detail).content.decode()
    assert 'id="act-request-extension"' in page and 'id="act-pause"' in page
    bad = aux.post(
        reverse("disputes:case-action", args=[case.pk, "request-extension"]),
        {"request-extension-days": "", "request-extension-reason": ""},
    )
    assert bad.status_code == 400 and "请填写延期天数" in bad.content.decode()
    response = aux.post(
        reverse("disputes:case-action", args=[case.pk, "request-extension"]),
        {"request-extension-days": "10", "request-extension-reason": "当事人外出"},
    )
    assert response.status_code == 302
    extension = CaseExtension.objects.get(case=case)
    assert 'id="act-decide-extension"' not in aux.get(detail).content.decode()  # not the level above
    station = client_for("station_a")
    assert 'id="act-decide-extension"' in station.get(detail).content.decode()
    response = station.post(
        reverse("disputes:case-action", args=[case.pk, "decide-extension"]),
        {"decide-extension-extension": extension.pk, "decide-extension-decision": "approve"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.due_at == start + 40 * DAY
    response = station.post(
        reverse("disputes:case-action", args=[case.pk, "pause"]),
        {"pause-kind": "party_absent", "pause-reason": "当事人住院"},
    )
    assert response.status_code == 302
    page = station.get(detail).content.decode()
    assert "中止中" in page and 'id="act-resume"' in page and 'id="act-pause"' not in page
    response = station.post(
        reverse("disputes:case-action", args=[case.pk, "resume"]), {"resume-note": "已出院"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.paused_at is None


def test_the_api_detail_exposes_deadlines_pause_state_and_extensions(world, at):
    start = timezone.now()
    case = _accepted(world, at, start)
    station, aux, county = APIClient(), APIClient(), APIClient()
    station.force_login(world.user("station_a"))
    aux.force_login(world.user("aux_v1"))
    county.force_login(world.user("county"))
    url = f"/api/v1/cases/{case.pk}/"
    response = aux.post(url + "request-extension/", {"days": 7, "reason": "等待村委会调查"}, format="json")
    assert response.status_code == 200, response.json()
    extension_id = response.json()["extensions"][0]["id"]
    assert (
        aux.post(url + "decide-extension/", {"extension": extension_id, "approve": True}).status_code == 403
    )
    response = county.post(
        url + "decide-extension/", {"extension": extension_id, "approve": True}, format="json"
    )
    # the county may approve, but not write otherwise: its approval is the table's row
    assert response.status_code == 200, response.json()
    response = station.post(
        url + "pause/", {"kind": "awaiting_court", "reason": "等待法院裁定"}, format="json"
    )
    assert response.status_code == 200, response.json()
    data = station.get(url).json()
    assert data["is_paused"] is True and data["paused_at"] is not None
    assert data["accepted_at"] is not None and data["feedback_due_at"] is not None
    assert data["handling_due_at"] == data["due_at"]
    assert data["extension_count"] == 1
    assert data["extensions"][0]["status"] == "approved" and data["extensions"][0]["days"] == 7
    assert data["pauses"][0]["kind"] == "awaiting_court" and data["pauses"][0]["is_open"] is True
    response = station.post(url + "pause/", {"kind": "other", "reason": "再次"}, format="json")
    assert response.status_code == 409
    assert station.post(url + "resume/", {}, format="json").json()["is_paused"] is False


def test_agreement_path_keeps_the_deadline_too(world, at):
    staff = world.user("station_a")
    start = timezone.now()
    case = _accepted(world, at, start)
    at(start + 3 * DAY)
    agreement = services.agreement_create(
        actor=staff, case=case, **agreement_data(signed_on=timezone.localdate())
    )
    services.agreement_set_performance(actor=staff, agreement=agreement, status="breached", note="未付款")
    case.refresh_from_db()
    assert case.status == Status.MEDIATION_FAILED and case.due_at == start + 30 * DAY


def test_a_holiday_pushes_a_working_day_extension(world, at, settings):
    """An extension counted in working days over 国庆节 2026 (1–7 October off, Saturday 10 October
    a make-up working day): 3 working days from Wednesday 30 September end on 10 October."""
    settings.DISPUTES = {**settings.DISPUTES, "WORKING_DAYS": {"handling": False, "extension": True}}
    tz = timezone.get_current_timezone()
    accepted = dt.datetime(2026, 8, 31, 10, 0, tzinfo=tz)
    case = _accepted(world, at, accepted)
    assert case.due_at == dt.datetime(2026, 9, 30, 10, 0, tzinfo=tz)
    at(dt.datetime(2026, 9, 20, 9, 0, tzinfo=tz))
    extension = services.extension_request(
        actor=world.user("aux_v1"), case=case, days=3, reason="国庆期间当事人外出"
    )
    services.extension_decide(actor=world.user("station_a"), extension=extension, approve=True)
    case.refresh_from_db()
    assert timezone.localtime(case.due_at) == dt.datetime(2026, 10, 10, 10, 0, tzinfo=tz)
    # the same 3 days as calendar days would have ended inside the holiday
    settings.DISPUTES = {**settings.DISPUTES, "WORKING_DAYS": {"handling": False, "extension": False}}
    assert services.clock.extended_due(dt.datetime(2026, 9, 30, 10, 0, tzinfo=tz), 3).day == 3
