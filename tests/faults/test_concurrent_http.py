"""People writing to the same case at the same moment, over HTTP, on PostgreSQL: two clients
read the case, wait at a barrier, and write at once. Edit vs transition, the same transition
twice, two escalations: one write wins, the other is a 409; 0 reverted, 0 double moves."""

import json
import threading

import pytest
from django.db import connection, connections
from django.test import Client

from disputes.models import DisputeCase
from tests.conftest import require_service
from tests.disputes.helpers import report

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
