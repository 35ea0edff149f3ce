"""Scheduled work through a real Celery worker process (see ``tests.workers``)."""

import datetime as dt

import pytest
from django.utils import timezone

from core.models import Notification
from disputes import services
from disputes.models import DisputeCase
from tests.workers import Worker, new_queue, send, wait_for

from .helpers import report

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _overdue_cases(world, n: int) -> list[DisputeCase]:
    staff = world.user("station_a")
    cases = []
    for _ in range(n):
        case = report(world, grid=world.grid_1a)
        services.case_accept(actor=staff, case=case)
        cases.append(case)
    DisputeCase.objects.filter(pk__in=[c.pk for c in cases]).update(
        due_at=timezone.now() - dt.timedelta(hours=30)
    )
    return cases


@pytest.fixture
def queue():
    return new_queue()


def test_a_real_worker_runs_the_case_sweep_and_its_effect_is_in_the_database(world, queue):
    cases = _overdue_cases(world, 3)
    worker = Worker(queue).start()
    try:
        send("disputes.case_sweeps", queue)
        wait_for(
            lambda: DisputeCase.objects.filter(pk__in=[c.pk for c in cases], level="village").count() == 3,
            what="the worker to escalate the overdue cases",
        )
    finally:
        worker.stop()
    assert Notification.objects.filter(kind="case.overdue", recipient=world.user("station_a")).count() == 3
    for case in cases:
        case.refresh_from_db()
        assert case.escalation_count == 1
        assert case.events.filter(code="disputes.case.escalated_auto").count() == 1


def test_a_worker_killed_in_the_middle_of_a_sweep_and_run_again_sends_every_reminder_exactly_once(
    world, queue
):
    n = 40
    cases = _overdue_cases(world, n)
    slow = {"SWEEP_CHUNK_SIZE": "4", "SWEEP_SELECT_CHUNK_SIZE": "4", "SWEEP_CHUNK_PAUSE": "0.4"}
    first = Worker(queue, **slow).start()
    try:
        send("disputes.case_sweeps", queue)
        wait_for(
            lambda: Notification.objects.filter(kind="case.overdue").count() >= 8,
            what="the first chunks of reminders",
        )
        first.kill()
    finally:
        first.stop()
    partial = Notification.objects.filter(kind="case.overdue").count()
    assert 8 <= partial < n, "the worker was to be killed in the middle of the sweep"
    assert not DisputeCase.objects.filter(escalation_count__gt=0).exists()

    second = Worker(queue).start()
    try:
        send("disputes.case_sweeps", queue)
        wait_for(
            lambda: DisputeCase.objects.filter(escalation_count=1).count() == n,
            what="the second worker to finish the sweep",
        )
    finally:
        second.stop()
    keys = list(Notification.objects.filter(kind="case.overdue").values_list("recipient_id", "key"))
    assert len(keys) == n and len(set(keys)) == n
    assert {k for _r, k in keys} == {k for _r, k in keys if any(f"case-{c.pk}:" in k for c in cases)}
    assert DisputeCase.objects.filter(escalation_count=1).count() == n
