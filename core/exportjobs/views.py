"""The export pages: a job's progress (htmx polls the progress block every second; ``?format=
json`` gives the figures to any other script), its download, and 重新导出. Every one reads the
job through ``selectors.export_job_get``: someone else's job is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from core.errors import service_call
from core.views import PageMixin, ScopedDetailView

from . import selectors, services
from .models import ExportJob
from .registry import REGISTRY


def job_url(job: ExportJob) -> str:
    return reverse("exports:job", args=[job.pk])


def job_status(job: ExportJob) -> dict:
    now = timezone.now()
    downloadable = job.is_downloadable(now)
    return {
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "finished": job.is_finished,
        "error": job.error,
        "download_url": reverse("exports:download", args=[job.pk]) if downloadable else "",
        "expires_at": job.expires_at.isoformat() if downloadable and job.expires_at else "",
    }


class ExportJobView(ScopedDetailView):
    template_name = "core/exports/job.html"

    def get_object(self):
        return selectors.export_job_get(user=self.request.user, pk=self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if request.GET.get("format") == "json":
            return JsonResponse(job_status(self.object))
        if request.headers.get("HX-Request"):
            self.template_name = "core/exports/_progress.html"
        return super().get(request, *args, **kwargs)

    def get_page_title(self) -> str:
        entry = REGISTRY.get(self.object.kind)
        return _("导出:%(title)s") % {"title": entry.title if entry else self.object.kind}

    def _back_url(self) -> str:
        entry = REGISTRY.get(self.object.kind)
        return entry.back_url(self.object.query) if entry and entry.back_url else ""

    def get_breadcrumbs(self):
        entry = REGISTRY.get(self.object.kind)
        return [(str(entry.title), self._back_url())] if entry and entry.back_url else []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = self.object
        context.update(
            job=job,
            status=job_status(job),
            may_rerun=services.may_rerun(job),
            back_url=self._back_url(),
        )
        return context


class ExportDownloadView(PageMixin, View):
    """The file, to its requester only, while it is kept."""

    def get(self, request, pk: int):
        job = selectors.export_job_get(user=request.user, pk=pk)
        if not job.is_downloadable():
            raise Http404(_("导出文件尚未生成或已过期。"))
        entry = REGISTRY.get(job.kind)
        try:
            handle = default_storage.open(job.file.name, "rb")
        except (FileNotFoundError, OSError) as err:
            raise Http404(_("导出文件尚未生成或已过期。")) from err
        stamp = timezone.localtime(job.finished_at).strftime("%Y%m%d-%H%M")
        stem = entry.file_stem if entry else "export"
        extension = entry.extension if entry else "xlsx"
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=f"{stem}-{stamp}.{extension}",
            content_type=entry.content_type if entry else "application/octet-stream",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


class ExportRerunView(PageMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        job = selectors.export_job_get(user=request.user, pk=pk)
        with service_call(request=request) as call:
            services.export_rerun(actor=request.user, job=job)
        if not call.refused:
            messages.success(request, _("已重新开始导出。"))
        return HttpResponseRedirect(job_url(job))
