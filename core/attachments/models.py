"""The stored file of a photo, scan or document and the record it belongs to.

Why a generic link (content type + object id) and not one nullable foreign key per parent:
``core`` is the framework layer and knows no domain (``tests/test_layers.py``), while the
parents live in three apps to its right (cases, mediation sessions and agreements in
``disputes``, village check-ins in ``stations``, grid and patrol check-ins in ``patrols``).
Explicit foreign keys would make ``core`` import them and grow a column (and a migration in
core) for every new attachable record. The integrity a foreign key would give is kept by the
one write (``services.attachment_add``), which resolves the parent through the record's own
scoped selector before it stores anything, and by reading attachments only through a
registered parent (``registry``): an attachment whose parent is gone or out of scope is a 404.
Nothing is deleted from a record, so a dangling row cannot appear through the interface.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Attachment(models.Model):
    class Kind(models.TextChoices):
        PHOTO = "photo", _("照片")
        SCAN = "scan", _("扫描件")
        DOCUMENT = "document", _("文件")

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, verbose_name=_("所属记录类型"))
    object_id = models.PositiveBigIntegerField(_("所属记录"))
    parent = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.PHOTO)
    # the storage key (never a public URL: files are streamed through the scoped views)
    file = models.FileField(_("文件"), max_length=255)
    thumbnail = models.FileField(_("缩略图"), max_length=255, blank=True)
    original_name = models.CharField(_("原文件名"), max_length=128)
    size = models.PositiveIntegerField(_("大小(字节)"))
    mime_type = models.CharField(_("内容类型"), max_length=64)
    width = models.PositiveIntegerField(_("宽(像素)"), null=True, blank=True)
    height = models.PositiveIntegerField(_("高(像素)"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("上传人")
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["uploaded_at", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="attachment_parent_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["photo", "scan", "document"]),
                name="attachment_kind_valid",
                violation_error_message=_("附件类型无效。"),
            ),
            models.CheckConstraint(
                condition=Q(size__gt=0),
                name="attachment_size_positive",
                violation_error_message=_("附件不能为空文件。"),
            ),
            models.CheckConstraint(
                condition=Q(width__isnull=True, height__isnull=True) | Q(width__gt=0, height__gt=0),
                name="attachment_dimensions_both",
                violation_error_message=_("图片的宽和高须同时记录。"),
            ),
            models.CheckConstraint(
                condition=~Q(kind="photo") | Q(mime_type="image/jpeg"),
                name="attachment_photo_is_jpeg",
                violation_error_message=_("照片须为重新编码后的 JPEG。"),
            ),
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.mime_type == "image/jpeg"
