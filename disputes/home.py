"""The dispute panel of the home page: what needs the user's attention today."""

from django.db.models import Count, Q
from django.utils import timezone

from governance import scoping
from governance.capabilities import may, role_of
from governance.roles import Role

from .figures import risk_counts
from .models import Status
from .selectors import case_list, is_open


def dispute_panel(user) -> dict | None:
    # grid workers work from the phone home page, which has its own list of their cases
    if not (scoping.has_scope(user) and may(user, "nav.cases")) or may(user, "ui.phone_first"):
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
        "is_mediator": role_of(user) == Role.MEDIATOR,  # the panel says "my cases"
    }
