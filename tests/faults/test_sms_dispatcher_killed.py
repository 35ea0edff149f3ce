"""A real dispatcher (a Celery worker) killed with SIGKILL after the gateway accepted an SMS and
before it recorded the acknowledgement: the claim stays ``sending`` until its lease expires,
then the next run sends it again under the same idempotency key. The same with the
dispatcher's database connection terminated (``pg_terminate_backend``) while the gateway holds
a message: the acknowledgement cannot be written, the task is retried and sends the rest, the
lost one is sent again after its lease. Every SMS delivered exactly once, none left behind."""

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from core.models import Notification
from core.notifications import Message, notify
from tests.conftest import require_service
from tests.sms_gateway import deliveries
from tests.workers import WORKER_APP, Worker, new_queue, send, wait_for

pytestmark = [pytest.mark.services, pytest.mark.faults, pytest.mark.django_db(transaction=True)]
Status = Notification.SmsStatus


def test_a_dispatcher_killed_mid_send_loses_no_sms_and_sends_none_twice(world, tmp_path: Path):
    queue = new_queue()
    n = 6
    user = world.user("station_a")
    user.phone = "13900001111"
    user.save()
    for i in range(n):
        notify(
            recipients=[user], message=Message(kind="t", target=f"x-{i}", period="p", title=f"T{i}"), sms=True
        )
    gateway = tmp_path / "gateway.jsonl"
    env = {"SMS_BACKEND": "tests.sms_gateway.FileGateway", "SMS_GATEWAY_FILE": str(gateway)}

    first = Worker(queue, SMS_GATEWAY_HANG_AT="3", **env).start()
    try:
        send("core.sms_dispatch", queue)
        wait_for(lambda: len(deliveries(gateway)) == 3, what="three SMS at the gateway")
        first.kill()  # the gateway has the third message; its acknowledgement is lost
    finally:
        first.stop()
    counts = {s: Notification.objects.filter(sms_status=s).count() for s in Status.values}
    assert (counts[Status.SENT], counts[Status.SENDING], counts[Status.PENDING]) == (2, 1, n - 3)

    # within the lease, a new run leaves the claim alone (its dispatcher might still be sending)
    second = Worker(queue, **env).start()
    try:
        send("core.sms_dispatch", queue)
        wait_for(
            lambda: Notification.objects.filter(sms_status=Status.SENT).count() == n - 1, what="the rest"
        )
        assert Notification.objects.filter(sms_status=Status.SENDING).count() == 1
        # the lease runs out
        Notification.objects.filter(sms_status=Status.SENDING).update(
            sms_claimed_at=timezone.now() - dt.timedelta(seconds=settings.SMS_LEASE_SECONDS + 1)
        )
        send("core.sms_dispatch", queue)
        wait_for(lambda: Notification.objects.filter(sms_status=Status.SENT).count() == n, what="the retry")
    finally:
        second.stop()

    expected = {f"notification-{pk}" for pk in Notification.objects.values_list("pk", flat=True)}
    keys = [d["key"] for d in deliveries(gateway)]
    assert len(keys) == n and set(keys) == expected  # 0 lost, 0 delivered twice
    retried = Notification.objects.get(sms_attempts=2)
    assert retried.sms_status == Status.SENT
    assert Notification.objects.filter(sms_attempts=1).count() == n - 1


def _dispatcher_sessions(queue: str) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s",
            [f"{WORKER_APP}{queue}"],
        )
        return [pid for (pid,) in cursor.fetchall()]


def test_a_dispatcher_whose_connection_is_cut_mid_send_loses_no_sms_and_sends_none_twice(
    world, tmp_path: Path
):
    require_service("PostgreSQL", connection.vendor == "postgresql", "the test database is not PostgreSQL")
    queue = new_queue()
    n = 6
    user = world.user("station_a")
    user.phone = "13900001111"
    user.save()
    for i in range(n):
        notify(
            recipients=[user], message=Message(kind="t", target=f"x-{i}", period="p", title=f"T{i}"), sms=True
        )
    gateway = tmp_path / "gateway.jsonl"
    env = {
        "SMS_BACKEND": "tests.sms_gateway.FileGateway",
        "SMS_GATEWAY_FILE": str(gateway),
        "JOB_RETRY_BACKOFF": "1",
        "JOB_RETRY_BACKOFF_MAX": "2",
    }
    worker = Worker(queue, SMS_GATEWAY_HANG_AT="3", SMS_GATEWAY_HANG_SECONDS="6", **env).start()
    try:
        send("core.sms_dispatch", queue)
        wait_for(lambda: len(deliveries(gateway)) == 3, what="three SMS at the gateway")
        # the gateway holds the third message: cut the dispatcher's database connection
        sessions = _dispatcher_sessions(queue)
        assert sessions, "the dispatcher's session is named"
        with connection.cursor() as cursor:
            for pid in sessions:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        # its acknowledgement cannot be written; the retried task sends the others
        wait_for(
            lambda: Notification.objects.filter(sms_status=Status.SENT).count() == n - 1,
            what="the retry to send the rest",
        )
        lost = Notification.objects.get(sms_status=Status.SENDING)
        assert lost.sms_idempotency_key in {d["key"] for d in deliveries(gateway)}  # the gateway has it
        # the lease runs out: the next run sends it again, under the same key
        Notification.objects.filter(pk=lost.pk).update(
            sms_claimed_at=timezone.now() - dt.timedelta(seconds=settings.SMS_LEASE_SECONDS + 1)
        )
        send("core.sms_dispatch", queue)
        wait_for(lambda: Notification.objects.filter(sms_status=Status.SENT).count() == n, what="the resend")
    finally:
        worker.stop()
    expected = {f"notification-{pk}" for pk in Notification.objects.values_list("pk", flat=True)}
    keys = [d["key"] for d in deliveries(gateway)]
    assert len(keys) == n and set(keys) == expected  # 0 lost, 0 delivered twice
    assert Notification.objects.get(pk=lost.pk).sms_attempts == 2
    assert Notification.objects.filter(sms_attempts=1).count() == n - 1
