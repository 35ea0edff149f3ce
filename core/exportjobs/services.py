"""Writes of export jobs (see ``core.exportjobs``).

``export_start`` checks and queues; ``export_run`` is the task's body and is safe to run twice:
it claims the job with a conditional update (a finished job is left alone; a job left
``running`` by a worker that died is claimed again) and rewrites the file from scratch under
the job's one storage key. ``exports_expire`` (hourly, beat) deletes the files past their
keeping time and fails the jobs whose worker vanished."""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core import outbox
from core.errors import ConflictError, DomainError, NotPermitted, error_text
from core.jobs import TRANSIENT_ERRORS

from .models import ExportJob
from .registry import ExportKind, export_kind

logger = logging.getLogger(__name__)

RUN_TASK = "core.export_run"
ACTIVE = (ExportJob.Status.PENDING, ExportJob.Status.RUNNING)


def async_threshold() -> int:
    """Exports of more rows than this run in the background (``EXPORT_ASYNC_ROWS``)."""
    return int(settings.EXPORT_ASYNC_ROWS)


def export_is_large(rows: Any, *, limit: int | None = None) -> bool:
    """Whether ``rows`` holds more than ``limit`` rows, read without counting the whole list
    (at most ``limit + 1`` ids are fetched)."""
    limit = async_threshold() if limit is None else limit
    if isinstance(rows, QuerySet):
        return len(rows.order_by().values_list("pk", flat=True)[: limit + 1]) > limit
    return len(list(rows)) > limit


def _kind_for(actor: Any, kind: str) -> ExportKind:
    entry = export_kind(kind)
    if not entry.allows(actor):
        raise NotPermitted(_("您没有导出这些数据的权限。"))
    return entry


def _queue(job: ExportJob) -> None:
    # the job and the task it owes commit together (outbox): with the broker down the request
    # still succeeds, and the relay queues the export when the broker is back
    stamp = int(timezone.now().timestamp() * 1000)
    outbox.enqueue(task=RUN_TASK, args=[job.pk], key=f"{RUN_TASK}:job-{job.pk}:{stamp}")


def export_start(*, actor: Any, kind: str, query: str) -> ExportJob:
    """Queue the export ``kind`` of the rows the list shows ``actor`` for ``query`` (the
    list's query string). Filters that cannot be read are refused here: nothing is written."""
    entry = _kind_for(actor, kind)
    filters = QueryDict(query, mutable=True)
    filters.pop("page", None)
    entry.rows(actor, filters)  # DomainError for filters that cannot be read
    with transaction.atomic():
        job = ExportJob.objects.create(
            requested_by=actor,
            kind=kind,
            query=filters.urlencode(),
            language=get_language() or settings.LANGUAGE_CODE,
        )
        _queue(job)
    return job


def stale_before(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(minutes=settings.EXPORT_STALE_MINUTES)


def is_stale(job: ExportJob, now: dt.datetime | None = None) -> bool:
    """A pending or running job that has not moved for longer than any run may take: its
    worker died (or the broker lost it)."""
    now = now or timezone.now()
    since = job.started_at or job.created_at
    return job.status in ACTIVE and since < stale_before(now)


def may_rerun(job: ExportJob, now: dt.datetime | None = None) -> bool:
    return job.status in (ExportJob.Status.FAILED, ExportJob.Status.EXPIRED) or is_stale(job, now)


def export_rerun(*, actor: Any, job: ExportJob) -> ExportJob:
    """Run a failed, expired or stuck job again with the same filters (the file is rewritten
    from scratch). ``job`` comes from ``selectors.export_job_get`` (the actor's own)."""
    _kind_for(actor, job.kind)
    now = timezone.now()
    if job.requested_by_id != actor.pk:
        raise NotPermitted()
    if not may_rerun(job, now):
        raise ConflictError(_("这个导出正在生成或已完成,无需重新导出。"))
    with transaction.atomic():
        # only from what the page showed: a stuck run that moved meanwhile is not taken over
        moved = ExportJob.objects.filter(pk=job.pk, status=job.status, started_at=job.started_at).update(
            status=ExportJob.Status.PENDING,
            done=0,
            error="",
            created_at=now,
            started_at=None,
            finished_at=None,
        )
        if not moved:
            raise ConflictError(_("这个导出刚刚被其他操作改变,请刷新页面。"))
        _queue(job)
    job.refresh_from_db()
    return job


def _storage_key(job: ExportJob, entry: ExportKind) -> str:
    return f"exports/{job.pk}/{entry.file_stem}.{entry.extension}"


def _delete_file(name: str) -> None:
    if not name:
        return
    try:
        default_storage.delete(name)
    except OSError:  # already gone: nothing to free
        logger.warning("export file %s could not be deleted", name)


def _fail(job_id: int, message: str) -> None:
    ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.RUNNING).update(
        status=ExportJob.Status.FAILED, error=message[:255], finished_at=timezone.now()
    )


def export_run(*, job_id: int) -> ExportJob | None:
    """Write the job's file. Run (or, after a worker died, run again) by the task; a job that
    is finished is left alone (returns ``None``)."""
    now = timezone.now()
    claimed = ExportJob.objects.filter(pk=job_id, status__in=ACTIVE).update(
        status=ExportJob.Status.RUNNING, done=0, total=0, error="", started_at=now, finished_at=None
    )
    if not claimed:
        return None
    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    user = job.requested_by
    try:
        entry = _kind_for(user, job.kind)
        with translation.override(job.language or settings.LANGUAGE_CODE):
            rows = entry.rows(user, QueryDict(job.query))
            total = rows.count() if isinstance(rows, QuerySet) else len(rows)
            ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.RUNNING).update(total=total)

            def progress(done: int) -> None:
                ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.RUNNING).update(done=done)

            key = _storage_key(job, entry)
            with tempfile.TemporaryFile() as out:
                written = entry.write(rows, user=user, out=out, progress=progress)
                out.seek(0)
                _delete_file(key)  # a run that died after saving left it: start from scratch
                saved = default_storage.save(key, File(out, name=key))
    except TRANSIENT_ERRORS:
        raise  # the task retries with back-off; the retry claims the running job again
    except (DomainError, NotPermitted) as err:
        _fail(job_id, _("导出失败:%(reason)s") % {"reason": error_text(err)})
        return ExportJob.objects.get(pk=job_id)
    except Exception:
        logger.exception("export job %s failed", job_id)
        _fail(job_id, _("导出失败:生成文件时出错。请点击“重新导出”再试一次;如仍失败,请联系系统管理员。"))
        return ExportJob.objects.get(pk=job_id)
    finished = timezone.now()
    moved = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.RUNNING).update(
        status=ExportJob.Status.DONE,
        file=saved,
        done=written,
        total=written,
        finished_at=finished,
        expires_at=finished + dt.timedelta(hours=settings.EXPORT_KEEP_HOURS),
    )
    if not moved:  # the job was failed meanwhile (judged stuck): its file is not kept
        _delete_file(saved)
    return ExportJob.objects.get(pk=job_id)


def exports_expire(*, now: dt.datetime | None = None) -> int:
    """Delete the files whose keeping time is over (the job stays, ``expired``, as the record
    of who exported what) and fail the jobs whose worker vanished. Returns the files deleted."""
    now = now or timezone.now()
    deleted = 0
    due = ExportJob.objects.filter(status=ExportJob.Status.DONE, expires_at__lte=now)
    for pk, name in due.values_list("pk", "file").iterator(chunk_size=500):
        # claimed first (a conditional update): two cleanups at once delete each file once
        if ExportJob.objects.filter(pk=pk, status=ExportJob.Status.DONE).update(
            status=ExportJob.Status.EXPIRED, file=""
        ):
            _delete_file(name)
            deleted += 1
    stuck = ExportJob.objects.filter(status__in=ACTIVE).filter(
        Q(started_at__lt=stale_before(now)) | Q(started_at__isnull=True, created_at__lt=stale_before(now))
    )
    stuck.update(
        status=ExportJob.Status.FAILED,
        finished_at=now,
        error=_("导出未能完成(后台任务中断)。请点击“重新导出”再试一次。"),
    )
    return deleted
