"""Celery tasks of the patrols app: thin wrappers around services."""

from celery import shared_task
from django.utils import timezone

from .visits import services as visits


@shared_task(name="patrols.visits_sweep", ignore_result=True)
def visits_sweep() -> dict:
    """Ask for a visit for every 红/橙 case, and remind the overdue ones."""
    now = timezone.now()
    return {
        "created": visits.risk_visits_create(now=now),
        "reminded": visits.risk_visits_remind_overdue(now=now),
    }
