"""Template helpers for personal data and small bits of page chrome.

Lists always mask (``masked_phone``, ``masked_id``); detail pages show what the viewer's role
may see with ``{% personal obj "phone" %}``, as decided by ``governance.privacy``, which records
every full display (there is deliberately no filter that shows a full number unrecorded)."""

from django import template
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from governance import capabilities, privacy
from governance.validators import mask_id_number, mask_phone

register = template.Library()


@register.filter
def may(user, code: str) -> bool:
    """``{% if request.user|may:"case.accept" %}``: the capability table decides which buttons show."""
    return capabilities.may(user, code)


@register.filter
def masked_phone(value) -> str:
    return mask_phone(value or "")


@register.filter
def masked_id(value) -> str:
    return mask_id_number(value or "")


@register.simple_tag(takes_context=True)
def personal(context, obj, field: str, default: str = ""):
    """``{% personal party "phone" default="—" %}``: the value as the viewer may see it (a full
    display is recorded in the access log); when masked and the viewer may reveal it, a
    查看完整号码 button (static/js/reveal.js) that fetches the full value, recorded too."""
    request = context.get("request")
    value = privacy.shown(request, obj, field)
    if not value:
        return default
    user = getattr(request, "user", None)
    label = obj._meta.label_lower
    if value == getattr(obj, field) or label not in privacy.REVEALERS or not privacy.may_reveal(user):
        return value
    return format_html(
        '<span class="revealable"><span data-reveal-value>{}</span> <button type="button" '
        'class="btn btn-link btn-sm p-0 align-baseline" data-reveal="{}" data-kind="{}" data-id="{}" '
        'data-field="{}" data-csrf="{}">{}</button></span>',
        value,
        reverse("personal-data-reveal"),
        label,
        obj.pk,
        field,
        get_token(request),
        _("查看完整号码"),
    )


@register.filter
def field_type(bound_field) -> str:
    """The widget's input type, for rendering checkboxes and selects differently."""
    widget = bound_field.field.widget
    return getattr(widget, "input_type", "") or widget.__class__.__name__.lower()


@register.simple_tag(takes_context=True)
def nav_active(context, key: str) -> str:
    """``active`` when the current page belongs to the navigation entry ``key``."""
    return "active" if context.get("nav_key") == key else ""


@register.filter
def with_invalid(bound_field):
    """Render the widget with Bootstrap's ``is-invalid`` class when the field has errors."""
    if not bound_field.errors:
        return bound_field
    css = bound_field.field.widget.attrs.get("class", "")
    return bound_field.as_widget(
        attrs={"class": f"{css} is-invalid".strip(), "aria-describedby": f"{bound_field.auto_id}_error"}
    )


@register.filter
def lookup(mapping, key):
    """``counts|lookup:item.key``: a dict entry by a variable key (``None`` when absent)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def star_range(value):
    """Five slots for a star rating: ``[True, True, False, False, False]`` for 2 stars."""
    try:
        n = int(value or 0)
    except (TypeError, ValueError):
        n = 0
    return [i < n for i in range(5)]


@register.filter
def assignment_of(assignments, kind: str):
    """From a village's prefetched ``current_assignments``, the one of ``kind`` (or ``None``)."""
    return next((a for a in assignments or () if a.kind == kind), None)
