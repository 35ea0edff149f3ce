"""Platform-level scheduled work: the heartbeat, the SMS dispatcher and the outbox relay."""

import logging

from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from .exportjobs.tasks import expire_exports, run_export
from .jobs import scheduled_task
from .notifications import sms_dispatch as dispatch
from .outbox import relay
from .views import HEARTBEAT_TASK

logger = logging.getLogger(__name__)

__all__ = ["expire_exports", "heartbeat", "outbox_relay", "run_export", "sms_dispatch"]


@scheduled_task("core.heartbeat", lock=False)
def heartbeat() -> str:
    """A no-op that beat fires every minute; /healthz reports when it last ran, which tells an
    operator that the scheduler and a worker are alive."""
    now = timezone.now()
    # written by the worker itself (beat only flushes its own bookkeeping every few minutes), so
    # /healthz shows that a worker, not just the scheduler, is alive
    PeriodicTask.objects.filter(task=HEARTBEAT_TASK).update(last_run_at=now)
    logger.info("heartbeat %s", now.isoformat())
    return now.isoformat()


@scheduled_task("core.sms_dispatch")
def sms_dispatch() -> int:
    """Send the pending SMS of the inbox (each claimed, with a lease, before it is sent)."""
    return dispatch()


@scheduled_task("core.outbox_relay")
def outbox_relay() -> int:
    """Publish the Celery tasks committed to the outbox that are not on the broker yet (the
    broker was down when they were written)."""
    return relay()
