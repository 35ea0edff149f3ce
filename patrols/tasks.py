"""Celery tasks of the patrols app: thin wrappers around services."""

from django.utils import timezone

from core.jobs import scheduled_task

from .visits import services as visits


@scheduled_task("patrols.visits_sweep")
def visits_sweep() -> dict:
    """Ask for a visit for every 红/橙 case, and remind the overdue ones."""
    now = timezone.now()
    return {
        "created": visits.risk_visits_create(now=now),
        "reminded": visits.risk_visits_remind_overdue(now=now),
    }
