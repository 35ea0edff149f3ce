"""``{% client_key_input %}``: the hidden ``client_key`` of a phone form (core.submissions).

A fresh UUID on every render — or, when the page is the same form shown again after a refused
POST, the key that POST carried, so that correcting and resending is still one submission.
``static/js/outbox.js`` replaces it with a key of its own when it queues the form."""

import uuid

from django import template
from django.utils.html import format_html

from core.submissions import FIELD, ClientKeyError, parse_client_key

register = template.Library()


@register.simple_tag(takes_context=True)
def client_key_input(context) -> str:
    request = context.get("request")
    key = None
    if request is not None and request.method == "POST":
        try:
            key = parse_client_key(request.POST.get(FIELD))
        except ClientKeyError:
            key = None
    return format_html(
        '<input type="hidden" name="{}" value="{}" data-client-key>', FIELD, str(key or uuid.uuid4())
    )
