"""The navigation each role sees. Hiding a link is convenience only: every view is scoped."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import User

_TERRITORY = [
    ("dashboard", _("指挥中心"), "dashboards:home"),
    ("cases", _("矛盾纠纷"), "disputes:case-list"),
    ("screening", _("滚动排查"), "screening:round-list"),
    ("incidents", _("警情"), "stations:incident-list"),
    ("presence", _("驻村工作"), "stations:presence"),
    ("patrols", _("巡逻"), "patrols:plan-list"),
    ("visits", _("核查走访"), "visits:list"),
    ("villages", _("村(社区)"), "governance:village-list"),
    ("grids", _("网格"), "governance:grid-list"),
    ("grid-workers", _("网格员"), "governance:gridworker-list"),
    ("mediators", _("调解员"), "governance:mediator-list"),
    ("committees", _("治保会"), "governance:committee-list"),
    ("volunteers", _("群防群治"), "governance:volunteerteam-list"),
    ("stations", _("派出所"), "stations:station-list"),
    ("points", _("积分"), "points:ranking"),
]

# How the entries are grouped in the top bar: a group with a label becomes a drop-down menu
# when the role sees more than one of its entries.
_GROUPS = [
    (None, ["dashboard", "cases", "screening"]),
    (_("警务工作"), ["incidents", "presence", "patrols", "visits"]),
    (
        _("基础信息"),
        ["villages", "grids", "grid-workers", "mediators", "committees", "volunteers", "stations"],
    ),
    (None, ["points"]),
]

_BY_ROLE = {
    User.Role.ADMIN: [key for key, *_ in _TERRITORY],
    User.Role.COUNTY: [key for key, *_ in _TERRITORY],
    User.Role.STATION: [key for key, *_ in _TERRITORY],
    User.Role.AUXILIARY: [
        "dashboard",
        "cases",
        "villages",
        "grids",
        "grid-workers",
        "mediators",
        "committees",
        "volunteers",
        "screening",
        "points",
        "incidents",
        "presence",
        "patrols",
        "visits",
    ],
    User.Role.GRID: ["cases", "grids", "grid-workers", "mediators"],
    User.Role.MEDIATOR: ["cases", "mediators"],
}


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_groups": []}
    role = User.Role.ADMIN if user.is_superuser else user.role
    allowed = set(_BY_ROLE.get(role, []))
    labels = {key: label for key, label, _url in _TERRITORY}
    if role == User.Role.MEDIATOR:
        labels["cases"] = _("我的案件")
    items = {
        key: {"key": key, "label": labels[key], "url": reverse(url_name)}
        for key, _label, url_name in _TERRITORY
        if key in allowed
    }
    groups = []
    for label, keys in _GROUPS:
        entries = [items[k] for k in keys if k in items]
        if not entries:
            continue
        if label is None or len(entries) == 1:
            groups.extend({"label": None, "items": [e], "keys": [e["key"]]} for e in entries)
        else:
            groups.append({"label": label, "items": entries, "keys": [e["key"] for e in entries]})
    return {
        "nav_items": list(items.values()),
        "nav_groups": groups,
        "user_role_label": user.get_role_display() if user.role else "",
    }
