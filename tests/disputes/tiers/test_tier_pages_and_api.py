"""The tiers through the pages and the API (desktop and phone)."""

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from disputes import services
from disputes.models import DisputeCase, Level, Status
from disputes.tiers import services as tiers
from disputes.tiers.models import HandOn, LinkedReport, Supervision

from ...factories import make_phone
from ..helpers import escalate_to, report
from ..test_pages import _intake

pytestmark = pytest.mark.django_db


def _post_api(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _when(hours):
    return (timezone.localtime() + dt.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def test_county_accepts_and_hands_on_by_page_and_the_station_acknowledges_by_api(world, client_for):
    case = report(world)
    escalate_to(world, case, Level.COUNTY)
    client = client_for("county")
    page = client.get(reverse("disputes:case-detail", args=[case.pk])).content.decode()
    assert 'id="act-accept"' in page  # the county handles its county-level case
    assert (
        client.post(
            reverse("disputes:case-action", args=[case.pk, "accept"]), {"version": case.version}
        ).status_code
        == 302
    )
    response = client.post(
        reverse("tiers:case-action", args=[case.pk, "hand-on"]),
        {
            "t-hand-on-target": "station",
            "t-hand-on-deadline": _when(24 * 7),
            "t-hand-on-instructions": "请组织调解",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.level == Level.VILLAGE and HandOn.objects.get(case=case).status == HandOn.Status.PENDING
    station = client_for("station_a")
    assert "待签收交办" in station.get("/").content.decode()
    answer = _post_api(station, f"/api/v1/cases/{case.pk}/acknowledge/", {"note": "已签收"})
    assert answer.status_code == 200 and answer.json()["status"] == "acknowledged"


def test_county_cannot_accept_a_village_level_case_on_the_page(world, client_for):
    case = report(world)
    assert (
        client_for("county").post(reverse("disputes:case-action", args=[case.pk, "accept"]), {}).status_code
        == 403
    )


def test_township_handler_acts_on_its_township_level_case_by_page(world, client_for):
    case = report(world)
    services.case_escalate(actor=world.user("station_a"), case=case, reason="提级")
    client = client_for("township_a")
    assert client.post(
        reverse("disputes:case-action", args=[case.pk, "accept"]), {"version": case.version + 0}
    ).status_code in (302, 409)
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED
    outsider = report(world, "station_b", village=world.village_3)
    assert client.get(reverse("disputes:case-detail", args=[outsider.pk])).status_code == 404


def test_supervision_by_api_with_replies_and_on_the_supervisors_home(world, client_for):
    case = report(world)
    county = client_for("county")
    opened = _post_api(
        county,
        f"/api/v1/cases/{case.pk}/supervise/",
        {"reason": "请加快", "reply_by": (timezone.now() + dt.timedelta(hours=1)).isoformat()},
    )
    assert opened.status_code == 201
    sid = opened.json()["id"]
    assert "我督办的案件" in county.get("/").content.decode()
    station = client_for("station_a")
    reply = _post_api(
        station, f"/api/v1/cases/{case.pk}/supervise/replies/", {"supervision": sid, "text": "已调解一次"}
    )
    assert reply.status_code == 201
    listed = station.get(f"/api/v1/cases/{case.pk}/supervise/").json()
    assert listed[0]["replies"][0]["text"] == "已调解一次"
    county = client_for("county")  # one test client: sign in as the supervisor again
    assert (
        _post_api(county, f"/api/v1/cases/{case.pk}/supervise/close/", {"supervision": sid}).json()["status"]
        == "closed"
    )
    assert Supervision.objects.get(pk=sid).status == "closed"


def test_liaison_answers_a_referral_on_its_page_and_sees_nothing_else(world, client_for):
    case = report(world)
    services.case_accept(actor=world.user("station_a"), case=case)
    referral = services.referral_create(
        actor=world.user("station_a"),
        case=case,
        kind="department",
        department="hrss",
        target_name="县人社局",
        reason="欠薪",
    )
    client = client_for("liaison_hrss")
    assert client.get(reverse("disputes:case-detail", args=[case.pk])).status_code == 404
    assert case.number in client.get(reverse("tiers:referral-list")).content.decode()
    page = client.get(reverse("tiers:referral-detail", args=[referral.pk])).content.decode()
    assert case.parties.first().name not in page  # the summary only, no parties
    response = client.post(
        reverse("tiers:referral-detail", args=[referral.pk]), {"status": "answered", "answer": "已责令支付"}
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "answered"
    api = client.get("/api/v1/referral-answers/").json()
    assert [r["id"] for r in api["results"]] == [referral.pk] and "parties" not in api["results"][0]["case"]


def test_court_liaison_records_a_judicial_confirmation_ruling(world, django_user_model):
    from tests.disputes.helpers import to_closed

    court = django_user_model.objects.create(username="court", role="liaison", liaison_unit="court")
    case = to_closed(world, report(world))
    referral = services.referral_create(
        actor=world.user("station_a"),
        case=case,
        kind="court",
        target_name="县人民法院",
        reason="申请司法确认",
        agreement=case.agreements.get(),
    )
    tiers.liaison_referral_update(
        actor=court,
        referral=referral,
        status="answered",
        answer="确认有效",
        ruling_outcome="confirmed",
        ruling_number="(2026)川1132民特1号",
    )
    assert referral.ruling.outcome == "confirmed"


def test_transfer_by_api_leaves_the_old_station_read_only(world, client_for):
    case = report(world)
    a = client_for("station_a")
    response = _post_api(
        a, f"/api/v1/cases/{case.pk}/transfer/", {"to_village": world.village_3.pk, "reason": "实际在三村"}
    )
    assert response.status_code == 201
    b = client_for("station_b")
    decided = _post_api(b, f"/api/v1/cases/{case.pk}/transfer/decide/", {"accept": True})
    assert decided.status_code == 200 and decided.json()["status"] == "accepted"
    a = client_for("station_a")
    page = a.get(reverse("disputes:case-detail", args=[case.pk])).content.decode()
    assert 'id="tiers-read-only"' in page and 'id="act-accept"' not in page
    assert a.post(
        reverse("disputes:case-action", args=[case.pk, "note"]), {"note-note": "x"}
    ).status_code in (400, 403)
    assert DisputeCase.objects.get(pk=case.pk).events.filter(code="disputes.case.noted").count() == 0


def test_walk_in_with_the_same_phone_is_offered_as_duplicate_and_linking_makes_no_new_case(world, client_for):
    phone = make_phone()
    first = report(
        world,
        parties=[
            {"name": "吉克阿木", "role": "applicant", "phone": phone},
            {"name": "沙马", "role": "respondent"},
        ],
    )
    client = client_for("station_a")
    data = _intake(world, **{"parties-0-name": "吉克阿木", "parties-0-phone": phone})
    offered = client.post(reverse("disputes:case-create"), data)
    assert offered.status_code == 200 and 'id="duplicate-choice"' in offered.content.decode()
    assert first.number in offered.content.decode()
    count = DisputeCase.objects.count()
    linked = client.post(reverse("disputes:case-create"), {**data, "duplicate_choice": str(first.pk)})
    assert linked.status_code == 302 and linked["Location"] == reverse(
        "disputes:case-detail", args=[first.pk]
    )
    assert DisputeCase.objects.count() == count
    assert LinkedReport.objects.filter(case=first).count() == 1
    assert first.events.filter(code="disputes.case.report_linked").exists()
    new = client.post(reverse("disputes:case-create"), {**data, "duplicate_choice": "new"})
    assert new.status_code == 302 and DisputeCase.objects.count() == count + 1
    # the API offers the same candidates
    api = client.get("/api/v1/duplicate-candidates/", {"phone": phone}).json()
    assert first.pk in [c["id"] for c in api]


def test_phone_report_with_the_same_phone_is_offered_as_duplicate(world, client_for):
    phone = make_phone()
    first = report(world, grid=world.grid_1a, parties=[{"name": "吉克", "role": "applicant", "phone": phone}])
    client = client_for("grid_g1")
    form = {
        "client_key": "2b5d3f6e-0c1a-4b7e-9d7e-3c8a1f2b4d5e",
        "grid": world.grid_1a.pk,
        "category": "neighbour",
        "summary": "又吵起来了",
        "people_involved": "2",
        "name_1": "吉克",
        "phone_1": phone,
    }
    offered = client.post(reverse("mobile:report"), form)
    assert offered.status_code == 200, offered.content.decode()[:300]
    assert 'id="duplicate-choice"' in offered.content.decode()
    count = DisputeCase.objects.count()
    linked = client.post(reverse("mobile:report"), {**form, "duplicate_choice": str(first.pk)})
    assert linked.status_code == 302 and DisputeCase.objects.count() == count
    assert first.events.filter(code="disputes.case.report_linked").exists()


def test_county_accepts_a_county_level_case_through_the_api(world, client_for):
    case = report(world)
    escalate_to(world, case, Level.COUNTY)
    client = client_for("county")
    assert _post_api(client, f"/api/v1/cases/{case.pk}/accept/", {"version": case.version}).status_code == 200
    village_case = report(world)
    assert _post_api(client, f"/api/v1/cases/{village_case.pk}/accept/", {}).status_code == 403


def test_a_chosen_link_refused_on_the_walk_in_page_makes_no_new_case(world, client_for, monkeypatch):
    """The case closes between the offer and the link: the page says so and makes nothing."""
    from disputes.tiers import intake
    from disputes.tiers.services import report_link

    phone = make_phone()
    first = report(world, parties=[{"name": "吉克阿木", "role": "applicant", "phone": phone}])
    data = _intake(world, **{"parties-0-name": "吉克阿木", "parties-0-phone": phone})

    def closed_meanwhile(**kw):
        DisputeCase.objects.filter(pk=first.pk).update(status="closed")
        kw["case"].status = "closed"
        return report_link(actor=kw["actor"], case=kw["case"], source=kw["source"], summary=kw["summary"])

    monkeypatch.setattr(intake, "link", closed_meanwhile)
    count = DisputeCase.objects.count()
    answer = client_for("station_a").post(
        reverse("disputes:case-create"), {**data, "duplicate_choice": str(first.pk)}
    )
    assert answer.status_code == 400
    assert DisputeCase.objects.count() == count and not LinkedReport.objects.exists()
