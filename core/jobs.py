"""Scheduled jobs: one lock per job, retries on transient errors, time limits.

``job_lock(name)`` makes a job exclusive: on PostgreSQL a session-level advisory lock (released
by the server when the process or its connection dies), on SQLite an ``flock`` on a file under
``var/locks`` (released by the kernel when the process dies). A run that finds the lock held
does nothing and says so: the run that holds it does the work, so two nightly runs at once
write the same rows as one.

``scheduled_task(name)`` declares a Celery task that takes that lock, retries with exponential
back-off on transient database and broker errors (``TRANSIENT_ERRORS``), and has soft and hard
time limits. Every scheduled task in the apps' ``tasks.py`` is declared with it.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import kombu.exceptions
from celery import shared_task
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection

logger = logging.getLogger(__name__)

# Errors worth a retry: the database went away or refused for a moment, the broker is down.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    kombu.exceptions.OperationalError,
    ConnectionError,
    TimeoutError,
)
SKIPPED = "skipped: another run holds the lock"


def _lock_id(name: str) -> int:
    """A stable signed 64-bit number for the advisory lock (PostgreSQL's bigint key)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


@contextlib.contextmanager
def job_lock(name: str) -> Iterator[bool]:
    """Hold the job's lock for the ``with`` block; yields ``False`` (and holds nothing) when
    another run holds it."""
    if connection.vendor == "postgresql":
        key = _lock_id(name)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            got = bool(cursor.fetchone()[0])
        try:
            yield got
        finally:
            if got:
                try:
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
                except DatabaseError:  # the connection died: the server has released the lock
                    logger.warning("job lock %s: connection lost before unlock", name)
        return
    folder = Path(settings.VAR_DIR) / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{hashlib.sha1(name.encode()).hexdigest()[:16]}.lock", "w") as handle:  # noqa: S324
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def exclusive(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` run under ``job_lock(name)``; a run that finds it held returns ``SKIPPED``."""

    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            with job_lock(name) as got:
                if not got:
                    logger.info("%s: %s", name, SKIPPED)
                    return SKIPPED
                return func(*args, **kwargs)
        except TRANSIENT_ERRORS:
            # a terminated connection is closed here, so the retry opens a fresh one
            connection.close_if_unusable_or_obsolete()
            raise

    return run


def scheduled_task(
    name: str, *, soft_time_limit: int | None = None, time_limit: int | None = None, lock: bool = True
) -> Callable[[Callable[..., Any]], Any]:
    """Declare a scheduled job as a Celery task: exclusive (``job_lock``), retried with
    back-off on ``TRANSIENT_ERRORS`` (``settings.JOB_MAX_RETRIES``), time-limited."""

    def wrap(func: Callable[..., Any]) -> Any:
        body = exclusive(name, func) if lock else func
        return shared_task(
            name=name,
            ignore_result=True,
            autoretry_for=TRANSIENT_ERRORS,
            retry_backoff=settings.JOB_RETRY_BACKOFF,
            retry_backoff_max=settings.JOB_RETRY_BACKOFF_MAX,
            retry_jitter=True,
            max_retries=settings.JOB_MAX_RETRIES,
            soft_time_limit=soft_time_limit or settings.JOB_SOFT_TIME_LIMIT,
            time_limit=time_limit or settings.JOB_TIME_LIMIT,
        )(body)

    return wrap
