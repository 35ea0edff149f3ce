"""The attachment pages: download, thumbnail and the upload form's target. Never a public URL:
each request reads the attachment's parent through that record's own scoped selector, so an
attachment outside the user's scope is a 404, as its record is.

Files are streamed with ``X-Content-Type-Options: nosniff``, a ``Content-Disposition`` with the
sanitised name and a sandboxing CSP: images (stored only after Pillow re-encoded them) as
``image/jpeg`` inline, everything else as a download (``attachment``) only."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from core.errors import NotFound, service_call

from . import selectors, services
from .models import Attachment


def file_response(attachment: Attachment, *, thumbnail: bool = False) -> FileResponse:
    """Stream one stored file with the headers that keep a browser from running it."""
    key = attachment.thumbnail.name if thumbnail else attachment.file.name
    if not key:
        raise Http404(_("这个附件没有缩略图。"))
    try:
        handle = default_storage.open(key, "rb")
    except (FileNotFoundError, OSError) as err:
        raise Http404(_("附件文件不存在。")) from err
    inline = attachment.is_image
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=attachment.original_name,
        content_type=attachment.mime_type
        if attachment.mime_type in ("image/jpeg", "application/pdf")
        else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def _attachment(request, pk: int) -> Attachment:
    try:
        attachment, _parent = selectors.attachment_get(user=request.user, pk=pk)
    except NotFound as err:
        raise Http404(err.message) from err
    return attachment


class AttachmentView(LoginRequiredMixin, View):
    def get(self, request, pk: int):
        return file_response(_attachment(request, pk))


class ThumbnailView(LoginRequiredMixin, View):
    def get(self, request, pk: int):
        return file_response(_attachment(request, pk), thumbnail=True)


class AttachmentAddView(LoginRequiredMixin, View):
    """POST a file (``file``, ``kind``) to a record (``label``/``object_id``); back to ``next``
    with a message. The record's own page offers the form (``{% attachments_panel %}``)."""

    http_method_names = ["post"]

    def post(self, request, label: str, object_id: int):
        kind = request.POST.get("kind") or Attachment.Kind.PHOTO
        with service_call(request=request) as call:
            services.attachment_add(
                actor=request.user,
                label=label,
                object_id=object_id,
                upload=request.FILES.get("file"),
                kind=kind,
            )
        if not call.refused:
            messages.success(request, _("附件已上传。"))
        return HttpResponseRedirect(self._next(request))

    @staticmethod
    def _next(request) -> str:
        target = request.POST.get("next") or request.headers.get("Referer") or "/"
        if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
            return target
        return "/"
