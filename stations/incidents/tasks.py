"""The Celery task of incident imports (registered through ``stations.tasks``)."""

from core.jobs import scheduled_task

from .imports import incident_import_run


@scheduled_task("stations.import_incidents", lock=False)  # each job is claimed by its row
def import_incidents(job_id: int) -> None:
    """Import a large 110 export in the background (the page polls the job's progress)."""
    incident_import_run(job_id=job_id)
