"""The dispute-case pages: who sees what, every action form through its service, errors that
write nothing, and a list whose query count does not grow with the number of cases."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from disputes import services
from disputes.models import Agreement, CaseEvent, CaseMediator, DisputeCase, FollowUp, Party, Referral, Status

from ..factories import make_id_number, make_phone
from .helpers import agreement_data, report, to_closed

pytestmark = pytest.mark.django_db


def detail(case) -> str:
    return reverse("disputes:case-detail", args=[case.pk])


def act(case, action: str) -> str:
    return reverse("disputes:case-action", args=[case.pk, action])


def events(case) -> list[str]:
    return list(CaseEvent.objects.filter(case=case).order_by("pk").values_list("code", flat=True))


# --- Who sees what ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("actor", "status"),
    [
        ("admin", 200),
        ("county", 200),
        ("station_a", 200),
        ("aux_v1", 200),
        ("grid_g1", 404),
        ("station_b", 404),
        ("mediator_t1", 404),
        ("norole", 404),
    ],
)
def test_case_page_is_there_only_inside_the_scope(world, client_for, actor, status):
    case = report(world)  # 一村, no grid: the grid worker of 一村一组 does not see it
    assert client_for(actor).get(detail(case)).status_code == status


def test_anonymous_goes_to_the_login_page(world, client):
    case = report(world)
    for url in (
        reverse("disputes:case-list"),
        detail(case),
        reverse("disputes:case-create"),
        reverse("disputes:case-export"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
    assert client.post(act(case, "accept")).status_code == 302
    assert events(case) == ["disputes.case.reported"]


def test_station_list_shows_its_cases_and_not_the_other_stations(world, client_for):
    mine = report(world, summary="一村两户因灌溉水渠发生争执")
    theirs = report(world, "station_b", village=world.village_3, summary="三村山林界址争议")
    page = client_for("station_a").get(reverse("disputes:case-list")).content.decode()
    assert mine.number in page and "灌溉水渠" in page
    assert theirs.number not in page
    assert "来访登记" in page and "导出台账" in page


def test_mediator_sees_only_assigned_cases_under_my_cases(world, client_for):
    assigned = report(world)
    other = report(world, summary="另一起未指派的纠纷")
    services.mediator_assign(actor=world.user("station_a"), case=assigned, mediator=world.mediator_t1)
    client = client_for("mediator_t1")
    page = client.get(reverse("disputes:case-list")).content.decode()
    assert "我的案件" in page
    assert assigned.number in page and other.number not in page
    assert "来访登记" not in page  # mediators do not register cases
    assert client.get(detail(assigned)).status_code == 200
    assert client.get(detail(other)).status_code == 404


def test_mediator_case_page_offers_session_and_agreement_but_not_lifecycle_of_staff(world, client_for):
    case = report(
        world,
        parties=[
            {"name": "马海木呷", "role": "applicant", "clan": "马海"},
            {"name": "沙马拉哈", "role": "respondent", "clan": "沙马"},
        ],
    )
    services.mediator_assign(actor=world.user("station_a"), case=case, mediator=world.mediator_t1)
    services.case_accept(actor=world.user("station_a"), case=case)
    page = client_for("mediator_t1").get(detail(case)).content.decode()
    assert 'id="act-session"' in page and 'id="act-agreement"' in page
    assert 'id="act-start-mediation"' in page
    for staff_only in ("act-accept", "act-close", "act-assign-mediator", "act-refer", "act-escalate"):
        assert f'id="{staff_only}"' not in page


def test_county_sees_the_case_without_action_forms_and_gets_403_on_post(world, client_for):
    case = report(world)
    client = client_for("county")
    page = client.get(detail(case)).content.decode()
    assert case.number in page
    for action in (
        "accept",
        "not-accept",
        "escalate",
        "add-party",
        "assign-mediator",
        "session",
        "agreement",
    ):
        assert f'id="act-{action}"' not in page
        assert client.post(act(case, action), {}).status_code == 403
    assert events(case) == ["disputes.case.reported"]


def test_outsider_post_is_404_and_writes_nothing(world, client_for):
    case = report(world)
    response = client_for("station_b").post(act(case, "accept"), {"accept-note": "越权"})
    assert response.status_code == 404
    assert events(case) == ["disputes.case.reported"]


def test_unknown_action_is_404(world, client_for):
    case = report(world)
    assert client_for("station_a").post(act(case, "delete"), {}).status_code == 404


def test_only_the_moves_allowed_now_are_offered(world, client_for):
    case = report(world)
    client = client_for("station_a")
    page = client.get(detail(case)).content.decode()
    assert 'id="act-accept"' in page and 'id="act-not-accept"' in page
    assert 'id="act-close"' not in page and 'id="act-reopen"' not in page and 'id="act-agreement"' not in page
    to_closed(world, case)
    page = client.get(detail(case)).content.decode()
    assert 'id="act-reopen"' in page and 'id="act-follow-up"' in page
    assert 'id="act-accept"' not in page and 'id="act-escalate"' not in page


def test_personal_data_on_the_case_page_follows_the_role(world, client_for):
    id_number, phone = make_id_number(), make_phone()
    case = report(
        world, parties=[{"name": "吉克阿木", "role": "applicant", "id_number": id_number, "phone": phone}]
    )
    services.mediator_assign(actor=world.user("station_a"), case=case, mediator=world.mediator_t1)
    staff = client_for("station_a").get(detail(case)).content.decode()
    assert id_number in staff and phone in staff
    mediator = client_for("mediator_t1").get(detail(case)).content.decode()
    assert id_number not in mediator and phone not in mediator
    assert id_number[:6] + "********" + id_number[-4:] in mediator


# --- List ---------------------------------------------------------------------------------
def test_list_filters_and_search(world, client_for):
    a = report(world, summary="宅基地石坎争执", parties=[{"name": "阿尔木呷", "role": "applicant"}])
    b = report(world, village=world.village_2, category="labour_debt", summary="工地拖欠工资")
    services.case_accept(actor=world.user("station_a"), case=b)
    client = client_for("station_a")
    url = reverse("disputes:case-list")

    def numbers(**params):
        page = client.get(url, params).content.decode()
        return {c.number for c in (a, b) if c.number in page}

    assert numbers() == {a.number, b.number}
    assert numbers(q="阿尔木呷") == {a.number}
    assert numbers(q=b.number) == {b.number}
    assert numbers(status="accepted") == {b.number}
    assert numbers(category="labour_debt") == {b.number}
    assert numbers(village=world.village_2.pk) == {b.number}
    today = timezone.localdate()
    assert numbers(date_from=today.isoformat(), date_to=today.isoformat()) == {a.number, b.number}
    assert numbers(date_to=(today - dt.timedelta(days=1)).isoformat()) == set()
    DisputeCase.objects.filter(pk=a.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    assert numbers(overdue="1") == {a.number}
    page = client.get(url).content.decode()
    assert "is-overdue" in page and "逾期" in page
    services.mediator_assign(actor=world.user("station_a"), case=b, mediator=world.mediator_t1)
    assert numbers(mediator=world.mediator_t1.pk) == {b.number}


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("disputes:case-list"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_list_query_count_does_not_grow_with_rows(world, client_for, settings):
    settings.PAGE_SIZE = 50
    client = client_for("station_a")
    for i in range(3):
        case = report(world, summary=f"纠纷 {i}")
        services.mediator_assign(actor=world.user("station_a"), case=case, mediator=world.mediator_t1)
    small = _list_queries(client)
    for i in range(27):
        case = report(
            world, village=world.village_2 if i % 2 else world.village_1, grid=None, summary=f"更多纠纷 {i}"
        )
        services.case_accept(actor=world.user("station_a"), case=case)
        services.mediator_assign(actor=world.user("station_a"), case=case, mediator=world.mediator_t1)
    assert DisputeCase.objects.count() == 30
    assert _list_queries(client) == small


# --- Intake -------------------------------------------------------------------------------
def _intake(world, **extra) -> dict:
    data = {
        "category": "neighbour",
        "village": world.village_1.pk,
        "grid": world.grid_1a.pk,
        "address": "一组3号",
        "summary": "两家因排水沟堵塞发生口角。",
        "people_involved": "2",
        "amount_involved": "",
        "occurred_on": "",
        "level": "",
        "parties-TOTAL_FORMS": "3",
        "parties-INITIAL_FORMS": "0",
        "parties-MIN_NUM_FORMS": "0",
        "parties-MAX_NUM_FORMS": "3",
    }
    for i in range(3):
        data.update(
            {
                f"parties-{i}-{k}": ""
                for k in ("name", "gender", "ethnicity", "id_number", "phone", "address", "clan")
            }
        )
        data.update({f"parties-{i}-kind": "person", f"parties-{i}-role": "applicant"})
    data.update(extra)
    return data


def test_intake_registers_a_walk_in_case_with_its_parties(world, client_for):
    id_number, phone = make_id_number(), make_phone()
    data = _intake(
        world,
        **{
            "parties-0-name": "吉克阿木",
            "parties-0-id_number": id_number.lower(),
            "parties-0-phone": phone,
            "parties-0-clan": "吉克",
            "parties-0-ethnicity": "yi",
            "parties-1-name": "沙马拉哈",
            "parties-1-role": "respondent",
            "threat_flag": "on",
        },
    )
    response = client_for("station_a").post(reverse("disputes:case-create"), data)
    case = DisputeCase.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(case)
    assert (
        case.source == "walk_in" and case.threat_flag and case.grid == world.grid_1a and case.level == "grid"
    )
    assert [(p.name, p.role) for p in case.parties.order_by("pk")] == [
        ("吉克阿木", "applicant"),
        ("沙马拉哈", "respondent"),
    ]
    assert case.parties.get(name="吉克阿木").id_number == id_number.upper()
    # the threat is scored at once (黄): risk is re-scored on every change that moves a factor
    assert events(case) == ["disputes.case.reported", "disputes.case.risk_changed"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("id_number", "511132199001011234", "身份证号码校验位不正确"),
        ("id_number", "12345", "身份证号码应为18位"),
        ("phone", "12345", "电话号码格式不正确"),
    ],
)
def test_intake_with_a_bad_id_or_phone_says_why_and_writes_nothing(world, client_for, field, value, message):
    data = _intake(world, **{"parties-0-name": "吉克阿木", f"parties-0-{field}": value})
    response = client_for("station_a").post(reverse("disputes:case-create"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not DisputeCase.objects.exists() and not Party.objects.exists() and not CaseEvent.objects.exists()


def test_intake_refuses_a_village_outside_the_scope_and_a_grid_of_another_village(world, client_for):
    client = client_for("station_a")
    response = client.post(
        reverse("disputes:case-create"), _intake(world, village=world.village_3.pk, grid="")
    )
    assert response.status_code == 400
    response = client.post(reverse("disputes:case-create"), _intake(world, grid=world.grid_2.pk))
    assert response.status_code == 400 and "所选网格不属于该村(社区)" in response.content.decode()
    assert not DisputeCase.objects.exists()


def test_intake_is_403_for_county_and_mediators(world, client_for):
    assert client_for("county").get(reverse("disputes:case-create")).status_code == 403
    assert client_for("mediator_t1").get(reverse("disputes:case-create")).status_code == 403


# --- Every action through its service -----------------------------------------------------
def test_lifecycle_actions_each_write_their_event(world, client_for):
    case = report(world)
    client = client_for("station_a")

    def post(action, data=None, expect=302):
        response = client.post(act(case, action), data or {})
        assert response.status_code == expect, response.content.decode()[:2000]
        return response

    post("accept", {"accept-note": "当面受理"})
    post("escalate", {"escalate-reason": "双方情绪激动,村级难以化解"})
    # a township-level case is handled by the township 综治中心; the station keeps read and notes
    post("start-mediation", {"start-mediation-note": ""}, expect=403)
    client = client_for("township_a")
    post("start-mediation", {"start-mediation-note": ""})
    post("mark-failed", {"mark-failed-reason": "被申请人拒绝调解"})
    post(
        "refer",
        {
            "refer-kind": "department",
            "refer-department": "natural_resources",
            "refer-target_name": "县自然资源局",
            "refer-reason": "涉及宅基地确权",
            "refer-due_date": (timezone.localdate() + dt.timedelta(days=10)).isoformat(),
        },
    )
    referral = Referral.objects.get(case=case)
    post(
        "referral-update",
        {
            "referral-update-referral": referral.pk,
            "referral-update-status": "answered",
            "referral-update-answer": "已现场确权,边界以界桩为准",
        },
    )
    post("start-mediation")
    post("note", {"note-note": "双方同意再次调解"})
    case.refresh_from_db()
    assert case.status == Status.IN_MEDIATION and case.level == "township"
    assert events(case) == [
        "disputes.case.reported",
        "disputes.case.accepted",
        "disputes.case.escalated",
        "disputes.case.mediation_started",
        "disputes.case.mediation_failed",
        "disputes.case.referred",
        "disputes.referral.sent",
        "disputes.referral.updated",
        "disputes.case.mediation_started",
        "disputes.case.noted",
    ]
    assert CaseEvent.objects.get(code="disputes.case.escalated").note == "双方情绪激动,村级难以化解"


def test_mediation_agreement_performance_close_follow_up_and_reopen(world, client_for):
    case = report(world)
    services.case_accept(actor=world.user("station_a"), case=case)
    client = client_for("station_a")
    held = timezone.localtime() - dt.timedelta(hours=2)
    r = client.post(
        act(case, "session"),
        {
            "session-held_at": held.strftime("%Y-%m-%dT%H:%M"),
            "session-place": "一村村委会",
            "session-attendees": "双方当事人、德古",
            "session-record": "双方陈述,德古说理。",
            "session-outcome": "agreed",
        },
    )
    assert r.status_code == 302
    today = timezone.localdate()
    data = {
        f"agreement-{k}": v.isoformat() if isinstance(v, dt.date) else v for k, v in agreement_data().items()
    }
    assert client.post(act(case, "agreement"), data).status_code == 302
    agreement = Agreement.objects.get(case=case)
    page = client.get(detail(case)).content.decode()
    assert reverse("disputes:agreement-print", args=[agreement.pk]) in page
    assert f"{agreement.judicial_confirmation_deadline:%Y-%m-%d}" in page
    r = client.post(
        act(case, "performance"),
        {
            "performance-agreement": agreement.pk,
            "performance-status": "performed",
            "performance-note": "已付清",
        },
    )
    assert r.status_code == 302
    assert client.post(act(case, "close"), {"close-note": "协议履行完毕"}).status_code == 302
    case.refresh_from_db()
    assert case.status == Status.CLOSED and FollowUp.objects.filter(case=case).count() == 2
    r = client.post(
        act(case, "follow-up"),
        {"follow-up-result": "stable", "follow-up-satisfaction": "satisfied", "follow-up-note": "双方和好"},
    )
    assert r.status_code == 302
    assert client.post(act(case, "reopen"), {"reopen-reason": "石坎再次被推倒"}).status_code == 302
    case.refresh_from_db()
    assert case.status == Status.REOPENED and case.recurrence_count == 1
    assert events(case)[1:] == [
        "disputes.case.accepted",
        "disputes.case.mediation_started",
        "disputes.session.recorded",
        "disputes.case.agreement_reached",
        "disputes.agreement.performance",
        "disputes.case.performed",
        "disputes.case.closed",
        "disputes.followup.recorded",
        "disputes.case.reopened",
    ]
    assert today == agreement.signed_on


def test_not_accept_needs_a_reason_and_writes_nothing_without_one(world, client_for):
    case = report(world)
    client = client_for("station_a")
    response = client.post(act(case, "not-accept"), {"not-accept-reason": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert "请填写原因" in page and 'id="act-not-accept" open' in page
    assert events(case) == ["disputes.case.reported"]
    assert client.post(act(case, "not-accept"), {"not-accept-reason": "属民事诉讼范围"}).status_code == 302
    case.refresh_from_db()
    assert case.status == Status.NOT_ACCEPTED


def test_add_party_with_a_bad_phone_is_refused(world, client_for):
    case = report(world)
    client = client_for("station_a")
    response = client.post(
        act(case, "add-party"),
        {
            "add-party-name": "曲比阿果",
            "add-party-kind": "person",
            "add-party-role": "other",
            "add-party-phone": "13800",
        },
    )
    assert response.status_code == 400 and "电话号码格式不正确" in response.content.decode()
    assert case.parties.count() == 2
    response = client.post(
        act(case, "add-party"),
        {
            "add-party-name": "曲比阿果",
            "add-party-kind": "person",
            "add-party-role": "other",
            "add-party-phone": make_phone(),
        },
    )
    assert response.status_code == 302 and case.parties.count() == 3
    assert events(case)[-1] == "disputes.party.added"


def test_assigning_a_conflicted_mediator_needs_a_written_reason(world, client_for):
    # 阿说德古 belongs to the 阿说 clan, like the applicant: must step aside
    case = report(
        world,
        parties=[
            {"name": "阿说木呷", "role": "applicant", "clan": "阿说", "ethnicity": "yi"},
            {"name": "沙马拉哈", "role": "respondent", "clan": "沙马", "ethnicity": "yi"},
        ],
    )
    client = client_for("station_a")
    page = client.get(detail(case)).content.decode()
    assert "需回避" in page
    response = client.post(act(case, "assign-mediator"), {"assign-mediator-mediator": world.mediator_t1.pk})
    assert response.status_code == 400
    assert "需要回避" in response.content.decode()
    assert not CaseMediator.objects.exists()
    response = client.post(
        act(case, "assign-mediator"),
        {"assign-mediator-mediator": world.mediator_t1.pk, "assign-mediator-reason": "双方均同意由其调解"},
    )
    assert response.status_code == 302
    assert events(case)[-1] == "disputes.mediator.assigned_despite_conflict"
    assignment = CaseMediator.objects.get()
    response = client.post(
        act(case, "unassign-mediator"),
        {"unassign-mediator-assignment": assignment.pk, "unassign-mediator-reason": "当事人提出异议"},
    )
    assert response.status_code == 302
    assert events(case)[-1] == "disputes.mediator.removed"


def test_mediator_records_a_session_and_drafts_the_agreement(world, client_for):
    case = report(world, parties=[{"name": "马海木呷", "role": "applicant", "clan": "马海"}])
    services.mediator_assign(actor=world.user("station_a"), case=case, mediator=world.mediator_t1)
    services.case_accept(actor=world.user("station_a"), case=case)
    client = client_for("mediator_t1")
    held = timezone.localtime() - dt.timedelta(hours=1)
    r = client.post(
        act(case, "session"),
        {
            "session-held_at": held.strftime("%Y-%m-%dT%H:%M"),
            "session-place": "火塘边",
            "session-attendees": "双方",
            "session-record": "说理调解",
            "session-outcome": "continuing",
        },
    )
    assert r.status_code == 302
    data = {
        f"agreement-{k}": v.isoformat() if isinstance(v, dt.date) else v for k, v in agreement_data().items()
    }
    assert client.post(act(case, "agreement"), data).status_code == 302
    case.refresh_from_db()
    assert case.status == Status.AGREEMENT_REACHED
    # performance and closing are the station's
    agreement = Agreement.objects.get()
    assert (
        client.post(
            act(case, "performance"),
            {"performance-agreement": agreement.pk, "performance-status": "performed"},
        ).status_code
        == 403
    )
    assert client.post(act(case, "close"), {}).status_code == 403


def test_agreement_with_deadline_before_signing_is_refused_on_the_form(world, client_for):
    case = report(world)
    services.case_accept(actor=world.user("station_a"), case=case)
    today = timezone.localdate()
    data = {
        f"agreement-{k}": v.isoformat() if isinstance(v, dt.date) else v
        for k, v in agreement_data(performance_deadline=today - dt.timedelta(days=1)).items()
    }
    response = client_for("station_a").post(act(case, "agreement"), data)
    assert response.status_code == 400
    assert "履行期限不能早于签订日期" in response.content.decode()
    assert not Agreement.objects.exists()
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED  # the move to 调解中 was rolled back with it


def test_a_stale_page_gets_409_and_a_reload_message(world, client_for):
    case = report(world)
    client = client_for("station_a")
    services.case_accept(actor=world.user("aux_v1"), case=case)  # someone else, first
    response = client.post(act(case, "accept"), {"accept-note": "我也来受理"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "最新情况" in page and "已受理" in page
    assert events(case) == ["disputes.case.reported", "disputes.case.accepted"]


def test_timeline_shows_labels_and_old_to_new(world, client_for):
    case = report(world)
    services.case_accept(actor=world.user("station_a"), case=case, note="当面受理")
    services.case_escalate(actor=world.user("station_a"), case=case, reason="涉及人数增多")
    page = client_for("station_a").get(detail(case)).content.decode()
    assert "登记上报" in page and "受理" in page and "升级处置" in page
    assert '已上报</span> → <span class="new">已受理' in page
    assert '村(社区)</span> → <span class="new">乡镇(街道)' in page
    assert "涉及人数增多" in page and "甲所民警" in page


def test_get_on_an_action_url_goes_back_to_the_case(world, client_for):
    case = report(world)
    response = client_for("station_a").get(act(case, "accept"))
    assert response.status_code == 302 and response["Location"] == detail(case)


# --- Printable agreement ------------------------------------------------------------------
def test_printable_agreement_has_the_standard_layout(world, client_for):
    case = report(world)
    to_closed(world, case)
    agreement = Agreement.objects.get(case=case)
    url = reverse("disputes:agreement-print", args=[agreement.pk])
    page = client_for("station_a").get(url).content.decode()
    for text in (
        "人民调解协议书",
        case.number,
        "吉克阿木",
        "沙马拉哈",
        "纠纷主要事实、争议事项",
        "经调解,自愿达成如下协议",
        "履行方式、时限",
        "本协议一式三份",
        "印章",
        "agreement-print.css",
        "申请人(签名/盖章)",
    ):
        assert text in page, text
    assert 'class="topbar' not in page  # no navigation on the sheet
    assert client_for("station_b").get(url).status_code == 404
    assert client_for("county").get(url).status_code == 200


# --- Admin --------------------------------------------------------------------------------
def test_admin_is_read_only_and_scoped(world, client_for):
    from governance.models import User

    mine = report(world)
    theirs = report(world, "station_b", village=world.village_3)
    User.objects.filter(username="station_a").update(is_staff=True)
    client = client_for("station_a")
    changelist = client.get("/admin/disputes/disputecase/").content.decode()
    assert mine.number in changelist and theirs.number not in changelist
    page = client.get(f"/admin/disputes/disputecase/{mine.pk}/change/")
    assert page.status_code == 200 and "disputes.case.reported" in page.content.decode()
    assert (
        client.get(f"/admin/disputes/disputecase/{theirs.pk}/change/").status_code == 302
    )  # not found → index
    event = CaseEvent.objects.get(case=mine)
    for url in (
        "/admin/disputes/caseevent/add/",
        f"/admin/disputes/caseevent/{event.pk}/delete/",
        f"/admin/disputes/disputecase/{mine.pk}/delete/",
    ):
        assert client.get(url).status_code == 403
    assert client.post(f"/admin/disputes/caseevent/{event.pk}/change/", {"note": "改写"}).status_code == 403
    party = mine.parties.exclude(phone="").first()
    assert party.phone not in client.get(f"/admin/disputes/party/{party.pk}/change/").content.decode()
    # a superuser may look at everything but still not delete
    admin = client_for("admin")
    assert theirs.number in admin.get("/admin/disputes/disputecase/").content.decode()
    assert admin.get(f"/admin/disputes/caseevent/{event.pk}/delete/").status_code == 403
    for model in (
        "disputecase",
        "caseevent",
        "party",
        "mediationsession",
        "agreement",
        "referral",
        "followup",
        "riskassessment",
        "mediatorrelation",
    ):
        assert admin.get(f"/admin/disputes/{model}/").status_code == 200, model


def test_each_action_form_carries_only_its_own_hint(world, client_for):
    case = report(world)
    page = client_for("station_a").get(detail(case)).content.decode()
    start = page.index('id="act-not-accept"')
    not_accept = page[start : page.index("</details>", start)]
    assert "需回避" not in not_accept
    start = page.index('id="act-assign-mediator"')
    assert "需回避" in page[start : page.index("</details>", start)]


def test_the_case_page_explains_the_risk_and_reassesses_on_demand(client_for, world):
    from disputes import risk as risk_mod
    from disputes.models import RiskAssessment

    case = report(world, category="labour_debt", people_involved=12, threat_flag=True)
    client = client_for("station_a")
    page = client.get(f"/cases/{case.pk}/").content.decode()
    # scored when it was reported (risk is re-scored on every change), and once more on demand
    assert "尚未评估" not in page and "橙 65" in page
    assert RiskAssessment.objects.filter(case=case, trigger="on_change").count() == 1
    response = client.post(f"/cases/{case.pk}/assess-risk/")
    assert response.status_code == 302
    assert RiskAssessment.objects.filter(case=case, trigger="on_demand").count() == 1
    html = client.get(f"/cases/{case.pk}/").content.decode()
    # 劳资 15 + ≥10 people 25 + threat 25 = 65 → 橙
    assert "橙 65" in html and "扬言/过激言行" in html and "+25" in html
    risk_mod.assess_open_cases(now=risk_mod.timezone.now())
    # the mediator may not reassess; an outsider does not see the case at all
    assert client_for("station_b").post(f"/cases/{case.pk}/assess-risk/").status_code == 404
    assert client_for("county").post(f"/cases/{case.pk}/assess-risk/").status_code == 302


def test_the_case_list_filters_and_sorts_by_risk(client_for, world):
    from disputes import risk as risk_mod

    low = report(world)
    high = report(world, category="labour_debt", people_involved=12, threat_flag=True)
    risk_mod.assess_open_cases(now=risk_mod.timezone.now())
    client = client_for("station_a")
    page = client.get("/cases/?order=risk")
    assert [c.pk for c in page.context["object_list"]] == [high.pk, low.pk]
    page = client.get("/cases/?risk_level=orange")
    assert [c.pk for c in page.context["object_list"]] == [high.pk]
