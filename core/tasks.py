"""Platform-level scheduled work: the heartbeat and the SMS dispatcher."""

import logging

from celery import shared_task
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from .notifications import sms_dispatch as dispatch
from .views import HEARTBEAT_TASK

logger = logging.getLogger(__name__)


@shared_task(name="core.heartbeat", ignore_result=True)
def heartbeat() -> str:
    """A no-op that beat fires every minute; /healthz reports when it last ran, which tells an
    operator that the scheduler and a worker are alive."""
    now = timezone.now()
    # written by the worker itself (beat only flushes its own bookkeeping every few minutes), so
    # /healthz shows that a worker, not just the scheduler, is alive
    PeriodicTask.objects.filter(task=HEARTBEAT_TASK).update(last_run_at=now)
    logger.info("heartbeat %s", now.isoformat())
    return now.isoformat()


@shared_task(name="core.sms_dispatch", ignore_result=True)
def sms_dispatch() -> int:
    """Send the pending SMS of the inbox (each claimed before it is sent)."""
    return dispatch()
