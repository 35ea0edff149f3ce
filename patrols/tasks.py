"""Celery tasks of the patrols app: thin wrappers around services."""

from celery import shared_task
from django.utils import timezone

from . import visit_tasks


@shared_task(name="patrols.visit_tasks", ignore_result=True)
def visit_tasks_sweep() -> dict:
    """Give every 红/橙 case its visit task, and remind the overdue ones."""
    now = timezone.now()
    return {
        "created": visit_tasks.visit_tasks_create(now=now),
        "reminded": visit_tasks.visit_tasks_remind_overdue(now=now),
    }
