"""Notifications: the in-app inbox and SMS.

``notify`` is the one way any app sends a message. It is idempotent: each message carries a key
made of its kind, target and period, unique per recipient in the database, and rows are inserted
with ``ignore_conflicts`` — a sweep can run twice, be retried, or die halfway and run again, and
every recipient ends up with each reminder exactly once. SMS go out afterwards through
``sms_dispatch``, which claims each pending row with a conditional update before sending it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from .models import Notification

if TYPE_CHECKING:
    # The AUTH_USER_MODEL class, as django-stubs resolves it: core imports no project app.
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.auth.models import _User as User

logger = logging.getLogger(__name__)


def notification_key(kind: str, target: str, period: str) -> str:
    return f"{kind}:{target}:{period}"[:160]


@dataclass(frozen=True)
class Message:
    kind: str
    target: str
    period: str
    title: str
    body: str = ""
    url: str = ""


def notify(*, recipients: Iterable[User], message: Message, sms: bool = False) -> int:
    """Put ``message`` in each recipient's inbox once. Returns how many rows the call tried to
    insert (conflicts with earlier runs are skipped by the database)."""
    key = notification_key(message.kind, message.target, message.period)
    rows = [
        Notification(
            recipient=user,
            kind=message.kind,
            key=key,
            title=message.title[:128],
            body=message.body,
            url=message.url,
            sms_status=Notification.SmsStatus.PENDING if sms and user.phone else "",
        )
        for user in {u.pk: u for u in recipients if u is not None and u.is_active}.values()
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def notify_many(pairs: Iterable[tuple[Iterable[User], Message]], *, sms: bool = False) -> int:
    """Several messages in one transaction (one sweep's chunk)."""
    with transaction.atomic():
        return sum(notify(recipients=r, message=m, sms=sms) for r, m in pairs)


def notify_bulk(pairs: Iterable[tuple[Iterable[User], Message]], *, sms: bool = False) -> int:
    """Many messages for a sweep, written set-wise: the rows are inserted in chunks of
    ``settings.SWEEP_CHUNK_SIZE`` (one statement and one transaction each), with an optional
    pause between chunks. A worker that dies between chunks leaves the earlier chunks written;
    the sweep run again inserts only what is missing."""
    rows = []
    for recipients, message in pairs:
        key = notification_key(message.kind, message.target, message.period)
        for user in {u.pk: u for u in recipients if u is not None and u.is_active}.values():
            rows.append(
                Notification(
                    recipient=user,
                    kind=message.kind,
                    key=key,
                    title=message.title[:128],
                    body=message.body,
                    url=message.url,
                    sms_status=Notification.SmsStatus.PENDING if sms and user.phone else "",
                )
            )
    size = max(1, settings.SWEEP_CHUNK_SIZE)
    for start in range(0, len(rows), size):
        if start and settings.SWEEP_CHUNK_PAUSE:
            time.sleep(settings.SWEEP_CHUNK_PAUSE)
        with transaction.atomic():
            Notification.objects.bulk_create(rows[start : start + size], ignore_conflicts=True)
    return len(rows)


# --- Inbox --------------------------------------------------------------------------------
def inbox(*, user: User | AnonymousUser) -> QuerySet[Notification]:
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(recipient=cast("User", user))  # authenticated: a User


def unread_count(*, user: User | AnonymousUser) -> int:
    return inbox(user=user).filter(read_at__isnull=True).count()


def notification_mark_read(*, user: User | AnonymousUser, pk: int | str | None = None) -> int:
    """Mark one (or, without ``pk``, every) unread message of the user as read."""
    qs = inbox(user=user).filter(read_at__isnull=True)
    if pk is not None:
        qs = qs.filter(pk=pk)
    return qs.update(read_at=timezone.now())


# --- SMS ----------------------------------------------------------------------------------
class SmsBackend:
    """Interface for an SMS gateway: ``send`` raises on failure."""

    def send(self, *, phone: str, text: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    """Default: writes the message to the log (no gateway on a closed police network)."""

    def send(self, *, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", phone, text)


class MemorySmsBackend(SmsBackend):
    """For tests: keeps what was sent."""

    outbox: list[tuple[str, str]] = []

    def send(self, *, phone: str, text: str) -> None:
        MemorySmsBackend.outbox.append((phone, text))


def get_sms_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()


def sms_dispatch(*, limit: int = 500) -> int:
    """Send the pending SMS. Each row is claimed (pending → sending) by a conditional update
    before the gateway is called, so two dispatchers never send the same message."""
    backend = get_sms_backend()
    sent = 0
    pending = list(
        Notification.objects.filter(sms_status=Notification.SmsStatus.PENDING)
        .select_related("recipient")
        .order_by("pk")[:limit]
    )
    for note in pending:
        claimed = Notification.objects.filter(pk=note.pk, sms_status=Notification.SmsStatus.PENDING).update(
            sms_status=Notification.SmsStatus.SENDING
        )
        if not claimed:
            continue
        try:
            backend.send(phone=note.recipient.phone, text=_("【基层治理】%(title)s") % {"title": note.title})
        except Exception:  # noqa: BLE001 - any gateway failure is recorded, not raised
            logger.exception("SMS to user %s failed", note.recipient_id)
            Notification.objects.filter(pk=note.pk).update(sms_status=Notification.SmsStatus.FAILED)
            continue
        Notification.objects.filter(pk=note.pk).update(
            sms_status=Notification.SmsStatus.SENT, sms_sent_at=timezone.now()
        )
        sent += 1
    return sent
