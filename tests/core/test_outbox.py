"""The transactional outbox: a task owed by a change is committed with it, published after the
commit, kept when the broker refuses, and published once however often the relay runs."""

import datetime as dt

import pytest
from celery import current_app
from django.db import transaction
from django.utils import timezone

from core import outbox
from core.jobs import scheduled_task
from core.models import OutboxMessage

pytestmark = pytest.mark.django_db(transaction=True)
RAN: list[int] = []


@scheduled_task("tests.outbox_target", lock=False)
def outbox_target(n: int) -> int:
    RAN.append(n)
    return n


@pytest.fixture(autouse=True)
def _clear():
    RAN.clear()


class BrokerDown(ConnectionError):
    pass


def _broker_down(*args, **kwargs):
    raise BrokerDown("Error 111 connecting to 127.0.0.1:1. Connection refused.")


def test_the_message_is_committed_with_the_change_and_published_after_the_commit():
    with transaction.atomic():
        outbox.enqueue(task="tests.outbox_target", args=[7], key="t:7")
        assert RAN == []  # nothing leaves before the commit
    assert RAN == [7]
    message = OutboxMessage.objects.get()
    assert message.published_at is not None and message.attempts == 1


def test_a_rolled_back_change_owes_nothing():
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.enqueue(task="tests.outbox_target", args=[1], key="t:1")
        raise RuntimeError("the change failed")
    assert not OutboxMessage.objects.exists()
    assert RAN == []


def test_the_same_key_is_one_message():
    with transaction.atomic():
        outbox.enqueue(task="tests.outbox_target", args=[2], key="t:2")
        outbox.enqueue(task="tests.outbox_target", args=[2], key="t:2")
    assert OutboxMessage.objects.count() == 1
    assert RAN == [2]


def test_with_the_broker_down_the_commit_stands_and_the_relay_publishes_once_it_is_back(monkeypatch):
    task = current_app.tasks["tests.outbox_target"]
    monkeypatch.setattr(task, "apply_async", _broker_down)
    with transaction.atomic():
        outbox.enqueue(task="tests.outbox_target", args=[3], key="t:3")  # no exception after commit
    message = OutboxMessage.objects.get()
    assert (
        message.published_at is None and message.attempts == 1 and "Connection refused" in message.last_error
    )
    assert message.next_attempt_at > timezone.now()  # backing off
    assert outbox.relay() == 0  # not due yet

    monkeypatch.undo()  # the broker is back
    later = message.next_attempt_at + dt.timedelta(seconds=1)
    assert outbox.relay(now=later) == 1
    assert outbox.relay(now=later) == 0
    assert RAN == [3]
    message.refresh_from_db()
    assert message.published_at is not None and message.attempts == 2 and message.last_error == ""


def test_a_relay_that_died_mid_publish_is_taken_over_after_the_lease(settings):
    settings.OUTBOX_LEASE_SECONDS = 60
    message = OutboxMessage.objects.create(key="t:4", task="tests.outbox_target", args=[4])
    now = timezone.now()
    OutboxMessage.objects.filter(pk=message.pk).update(claimed_at=now - dt.timedelta(seconds=30), attempts=1)
    assert outbox.relay(now=now) == 0  # still its relay's
    assert outbox.relay(now=now + dt.timedelta(seconds=31)) == 1
    assert RAN == [4]


def test_two_relays_reading_the_same_row_publish_it_once():
    message = OutboxMessage.objects.create(key="t:5", task="tests.outbox_target", args=[5])
    stale = OutboxMessage.objects.get(pk=message.pk)
    assert outbox.relay() == 1
    # a second relay that had read the row before the first claimed it: its claim fails
    claimed = OutboxMessage.objects.filter(
        pk=stale.pk, published_at__isnull=True, attempts=stale.attempts
    ).update(attempts=stale.attempts + 1)
    assert claimed == 0
    assert outbox.relay() == 0
    assert RAN == [5]
