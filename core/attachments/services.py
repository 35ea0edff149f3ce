"""The one write of attachments: ``attachment_add``. Forms, the phone report and the API all
come here, so every channel applies the same checks (``checks.prepare``) and the same rules."""

from __future__ import annotations

import uuid
from typing import IO, Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError, NotPermitted

from . import checks, registry
from .checks import Prepared
from .models import Attachment


def _key(prefix: str, extension: str) -> str:
    """A storage key nobody can guess or collide with (never the client's name)."""
    today = timezone.localdate()
    return f"attachments/{today:%Y/%m}/{prefix}{uuid.uuid4().hex}.{extension}"


def attachment_check(*, upload: IO[bytes] | Any, kind: str = Attachment.Kind.PHOTO) -> Prepared:
    """Run the checks without storing anything (a form's ``clean_<field>``)."""
    return checks.prepare(upload, kind=kind)


@transaction.atomic
def attachment_add(
    *,
    actor: Any,
    label: str,
    object_id: int | str,
    upload: IO[bytes] | Any | Prepared,
    kind: str = Attachment.Kind.PHOTO,
) -> Attachment:
    """Attach one file to the record ``label``/``object_id``: the record is read through its own
    scoped selector (``NotFound`` outside the scope), the actor needs the record's capability
    (``NotPermitted``), the record may hold at most ``ATTACHMENTS["MAX_PER_RECORD"]`` files, and
    the file must pass ``checks.prepare`` (``DomainError`` on ``file``). Only then are the bytes
    stored through ``default_storage`` and the row written; the record's ``on_added`` hook (a
    case's timeline event) runs in the same transaction."""
    entry = registry.attachable(label)
    obj = entry.resolve(actor, object_id)
    if not entry.allows(actor, obj):
        raise NotPermitted(_("您不能为这条记录上传附件。"))
    if kind not in entry.kinds:
        raise DomainError(_("这条记录不能上传这种类型的附件。"), field="kind")
    content_type = ContentType.objects.get_for_model(obj)
    # the slow part (decode, re-encode, resize) before the record is locked: a case's other
    # writes do not wait for Pillow
    prepared = upload if isinstance(upload, Prepared) else checks.prepare(upload, kind=kind)
    if prepared.kind != kind:
        prepared = Prepared(**{**prepared.__dict__, "kind": kind})
        if prepared.mime_type not in checks.KIND_TYPES[Attachment.Kind(kind)]:
            raise DomainError(checks.wrong_type_message(), field="file")
    # one upload at a time per record, so two phones cannot both pass the count
    type(obj)._default_manager.select_for_update().filter(pk=obj.pk).exists()
    cap = settings.ATTACHMENTS["MAX_PER_RECORD"]
    if Attachment.objects.filter(content_type=content_type, object_id=obj.pk).count() >= cap:
        raise DomainError(_("每条记录最多上传 %(n)s 个附件。") % {"n": cap}, field="file")
    extension = "jpg" if prepared.mime_type == checks.JPEG else "pdf"
    stored: list[str] = []
    try:
        name = default_storage.save(_key("", extension), ContentFile(prepared.content))
        stored.append(name)
        thumb = ""
        if prepared.thumbnail is not None:
            thumb = default_storage.save(_key("t-", "jpg"), ContentFile(prepared.thumbnail))
            stored.append(thumb)
        attachment = Attachment(
            content_type=content_type,
            object_id=obj.pk,
            kind=kind,
            file=name,
            thumbnail=thumb,
            original_name=prepared.name[:128],
            size=prepared.size,
            mime_type=prepared.mime_type,
            width=prepared.width,
            height=prepared.height,
            sha256=prepared.sha256,
            uploaded_by=actor,
        )
        attachment.full_clean()
        attachment.save()
        if entry.on_added is not None:
            entry.on_added(actor=actor, obj=obj, attachment=attachment)
    except BaseException:
        for key in stored:  # nothing half-written: the row failed, so the files go too
            default_storage.delete(key)
        raise
    return attachment
