"""我的待办 on the home page (工作台): a panel registered from ``DisputesConfig.ready``."""

from governance import scoping
from governance.capabilities import role_of

from .selectors import work_queue


def work_queue_panel(user) -> dict | None:
    if not scoping.has_scope(user) or not role_of(user):
        return None
    return {"template": "disputes/tiers/_home_panel.html", "order": 5, "queue": work_queue(user=user)}
