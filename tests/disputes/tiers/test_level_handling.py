"""Each level has its handlers (issue 14): an escalation tells the receiving level's handlers and
queues the case in their 我的待办; at township or county level the station keeps read and notes,
the level's handlers accept, mediate and close; a case handed on back to the station is the
station's again."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import NotFound, NotPermitted
from core.models import Notification
from disputes import services
from disputes.models import Level, Status
from disputes.tiers import rules
from disputes.tiers import selectors as tier_selectors
from disputes.tiers import services as tiers

from ..helpers import escalate_to, report

pytestmark = pytest.mark.django_db


def _queued(world, username):
    return [c.pk for c in tier_selectors.work_queue(user=world.user(username), limit=50).to_accept]


def test_escalation_to_the_township_tells_its_centre_and_queues_the_case(world, client_for):
    case = report(world)
    assert case.pk not in _queued(world, "township_a")
    services.case_escalate(actor=world.user("station_a"), case=case, reason="涉及两个村民小组")
    notice = Notification.objects.get(recipient=world.user("township_a"), kind="case.escalated_to_level")
    assert case.number in notice.title and notice.body == "涉及两个村民小组"
    assert notice.url == f"/cases/{case.pk}/"
    assert not Notification.objects.filter(kind="case.escalated_to_level", recipient=world.user("county"))
    assert case.pk in _queued(world, "township_a")
    assert case.pk not in _queued(world, "station_a")  # no longer the station's to accept
    page = client_for("township_a").get("/").content.decode()
    assert "待受理" in page and case.number in page
    queue_page = client_for("township_a").get(reverse("tiers:queue")).content.decode()
    assert case.number in queue_page
    # the township accepts: out of its queue
    services.case_accept(actor=world.user("township_a"), case=case)
    assert case.pk not in _queued(world, "township_a")


def test_escalation_to_the_county_tells_the_county_staff(world, client_for):
    case = escalate_to(world, report(world), Level.COUNTY)
    assert Notification.objects.filter(
        recipient=world.user("county"), kind="case.escalated_to_level"
    ).exists()
    assert case.pk in _queued(world, "county")
    assert case.pk not in _queued(world, "township_a")
    assert case.number in client_for("county").get(reverse("tiers:queue")).content.decode()
    # one notice per escalation, even when the same case comes back to the level later
    assert Notification.objects.filter(kind="case.escalated_to_level").count() == 2


def test_an_accepted_case_escalated_to_the_township_is_taken_over_by_page(world, client_for):
    case = report(world)
    services.case_accept(actor=world.user("station_a"), case=case)
    services.case_escalate(actor=world.user("station_a"), case=case, reason="村级调解未果")
    assert case.pk in _queued(world, "township_a")  # accepted below, nobody of the township on it
    client = client_for("township_a")
    page = client.get(reverse("disputes:case-detail", args=[case.pk])).content.decode()
    assert "t-take-over" in page
    assert (
        "t-take-over"
        not in client_for("station_a").get(reverse("disputes:case-detail", args=[case.pk])).content.decode()
    )
    assert (
        client_for("station_a")
        .post(reverse("tiers:case-action", args=[case.pk, "take-over"]), {})
        .status_code
        == 403
    )
    client = client_for("township_a")  # one test client, logged in as the last one asked for
    response = client.post(
        reverse("tiers:case-action", args=[case.pk, "take-over"]), {"t-take-over-note": "由综治中心组织调解"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.responsible == world.user("township_a")
    event = case.events.get(code="disputes.case.taken_over")
    assert event.note == "由综治中心组织调解" and event.actor == world.user("township_a")
    assert case.pk not in _queued(world, "township_a")
    services.case_start_mediation(actor=world.user("township_a"), case=case)


LEVEL_ACTORS = {
    # level → (who handles it, who may only read and note)
    Level.VILLAGE: (("station_a", "aux_v1"), ("township_a", "county")),
    Level.TOWNSHIP: (("township_a",), ("station_a", "aux_v1", "county")),
    Level.COUNTY: (("county",), ("station_a", "aux_v1", "township_a")),
}


@pytest.mark.parametrize("level", list(LEVEL_ACTORS))
def test_each_level_is_handled_by_its_own_handlers(world, level):
    handlers, readers = LEVEL_ACTORS[level]
    case = escalate_to(world, report(world), level)
    for name in ("accept", "close", "start_mediation", "escalate", "not_accept"):
        for username in handlers:
            assert rules.may_act(world.user(username), case, name), (username, level, name)
        for username in readers:
            assert not rules.may_act(world.user(username), case, name), (username, level, name)
    assert rules.may_act(world.user("admin"), case, "accept")
    for username in (*handlers, *readers):
        services.case_add_note(actor=world.user(username), case=case, note=f"{username} 备注")
    for username in readers:
        with pytest.raises(NotPermitted):
            services.case_accept(actor=world.user(username), case=case)
    services.case_accept(actor=world.user(handlers[0]), case=case)
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED and case.responsible == world.user(handlers[0])


@pytest.mark.parametrize("level", [Level.TOWNSHIP, Level.COUNTY])
def test_the_station_may_not_act_on_an_upper_level_case_by_page_or_api(world, client_for, level):
    case = escalate_to(world, report(world), level)
    client = client_for("station_a")
    assert client.post(reverse("disputes:case-action", args=[case.pk, "accept"]), {}).status_code == 403
    api = client.post(f"/api/v1/cases/{case.pk}/accept/", {}, content_type="application/json")
    assert api.status_code == 403
    note = client.post(reverse("disputes:case-action", args=[case.pk, "note"]), {"note-note": "已联系当事人"})
    assert note.status_code == 302
    page = client.get(reverse("disputes:case-detail", args=[case.pk])).content.decode()
    assert 'id="act-accept"' not in page


def test_a_case_handed_on_back_to_the_station_is_the_stations_again(world):
    case = escalate_to(world, report(world), Level.COUNTY)
    county, station = world.user("county"), world.user("station_a")
    assert not rules.may_act(station, case, "accept")
    hand_on = tiers.hand_on_create(
        actor=county,
        case=case,
        target="station",
        instructions="请派出所就地调处",
        deadline=timezone.now() + dt.timedelta(days=5),
    )
    tiers.hand_on_acknowledge(actor=station, hand_on=hand_on)
    case.refresh_from_db()
    assert case.level == Level.VILLAGE and rules.may_act(station, case, "accept")
    services.case_accept(actor=station, case=case)
    assert not rules.may_act(county, case, "close")  # the county supervises, no longer handles


def test_a_hand_on_to_a_department_is_a_referral_its_liaison_sees_and_answers(world, client_for):
    case = escalate_to(world, report(world), Level.COUNTY)
    county = world.user("county")
    services.case_accept(actor=county, case=case)
    deadline = timezone.now() + dt.timedelta(days=6)
    hand_on = tiers.hand_on_create(
        actor=county,
        case=case,
        target="department",
        to_unit="hrss",
        instructions="请人社部门核实欠薪金额并督促支付",
        deadline=deadline,
    )
    referral = case.referrals.get()
    assert referral.kind == "department" and referral.department == "hrss"
    assert referral.reason == "请人社部门核实欠薪金额并督促支付"
    assert referral.due_date == timezone.localtime(deadline).date() and referral.created_by == county
    case.refresh_from_db()
    assert case.status == Status.REFERRED
    assert {"disputes.case.handed_on", "disputes.referral.sent"} <= set(
        case.events.values_list("code", flat=True)
    )
    liaison = world.user("liaison_hrss")
    assert Notification.objects.filter(recipient=liaison, kind="case.handed_on").exists()
    queue = tier_selectors.work_queue(user=liaison)
    assert [r.pk for r in queue.referrals] == [referral.pk] and [h.pk for h in queue.hand_ons] == [hand_on.pk]
    tiers.hand_on_acknowledge(actor=liaison, hand_on=hand_on)
    client = client_for("liaison_hrss")
    assert (
        "请人社部门核实欠薪金额"
        in client.get(reverse("tiers:referral-detail", args=[referral.pk])).content.decode()
    )
    answered = client.post(
        reverse("tiers:referral-detail", args=[referral.pk]),
        {"status": "answered", "answer": "已督促企业支付"},
    )
    assert answered.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "answered" and referral.answer == "已督促企业支付"
    assert Notification.objects.filter(recipient=county, kind="case.referral_answered").exists()


def test_a_hand_on_to_the_judicial_office_is_a_people_mediation_referral(world):
    case = escalate_to(world, report(world), Level.TOWNSHIP)
    tiers.hand_on_create(
        actor=world.user("township_a"),
        case=case,
        target="department",
        to_unit="judicial",
        instructions="请司法所组织人民调解",
        deadline=timezone.now() + dt.timedelta(days=3),
    )
    referral = case.referrals.get()
    assert referral.kind == "people_mediation" and referral.department == ""
    case.refresh_from_db()
    assert case.status == Status.REPORTED  # not accepted yet: the status stays, the referral is sent


def _hand_on_to_hrss(world):
    case = escalate_to(world, report(world), Level.COUNTY)
    county = world.user("county")
    services.case_accept(actor=county, case=case)
    hand_on = tiers.hand_on_create(
        actor=county,
        case=case,
        target="department",
        to_unit="hrss",
        instructions="请人社部门核实欠薪金额",
        deadline=timezone.now() + dt.timedelta(days=6),
    )
    return case, hand_on


def test_the_liaisons_first_answer_on_its_page_is_its_acknowledgement_of_the_hand_on(world, client_for):
    """A liaison has no case page: accepting the referral the 交办 opened is its 签收, so the hand-on
    leaves its queue and the unacknowledged-hand-on sweep does not escalate it."""
    case, hand_on = _hand_on_to_hrss(world)
    referral = case.referrals.get()
    response = client_for("liaison_hrss").post(
        reverse("tiers:referral-detail", args=[referral.pk]), {"status": "accepted"}
    )
    assert response.status_code == 302
    hand_on.refresh_from_db()
    assert hand_on.status == "acknowledged" and hand_on.acknowledged_by == world.user("liaison_hrss")
    assert case.events.filter(code="disputes.case.hand_on_acknowledged").count() == 1
    assert tier_selectors.work_queue(user=world.user("liaison_hrss")).counts["hand_ons"] == 0
    assert Notification.objects.filter(
        recipient=world.user("county"), kind="case.hand_on_acknowledged"
    ).exists()


def test_a_liaison_of_one_township_neither_sees_nor_acknowledges_another_townships_hand_on(world):
    case, hand_on = _hand_on_to_hrss(world)  # a case of 甲镇
    liaison = world.user("liaison_hrss")
    liaison.township = world.township_b
    liaison.save(update_fields=["township"])
    assert not tier_selectors.hand_on_inbox(liaison).exists()
    assert not rules.is_receiver(liaison, hand_on)
    with pytest.raises(NotFound):
        tiers.hand_on_acknowledge(actor=liaison, hand_on=hand_on)
    hand_on.refresh_from_db()
    assert hand_on.status == "pending"
    liaison.township = world.township_a
    liaison.save(update_fields=["township"])
    assert list(tier_selectors.hand_on_inbox(liaison)) == [hand_on]


def test_a_case_handed_on_to_the_township_is_one_item_of_its_queue_and_taking_it_on_acknowledges(world):
    case = escalate_to(world, report(world), Level.COUNTY)
    county, township = world.user("county"), world.user("township_a")
    services.case_accept(actor=county, case=case)
    hand_on = tiers.hand_on_create(
        actor=county,
        case=case,
        target="township",
        instructions="请乡镇综治中心组织调解",
        deadline=timezone.now() + dt.timedelta(days=5),
    )
    queue = tier_selectors.work_queue(user=township)
    assert queue.counts["hand_ons"] == 1 and queue.counts["to_accept"] == 0 and queue.total == 1
    case.refresh_from_db()
    tiers.case_take_over(actor=township, case=case)
    hand_on.refresh_from_db()
    assert hand_on.status == "acknowledged" and hand_on.acknowledged_by == township
    assert tier_selectors.work_queue(user=township).total == 0


def test_the_api_takes_over_an_accepted_case_escalated_to_the_township(world, client_for):
    case = report(world)
    services.case_accept(actor=world.user("station_a"), case=case)
    services.case_escalate(actor=world.user("station_a"), case=case, reason="村级调解未果")
    url = f"/api/v1/cases/{case.pk}/take-over/"
    assert client_for("station_a").post(url, {}, content_type="application/json").status_code == 403
    response = client_for("township_a").post(url, {"note": "综治中心接手"}, content_type="application/json")
    assert response.status_code == 200 and response.json() == {
        "id": case.pk,
        "responsible": world.user("township_a").pk,
    }
    assert case.events.get(code="disputes.case.taken_over").note == "综治中心接手"
    again = client_for("township_a").post(url, {}, content_type="application/json")
    assert again.status_code == 409  # already theirs
    assert case.pk not in _queued(world, "township_a")
