"""The attachments of a record under the record's own API route: a viewset of an attachable
record mixes in ``AttachmentsMixin`` and names the record's registry label::

    class CaseViewSet(AttachmentsMixin, ...):
        attachment_label = "disputes.case"
        action_capabilities = {..., "attachments": "case.attach"}

which gives ``GET|POST /api/v1/cases/{id}/attachments/`` (list; multipart upload with ``file`` and
``kind``) and ``GET /api/v1/cases/{id}/attachments/{attachment_id}/`` (the file, streamed as on the
page). ``get_object()`` is the viewset's scoped lookup (404 outside the scope, then the write's
capability); the upload goes through ``services.attachment_add``, the same checks as the forms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.errors import NotPermitted
from core.parsers import JSONParser
from core.serializers import BaseModelSerializer

from . import registry, selectors, services
from .models import Attachment
from .views import file_response


class AttachmentSerializer(BaseModelSerializer):
    uploaded_by = serializers.CharField(source="uploaded_by.get_full_name", read_only=True)
    url = serializers.SerializerMethodField(help_text=_("下载地址(需登录,按所属记录的权限)"))
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id",
            "kind",
            "original_name",
            "size",
            "mime_type",
            "width",
            "height",
            "sha256",
            "uploaded_by",
            "uploaded_at",
            "url",
            "thumbnail_url",
        ]
        read_only_fields = fields

    def get_url(self, obj: Attachment) -> str:
        # the record's API route (any API login, basic auth too); the page route elsewhere
        api_url = self.context.get("api_url")
        return api_url(obj) if api_url else reverse("attachments:download", args=[obj.pk])

    def get_thumbnail_url(self, obj: Attachment) -> str | None:
        if not obj.thumbnail:
            return None
        api_url = self.context.get("api_url")
        return f"{api_url(obj)}?thumbnail=1" if api_url else reverse("attachments:thumbnail", args=[obj.pk])


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=_("照片(JPEG/PNG/WebP,服务器重新编码并缩至1600像素以内)或 PDF"),
        allow_empty_file=True,  # the checks say what is wrong, in the words of every channel
        error_messages={"required": _("请选择要上传的文件。")},
    )
    kind = serializers.ChoiceField(choices=Attachment.Kind.choices, default=Attachment.Kind.PHOTO)


class AttachmentsMixin:
    attachment_label: str = ""

    @extend_schema(
        methods=["GET"],
        summary=_("附件列表"),
        responses=AttachmentSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary=_("上传附件(multipart:file、kind)"),
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: AttachmentSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="attachments",
        parser_classes=[MultiPartParser, FormParser, JSONParser],  # JSON: only to say a file is missing
        pagination_class=None,
        filter_backends=[],
    )
    def attachments(self, request: Request, pk: str | None = None) -> Response:
        obj = self.get_object()  # type: ignore[attr-defined]
        context = {"api_url": self._api_url(obj)}
        if request.method == "GET":
            rows = selectors.attachments_of(objs=[obj])
            return Response(AttachmentSerializer(rows, many=True, context=context).data)
        if not registry.attachable(self.attachment_label).allows(request.user, obj):
            raise NotPermitted(str(_("您不能为这条记录上传附件。")))  # 404 → 403 → 400, as everywhere
        params = AttachmentUploadSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        attachment = services.attachment_add(
            actor=request.user,
            label=self.attachment_label,
            object_id=obj.pk,
            upload=params.validated_data["file"],
            kind=params.validated_data["kind"],
        )
        return Response(
            AttachmentSerializer(attachment, context=context).data, status=status.HTTP_201_CREATED
        )

    def _api_url(self, obj: Any) -> Callable[[Attachment], str]:
        basename = self.basename  # type: ignore[attr-defined]
        return lambda a: reverse(f"{basename}-attachment-download", args=[obj.pk, a.pk])

    @extend_schema(
        summary=_("下载附件(图片为重新编码的 JPEG,其他文件只作下载)"),
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_pk>[0-9]{1,18})",
        url_name="attachment-download",
        pagination_class=None,
        filter_backends=[],
    )
    def attachment_download(
        self, request: Request, pk: str | None = None, attachment_pk: str = ""
    ) -> FileResponse:
        obj = self.get_object()  # type: ignore[attr-defined]
        attachment = selectors.attachments_of(objs=[obj]).filter(pk=attachment_pk).first()
        if attachment is None:
            raise NotFound(_("附件不存在或不在您的辖区内。"))
        return file_response(attachment, thumbnail=request.query_params.get("thumbnail") == "1")
