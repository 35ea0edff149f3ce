"""The Celery tasks of exports (registered through ``core.tasks``): thin wrappers."""

from core.jobs import scheduled_task

from .services import RUN_TASK, export_run, exports_expire


@scheduled_task(RUN_TASK, lock=False)  # each job is claimed by its row
def run_export(job_id: int) -> None:
    """Write one export's file in the background (its page polls the progress)."""
    export_run(job_id=job_id)


@scheduled_task("core.exports_expire")
def expire_exports() -> int:
    """Delete the export files past their keeping time; fail the jobs whose worker vanished."""
    return exports_expire()
