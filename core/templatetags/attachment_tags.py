"""``{% attachments_panel obj [more records or lists of records] %}``: the photos and scans of a
record (and of related records listed after it, e.g. a case's sessions and agreements) in one
query, with the upload form when the user may add to the first record."""

from typing import Any

from django import template
from django.conf import settings

from core.attachments import registry, selectors
from core.attachments.models import Attachment

register = template.Library()


def _flat(items: tuple[Any, ...]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if item is None or item == "":
            continue
        if isinstance(item, list | tuple) or hasattr(item, "__iter__") and not hasattr(item, "pk"):
            out.extend(x for x in item if x is not None)
        else:
            out.append(item)
    return out


@register.inclusion_tag("core/attachments/_panel.html", takes_context=True)
def attachments_panel(context: Any, obj: Any, *related: Any, compact: bool = False) -> dict[str, Any]:
    request = context["request"]
    records = [obj, *_flat(related)]
    rows = list(selectors.attachments_of(objs=records))
    entry = registry.for_model(type(obj))
    may_add = entry is not None and entry.allows(request.user, obj)
    targets = []
    if may_add:
        for record in records:
            record_entry = registry.for_model(type(record))
            if record_entry is not None:
                targets.append(
                    {
                        "url_label": record_entry.label,
                        "pk": record.pk,
                        "label": f"{record_entry.verbose} {record}"
                        if record is not obj
                        else record_entry.verbose,
                    }
                )
    kinds = entry.kinds if entry is not None else ()
    return {
        "rows": rows,
        "targets": targets,
        "kinds": [(k, label) for k, label in _kind_choices() if k in kinds],
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
        "max_mb": settings.ATTACHMENTS["MAX_BYTES"] // (1024 * 1024),
        "compact": compact,
    }


def _kind_choices() -> list[tuple[str, Any]]:
    return list(Attachment.Kind.choices)
