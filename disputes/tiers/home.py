"""我的待办 on the home page (工作台): a panel registered from ``DisputesConfig.ready``."""

from governance import scoping

from .selectors import work_queue


def work_queue_panel(user) -> dict | None:
    if not scoping.has_scope(user):
        return None
    return {"template": "disputes/tiers/_home_panel.html", "order": 5, "queue": work_queue(user=user)}
