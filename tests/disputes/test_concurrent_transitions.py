"""Two people act on the same case at once: exactly one wins, the other is told."""

import threading

import pytest
from django.db import connection

from core.errors import ConflictError
from disputes import services
from disputes.models import DisputeCase, Status

from .helpers import report


def _race(*calls):
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - the outcome is what we assert
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_accept_and_not_accept_at_once_exactly_one_wins(world):
    case = report(world)
    staff, aux = world.user("station_a"), world.user("aux_v1")

    # both people opened the case page before either acted: two copies of the same state
    mine, theirs = DisputeCase.objects.get(pk=case.pk), DisputeCase.objects.get(pk=case.pk)

    def accept():
        return services.case_accept(actor=staff, case=mine)

    def refuse():
        return services.case_not_accept(actor=aux, case=theirs, reason="重复登记")

    results = _race(accept, refuse)
    wins = [r for r in results if isinstance(r, DisputeCase)]
    conflicts = [r for r in results if isinstance(r, ConflictError)]
    assert len(wins) == 1 and len(conflicts) == 1, results
    case.refresh_from_db()
    assert case.status == wins[0].status
    assert case.status in (Status.ACCEPTED, Status.NOT_ACCEPTED)
    assert case.events.exclude(code="disputes.case.reported").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_escalations_at_once_raise_the_level_only_once(world):
    case = report(world, grid=world.grid_1a)
    staff, aux = world.user("station_a"), world.user("aux_v1")
    mine, theirs = DisputeCase.objects.get(pk=case.pk), DisputeCase.objects.get(pk=case.pk)
    results = _race(
        lambda: services.case_escalate(actor=staff, case=mine, reason="甲"),
        lambda: services.case_escalate(actor=aux, case=theirs, reason="乙"),
    )
    assert sum(isinstance(r, DisputeCase) for r in results) == 1, results
    case.refresh_from_db()
    assert case.level == "village" and case.escalation_count == 1
