"""The dispute panel of the home page: what needs the user's attention today."""

from django.db.models import Count, Q
from django.utils import timezone

from governance import scoping
from governance.models import User

from .models import OPEN_STATUSES, RiskLevel
from .selectors import case_list


def dispute_panel(user) -> dict | None:
    if not scoping.has_scope(user) or not (user.is_superuser or user.role) or user.role == User.Role.GRID:
        return None
    now = timezone.now()
    open_ = Q(status__in=OPEN_STATUSES)
    counts = (
        case_list(user=user)
        .order_by()
        .aggregate(
            open=Count("pk", filter=open_),
            mine=Count("pk", filter=open_ & Q(responsible=user)),
            overdue=Count("pk", filter=open_ & Q(due_at__lt=now)),
            red=Count("pk", filter=open_ & Q(risk_level=RiskLevel.RED)),
            orange=Count("pk", filter=open_ & Q(risk_level=RiskLevel.ORANGE)),
            reported=Count("pk", filter=Q(status="reported")),
        )
    )
    return {
        "template": "disputes/_home_panel.html",
        "order": 10,
        "cases": counts,
        "is_mediator": user.role == User.Role.MEDIATOR,
    }
