"""Celery tasks for stations: thin wrappers that call a service (each safe to run twice)."""

from django.utils import timezone

from core.jobs import scheduled_task

from .incidents.tasks import import_incidents
from .presence.services import presence_remind_behind
from .services import incident_repeats_rebuild

__all__ = ["import_incidents", "presence_reminders", "repeats_rebuild"]


@scheduled_task("stations.repeats_rebuild")
def repeats_rebuild() -> int:
    """Nightly: every incident's stored repeat flag recomputed set-based (corrects any drift)."""
    return incident_repeats_rebuild()


@scheduled_task("stations.presence_reminders")
def presence_reminders() -> int:
    """From the 15th: remind attached officers behind on their 3 days a month in a village."""
    return presence_remind_behind(today=timezone.localdate())
