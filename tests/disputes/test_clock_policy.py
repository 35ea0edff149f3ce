"""The rest of the case clock and of risk on change: an extension request reaches the people who
may approve it; a rise in risk after acceptance shortens the handling deadline (on change and in
the nightly sweep); recusal is checked again when a mediator is assigned or a relation recorded,
and a conflict can be confirmed through the API; an imported 110 batch re-scores the cases from
its sources at once."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import Notification
from disputes import services, sweeps
from disputes.models import DisputeCase, Level
from stations.incidents.services import incident_import_start

from ..stations.incidents.helpers import csv_bytes, row
from .helpers import report

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def calendar_days(settings):
    settings.DISPUTES = {**settings.DISPUTES, "WORKING_DAYS": {"handling": False, "extension": False}}


def test_an_extension_request_tells_those_who_may_approve_it_and_nobody_else(world):
    case = report(world)  # a walk-in: village level → station staff (township) or county approve
    services.case_accept(actor=world.user("station_a"), case=case)
    extension = services.extension_request(
        actor=world.user("aux_v1"), case=case, days=10, reason="当事人外出务工"
    )
    told = set(
        Notification.objects.filter(kind="case.extension_requested").values_list(
            "recipient__username", flat=True
        )
    )
    assert {"station_a", "county", "admin"} <= told
    # the requester, the village level itself and the station outside the scope are not asked
    assert not told & {"aux_v1", "station_b", "grid_g1", "mediator_t1"}
    note = Notification.objects.filter(kind="case.extension_requested", recipient__username="station_a").get()
    assert case.number in note.title and note.url == f"/cases/{case.pk}/" and extension.reason in note.body


def test_a_rise_to_orange_after_acceptance_shortens_the_handling_deadline_from_the_rise(world):
    staff = world.user("station_a")
    case = report(world)
    services.case_accept(actor=staff, case=case)
    case.refresh_from_db()
    assert case.risk_level == "blue" and case.level == Level.VILLAGE
    thirty = case.due_at
    before = timezone.now()
    services.case_update(actor=staff, case=case, data={"threat_flag": True, "people_involved": 8})
    case.refresh_from_db()
    assert case.risk_level == "orange", case.risk_score
    assert case.level == Level.VILLAGE  # orange has no minimum level above the grid
    assert before + 15 * DAY <= case.due_at <= timezone.now() + 15 * DAY < thirty
    event = case.events.get(code="disputes.case.deadline_shortened")
    assert event.actor is None and "橙" in event.note and len(event.changes["due_at"]) == 2
    # a second change at the same level moves nothing
    services.case_update(actor=staff, case=case, data={"people_involved": 9})
    assert case.events.filter(code="disputes.case.deadline_shortened").count() == 1


def test_a_deadline_already_shorter_is_never_moved_later(world):
    staff = world.user("station_a")
    case = report(world)
    services.case_accept(actor=staff, case=case)
    soon = timezone.now() + 3 * DAY
    DisputeCase.objects.filter(pk=case.pk).update(due_at=soon)
    case.refresh_from_db()
    services.case_update(actor=staff, case=case, data={"threat_flag": True, "people_involved": 8})
    case.refresh_from_db()
    assert case.risk_level == "orange" and case.due_at == soon
    assert not case.events.filter(code="disputes.case.deadline_shortened").exists()


def test_the_nightly_sweep_shortens_the_deadline_of_a_case_that_turned_orange(world):
    case = report(world)
    services.case_accept(actor=world.user("station_a"), case=case)
    DisputeCase.objects.filter(pk=case.pk).update(risk_level="orange", risk_score=55)  # as the nightly run
    sweeps.escalate_to_risk_minimum(now=timezone.now())
    case.refresh_from_db()
    assert case.due_at <= timezone.now() + 15 * DAY
    assert case.events.filter(code="disputes.case.deadline_shortened").count() == 1
    sweeps.escalate_to_risk_minimum(now=timezone.now())  # twice: nothing more
    assert case.events.filter(code="disputes.case.deadline_shortened").count() == 1


def test_assigning_a_mediator_checks_the_ones_already_on_the_case_again(world):
    staff = world.user("station_a")
    case = report(world)
    services.case_accept(actor=staff, case=case)
    first = services.mediator_assign(actor=staff, case=case, mediator=world.mediator_t1)
    # a relation of the first mediator to a party recorded since the assignment flags it at once
    services.mediator_relation_add(
        actor=staff, mediator=world.mediator_t1, person_name="沙马拉哈", relation="表亲"
    )
    first.refresh_from_db()
    assert first.has_open_conflict and "沙马拉哈" in first.conflict_found
    assert case.events.filter(code="disputes.mediator.conflict_found").count() == 1


def test_the_api_confirms_a_conflict_with_a_written_reason(world):
    staff = world.user("station_a")
    case = report(world)
    services.case_accept(actor=staff, case=case)
    assignment = services.mediator_assign(actor=staff, case=case, mediator=world.mediator_t1)
    services.party_add(actor=staff, case=case, name="阿说木呷", role="other", clan="阿说")
    api = APIClient()
    api.force_login(staff)
    url = f"/api/v1/cases/{case.pk}/confirm-conflict/"
    detail = api.get(f"/api/v1/cases/{case.pk}/").json()
    shown = [m for m in detail["mediators"] if m["mediator"] == world.mediator_t1.pk]
    assert shown and shown[0]["has_open_conflict"] is True and "阿说" in shown[0]["conflict_found"]
    refused = api.post(url, {"mediator": world.mediator_t1.pk, "reason": " "}, format="json")
    assert refused.status_code == 400 and "理由" in str(refused.json())
    unknown = api.post(url, {"mediator": 999_999, "reason": "双方同意"}, format="json")
    assert unknown.status_code == 400
    done = api.post(url, {"mediator": world.mediator_t1.pk, "reason": "双方均同意由其调解"}, format="json")
    assert done.status_code == 200, done.json()
    assignment.refresh_from_db()
    assert not assignment.has_open_conflict and assignment.conflict_resolution == "双方均同意由其调解"
    assert case.events.filter(code="disputes.mediator.conflict_confirmed").count() == 1
    again = api.post(url, {"mediator": world.mediator_t1.pk, "reason": "再次确认"}, format="json")
    assert again.status_code == 409
    # outside the scope: 404
    other = APIClient()
    other.force_login(world.user("station_b"))
    assert (
        other.post(url, {"mediator": world.mediator_t1.pk, "reason": "x"}, format="json").status_code == 404
    )


def test_an_imported_batch_of_repeat_incidents_rescores_the_case_at_once(world):
    case = report(world, address="3组12号")
    services.party_update(
        actor=world.user("station_a"), party=case.parties.get(name="沙马拉哈"), data={"phone": "13900000001"}
    )
    before = case.risk_assessments.count()
    now = timezone.localtime()
    when = (now - dt.timedelta(hours=3)).strftime("%Y-%m-%d %H:%M")
    content = csv_bytes([row(f"IMP{n}", when=when, phone="13900000001" if n % 2 else "") for n in range(3)])
    job = incident_import_start(
        actor=world.user("station_a"), station=world.station_a, file_name="export.csv", content=content
    )
    assert job.created_count == 3, job.errors
    case.refresh_from_db()
    assert case.risk_assessments.count() == before + 1  # once for the whole batch
    latest = case.risk_assessments.latest("assessed_at")
    assert latest.trigger == "on_change" and latest.factors["repeat_incidents"]["value"] == 3
    # an unrelated open case is not re-scored
    other = report(world, address="五组1号", parties=[{"name": "阿于木呷", "role": "applicant"}])
    count = other.risk_assessments.count()
    content = csv_bytes([row("IMP9", when=when, address="3组12号", phone="")])
    incident_import_start(
        actor=world.user("station_a"), station=world.station_a, file_name="b.csv", content=content
    )
    assert other.risk_assessments.count() == count
