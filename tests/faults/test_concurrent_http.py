"""People writing to the same case at the same moment, over HTTP, on PostgreSQL: two clients
read the case, wait at a barrier, and write at once. Edit vs transition, the same transition
twice, two escalations: one write wins, the other is a 409; 0 reverted, 0 double moves. Then
three people at once: an edit racing each transition taken twice (accept, not accept, start
mediation, mark failed, close, reopen, escalate), three escalations, and the records of a case
(a party edited, a referral answered, an agreement's performance) — exact counts each time."""

import json
import threading

import pytest
from django.db import connection, connections
from django.test import Client

from disputes import services
from disputes.models import DisputeCase
from governance.models import User
from stations import services as st
from tests.conftest import require_service
from tests.disputes.helpers import agreement_data, report
from tests.factories import UserFactory, make_phone

pytestmark = [pytest.mark.services, pytest.mark.faults, pytest.mark.django_db(transaction=True)]
ROUNDS = 8


def _race(writes) -> list[int]:
    """Run the writes at once (one thread and client each); their status codes."""
    barrier = threading.Barrier(len(writes))
    codes: list[int] = [0] * len(writes)

    def run(i, user, write):
        try:
            client = Client()
            client.force_login(user)
            barrier.wait(timeout=30)
            codes[i] = write(client).status_code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, u, w)) for i, (u, w) in enumerate(writes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return codes


def _edit(case, etag, summary):
    return lambda c: c.patch(
        f"/api/v1/cases/{case.pk}/",
        data=json.dumps({"summary": summary}),
        content_type="application/json",
        headers={"If-Match": etag},
    )


def _post(case, action, etag, body):
    return lambda c: c.post(f"/api/v1/cases/{case.pk}/{action}/", body, headers={"If-Match": etag})


@pytest.fixture(autouse=True)
def _postgres():
    require_service("PostgreSQL", connection.vendor == "postgresql", "the test database is not PostgreSQL")


def test_an_edit_racing_an_accept_never_puts_the_status_back(world):
    staff = world.user("station_a")
    for i in range(ROUNDS):
        case = report(world, grid=world.grid_1a)
        etag = f'"{case.version}"'
        summary = f"第{i}次编辑后的案情说明。"
        edit, accept = _race([(staff, _edit(case, etag, summary)), (staff, _post(case, "accept", etag, {}))])
        assert sorted((edit, accept)) == [200, 409]
        case.refresh_from_db()
        if accept == 200:
            assert case.status == "accepted" and case.summary != summary  # the edit was refused
        else:
            assert case.status == "reported" and case.summary == summary  # the accept was refused
        assert case.version == 1


def test_the_same_transition_twice_at_once_moves_once(world):
    staff, other = world.user("station_a"), world.user("admin")
    for _ in range(ROUNDS):
        case = report(world, grid=world.grid_1a)
        etag = f'"{case.version}"'
        codes = _race([(staff, _post(case, "accept", etag, {})), (other, _post(case, "accept", etag, {}))])
        assert sorted(codes) == [200, 409]
        case.refresh_from_db()
        assert case.status == "accepted" and case.events.filter(code="disputes.case.accepted").count() == 1


def test_two_escalations_at_once_raise_the_case_one_level(world):
    staff, other = world.user("station_a"), world.user("admin")
    for _ in range(ROUNDS):
        case = report(world, grid=world.grid_1a)
        etag = f'"{case.version}"'
        body = {"reason": "情况复杂,需上级协调"}
        codes = _race(
            [(staff, _post(case, "escalate", etag, body)), (other, _post(case, "escalate", etag, body))]
        )
        assert sorted(codes) == [200, 409]
        case.refresh_from_db()
        assert (case.level, case.escalation_count) == ("village", 1)
        assert DisputeCase.objects.get(pk=case.pk).events.filter(code="disputes.case.escalated").count() == 1


# --- Edit vs each transition, and each transition twice, with three people at once --------
def _reported(world):
    return report(world, grid=world.grid_1a)


def _accepted(world):
    case = _reported(world)
    services.case_accept(actor=world.user("station_a"), case=case)
    return case


def _in_mediation(world):
    case = _accepted(world)
    services.case_start_mediation(actor=world.user("station_a"), case=case)
    return case


def _performed(world):
    case = _in_mediation(world)
    staff = world.user("station_a")
    agreement = services.agreement_create(actor=staff, case=case, **agreement_data())
    services.agreement_set_performance(actor=staff, agreement=agreement, status="performed")
    return case


def _closed(world):
    case = _performed(world)
    services.case_close(actor=world.user("station_a"), case=case, note="协议已履行完毕")
    return case


REASON = {"reason": "当事人情况有变,需另行处理"}
# action, the state it starts from, its body, the status it moves to, its timeline code
TRANSITIONS = [
    ("accept", _reported, {}, "accepted", "disputes.case.accepted"),
    ("not-accept", _reported, REASON, "not_accepted", "disputes.case.not_accepted"),
    ("start-mediation", _accepted, {}, "in_mediation", "disputes.case.mediation_started"),
    ("mark-failed", _in_mediation, REASON, "mediation_failed", "disputes.case.mediation_failed"),
    ("close", _performed, {}, "closed", "disputes.case.closed"),
    ("reopen", _closed, REASON, "reopened", "disputes.case.reopened"),
    ("escalate", _accepted, REASON, None, "disputes.case.escalated"),
]
THREE_ROUNDS = 3


@pytest.fixture
def colleague(world):
    """A second officer of station A: three people who may all make the same write."""
    user = UserFactory.create(username="station_a2", role=User.Role.STATION, full_name="甲所民警二")
    st.officer_create(
        actor=world.user("admin"),
        station=world.station_a,
        name="甲所民警二",
        badge_number="100003",
        phone=make_phone(),
        user=user,
    )
    return user


@pytest.mark.parametrize(
    ("action", "start", "body", "to", "code"), TRANSITIONS, ids=[t[0] for t in TRANSITIONS]
)
def test_an_edit_racing_the_same_transition_twice_one_write_wins(
    world, colleague, action, start, body, to, code
):
    """Three people on one version: an editor and two people taking the same transition. Exactly
    one write wins, the other two are 409s: the status is never put back, the case never moves
    twice, the timeline has exactly the events of the write that won."""
    editor, first, second = world.user("station_a"), world.user("admin"), colleague
    outcomes = {"edit": 0, "move": 0}
    for i in range(THREE_ROUNDS):
        case = start(world)
        before = DisputeCase.objects.get(pk=case.pk)
        moves_before = before.events.filter(code=code).count()
        etag = f'"{before.version}"'
        summary = f"第{i}次编辑后的案情说明({action})。"
        codes = _race(
            [
                (editor, _edit(case, etag, summary)),
                (first, _post(case, action, etag, body)),
                (second, _post(case, action, etag, body)),
            ]
        )
        assert sorted(codes) == [200, 409, 409], codes
        after = DisputeCase.objects.get(pk=case.pk)
        assert after.version == before.version + 1
        moves = after.events.filter(code=code).count() - moves_before
        edits = after.events.filter(code="disputes.case.updated").count()
        if codes[0] == 200:  # the edit won: nothing moved, the edit is there
            outcomes["edit"] += 1
            assert (after.status, after.level, after.summary) == (before.status, before.level, summary)
            assert (moves, edits) == (0, 1)
        else:  # one transition won: moved once, the edit refused
            outcomes["move"] += 1
            assert after.summary == before.summary and (moves, edits) == (1, 0)
            if to is not None:
                assert after.status == to
            else:
                assert (after.level, after.escalation_count) == ("village", before.escalation_count + 1)
    assert sum(outcomes.values()) == THREE_ROUNDS


def test_three_escalations_at_once_raise_the_case_one_level(world, colleague):
    users = [world.user("station_a"), world.user("admin"), colleague]
    for _ in range(THREE_ROUNDS):
        case = _accepted(world)
        etag = f'"{case.version}"'
        codes = _race([(u, _post(case, "escalate", etag, REASON)) for u in users])
        assert sorted(codes) == [200, 409, 409]
        case.refresh_from_db()
        assert (case.level, case.escalation_count) == ("village", 1)
        assert case.events.filter(code="disputes.case.escalated").count() == 1


# --- The records of a case --------------------------------------------------------------
def _json(method, url, body, etag):
    return lambda c: getattr(c, method)(
        url, data=json.dumps(body), content_type="application/json", headers={"If-Match": etag}
    )


def test_three_edits_of_one_party_at_once_one_wins(world, colleague):
    users = [world.user("station_a"), world.user("admin"), colleague]
    for i in range(THREE_ROUNDS):
        party = _reported(world).parties.get(role="applicant")
        etag = f'"{party.version}"'
        url = f"/api/v1/parties/{party.pk}/"
        names = [f"吉克阿木{i}{n}" for n in "甲乙丙"]
        codes = _race([(u, _json("patch", url, {"name": names[n]}, etag)) for n, u in enumerate(users)])
        assert sorted(codes) == [200, 409, 409]
        party.refresh_from_db()
        assert party.name == names[codes.index(200)] and party.version == 1
        assert party.case.events.filter(code="disputes.party.updated").count() == 1


def test_two_answers_to_one_referral_at_once_one_is_recorded(world, colleague):
    users = [world.user("station_a"), world.user("admin"), colleague]
    for i in range(THREE_ROUNDS):
        case = _accepted(world)
        referral = services.referral_create(
            actor=world.user("station_a"),
            case=case,
            kind="department",
            department="hrss",
            target_name="县人社局",
            reason="欠薪",
        )
        etag = f'"{referral.version}"'
        url = f"/api/v1/referrals/{referral.pk}/update/"
        answers = [f"第{i}次答复{n}" for n in "甲乙丙"]
        codes = _race(
            [
                (u, _json("post", url, {"status": "answered", "answer": answers[n]}, etag))
                for n, u in enumerate(users)
            ]
        )
        assert sorted(codes) == [200, 409, 409]
        referral.refresh_from_db()
        assert (referral.status, referral.answer, referral.version) == (
            "answered",
            answers[codes.index(200)],
            1,
        )
        assert case.events.filter(code="disputes.referral.updated").count() == 1


def test_two_performance_records_of_one_agreement_at_once_move_the_case_once(world, colleague):
    users = [world.user("station_a"), world.user("admin"), colleague]
    for _ in range(THREE_ROUNDS):
        case = _in_mediation(world)
        agreement = services.agreement_create(actor=world.user("station_a"), case=case, **agreement_data())
        etag = f'"{agreement.version}"'
        url = f"/api/v1/agreements/{agreement.pk}/performance/"
        codes = _race([(u, _json("post", url, {"status": "performed"}, etag)) for u in users])
        assert sorted(codes) == [200, 409, 409]
        case.refresh_from_db()
        assert case.status == "performed"
        assert case.events.filter(code="disputes.agreement.performance").count() == 1
        assert case.events.filter(code="disputes.case.performed").count() == 1
