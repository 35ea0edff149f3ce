"""Optimistic versions on people's writes to a case: the version they saw travels with the
write (hidden field, If-Match/ETag, ``version``), a stale one is a 409 that changes nothing, an
edit updates only the fields it changes, and a transition repeated from the same state is a
conflict, not a second move."""

import json

import pytest
from django.urls import reverse

from core.errors import ConflictError
from disputes import services
from disputes.models import DisputeCase

from .helpers import report

pytestmark = pytest.mark.django_db
STALE = "案件已被他人修改,请刷新后再操作"


def _url(case, action=""):
    return f"/api/v1/cases/{case.pk}/" + (f"{action}/" if action else "")


def _patch(client, case, body, **headers):
    return client.patch(_url(case), data=json.dumps(body), content_type="application/json", headers=headers)


def test_the_api_sends_the_version_as_etag_and_a_stale_if_match_is_a_409_that_changes_nothing(
    world, client_for
):
    case = report(world, grid=world.grid_1a)
    client = client_for("station_a")
    response = client.get(_url(case))
    etag = response["ETag"]
    assert etag == f'"{case.version}"' and response.json()["version"] == case.version
    services.case_accept(actor=world.user("station_a"), case=DisputeCase.objects.get(pk=case.pk))

    stale = _patch(client, case, {"summary": "改过的案情,比原来更清楚一些。"}, If_Match=etag)
    assert stale.status_code == 409 and STALE in json.dumps(stale.json(), ensure_ascii=False)
    fresh = DisputeCase.objects.get(pk=case.pk)
    assert fresh.summary == case.summary and fresh.status == "accepted"
    assert not fresh.events.filter(code="disputes.case.updated").exists()

    current = client.get(_url(case))["ETag"]
    ok = _patch(client, case, {"summary": "改过的案情,比原来更清楚一些。"}, If_Match=current)
    assert ok.status_code == 200 and ok["ETag"] == f'"{fresh.version + 1}"'
    fresh.refresh_from_db()
    assert fresh.summary == "改过的案情,比原来更清楚一些。" and fresh.status == "accepted"


def test_a_version_field_works_like_if_match_and_a_malformed_one_is_a_400(world, client_for):
    case = report(world, grid=world.grid_1a)
    client = client_for("station_a")
    assert (
        _patch(client, case, {"summary": "另一段案情说明文字。", "version": case.version + 5}).status_code
        == 409
    )
    assert _patch(client, case, {"summary": "另一段案情说明文字。", "version": "x"}).status_code == 400
    assert (
        _patch(client, case, {"summary": "另一段案情说明文字。", "version": case.version}).status_code == 200
    )


def test_an_edit_from_a_stale_copy_never_puts_the_status_back(world):
    staff = world.user("station_a")
    case = report(world, grid=world.grid_1a)
    stale = DisputeCase.objects.get(pk=case.pk)  # the editor loaded it
    services.case_accept(actor=staff, case=case)  # meanwhile someone accepts it
    with pytest.raises(ConflictError) as err:
        services.case_update(actor=staff, case=stale, data={"summary": "编辑者看到的旧版本。"})
    assert str(err.value.message) == STALE
    case.refresh_from_db()
    assert case.status == "accepted" and case.summary != "编辑者看到的旧版本。"


def test_an_edit_writes_only_the_fields_it_changes(world):
    staff = world.user("station_a")
    case = report(world, grid=world.grid_1a)
    services.case_update(actor=staff, case=case, data={"summary": "只改了案情。"})
    case.refresh_from_db()
    assert case.summary == "只改了案情。" and case.version == 1
    update = [e for e in case.events.all() if e.code == "disputes.case.updated"]
    assert [list(e.changes) for e in update] == [["summary"]]


def test_the_same_transition_twice_from_the_same_version_is_a_conflict(world, client_for):
    case = report(world, grid=world.grid_1a)
    client = client_for("station_a")
    etag = client.get(_url(case))["ETag"]
    first = client.post(_url(case, "escalate"), {"reason": "情况复杂"}, headers={"If-Match": etag})
    second = client.post(_url(case, "escalate"), {"reason": "情况复杂"}, headers={"If-Match": etag})
    assert (first.status_code, second.status_code) == (200, 409)
    case.refresh_from_db()
    assert case.level == "village" and case.escalation_count == 1


def test_a_page_posts_the_version_it_showed_and_a_stale_one_is_a_409(world, client_for):
    case = report(world, grid=world.grid_1a)
    client = client_for("station_a")
    page = client.get(reverse("disputes:case-detail", args=[case.pk])).content.decode()
    assert f'name="version" value="{case.version}"' in page
    url = reverse("disputes:case-action", args=[case.pk, "escalate"])
    first = client.post(url, {"escalate-reason": "情况复杂", "version": case.version})
    second = client.post(url, {"escalate-reason": "情况复杂", "version": case.version})
    assert (first.status_code, second.status_code) == (302, 409)
    case.refresh_from_db()
    assert case.level == "village" and case.escalation_count == 1
