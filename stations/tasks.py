"""Celery tasks for stations: thin wrappers that call a service (each safe to run twice)."""

from celery import shared_task
from django.utils import timezone


@shared_task(name="stations.import_incidents", ignore_result=True)
def import_incidents(job_id: int) -> None:
    """Import a large 110 export in the background (the page polls the job's progress)."""
    from .incidents.imports import incident_import_run

    incident_import_run(job_id=job_id)


@shared_task(name="stations.presence_reminders", ignore_result=True)
def presence_reminders() -> int:
    """From the 15th: remind attached officers behind on their 3 days a month in a village."""
    from .presence.services import presence_remind_behind

    return presence_remind_behind(today=timezone.localdate())
