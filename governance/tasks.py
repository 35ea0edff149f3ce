"""Platform-level scheduled work."""

import logging

from celery import shared_task
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(name="governance.heartbeat", ignore_result=True)
def heartbeat() -> str:
    """A no-op that beat fires every minute; /healthz reports when it last ran, which tells an
    operator that the scheduler and a worker are alive."""
    from django_celery_beat.models import PeriodicTask

    now = timezone.now()
    # written by the worker itself (beat only flushes its own bookkeeping every few minutes), so
    # /healthz shows that a worker, not just the scheduler, is alive
    PeriodicTask.objects.filter(task="governance.heartbeat").update(last_run_at=now)
    logger.info("heartbeat %s", now.isoformat())
    return now.isoformat()


@shared_task(name="governance.sms_dispatch", ignore_result=True)
def sms_dispatch() -> int:
    """Send the pending SMS of the inbox (each claimed before it is sent)."""
    from .notifications import sms_dispatch as dispatch

    return dispatch()


@shared_task(name="governance.points_screening_missed", ignore_result=True)
def points_screening_missed() -> int:
    """Deduct the leaders of grids that never reported a screening round (once per grid and round)."""
    from .points import points_screening_missed as sweep

    return sweep(now=timezone.now())


@shared_task(name="governance.points_monthly_stars", ignore_result=True)
def points_monthly_stars() -> int:
    """以绩定星: on the 1st, set the grid workers' stars from last month's points."""
    from .points import points_update_stars, previous_month

    return points_update_stars(month=previous_month(timezone.localdate()))
