"""The dispute panel of the home page: what needs the user's attention today."""

from django.db.models import Count, Q
from django.utils import timezone

from governance import scoping
from governance.models import User

from .figures import risk_counts
from .models import Status
from .selectors import case_list, is_open


def dispute_panel(user) -> dict | None:
    if not scoping.has_scope(user) or not (user.is_superuser or user.role) or user.role == User.Role.GRID:
        return None
    counts = (
        case_list(user=user)
        .order_by()
        .aggregate(
            **risk_counts(now=timezone.now()),
            mine=Count("pk", filter=is_open() & Q(responsible=user)),
            reported=Count("pk", filter=Q(status=Status.REPORTED)),
        )
    )
    return {
        "template": "disputes/_home_panel.html",
        "order": 10,
        "cases": counts,
        "is_mediator": user.role == User.Role.MEDIATOR,
    }
