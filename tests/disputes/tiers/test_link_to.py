"""A repeat report is linked to the open case instead of opening a new one, on every intake path
(issue 14): the API's case create (``link_to``), the incident → case API and service; the
OpenAPI schema says so."""

import json

import pytest

from disputes.incidents.services import case_from_incident, incident_link_to_case
from disputes.models import Category, DisputeCase
from disputes.tiers.models import LinkedReport
from tests.factories import make_phone
from tests.stations.incidents.helpers import record

from ..helpers import report

pytestmark = pytest.mark.django_db


def _post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _body(world, phone, **kw):
    return {
        "category": "neighbour",
        "village": world.village_1.pk,
        "summary": "同一处石坎又起争执,村民打来电话反映",
        "source": "walk_in",
        "parties": [{"name": "吉克阿木", "role": "applicant", "phone": phone}],
        **kw,
    }


def test_api_create_with_link_to_links_the_report_and_makes_no_case(world, client_for):
    phone = make_phone()
    first = report(world, parties=[{"name": "吉克阿木", "role": "applicant", "phone": phone}])
    client = client_for("station_a")
    candidates = client.get("/api/v1/duplicate-candidates/", {"phone": phone}).json()
    assert [c["id"] for c in candidates] == [first.pk]
    count = DisputeCase.objects.count()
    response = _post(client, "/api/v1/cases/", _body(world, phone, link_to=first.pk))
    assert response.status_code == 200, response.content.decode()[:500]
    assert response.json()["id"] == first.pk and DisputeCase.objects.count() == count
    linked = LinkedReport.objects.get(case=first)
    assert (
        linked.source == "walk_in"
        and linked.contact_phone == phone
        and linked.reported_by.username == "station_a"
    )
    event = first.events.get(code="disputes.case.report_linked")
    assert event.note == "同一处石坎又起争执,村民打来电话反映"
    # without link_to a new case is opened, as before
    assert _post(client, "/api/v1/cases/", _body(world, phone)).status_code == 201
    assert DisputeCase.objects.count() == count + 1


def test_api_link_to_a_case_outside_the_scope_or_closed_is_a_field_error(world, client_for):
    phone = make_phone()
    theirs = report(world, "station_b", village=world.village_3)
    client = client_for("station_a")
    count = DisputeCase.objects.count()
    response = _post(client, "/api/v1/cases/", _body(world, phone, link_to=theirs.pk))
    assert response.status_code == 400 and "link_to" in response.json()
    assert "不在您的辖区内" in json.dumps(response.json(), ensure_ascii=False)
    assert DisputeCase.objects.count() == count and not LinkedReport.objects.exists()


def test_the_schema_documents_link_to(client_for):
    schema = client_for("admin").get("/api/v1/schema/", {"format": "json"})
    assert schema.status_code == 200
    text = schema.content.decode()
    assert '"link_to"' in text


def test_a_linked_incident_is_recorded_against_the_case_and_not_converted_later(world, client_for):
    phone = make_phone()
    first = report(world, parties=[{"name": "吉克阿木", "role": "applicant", "phone": phone}])
    incident = record(world, caller_phone=phone)
    count = DisputeCase.objects.count()
    response = _post(
        client_for("station_a"),
        "/api/v1/incident-cases/",
        {"incident": incident.pk, "category": "neighbour", "link_to": first.pk},
    )
    assert response.status_code == 200, response.content.decode()[:500]
    assert response.json() == {
        "case": first.pk,
        "number": first.number,
        "incident": incident.pk,
        "created": False,
        "linked": True,
    }
    assert DisputeCase.objects.count() == count
    linked = LinkedReport.objects.get(case=first)
    assert linked.incident_id == incident.pk and linked.source == "incident"
    assert first.events.filter(code="disputes.case.report_linked", note__contains=incident.number).exists()
    # converting it afterwards returns the case it was linked to; linking again makes nothing
    case, created = case_from_incident(
        actor=world.user("station_a"), incident=incident, category=Category.OTHER
    )
    assert case == first and not created and DisputeCase.objects.count() == count
    again, linked_now = incident_link_to_case(actor=world.user("station_a"), incident=incident, case=first)
    assert again == first and not linked_now and LinkedReport.objects.count() == 1


def test_the_phones_resend_gets_the_duplicate_choice_then_links_when_chosen(world, client_for):
    """report-draft.js sends with Accept: application/json: a possible duplicate is a 409 with the
    candidates (nothing saved); resent with the user's choice, it is linked."""
    from django.urls import reverse

    phone = make_phone()
    first = report(world, grid=world.grid_1a, parties=[{"name": "吉克", "role": "applicant", "phone": phone}])
    client = client_for("grid_g1")
    form = {
        "client_key": "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b",
        "grid": world.grid_1a.pk,
        "category": "neighbour",
        "summary": "又吵起来了",
        "people_involved": "2",
        "name_1": "吉克",
        "phone_1": phone,
    }
    count = DisputeCase.objects.count()
    offered = client.post(reverse("mobile:report"), form, HTTP_ACCEPT="application/json")
    assert offered.status_code == 409
    assert [c["id"] for c in offered.json()["duplicates"]] == [first.pk]
    assert DisputeCase.objects.count() == count and not LinkedReport.objects.exists()
    linked = client.post(
        reverse("mobile:report"), {**form, "duplicate_choice": str(first.pk)}, HTTP_ACCEPT="application/json"
    )
    assert linked.status_code == 200 and linked.json()["id"] == first.pk and linked.json()["linked"] is True
    assert DisputeCase.objects.count() == count and LinkedReport.objects.get().case == first
    # the outbox sends the chosen link again (the answer was lost): linked once, one event
    resent = client.post(
        reverse("mobile:report"), {**form, "duplicate_choice": str(first.pk)}, HTTP_ACCEPT="application/json"
    )
    assert resent.status_code == 200 and resent.json() == {**linked.json(), "resent": True}
    assert LinkedReport.objects.count() == 1
    assert first.events.filter(code="disputes.case.report_linked").count() == 1
    # another submission, "new": a case after all, once
    form["client_key"] = "7a2b3c4d-5e6f-4a70-8b9c-0d1e2f3a4b5c"
    new = client.post(
        reverse("mobile:report"), {**form, "duplicate_choice": "new"}, HTTP_ACCEPT="application/json"
    )
    assert new.status_code == 201 and DisputeCase.objects.count() == count + 1
    again = client.post(reverse("mobile:report"), form, HTTP_ACCEPT="application/json")
    assert again.status_code == 200 and again.json()["resent"] is True  # the same key: the case made


def test_an_api_link_resent_with_its_client_key_links_once(world, client_for):
    phone = make_phone()
    first = report(world, parties=[{"name": "吉克阿木", "role": "applicant", "phone": phone}])
    client = client_for("station_a")
    body = _body(world, phone, link_to=first.pk, client_key="0b1c2d3e-4f50-4a61-8b72-9c8d7e6f5a4b")
    answers = [_post(client, "/api/v1/cases/", body) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert {a.json()["id"] for a in answers} == {first.pk}
    assert LinkedReport.objects.filter(case=first).count() == 1
    assert first.events.filter(code="disputes.case.report_linked").count() == 1


def test_a_chosen_link_that_is_refused_makes_no_new_case(world, client_for):
    """The user chose 'the same dispute'; meanwhile that case was closed: the phone says so and
    nothing is made (never a new case the user did not ask for)."""
    from django.urls import reverse

    from disputes.tiers import intake

    phone = make_phone()
    first = report(world, grid=world.grid_1a, parties=[{"name": "吉克", "role": "applicant", "phone": phone}])
    client = client_for("grid_g1")
    form = {
        "client_key": "1c2d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e4f5",
        "grid": world.grid_1a.pk,
        "category": "neighbour",
        "summary": "又吵起来了",
        "people_involved": "2",
        "name_1": "吉克",
        "phone_1": phone,
        "duplicate_choice": str(first.pk),
    }
    original = intake.link

    def link_after_the_case_closed(**kw):  # the race: the case closes between the offer and the link

        DisputeCase.objects.filter(pk=first.pk).update(status="closed")
        kw["case"].status = "closed"
        return original(**kw)

    count = DisputeCase.objects.count()
    intake.link = link_after_the_case_closed
    try:
        answer = client.post(reverse("mobile:report"), form, HTTP_ACCEPT="application/json")
    finally:
        intake.link = original
    assert answer.status_code in (400, 409) and answer.json()["detail"]
    assert DisputeCase.objects.count() == count and not LinkedReport.objects.exists()


def test_a_closed_case_is_refused_as_link_to_the_same_way_on_the_case_and_incident_apis(world, client_for):
    from tests.disputes.helpers import to_closed

    phone = make_phone()
    closed = to_closed(
        world, report(world, parties=[{"name": "吉克阿木", "role": "applicant", "phone": phone}])
    )
    client = client_for("station_a")
    by_case = _post(client, "/api/v1/cases/", _body(world, phone, link_to=closed.pk))
    incident = record(world, caller_phone=phone)
    by_incident = _post(
        client,
        "/api/v1/incident-cases/",
        {"incident": incident.pk, "category": "neighbour", "link_to": closed.pk},
    )
    assert by_case.status_code == by_incident.status_code == 400
    assert by_case.json()["link_to"] == by_incident.json()["link_to"]
    assert not LinkedReport.objects.exists()
