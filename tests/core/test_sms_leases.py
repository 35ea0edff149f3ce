"""SMS leases: a claimed SMS whose dispatcher died returns to pending after the lease and is
sent again under the same idempotency key; failed sends are retried with back-off."""

import datetime as dt

import pytest
from django.utils import timezone

from core import notifications
from core.models import Notification
from core.notifications import Message, notify, sms_dispatch

pytestmark = pytest.mark.django_db

Status = Notification.SmsStatus


class FlakyGateway(notifications.SmsBackend):
    """Fails while ``failures`` is positive (a gateway that is down), then delivers."""

    failures = 0
    sent: list[str] = []

    def send(self, *, phone: str, text: str, idempotency_key: str = "") -> None:
        if FlakyGateway.failures > 0:
            FlakyGateway.failures -= 1
            raise ConnectionError("gateway down")
        FlakyGateway.sent.append(idempotency_key)


@pytest.fixture
def memory_gateway(settings):
    settings.SMS_BACKEND = "core.notifications.MemorySmsBackend"
    notifications.MemorySmsBackend.outbox.clear()
    notifications.MemorySmsBackend.keys.clear()
    return notifications.MemorySmsBackend


@pytest.fixture
def flaky_gateway(settings):
    settings.SMS_BACKEND = f"{__name__}.FlakyGateway"
    FlakyGateway.sent = []
    FlakyGateway.failures = 0
    return FlakyGateway


def _sms(world, n=1) -> list[Notification]:
    user = world.user("station_a")
    user.phone = "13900001111"
    user.save()
    for i in range(n):
        notify(
            recipients=[user], message=Message(kind="t", target=f"x-{i}", period="p", title=f"T{i}"), sms=True
        )
    return list(Notification.objects.order_by("pk"))


def test_a_claim_older_than_the_lease_returns_to_pending_and_is_sent_once_under_the_same_key(
    world, memory_gateway, settings
):
    settings.SMS_LEASE_SECONDS = 300
    [note] = _sms(world)
    now = timezone.now()
    # a dispatcher claimed it and delivered it, then died before recording the acknowledgement
    Notification.objects.filter(pk=note.pk).update(
        sms_status=Status.SENDING, sms_claimed_at=now - dt.timedelta(seconds=301), sms_attempts=1
    )
    memory_gateway.keys.append(note.sms_idempotency_key)
    memory_gateway.outbox.append(("13900001111", "【基层治理】T0"))

    assert sms_dispatch(now=now) == 1
    note.refresh_from_db()
    assert (note.sms_status, note.sms_attempts, note.sms_claimed_at) == (Status.SENT, 2, None)
    assert memory_gateway.outbox == [("13900001111", "【基层治理】T0")]  # the gateway delivered it once


def test_a_claim_within_its_lease_is_left_to_its_dispatcher(world, memory_gateway, settings):
    settings.SMS_LEASE_SECONDS = 300
    [note] = _sms(world)
    now = timezone.now()
    Notification.objects.filter(pk=note.pk).update(
        sms_status=Status.SENDING, sms_claimed_at=now - dt.timedelta(seconds=299), sms_attempts=1
    )
    assert sms_dispatch(now=now) == 0
    note.refresh_from_db()
    assert note.sms_status == Status.SENDING
    assert memory_gateway.outbox == []


def test_every_attempt_carries_the_messages_idempotency_key(world, flaky_gateway):
    notes = _sms(world, 3)
    assert sms_dispatch() == 3
    assert flaky_gateway.sent == [f"notification-{n.pk}" for n in notes]


def test_a_failed_send_is_retried_with_back_off_and_given_up_after_the_last_attempt(
    world, flaky_gateway, settings
):
    settings.SMS_RETRY_BASE = 60
    settings.SMS_MAX_ATTEMPTS = 3
    [note] = _sms(world)
    flaky_gateway.failures = 10
    t0 = timezone.now()

    assert sms_dispatch(now=t0) == 0
    note.refresh_from_db()
    assert (note.sms_status, note.sms_attempts) == (Status.PENDING, 1)
    first_wait = note.sms_next_attempt_at - t0
    assert dt.timedelta(seconds=60) <= first_wait < dt.timedelta(seconds=70)
    assert sms_dispatch(now=t0 + dt.timedelta(seconds=30)) == 0  # not due yet: no attempt
    note.refresh_from_db()
    assert note.sms_attempts == 1

    t1 = note.sms_next_attempt_at + dt.timedelta(seconds=1)
    sms_dispatch(now=t1)
    note.refresh_from_db()
    assert (note.sms_status, note.sms_attempts) == (Status.PENDING, 2)
    second_wait = note.sms_next_attempt_at - t1
    assert second_wait >= 2 * dt.timedelta(seconds=59)  # doubled

    sms_dispatch(now=note.sms_next_attempt_at + dt.timedelta(seconds=1))
    note.refresh_from_db()
    assert (note.sms_status, note.sms_attempts) == (Status.FAILED, 3)
    assert flaky_gateway.sent == []


def test_a_gateway_back_after_a_failure_delivers_on_the_retry(world, flaky_gateway, settings):
    settings.SMS_RETRY_BASE = 60
    [note] = _sms(world)
    flaky_gateway.failures = 1
    t0 = timezone.now()
    sms_dispatch(now=t0)
    assert sms_dispatch(now=t0 + dt.timedelta(seconds=200)) == 1
    note.refresh_from_db()
    assert (note.sms_status, note.sms_attempts) == (Status.SENT, 2)
    assert flaky_gateway.sent == [note.sms_idempotency_key]
