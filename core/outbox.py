"""Transactional outbox: Celery tasks owed by a state change are committed with it.

``enqueue(task=…, args=…, key=…)`` writes an ``OutboxMessage`` in the caller's transaction
(unique ``key``: writing the same message twice keeps one row). After the commit one quick
attempt publishes it; if the broker is down the request still succeeds, and the periodic
``core.outbox_relay`` job publishes what is left once the broker is back.

``relay()`` is safe to run twice at once: each row is claimed by a conditional update (with a
lease, so a relay that died mid-publish is taken over), published with the row's key as the
task id, and then marked published. A relay killed after publishing and before marking
publishes again: delivery is at-least-once, and the tasks published this way are idempotent.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import OutboxMessage
from .notifications import retry_delay

logger = logging.getLogger(__name__)
# however long the broker was down, a message is tried again within this once it is back
MAX_BACKOFF = dt.timedelta(minutes=5)


def enqueue(*, task: str, args: Sequence[Any] = (), key: str) -> None:
    """Owe ``task(*args)``: a row now, in the current transaction; published after the commit."""
    OutboxMessage.objects.bulk_create(
        [OutboxMessage(key=key[:160], task=task, args=list(args))], ignore_conflicts=True
    )
    transaction.on_commit(lambda: relay(keys=[key[:160]]), robust=True)


def _publish(message: OutboxMessage) -> None:
    options: dict[str, Any] = {
        "task_id": f"outbox-{message.pk}-{message.attempts}",
        "retry": False,  # one quick try; the relay comes back for it
    }
    task = current_app.tasks.get(message.task)
    if task is not None:
        task.apply_async(args=message.args, **options)  # honours eager mode (tests, run_jobs)
    else:
        current_app.send_task(message.task, args=message.args, **options)


def relay(*, keys: Sequence[str] | None = None, limit: int = 500, now: dt.datetime | None = None) -> int:
    """Publish the unpublished messages that are due (only ``keys`` when given). Returns how
    many were published; a broker error leaves the message for a later run, with back-off."""
    now = now or timezone.now()
    lease = now - dt.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    due = (
        OutboxMessage.objects.filter(published_at__isnull=True)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=lease))
    )
    if keys is not None:
        due = due.filter(key__in=keys)
    published = 0
    for message in list(due.order_by("pk")[:limit]):
        claimed_at = timezone.now()
        # compare-and-set on the attempt count: of two relays reading the row, one claims it
        claimed = OutboxMessage.objects.filter(
            pk=message.pk, published_at__isnull=True, attempts=message.attempts
        ).update(claimed_at=claimed_at, attempts=F("attempts") + 1)
        if not claimed:
            continue  # another relay has it
        message.attempts += 1
        mine = OutboxMessage.objects.filter(pk=message.pk, attempts=message.attempts)
        try:
            _publish(message)
        except Exception as exc:  # noqa: BLE001 - broker down: keep the row, try again later
            logger.warning("outbox %s: publish failed (%s), will retry", message.key, exc)
            mine.update(
                claimed_at=None,
                last_error=str(exc)[:255],
                next_attempt_at=timezone.now()
                + min(MAX_BACKOFF, retry_delay(message.attempts, settings.OUTBOX_RETRY_BASE)),
            )
            continue
        mine.update(published_at=timezone.now(), last_error="")
        published += 1
    return published
