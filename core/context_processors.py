"""Context processors of the platform."""

from django.http import HttpRequest

from . import notifications


def unread(request: HttpRequest) -> dict:
    """Context processor: the unread count for the bell in the navigation (one query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"inbox_unread": notifications.unread_count(user=user)}
