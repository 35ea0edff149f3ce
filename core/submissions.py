"""Idempotent phone-form submissions: the same client key never creates twice."""

import uuid
from collections.abc import Callable

from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import Model

from core.models import ClientSubmission


def _ref(obj: Model) -> str:
    return f"{obj._meta.label_lower}:{obj.pk}"


def _load(ref: str) -> Model:
    label, pk = ref.rsplit(":", 1)
    model = apps.get_model(label)
    return model._default_manager.get(pk=pk)


def submit_once(*, user, form: str, client_key: uuid.UUID, create: Callable[[], Model]) -> Model:
    """Run create() once per (user, form, client_key); a repeat returns the first object."""
    existing = ClientSubmission.objects.filter(user=user, form=form, client_key=client_key).first()
    if existing is not None:
        return _load(existing.object_ref)
    try:
        with transaction.atomic():
            obj = create()
            ClientSubmission.objects.create(user=user, form=form, client_key=client_key, object_ref=_ref(obj))
            return obj
    except IntegrityError:
        stored = ClientSubmission.objects.get(user=user, form=form, client_key=client_key)
        return _load(stored.object_ref)
