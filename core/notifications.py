"""Notifications: the in-app inbox and SMS.

``notify`` is the one way any app sends a message. It is idempotent: each message carries a key
made of its kind, target and period, unique per recipient in the database, and rows are inserted
with ``ignore_conflicts`` — a sweep can run twice, be retried, or die halfway and run again, and
every recipient ends up with each reminder exactly once. SMS go out afterwards through
``sms_dispatch``, which claims each pending row with a conditional update before sending it.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from .models import Notification
from .sql import insert_rows

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
    the sweep run again inserts only what is missing. On PostgreSQL each chunk is one
    ``INSERT … SELECT FROM unnest(…)`` of plain tuples (no model instance per row: a sweep over
    thousands of cases spent most of its time building them)."""
    rows: list[tuple[int, str, str, str, str, str, str]] = []
    for recipients, message in pairs:
        key = notification_key(message.kind, message.target, message.period)
        title = message.title[:128]
        for user in {u.pk: u for u in recipients if u is not None and u.is_active}.values():
            rows.append(
                (
                    user.pk,
                    message.kind,
                    key,
                    title,
                    message.body,
                    message.url,
                    Notification.SmsStatus.PENDING if sms and user.phone else "",
                )
            )
    size = max(1, settings.SWEEP_CHUNK_SIZE)
    for start in range(0, len(rows), size):
        if start and settings.SWEEP_CHUNK_PAUSE:
            time.sleep(settings.SWEEP_CHUNK_PAUSE)
        with transaction.atomic():
            _insert_notifications(rows[start : start + size])
    return len(rows)


_NOTIFICATION_COLUMNS = ("recipient_id", "kind", "key", "title", "body", "url", "sms_status")


def _insert_notifications(rows: list[tuple[int, str, str, str, str, str, str]]) -> None:
    now = timezone.now()
    if connection.vendor != "postgresql":
        Notification.objects.bulk_create(
            [Notification(**dict(zip(_NOTIFICATION_COLUMNS, row, strict=True))) for row in rows],
            ignore_conflicts=True,
        )
        return
    columns = list(zip(*rows, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {Notification._meta.db_table} ({", ".join(_NOTIFICATION_COLUMNS)}, created_at)
                SELECT r.*, %s FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[],
                    %s::text[], %s::text[]) AS r ON CONFLICT DO NOTHING""",  # noqa: S608  (table name)
            [now, *(list(c) for c in columns)],
        )


def notify_select(
    select_sql: str,
    params: list[Any],
    *,
    sms: bool = False,
    with_sql: str = "",
    with_params: list[Any] | None = None,
) -> int:
    """``notify_bulk`` for messages built in SQL, in the caller's transaction: one
    ``INSERT … SELECT`` of the rows of ``select_sql`` — its columns ``recipient_id, kind, target,
    period, title, body, url`` (constant SQL, values as parameters; ``core.sql.text_sql`` makes a
    translated text of per-row fields) — with the same rules as ``notify``: the key of kind,
    target and period, once per recipient (a second run inserts nothing), inactive accounts
    skipped, the title cut to its field, an SMS pending for recipients with a phone when ``sms``.
    ``with_sql``: a ``WITH`` the statement starts with (its parameters ``with_params``), whose
    names ``select_sql`` may read: a PostgreSQL ``UPDATE … RETURNING`` marks rows and tells of
    them in one statement. Returns how many rows were inserted."""
    users = get_user_model()._meta.db_table
    status = f"CASE WHEN u.phone <> '' THEN '{Notification.SmsStatus.PENDING}' ELSE '' END" if sms else "''"
    return insert_rows(
        Notification._meta.db_table,
        [*_NOTIFICATION_COLUMNS, "created_at"],
        f"""SELECT n.recipient_id, n.kind, SUBSTR(n.kind || ':' || n.target || ':' || n.period, 1, 160),
                   SUBSTR(n.title, 1, 128), n.body, n.url, {status}, %s
            FROM ({select_sql}) n JOIN {users} u ON u.id = n.recipient_id
            WHERE u.is_active""",  # noqa: S608  (table names and constant text)
        [connection.ops.adapt_datetimefield_value(timezone.now()), *params],
        with_sql=with_sql,
        with_params=with_params,
    )


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
    """Interface for an SMS gateway: ``send`` raises on failure. ``idempotency_key`` is the same
    for every attempt at one message; a gateway that supports it sends that message once."""

    def send(self, *, phone: str, text: str, idempotency_key: str = "") -> None:  # pragma: no cover
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    """Default: writes the message to the log (no gateway on a closed police network)."""

    def send(self, *, phone: str, text: str, idempotency_key: str = "") -> None:
        logger.info("SMS to %s [%s]: %s", phone, idempotency_key, text)


class MemorySmsBackend(SmsBackend):
    """For tests: keeps what was sent, like a gateway that honours idempotency keys (a message
    sent again under a key it has seen is not delivered again)."""

    outbox: list[tuple[str, str]] = []
    keys: list[str] = []

    def send(self, *, phone: str, text: str, idempotency_key: str = "") -> None:
        if idempotency_key and idempotency_key in MemorySmsBackend.keys:
            return
        MemorySmsBackend.keys.append(idempotency_key)
        MemorySmsBackend.outbox.append((phone, text))


def get_sms_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()


def retry_delay(attempts: int, base: int) -> dt.timedelta:
    """Exponential back-off after the ``attempts``-th failure: base, 2×base, 4×base … (≤ 1 day)."""
    return dt.timedelta(seconds=min(86400, base * 2 ** max(0, attempts - 1)))


def sms_release_expired(*, now: dt.datetime | None = None) -> int:
    """Claims older than ``settings.SMS_LEASE_SECONDS`` (their dispatcher died mid-send) go back
    to pending, to be sent again under the same idempotency key."""
    now = now or timezone.now()
    return Notification.objects.filter(
        sms_status=Notification.SmsStatus.SENDING,
        sms_claimed_at__lt=now - dt.timedelta(seconds=settings.SMS_LEASE_SECONDS),
    ).update(sms_status=Notification.SmsStatus.PENDING, sms_claimed_at=None, sms_next_attempt_at=now)


def sms_dispatch(*, limit: int = 500, now: dt.datetime | None = None) -> int:
    """Send the pending SMS that are due. Each row is claimed (pending → sending, with the claim
    time and one more attempt) by a conditional update before the gateway is called, so two
    dispatchers never send the same message at once; a claim whose dispatcher died is released
    after the lease (``sms_release_expired``), and a failed send is retried with back-off until
    ``settings.SMS_MAX_ATTEMPTS``. Every attempt carries the message's idempotency key."""
    started = timezone.now()
    now = now or started

    def clock() -> dt.datetime:  # ``now`` moving on as the run goes
        return now + (timezone.now() - started)

    sms_release_expired(now=now)
    backend = get_sms_backend()
    sent = 0
    pending = list(
        Notification.objects.filter(sms_status=Notification.SmsStatus.PENDING)
        .filter(Q(sms_next_attempt_at__isnull=True) | Q(sms_next_attempt_at__lte=now))
        .select_related("recipient")
        .order_by("pk")[:limit]
    )
    for note in pending:
        claimed_at = clock()
        claimed = Notification.objects.filter(pk=note.pk, sms_status=Notification.SmsStatus.PENDING).update(
            sms_status=Notification.SmsStatus.SENDING,
            sms_claimed_at=claimed_at,
            sms_attempts=F("sms_attempts") + 1,
        )
        if not claimed:
            continue
        attempts = note.sms_attempts + 1
        mine = Notification.objects.filter(  # still this dispatcher's claim (not released since)
            pk=note.pk, sms_status=Notification.SmsStatus.SENDING, sms_attempts=attempts
        )
        try:
            backend.send(
                phone=note.recipient.phone,
                text=_("【基层治理】%(title)s") % {"title": note.title},
                idempotency_key=note.sms_idempotency_key,
            )
        except Exception:  # noqa: BLE001 - any gateway failure is recorded and retried, not raised
            logger.exception("SMS to user %s failed (attempt %d)", note.recipient_id, attempts)
            if attempts >= settings.SMS_MAX_ATTEMPTS:
                mine.update(sms_status=Notification.SmsStatus.FAILED, sms_claimed_at=None)
            else:
                mine.update(
                    sms_status=Notification.SmsStatus.PENDING,
                    sms_claimed_at=None,
                    sms_next_attempt_at=clock() + retry_delay(attempts, settings.SMS_RETRY_BASE),
                )
            continue
        mine.update(sms_status=Notification.SmsStatus.SENT, sms_sent_at=clock(), sms_claimed_at=None)
        sent += 1
    return sent
