"""Which records take attachments, and how each is reached: registered by the app that owns the
record, from its ``AppConfig.ready`` (``core`` knows no domain), e.g. in ``disputes``::

    register_attachable(
        "disputes.case", DisputeCase,
        get=lambda user, pk: selectors.case_get(user=user, pk=pk),  # the record's scoped selector
        may_add=lambda user, case: rules.may_act(user, case, "attach"),
        capability="case.attach",
        on_added=services.case_attachment_added,  # the timeline event
    )

``get(user, pk)`` is the record's own scoped selector: outside the user's scope it raises
``Http404`` (or ``NotFound``), and that is all the attachment views and the API ask before they
serve a file. ``capability`` is the code of the capability table that allows adding; ``may_add``
(optional) narrows it per record (a case's handling level). ``on_added(actor=, obj=, attachment=)``
runs inside the upload's transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model
from django.http import Http404

from core import capabilities
from core.errors import NotFound

from .models import Attachment


@dataclass(frozen=True)
class Attachable:
    label: str
    model: type[Model]
    get: Callable[[Any, Any], Model]
    capability: str
    may_add: Callable[[Any, Any], bool] | None = None
    on_added: Callable[..., object] | None = None
    kinds: tuple[str, ...] = tuple(Attachment.Kind.values)
    verbose: Any = field(default="")

    def resolve(self, user: Any, pk: Any) -> Model:
        """The record through its scoped selector; ``NotFound`` outside the scope."""
        try:
            return self.get(user, pk)
        except (Http404, self.model.DoesNotExist) as err:  # type: ignore[attr-defined]
            raise NotFound() from err

    def allows(self, user: Any, obj: Any) -> bool:
        if not capabilities.may(user, self.capability):
            return False
        return self.may_add(user, obj) if self.may_add is not None else True


REGISTRY: dict[str, Attachable] = {}


def register_attachable(
    label: str,
    model: type[Model],
    *,
    get: Callable[[Any, Any], Model],
    capability: str,
    may_add: Callable[[Any, Any], bool] | None = None,
    on_added: Callable[..., object] | None = None,
    kinds: Iterable[str] | None = None,
    verbose: Any = "",
) -> None:
    REGISTRY[label] = Attachable(
        label=label,
        model=model,
        get=get,
        capability=capability,
        may_add=may_add,
        on_added=on_added,
        kinds=tuple(kinds) if kinds is not None else tuple(Attachment.Kind.values),
        verbose=verbose or model._meta.verbose_name,
    )


def attachable(label: str) -> Attachable:
    try:
        return REGISTRY[label]
    except KeyError as err:
        raise NotFound() from err


def for_model(model: type[Model]) -> Attachable | None:
    for entry in REGISTRY.values():
        if entry.model is model or entry.model._meta.concrete_model is model._meta.concrete_model:
            return entry
    return None
