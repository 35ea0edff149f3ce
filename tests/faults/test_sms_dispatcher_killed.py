"""A real dispatcher (a Celery worker) killed with SIGKILL after the gateway accepted an SMS and
before it recorded the acknowledgement: the claim stays ``sending`` until its lease expires,
then the next run sends it again under the same idempotency key. Every SMS delivered exactly
once, none left behind."""

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from core.models import Notification
from core.notifications import Message, notify
from tests.sms_gateway import deliveries
from tests.workers import Worker, new_queue, send, wait_for

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
