"""Platform-level scheduled work."""

import logging

from celery import shared_task
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(name="governance.heartbeat", ignore_result=True)
def heartbeat() -> str:
    """A no-op that beat fires every minute; /healthz reports when it last ran, which tells an
    operator that the scheduler and a worker are alive."""
    now = timezone.now().isoformat()
    logger.info("heartbeat %s", now)
    return now


@shared_task(name="governance.sms_dispatch", ignore_result=True)
def sms_dispatch() -> int:
    """Send the pending SMS of the inbox (each claimed before it is sent)."""
    from .notifications import sms_dispatch as dispatch

    return dispatch()
