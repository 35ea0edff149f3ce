"""Scoped reads of attachments: always through the parent record's own selector (``registry``),
so an attachment is seen exactly by those who see its record; outside the scope: 404."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet

from core.errors import NotFound

from . import registry
from .models import Attachment


def attachments_of(*, objs: Iterable[Model]) -> QuerySet[Attachment]:
    """The attachments of records the caller already read through their scoped selectors, in one
    query whatever their number (a case with its sessions and agreements)."""
    by_type: dict[int, list[Any]] = {}
    for obj in objs:
        if obj is None or obj.pk is None:
            continue
        ct = ContentType.objects.get_for_model(obj)  # cached by Django after the first call
        by_type.setdefault(ct.pk, []).append(obj.pk)
    if not by_type:
        return Attachment.objects.none()
    where = Q()
    for ct_id, ids in by_type.items():
        where |= Q(content_type_id=ct_id, object_id__in=ids)
    return Attachment.objects.filter(where).select_related("uploaded_by").order_by("uploaded_at", "pk")


def attachment_get(*, user: Any, pk: int | str) -> tuple[Attachment, Model]:
    """One attachment and its parent, if the user sees the parent (else ``NotFound``)."""
    attachment = Attachment.objects.select_related("content_type").filter(pk=pk).first()
    if attachment is None:
        raise NotFound()
    model = attachment.content_type.model_class()
    entry = registry.for_model(model) if model is not None else None
    if entry is None:
        raise NotFound()
    parent = entry.resolve(user, attachment.object_id)
    return attachment, parent
