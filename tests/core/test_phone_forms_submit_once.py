"""Every phone form, page and API, carries a client key: the same key twice makes one record
(the resend answers like the first: the same redirect, or 200 with the same id), two keys make
two, and a malformed key is a 400 in Chinese with nothing written (core.submissions)."""

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import ClientSubmission
from disputes import risk
from disputes.models import DisputeCase
from patrols.models import Patrol, PatrolCheckIn
from patrols.visits import services as visit_services
from patrols.visits.models import GridCheckIn
from screening.models import ScreeningReport
from stations.models import VillageVisit
from tests.disputes.helpers import report
from tests.disputes.mobile.test_mobile import form_data as report_form
from tests.patrols.helpers import plan
from tests.screening.helpers import open_round

pytestmark = pytest.mark.django_db

BAD_KEYS = ["not-a-uuid", "1234", "g" * 32]
MESSAGE = "提交键 client_key 格式不正确"


def _api(world, name):
    client = APIClient()
    client.force_authenticate(world.user(name))
    return client


def _key() -> str:
    return str(uuid.uuid4())


# --- village check-in (驻村签到) -------------------------------------------------------------
def _village(world, **kw):
    return {"village": str(world.village_1.pk), "activity": "visit", "note": "入户走访", **kw}


def test_village_check_in_page_once_per_key(world, client_for):
    client = client_for("aux_v1")
    url = reverse("stations:checkin")
    key = _key()
    first = client.post(url, _village(world, client_key=key))
    again = client.post(url, _village(world, client_key=key))
    assert first.status_code == again.status_code == 302 and first["Location"] == again["Location"]
    assert VillageVisit.objects.count() == 1
    client.post(url, _village(world, client_key=_key()))
    assert VillageVisit.objects.count() == 2
    assert ClientSubmission.objects.filter(form="stations.village_check_in").count() == 2


def test_village_check_in_api_once_per_key(world):
    client = _api(world, "aux_v1")
    body = {"village": world.village_1.pk, "activity": "visit", "client_key": _key()}
    first = client.post("/api/v1/village-visits/", body, format="json")
    again = client.post("/api/v1/village-visits/", body, format="json")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"] and VillageVisit.objects.count() == 1
    other = client.post("/api/v1/village-visits/", {**body, "client_key": _key()}, format="json")
    assert other.status_code == 201 and VillageVisit.objects.count() == 2


@pytest.mark.parametrize("bad", BAD_KEYS)
def test_village_check_in_bad_key_is_a_400(world, client_for, bad):
    page = client_for("aux_v1").post(reverse("stations:checkin"), _village(world, client_key=bad))
    assert page.status_code == 400 and MESSAGE in page.content.decode()
    api = _api(world, "aux_v1").post(
        "/api/v1/village-visits/",
        {"village": world.village_1.pk, "activity": "visit", "client_key": bad},
        format="json",
    )
    assert api.status_code == 400 and MESSAGE in api.json()["client_key"][0]
    assert not VillageVisit.objects.exists() and not ClientSubmission.objects.exists()


def test_the_check_in_page_carries_a_fresh_key(world, client_for):
    client = client_for("aux_v1")
    one = client.get(reverse("stations:checkin")).content.decode()
    two = client.get(reverse("stations:checkin")).content.decode()
    assert 'name="client_key"' in one and "data-outbox" in one
    key = one.split('name="client_key" value="')[1][:36]
    assert str(uuid.UUID(key)) == key and key not in two


# --- visit-task (grid) check-in (核查走访签到) --------------------------------------------------
@pytest.fixture
def visit(world):
    case = report(
        world,
        grid=world.grid_1a,
        category="labour_debt",
        people_involved=12,
        threat_flag=True,
        amount_involved=150000,
    )
    risk.assess_case(case=case)
    visit_services.risk_visits_create(now=timezone.now())
    return case.risk_visits.get()


def test_visit_check_in_page_once_per_key(world, client_for, visit):
    client = client_for("grid_g1")
    url = reverse("visits:check-in", args=[visit.pk])
    key = _key()
    body = {"note": "已核查", "outcome": "stable", "next": "/visits/m/", "client_key": key}
    first = client.post(url, body)
    again = client.post(url, body)
    assert (
        first.status_code == again.status_code == 302
        and first["Location"] == again["Location"] == "/visits/m/"
    )
    assert GridCheckIn.objects.count() == 1
    client.post(url, {"note": "再次核查", "outcome": "stable", "client_key": _key()})
    assert GridCheckIn.objects.count() == 2


def test_visit_check_in_api_once_per_key(world, visit):
    client = _api(world, "grid_g1")
    url = f"/api/v1/visits/{visit.pk}/check-in/"
    body = {"note": "已入户核查", "outcome": "met_parties", "client_key": _key()}
    first = client.post(url, body, format="json")
    again = client.post(url, body, format="json")
    assert (
        first.status_code == again.status_code == 200 and first.json()["id"] == again.json()["id"] == visit.pk
    )
    assert GridCheckIn.objects.count() == 1
    client.post(url, {**body, "client_key": _key()}, format="json")
    assert GridCheckIn.objects.count() == 2


@pytest.mark.parametrize("bad", BAD_KEYS)
def test_visit_check_in_bad_key_is_a_400(world, client_for, visit, bad):
    page = client_for("grid_g1").post(reverse("visits:check-in", args=[visit.pk]), {"client_key": bad})
    assert page.status_code == 400 and MESSAGE in page.content.decode()
    api = _api(world, "grid_g1").post(
        f"/api/v1/visits/{visit.pk}/check-in/", {"client_key": bad}, format="json"
    )
    assert api.status_code == 400 and MESSAGE in api.json()["client_key"][0]
    assert not GridCheckIn.objects.exists()


def test_a_bad_key_outside_the_scope_is_still_a_404(world, client_for, visit):
    response = client_for("station_b").post(reverse("visits:check-in", args=[visit.pk]), {"client_key": "x"})
    assert response.status_code == 404


# --- patrol checkpoint check-in (巡逻打卡) ----------------------------------------------------
@pytest.fixture
def patrol(world, client_for):
    p = plan(world)
    client_for("aux_v1").post(reverse("patrols:patrol-start", args=[p.pk]))
    return Patrol.objects.get()


def test_patrol_check_in_page_once_per_key(world, client_for, patrol):
    client = client_for("aux_v1")
    url = reverse("patrols:patrol-checkin", args=[patrol.pk])
    first_stop, second_stop = patrol.plan.checkpoints.order_by("order")[:2]
    key = _key()
    first = client.post(url, {"checkpoint": first_stop.pk, "client_key": key})
    again = client.post(url, {"checkpoint": first_stop.pk, "client_key": key})
    assert first.status_code == again.status_code == 302 and first["Location"] == again["Location"]
    assert PatrolCheckIn.objects.count() == 1
    client.post(url, {"checkpoint": second_stop.pk, "client_key": _key()})
    assert PatrolCheckIn.objects.count() == 2


def test_patrol_check_in_api_once_per_key(world, patrol):
    client = _api(world, "aux_v1")
    url = f"/api/v1/patrols/{patrol.pk}/check-in/"
    first_stop, second_stop = patrol.plan.checkpoints.order_by("order")[:2]
    body = {"checkpoint": first_stop.pk, "client_key": _key()}
    first = client.post(url, body, format="json")
    again = client.post(url, body, format="json")
    assert first.status_code == 201 and again.status_code == 200 and first.json()["id"] == again.json()["id"]
    other = client.post(url, {"checkpoint": second_stop.pk, "client_key": _key()}, format="json")
    assert other.status_code == 201 and PatrolCheckIn.objects.count() == 2


@pytest.mark.parametrize("bad", BAD_KEYS)
def test_patrol_check_in_bad_key_is_a_400(world, client_for, patrol, bad):
    stop = patrol.plan.checkpoints.order_by("order").first()
    page = client_for("aux_v1").post(
        reverse("patrols:patrol-checkin", args=[patrol.pk]), {"checkpoint": stop.pk, "client_key": bad}
    )
    assert page.status_code == 400 and MESSAGE in page.content.decode()
    api = _api(world, "aux_v1").post(
        f"/api/v1/patrols/{patrol.pk}/check-in/", {"checkpoint": stop.pk, "client_key": bad}, format="json"
    )
    assert api.status_code == 400 and MESSAGE in api.json()["client_key"][0]
    assert not PatrolCheckIn.objects.exists()


# --- screening report and zero-report (排查报告、零报告) ----------------------------------------
# One report per grid and round: a second key cannot make a second report, it is refused.
ITEMS = {
    "action": "items",
    "items-TOTAL_FORMS": "1",
    "items-INITIAL_FORMS": "0",
    "items-0-area": "family_neighbour",
    "items-0-description": "两户因宅基地边界争执",
}


@pytest.mark.parametrize(
    "data", [{"action": "zero", "confirm": "1", "note": "走访32户"}, ITEMS], ids=["zero", "items"]
)
def test_screening_report_once_per_key(world, client_for, data):
    open_round()
    if data["action"] == "items":  # a finding linked to an open case of the grid
        data = {**data, "items-0-case": str(report(world, grid=world.grid_1a).pk)}
    client = client_for("grid_g1")
    url = reverse("screening:mobile")
    key = _key()
    first = client.post(url, {**data, "client_key": key})
    again = client.post(url, {**data, "client_key": key})
    assert first.status_code == again.status_code == 302 and first["Location"] == again["Location"]
    assert ScreeningReport.objects.count() == 1
    # the resend is not told "already filed": it is the same submission
    assert "该网格本轮已提交排查报告" not in client.get(url).content.decode()
    other = client.post(url, {**data, "client_key": _key()})  # a new submission: refused
    assert other.status_code == 200 and "该网格本轮已提交排查报告" in other.content.decode()
    assert ScreeningReport.objects.count() == 1


@pytest.mark.parametrize("bad", BAD_KEYS)
def test_screening_report_bad_key_is_a_400(world, client_for, bad):
    open_round()
    response = client_for("grid_g1").post(
        reverse("screening:mobile"), {"action": "zero", "confirm": "1", "client_key": bad}
    )
    assert response.status_code == 400 and MESSAGE in response.content.decode()
    assert not ScreeningReport.objects.exists()


# --- the dispute report (上报矛盾纠纷) ---------------------------------------------------------
def test_dispute_report_page_two_keys_two_cases(world, client_for):
    client = client_for("grid_g1")
    key = _key()
    first = client.post(reverse("mobile:report"), report_form(world, client_key=key))
    again = client.post(reverse("mobile:report"), report_form(world, client_key=key))
    assert first.status_code == again.status_code == 302 and first["Location"] == again["Location"]
    assert DisputeCase.objects.count() == 1
    other = report_form(
        world,
        summary="另一起:两户因放牧争执。",
        name_1="阿牛",
        name_2="木呷",
        address="三组",
        client_key=_key(),
    )
    assert client.post(reverse("mobile:report"), other).status_code == 302
    assert DisputeCase.objects.count() == 2


@pytest.mark.parametrize("bad", BAD_KEYS)
def test_dispute_report_bad_key_is_a_400(world, client_for, bad):
    client = client_for("grid_g1")
    page = client.post(reverse("mobile:report"), report_form(world, client_key=bad))
    assert page.status_code == 400 and MESSAGE in page.content.decode()
    script = client.post(
        reverse("mobile:report"), report_form(world, client_key=bad), HTTP_ACCEPT="application/json"
    )
    assert script.status_code == 400 and MESSAGE in script.json()["errors"]["client_key"][0]
    assert not DisputeCase.objects.exists()


# --- the outbox's answers (core.middleware.OutboxMiddleware) ----------------------------------
def test_outbox_posts_get_json_for_a_redirect_and_400_for_a_refused_form(world, client_for):
    client = client_for("aux_v1")
    url = reverse("stations:checkin")
    ok = client.post(url, _village(world, client_key=_key()), HTTP_X_OUTBOX="1")
    assert ok.status_code == 200 and ok.json() == {"ok": True, "location": url}
    assert "已签到" in client.get(url).content.decode()  # the page's message waits for the next page
    refused = client.post(url, {"village": "", "client_key": _key()}, HTTP_X_OUTBOX="1")
    assert refused.status_code == 400 and "f-error" in refused.content.decode()
    assert VillageVisit.objects.count() == 1


def test_outbox_post_with_an_expired_login_is_a_401(world, client):
    response = client.post(reverse("stations:checkin"), {"client_key": _key()}, HTTP_X_OUTBOX="1")
    assert response.status_code == 401 and "登录已过期" in response.json()["message"]


# --- case feedback: the reply to a supervision (反馈督办), page and API -------------------------
@pytest.fixture
def supervision(world):
    import datetime as dt

    from disputes.tiers import services as tiers

    case = report(world)
    return tiers.supervision_open(
        actor=world.user("county"),
        case=case,
        reason="请加快",
        reply_by=timezone.now() + dt.timedelta(hours=2),
    )


def test_supervision_reply_page_once_per_key(world, client_for, supervision):
    from disputes.tiers.models import SupervisionReply

    client = client_for("station_a")
    url = reverse("tiers:case-action", args=[supervision.case.pk, "supervision-reply"])
    data = {"t-supervision-reply-supervision": supervision.pk, "t-supervision-reply-text": "已调解一次"}
    key = _key()
    first = client.post(url, {**data, "client_key": key})
    again = client.post(url, {**data, "client_key": key})
    assert first.status_code == again.status_code == 302 and first["Location"] == again["Location"]
    assert SupervisionReply.objects.count() == 1
    client.post(url, {**data, "client_key": _key()})
    assert SupervisionReply.objects.count() == 2
    bad = client.post(url, {**data, "client_key": "x"})
    assert (
        bad.status_code == 400 and MESSAGE in bad.content.decode() and SupervisionReply.objects.count() == 2
    )
    assert client_for("station_b").post(url, {**data, "client_key": "x"}).status_code == 404


def test_supervision_reply_api_once_per_key(world, supervision):
    from disputes.tiers.models import SupervisionReply

    client = _api(world, "station_a")
    url = f"/api/v1/cases/{supervision.case.pk}/supervise/replies/"
    body = {"supervision": supervision.pk, "text": "已调解一次", "client_key": _key()}
    first = client.post(url, body, format="json")
    again = client.post(url, body, format="json")
    assert first.status_code == 201 and again.status_code == 200 and first.json()["id"] == again.json()["id"]
    assert client.post(url, {**body, "client_key": _key()}, format="json").status_code == 201
    bad = client.post(url, {**body, "client_key": "nope"}, format="json")
    assert bad.status_code == 400 and MESSAGE in bad.json()["client_key"][0]
    assert SupervisionReply.objects.count() == 2


def test_dispute_report_api_two_keys_two_cases_and_a_bad_key_is_a_400(world):
    from tests.disputes.test_api import case_payload

    client = _api(world, "grid_g1")
    first = client.post(
        "/api/v1/cases/", case_payload(world, source="grid_report", client_key=_key()), format="json"
    )
    assert first.status_code == 201
    other = case_payload(world, source="grid_report", summary="另一起:两户因放牧争执。", client_key=_key())
    second = client.post("/api/v1/cases/", other, format="json")
    assert second.status_code == 201 and second.json()["id"] != first.json()["id"]
    bad = client.post(
        "/api/v1/cases/", case_payload(world, source="grid_report", client_key="nope"), format="json"
    )
    assert bad.status_code == 400 and "client_key" in bad.json()
    assert DisputeCase.objects.count() == 2
