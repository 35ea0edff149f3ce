"""Personal data: who must phone the parties (a mediator on their case, the auxiliary officer of
the village) reveals a full number with one tap; every reveal and every full display (pages,
API) is a row of the append-only access log, which the county reads in a page and the admin."""

import io

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from disputes import services
from governance.models import PersonalDataAccess

from ..disputes.helpers import report
from ..factories import make_phone

pytestmark = pytest.mark.django_db
REVEAL = "/api/v1/personal-data/reveal/"


def _api(world, name: str) -> APIClient:
    client = APIClient()
    client.force_login(world.user(name))
    return client


@pytest.fixture
def cases(world):
    phone = make_phone()
    parties = [{"name": "吉克阿木", "role": "applicant", "ethnicity": "yi", "phone": phone}]
    mine = report(world, grid=world.grid_1b, parties=parties)
    services.case_accept(actor=world.user("station_a"), case=mine)
    services.mediator_assign(actor=world.user("station_a"), case=mine, mediator=world.mediator_t1)
    other = report(world, "station_b", village=world.village_3, parties=[dict(parties[0])])
    return {"mine": mine, "party": mine.parties.get(), "phone": phone, "other_party": other.parties.get()}


@pytest.mark.parametrize("actor", ["mediator_t1", "aux_v1"])
def test_a_role_that_must_phone_the_party_reveals_the_number_with_one_tap(world, cases, client_for, actor):
    page = client_for(actor).get(f"/cases/{cases['mine'].pk}/").content.decode()
    assert cases["phone"] not in page  # masked on the page …
    assert 'data-reveal="/api/v1/personal-data/reveal/"' in page  # … with the button
    response = _api(world, actor).post(
        REVEAL, {"kind": "disputes.party", "id": cases["party"].pk, "field": "phone"}
    )
    assert response.status_code == 200 and response.json() == {"value": cases["phone"]}
    row = PersonalDataAccess.objects.get(kind="reveal")
    assert row.actor == world.user(actor) and row.field == "phone" and row.subject == "吉克阿木"
    assert row.object_id == cases["party"].pk and row.where == REVEAL


@pytest.mark.parametrize("actor", ["mediator_t1", "aux_v1", "station_a"])
def test_a_party_outside_the_scope_is_not_found(world, cases, actor):
    response = _api(world, actor).post(
        REVEAL, {"kind": "disputes.party", "id": cases["other_party"].pk, "field": "phone"}
    )
    assert response.status_code == 404
    assert not PersonalDataAccess.objects.exists()


def test_a_role_without_the_capability_is_refused(world, cases):
    response = _api(world, "grid_g1").post(
        REVEAL, {"kind": "disputes.party", "id": cases["party"].pk, "field": "phone"}
    )
    assert response.status_code in (403, 404)
    assert not PersonalDataAccess.objects.exists()


def test_bad_reveal_requests_are_400_or_404(world, cases):
    client = _api(world, "mediator_t1")
    assert (
        client.post(REVEAL, {"kind": "disputes.party", "id": cases["party"].pk, "field": "name"}).status_code
        == 400
    )
    assert client.post(REVEAL, {"kind": "nope.nope", "id": 1, "field": "phone"}).status_code == 404
    assert client.post(REVEAL, {"kind": "disputes.party", "id": "x", "field": "phone"}).status_code == 400


def test_every_full_display_is_recorded_on_pages_and_the_api(world, cases, client_for):
    case = cases["mine"]
    page = client_for("station_a").get(f"/cases/{case.pk}/").content.decode()
    assert cases["phone"] in page
    rows = PersonalDataAccess.objects.filter(kind="display", actor=world.user("station_a"))
    assert rows.filter(field="phone", object_id=cases["party"].pk, where=f"/cases/{case.pk}/").exists()
    before = rows.count()
    detail = _api(world, "station_a").get(f"/api/v1/parties/{cases['party'].pk}/")
    if detail.status_code == 200:
        assert detail.json()["phone"] == cases["phone"]
        assert rows.count() > before
    # lists mask: nothing shown in full, nothing recorded
    before = rows.count()
    assert _api(world, "station_a").get("/api/v1/grid-workers/").status_code == 200
    assert client_for("station_a").get("/cases/").status_code == 200
    assert rows.count() == before


def test_a_grid_worker_detail_in_the_api_is_recorded(world):
    response = _api(world, "station_a").get(f"/api/v1/grid-workers/{world.worker_g1.pk}/")
    assert response.json()["phone"] == world.worker_g1.phone
    assert PersonalDataAccess.objects.filter(
        object_id=world.worker_g1.pk, field="phone", kind="display"
    ).exists()


def test_the_county_reads_the_log_and_nobody_else(world, cases, client_for):
    _api(world, "mediator_t1").post(
        REVEAL, {"kind": "disputes.party", "id": cases["party"].pk, "field": "phone"}
    )
    page = client_for("county").get("/personal-data/log/")
    assert (
        page.status_code == 200
        and "吉克阿木" in page.content.decode()
        and "阿说德古" in page.content.decode()
    )
    assert "吉克阿木" not in client_for("station_a").get("/personal-data/log/").content.decode()
    assert len(_api(world, "county").get("/api/v1/personal-data/").json()["results"]) == 1
    assert _api(world, "station_a").get("/api/v1/personal-data/").json()["results"] == []


def test_the_admin_is_read_only(world, cases, client_for):
    _api(world, "mediator_t1").post(
        REVEAL, {"kind": "disputes.party", "id": cases["party"].pk, "field": "phone"}
    )
    row = PersonalDataAccess.objects.get()
    admin = client_for("admin")
    assert admin.get("/admin/governance/personaldataaccess/").status_code == 200
    assert admin.get(f"/admin/governance/personaldataaccess/{row.pk}/change/").status_code == 200  # view only
    assert (
        admin.post(f"/admin/governance/personaldataaccess/{row.pk}/change/", {"field": "x"}).status_code
        == 403
    )
    assert (
        admin.post(f"/admin/governance/personaldataaccess/{row.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert admin.get("/admin/governance/personaldataaccess/add/").status_code == 403
    assert PersonalDataAccess.objects.get().field == "phone"


# --- Where numbers are never shown in full: histories, lists, exports ---------------------
def test_a_changed_number_is_masked_in_the_history_for_every_role(world, cases, client_for):
    """A history is no place to read a number: the case page's timeline and the API's events
    mask the old and the new phone even for station staff (who see the party's number in full,
    recorded); showing the history writes no access row."""
    new_phone = make_phone()
    services.party_update(actor=world.user("station_a"), party=cases["party"], data={"phone": new_phone})
    PersonalDataAccess.objects.all().delete()  # the log is append-only for users; tests start clean
    case = cases["mine"]
    api = _api(world, "station_a").get(f"/api/v1/cases/{case.pk}/")
    assert api.status_code == 200, api.content
    changed = [e for e in api.json()["timeline"] if "party.phone" in (e["changes"] or {})]
    assert changed, api.json()["timeline"]
    old, new = changed[0]["changes"]["party.phone"]
    assert old not in (cases["phone"], "") and new != new_phone and new.startswith(new_phone[:3])
    page = client_for("station_a").get(f"/cases/{case.pk}/").content.decode()
    timeline = page[page.index('class="changes"') :]
    assert cases["phone"] not in timeline and new_phone not in timeline
    # the party itself and the case's mediator (shown in full to station staff on the page and in
    # the API detail) are the only recorded displays: the history adds none
    shown = set(PersonalDataAccess.objects.values_list("content_type__model", "object_id", "field"))
    assert shown == {("party", cases["party"].pk, "phone"), ("mediator", world.mediator_t1.pk, "phone")}


def test_the_admin_change_page_records_each_number_it_shows_and_its_list_shows_none(world, client_for):
    admin = client_for("admin")
    listing = admin.get("/admin/governance/gridworker/").content.decode()
    assert world.worker_g1.phone not in listing and world.worker_g1.id_number not in listing
    users = admin.get("/admin/governance/user/").content.decode()
    assert not PersonalDataAccess.objects.exists()
    staff = world.user("station_a")
    assert not staff.phone or staff.phone not in users
    page = admin.get(f"/admin/governance/gridworker/{world.worker_g1.pk}/change/")
    assert page.status_code == 200 and world.worker_g1.phone in page.content.decode()
    rows = PersonalDataAccess.objects.filter(actor=world.user("admin"), object_id=world.worker_g1.pk)
    assert sorted(rows.values_list("field", flat=True)) == ["id_number", "phone"]
    assert {r.kind for r in rows} == {"display"}
    assert rows.first().where == f"/admin/governance/gridworker/{world.worker_g1.pk}/change/"


def test_exports_mask_every_number_and_record_nothing(world, cases, client_for):
    response = client_for("station_a").get("/cases/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    text = " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c)
    assert "吉克阿木" in text and cases["phone"] not in text
    assert not PersonalDataAccess.objects.exists()
