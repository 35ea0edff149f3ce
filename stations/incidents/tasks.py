"""The Celery task of incident imports (registered through ``stations.tasks``)."""

from celery import shared_task

from .imports import incident_import_run


@shared_task(name="stations.import_incidents", ignore_result=True)
def import_incidents(job_id: int) -> None:
    """Import a large 110 export in the background (the page polls the job's progress)."""
    incident_import_run(job_id=job_id)
