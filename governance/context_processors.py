"""The navigation each role sees. Hiding a link is convenience only: every view is scoped."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .capabilities import may, role_of
from .roles import Role

# (key, label, URL name, the capability that shows the entry)
_TERRITORY = [
    ("dashboard", _("指挥中心"), "dashboards:home", "dashboard.view"),
    ("cases", _("矛盾纠纷"), "disputes:case-list", "nav.cases"),
    ("screening", _("滚动排查"), "screening:round-list", "nav.screening"),
    ("incidents", _("警情"), "stations:incident-list", "incident.view"),
    ("presence", _("驻村工作"), "stations:presence", "nav.presence"),
    ("patrols", _("巡逻"), "patrols:plan-list", "nav.patrols"),
    ("visits", _("核查走访"), "visits:list", "nav.visits"),
    ("villages", _("村(社区)"), "governance:village-list", "nav.villages"),
    ("grids", _("网格"), "governance:grid-list", "nav.grids"),
    ("grid-workers", _("网格员"), "governance:gridworker-list", "nav.grids"),
    ("mediators", _("调解员"), "governance:mediator-list", "nav.mediators"),
    ("committees", _("治保会"), "governance:committee-list", "nav.villages"),
    ("volunteers", _("群防群治"), "governance:volunteerteam-list", "nav.villages"),
    ("stations", _("派出所"), "stations:station-list", "nav.stations"),
    ("points", _("积分"), "points:ranking", "points.view_ranking"),
    ("personal-data-log", _("个人信息查看记录"), "governance:personal-data-log", "personal_data.audit"),
]

# How the entries are grouped in the top bar: a group with a label becomes a drop-down menu
# when the role sees more than one of its entries.
_GROUPS = [
    (None, ["dashboard", "cases", "screening"]),
    (_("警务工作"), ["incidents", "presence", "patrols", "visits"]),
    (
        _("基础信息"),
        [
            "villages",
            "grids",
            "grid-workers",
            "mediators",
            "committees",
            "volunteers",
            "stations",
            "personal-data-log",
        ],
    ),
    (None, ["points"]),
]


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_groups": []}
    labels = {key: label for key, label, _url, _cap in _TERRITORY}
    if role_of(user) == Role.MEDIATOR:  # a mediator's cases are the ones assigned to them
        labels["cases"] = _("我的案件")
    items = {
        key: {"key": key, "label": labels[key], "url": reverse(url_name)}
        for key, _label, url_name, code in _TERRITORY
        if may(user, code)
    }
    groups: list[dict[str, Any]] = []
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
