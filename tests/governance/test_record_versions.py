"""Versions on every record people edit besides the case (villages, grids, grid workers,
mediators, committees and their members, volunteer teams, officers, auxiliary officers,
incidents): the API sends the version as ``ETag`` and takes ``If-Match`` or ``version``; the
edit page posts the version it showed in a hidden field. A stale write is a 409 naming the
record that changes nothing; an edit writes only the fields it changes."""

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from governance.models import CommitteeMember, SecurityCommittee, VolunteerTeam
from stations import services as st
from stations.models import Incident

pytestmark = pytest.mark.django_db
STALE = "已被他人修改,请刷新后再操作"


@dataclass(frozen=True)
class Record:
    key: str  # the page's URL name (app:<key>-edit)
    api: str  # the API's collection
    find: Any  # world -> the record
    page_change: dict  # what the page's author changes
    other_change: dict  # what someone else changed meanwhile (another field)


def _incident(world):
    incident = Incident.objects.filter(station=world.station_a).first()
    if incident is None:
        incident = st.incident_record(
            actor=world.user("station_a"),
            station=world.station_a,
            village=world.village_1,
            number="JQ-VERSION-1",
            category=Incident.Category.DISPUTE,
            received_at=timezone.now() - dt.timedelta(hours=1),
            address="一村三组",
            summary="邻居因排水沟发生口角,已到场劝解。",
        )
    return incident


RECORDS = [
    Record("governance:village", "regions", lambda w: w.village_1, {"households": 321}, {"population": 1234}),
    Record("governance:grid", "grids", lambda w: w.grid_1a, {"households": 55}, {"population": 210}),
    Record(
        "governance:gridworker", "grid-workers", lambda w: w.worker_g1, {"name": "改名网格员"}, {"stars": 3}
    ),
    Record(
        "governance:mediator",
        "mediators",
        lambda w: w.mediator_t1,
        {"note": "擅长婚姻纠纷"},
        {"clan": "阿苏家支"},
    ),
    Record(
        "governance:committee",
        "committees",
        lambda w: SecurityCommittee.objects.get(village=w.village_1),
        {"note": "每月例会"},
        {"name": "一村治保委员会"},
    ),
    Record(
        "governance:committeemember",
        "committee-members",
        lambda w: CommitteeMember.objects.filter(committee__village=w.village_1).order_by("pk").first(),
        {"name": "改名成员"},
        {"joined_on": "2025-03-01"},
    ),
    Record(
        "governance:volunteerteam",
        "volunteer-teams",
        lambda w: VolunteerTeam.objects.get(name="一村护村队"),
        {"name": "一村护村巡逻队"},
        {"leader_name": "吉克阿木"},
    ),
    Record(
        "stations:officer",
        "officers",
        lambda w: w.officer_a,
        {"badge_number": "100009"},
        {"name": "甲所民警二"},
    ),
    Record(
        "stations:auxiliaryofficer",
        "auxiliary-officers",
        lambda w: w.aux_v1,
        {"name": "一村辅警二"},
        {"gender": "F"},
    ),
    Record(
        "stations:incident",
        "incidents",
        _incident,
        {"address": "一村四组"},
        {"summary": "双方已和解,不再争执。"},
    ),
]
IDS = [r.key.split(":")[1] for r in RECORDS]


def _api(record: Record, obj) -> str:
    return f"/api/v1/{record.api}/{obj.pk}/"


def _patch(client, url, body, **headers):
    return client.patch(url, data=json.dumps(body), content_type="application/json", headers=headers)


def _form_data(response) -> dict:
    """What the browser posts back: every field as the page showed it, plus the hidden version."""
    form = response.context["form"]
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else value
    body = response.content.decode()
    assert 'name="version"' in body
    data["version"] = response.context["form_version"]
    return data


def _messages(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def _values(obj, fields) -> dict:
    obj.refresh_from_db()
    return {key: str(getattr(obj, key)) for key in fields}


@pytest.mark.parametrize("record", RECORDS, ids=IDS)
def test_the_api_sends_an_etag_and_a_stale_if_match_is_a_409_naming_the_record(world, client_for, record):
    obj = record.find(world)
    client = client_for("county")
    got = client.get(_api(record, obj))
    assert got.status_code == 200
    etag = got["ETag"]
    assert etag == f'"{obj.version}"' and got.json()["version"] == obj.version

    ok = _patch(client, _api(record, obj), record.other_change, If_Match=etag)
    assert ok.status_code == 200, ok.content
    assert ok["ETag"] == f'"{obj.version + 1}"' and ok.json()["version"] == obj.version + 1
    before = _values(obj, [*record.page_change, *record.other_change])

    stale = _patch(client, _api(record, obj), record.page_change, If_Match=etag)
    assert stale.status_code == 409, stale.content
    text = json.dumps(stale.json(), ensure_ascii=False)
    assert STALE in text and str(obj._meta.verbose_name) in text
    assert _values(obj, [*record.page_change, *record.other_change]) == before  # nothing changed

    # a version field works like If-Match
    assert (
        _patch(client, _api(record, obj), {**record.page_change, "version": obj.version - 1}).status_code
        == 409
    )
    fresh = _patch(client, _api(record, obj), {**record.page_change, "version": obj.version})
    assert fresh.status_code == 200, fresh.content
    obj.refresh_from_db()
    assert obj.version == got.json()["version"] + 2


@pytest.mark.parametrize("record", RECORDS, ids=IDS)
def test_a_page_posted_from_a_stale_copy_is_a_409_and_keeps_the_other_edit(world, client, record):
    obj = record.find(world)
    url = reverse(f"{record.key}-edit", args=[obj.pk])
    client.force_login(world.user("county"))
    page = client.get(url)
    assert page.status_code == 200 and page.context["form_version"] == obj.version
    data = {**_form_data(page), **record.page_change}

    # meanwhile someone else saves another field
    other = _patch(client, _api(record, obj), record.other_change)
    assert other.status_code == 200, other.content
    after_other = _values(obj, [*record.page_change, *record.other_change])

    conflict = client.post(url, data)
    assert conflict.status_code == 409, conflict.context["form"].errors
    assert STALE in _messages(conflict) and str(obj) in _messages(conflict)
    assert _values(obj, [*record.page_change, *record.other_change]) == after_other  # not reverted
    assert conflict.context["form_version"] == obj.version  # the page shows the latest

    again = {**_form_data(conflict), **record.page_change}
    done = client.post(url, again)
    assert done.status_code == 302, _messages(done)
    values = _values(obj, [*record.page_change, *record.other_change])
    for key, value in {**record.page_change, **record.other_change}.items():
        assert values[key] == str(value)  # both edits are there


def test_a_form_shown_again_after_a_mistake_keeps_the_version_first_seen(world, client):
    grid = world.grid_1a
    url = reverse("governance:grid-edit", args=[grid.pk])
    client.force_login(world.user("county"))
    data = _form_data(client.get(url))
    _patch(client, f"/api/v1/grids/{grid.pk}/", {"population": 300})
    wrong = client.post(url, {**data, "households": "-1"})
    assert wrong.status_code == 200 and str(wrong.context["form_version"]) == str(data["version"])
    again = client.post(url, {**data, "households": "12"})
    assert again.status_code == 409, again.context["form"].errors


def test_an_edit_writes_only_the_fields_it_changes(world):
    from governance import services as gov

    admin = world.user("admin")
    stale = type(world.grid_1a).objects.get(pk=world.grid_1a.pk)
    fresh = type(world.grid_1a).objects.get(pk=world.grid_1a.pk)
    start = fresh.version
    gov.grid_update(actor=admin, grid=fresh, data={"population": 999})
    stale.version = fresh.version  # the version check aside: only ``households`` is written
    gov.grid_update(actor=admin, grid=stale, data={"households": 77})
    fresh.refresh_from_db()
    assert (fresh.population, fresh.households, fresh.version) == (999, 77, start + 2)
