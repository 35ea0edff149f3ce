"""Incidents (警情): starting an import. The import itself is ``imports.incident_import_run``."""

from django.db import transaction
from django.utils.translation import gettext as _

from core import outbox
from core.errors import DomainError
from governance.models import User
from stations import services
from stations.models import ImportJob, Station

from .imports import MAX_FILE_BYTES, async_threshold, column_map, incident_import_run, read_table
from .tasks import import_incidents


def incident_import_start(*, actor: User, station: Station, file_name: str, content: bytes) -> ImportJob:
    """Accept an upload for ``station``. Small files are imported before this returns; larger
    ones are queued (the page polls ``ImportJob.processed``/``total``)."""
    services.require_incident_writer(actor, station)
    if not content:
        raise DomainError(_("请选择要导入的文件。"), field="file")
    if len(content) > MAX_FILE_BYTES:
        raise DomainError(_("文件超过 5 MB,请分批导入。"), field="file")
    header, rows = read_table(content, file_name)  # unreadable files are refused here, on the form
    column_map(header)
    if len(rows) <= async_threshold():
        job = ImportJob.objects.create(
            station=station,
            created_by=actor,
            file_name=(file_name or "")[:128],
            content=content,
            total=len(rows),
        )
        incident_import_run(job_id=job.pk)
        job.refresh_from_db()
        return job
    # the job and the task it owes commit together (outbox): with the broker down the upload is
    # still accepted, and the relay queues the import when the broker is back
    with transaction.atomic():
        job = ImportJob.objects.create(
            station=station,
            created_by=actor,
            file_name=(file_name or "")[:128],
            content=content,
            total=len(rows),
        )
        outbox.enqueue(
            task=import_incidents.name, args=[job.pk], key=f"stations.import_incidents:job-{job.pk}"
        )
    return job
