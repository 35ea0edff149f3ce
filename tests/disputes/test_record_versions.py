"""Versions on the records of a case people write besides the case itself: parties,
agreements (their performance), referrals (the answer) and follow-up visits. The API sends the
version as ``ETag`` and takes ``If-Match`` or ``version``; the case page carries the versions of
the records it offers (hidden ``seen``). A stale write is a 409 that changes nothing, and the
same write repeated from the same version is a conflict, not a second change."""

import json
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from disputes import services
from disputes.models import Agreement, DisputeCase, FollowUp, Party, Referral

from .helpers import agreement_data, report, to_closed

pytestmark = pytest.mark.django_db


def _post_json(client, url, body, **headers):
    return client.post(url, data=json.dumps(body), content_type="application/json", headers=headers)


def _text(response) -> str:
    return json.dumps(response.json(), ensure_ascii=False)


def _hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', page)
    assert found, name
    return found.group(1)


def _messages(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def _with_agreement(world):
    staff = world.user("station_a")
    case = report(world, grid=world.grid_1a)
    services.case_accept(actor=staff, case=case)
    agreement = services.agreement_create(actor=staff, case=case, **agreement_data())
    return case, agreement


def _with_referral(world):
    staff = world.user("station_a")
    case = report(world, grid=world.grid_1a)
    services.case_accept(actor=staff, case=case)
    referral = services.referral_create(
        actor=staff, case=case, kind="department", department="hrss", target_name="县人社局", reason="欠薪"
    )
    return case, referral


# --- Parties ------------------------------------------------------------------------------
def test_a_party_edit_from_a_stale_version_is_a_409_naming_the_party(world, client_for):
    case = report(world, grid=world.grid_1a)
    party = case.parties.get(role="applicant")
    client = client_for("station_a")
    url = f"/api/v1/parties/{party.pk}/"
    got = client.get(url)
    etag = got["ETag"]
    assert etag == f'"{party.version}"' and got.json()["version"] == party.version

    ok = client.patch(
        url,
        data=json.dumps({"clan": "吉克家支"}),
        content_type="application/json",
        headers={"If-Match": etag},
    )
    assert ok.status_code == 200 and ok["ETag"] == f'"{party.version + 1}"'
    stale = client.patch(
        url,
        data=json.dumps({"name": "吉克阿木二"}),
        content_type="application/json",
        headers={"If-Match": etag},
    )
    assert stale.status_code == 409
    assert "当事人“吉克阿木”已被他人修改,请刷新后再操作" in _text(stale)
    party.refresh_from_db()
    assert (party.name, party.clan, party.version) == ("吉克阿木", "吉克家支", 1)
    assert case.events.filter(code="disputes.party.updated").count() == 1


def test_a_party_edit_writes_only_the_fields_it_changes(world):
    staff = world.user("station_a")
    case = report(world, grid=world.grid_1a)
    first = Party.objects.get(case=case, role="applicant")
    second = Party.objects.get(pk=first.pk)
    services.party_update(actor=staff, party=first, data={"clan": "吉克家支"})
    second.version = first.version  # the version check aside, only ``name`` is written
    services.party_update(actor=staff, party=second, data={"name": "吉克阿木二"})
    first.refresh_from_db()
    assert (first.name, first.clan, first.version) == ("吉克阿木二", "吉克家支", 2)


# --- Agreements ---------------------------------------------------------------------------
def test_the_same_performance_update_twice_from_one_version_is_a_conflict(world, client_for):
    case, agreement = _with_agreement(world)
    client = client_for("station_a")
    url = f"/api/v1/agreements/{agreement.pk}/performance/"
    etag = client.get(f"/api/v1/agreements/{agreement.pk}/")["ETag"]
    assert _post_json(client, url, {"status": "partly"}, If_Match=etag).status_code == 200
    again = _post_json(client, url, {"status": "performed"}, If_Match=etag)
    assert again.status_code == 409 and "协议履行情况刚刚已被他人更新" in _text(again)
    agreement.refresh_from_db()
    assert agreement.performance_status == "partly" and agreement.version == 1
    assert DisputeCase.objects.get(pk=case.pk).status == "agreement_reached"
    assert case.events.filter(code="disputes.agreement.performance").count() == 1


def test_a_case_page_showing_a_stale_agreement_is_a_409(world, client_for):
    case, agreement = _with_agreement(world)
    client = client_for("station_a")
    page = client.get(reverse("disputes:case-detail", args=[case.pk])).content.decode()
    seen = _hidden(page, "performance-seen")
    assert seen == f"{agreement.pk}:0"
    # meanwhile someone records partial performance
    services.agreement_set_performance(
        actor=world.user("station_a"), agreement=Agreement.objects.get(pk=agreement.pk), status="partly"
    )
    response = client.post(
        reverse("disputes:case-action", args=[case.pk, "performance"]),
        {
            "version": _hidden(page, "version"),
            "performance-agreement": agreement.pk,
            "performance-status": "performed",
            "performance-seen": seen,
        },
    )
    assert response.status_code == 409 and "协议履行情况刚刚已被他人更新" in _messages(response)
    agreement.refresh_from_db()
    assert agreement.performance_status == "partly"
    assert DisputeCase.objects.get(pk=case.pk).status == "agreement_reached"


# --- Referrals ----------------------------------------------------------------------------
def test_a_referral_answer_from_a_stale_version_is_a_409(world, client_for):
    case, referral = _with_referral(world)
    client = client_for("station_a")
    url = f"/api/v1/referrals/{referral.pk}/update/"
    etag = client.get(f"/api/v1/referrals/{referral.pk}/")["ETag"]
    assert _post_json(client, url, {"status": "accepted"}, If_Match=etag).status_code == 200
    stale = _post_json(client, url, {"status": "answered", "answer": "已调解"}, If_Match=etag)
    assert stale.status_code == 409 and "该移送刚刚已被他人更新" in _text(stale)
    referral.refresh_from_db()
    assert (referral.status, referral.answer, referral.version) == ("accepted", "", 1)
    ok = _post_json(client, url, {"status": "answered", "answer": "已调解", "version": 1})
    assert ok.status_code == 200 and ok.json()["version"] == 2


def test_a_case_page_showing_a_stale_referral_is_a_409(world, client_for):
    case, referral = _with_referral(world)
    client = client_for("station_a")
    page = client.get(reverse("disputes:case-detail", args=[case.pk])).content.decode()
    services.referral_update(
        actor=world.user("station_a"), referral=Referral.objects.get(pk=referral.pk), status="accepted"
    )
    response = client.post(
        reverse("disputes:case-action", args=[case.pk, "referral-update"]),
        {
            "version": _hidden(page, "version"),
            "referral-update-referral": referral.pk,
            "referral-update-status": "answered",
            "referral-update-answer": "劳动监察已处理",
            "referral-update-seen": _hidden(page, "referral-update-seen"),
        },
    )
    assert response.status_code == 409 and "该移送刚刚已被他人更新" in _messages(response)
    referral.refresh_from_db()
    assert (referral.status, referral.answer) == ("accepted", "")


# --- Follow-up visits ---------------------------------------------------------------------
def _follow_up_post(page: str) -> dict:
    return {
        "version": _hidden(page, "version"),
        "follow-up-follow_up": _hidden(page, "follow-up-follow_up"),
        "follow-up-seen": _hidden(page, "follow-up-seen"),
        "follow-up-result": "stable",
        "follow-up-satisfaction": "satisfied",
    }


def test_two_people_recording_the_same_planned_visit_record_it_once(world, client_for):
    case = to_closed(world, report(world, grid=world.grid_1a))
    planned = case.follow_ups.filter(visited_at__isnull=True).count()
    client = client_for("station_a")
    page = client.get(reverse("disputes:case-detail", args=[case.pk])).content.decode()
    url = reverse("disputes:case-action", args=[case.pk, "follow-up"])
    first = client.post(url, _follow_up_post(page))
    assert first.status_code == 302
    second = client.post(url, _follow_up_post(page))  # the same page, posted again
    assert second.status_code == 409
    assert case.follow_ups.filter(visited_at__isnull=False).count() == 1
    assert case.follow_ups.filter(visited_at__isnull=True).count() == planned - 1
    assert case.events.filter(code="disputes.followup.recorded").count() == 1


def test_a_follow_up_through_the_api_from_a_stale_version_is_a_409(world, client_for):
    case = to_closed(world, report(world, grid=world.grid_1a))
    visit = case.follow_ups.filter(visited_at__isnull=True).order_by("due_date").first()
    client = client_for("station_a")
    FollowUp.objects.filter(pk=visit.pk).update(note="计划调整", version=visit.version + 1)  # someone else
    body = {"case": case.pk, "follow_up": visit.pk, "result": "stable", "satisfaction": "satisfied"}
    stale = _post_json(client, "/api/v1/follow-ups/", {**body, "version": visit.version})
    assert stale.status_code == 409
    visit.refresh_from_db()
    assert visit.visited_at is None
    ok = _post_json(client, "/api/v1/follow-ups/", {**body, "version": visit.version})
    assert ok.status_code == 201 and ok.json()["version"] == visit.version + 1
