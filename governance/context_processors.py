"""The navigation each role sees. Hiding a link is convenience only: every view is scoped."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import User

_TERRITORY = [
    ("dashboard", _("指挥中心"), "dashboards:home"),
    ("villages", _("村(社区)"), "governance:village-list"),
    ("grids", _("网格"), "governance:grid-list"),
    ("grid-workers", _("网格员"), "governance:gridworker-list"),
    ("mediators", _("调解员"), "governance:mediator-list"),
    ("committees", _("治保会"), "governance:committee-list"),
    ("volunteers", _("群防群治"), "governance:volunteerteam-list"),
    ("stations", _("派出所"), "stations:station-list"),
    ("incidents", _("警情"), "stations:incident-list"),
    ("presence", _("驻村工作"), "stations:presence"),
    ("patrols", _("巡逻"), "patrols:plan-list"),
    ("screening", _("滚动排查"), "screening:round-list"),
    ("points", _("积分"), "points:ranking"),
]

_BY_ROLE = {
    User.Role.ADMIN: [key for key, *_ in _TERRITORY],
    User.Role.COUNTY: [key for key, *_ in _TERRITORY],
    User.Role.STATION: [key for key, *_ in _TERRITORY],
    User.Role.AUXILIARY: ["dashboard", "villages", "grids", "grid-workers", "mediators", "committees", "volunteers",
                          "screening", "points", "incidents", "presence", "patrols"],
    User.Role.GRID: ["grids", "grid-workers", "mediators"],
    User.Role.MEDIATOR: ["mediators"],
}


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    role = User.Role.ADMIN if user.is_superuser else user.role
    allowed = set(_BY_ROLE.get(role, []))
    items = [
        {"key": key, "label": label, "url": reverse(url_name)} for key, label, url_name in _TERRITORY if key in allowed
    ]
    return {"nav_items": items, "user_role_label": user.get_role_display() if user.role else ""}
