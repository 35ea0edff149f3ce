"""The capability table is the one place that says who may do what.

* every capability the code asks for (services, views, API viewsets, templates) is in the table,
  so a typo can never quietly mean "nobody may";
* the table itself is sane (known roles, administrators may everything);
* pages, the API and services read it: taking one grant out of the table (through
  ``settings.CAPABILITY_TABLE``, as a new role or a changed rule would) changes what every channel
  allows, with nothing else edited.
"""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from core import capabilities as core_capabilities
from core.capabilities import Capability, CapabilityTable, UnknownCapability
from core.errors import NotPermitted
from disputes import services
from disputes.models import CaseEvent, Status
from governance.capabilities import CAPABILITIES, TABLE, role_of
from governance.roles import Role

from ..disputes.helpers import report

ROOT = Path(settings.BASE_DIR)
APPS = ("core", "governance", "stations", "disputes", "screening", "patrols", "dashboards")


def _asked_for() -> dict[str, str]:
    """code → where: every capability code written in the code and the templates."""
    found: dict[str, str] = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
                if (
                    isinstance(node, ast.Call)
                    and getattr(node.func, "attr", getattr(node.func, "id", "")) == "users_with_capability"
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                ):
                    found[node.args[0].value] = where
                if (
                    isinstance(node, ast.Call)
                    and getattr(node.func, "attr", getattr(node.func, "id", "")) == "register_attachable"
                ):  # core.attachments: the capability to add to a record
                    for kw in node.keywords:
                        if kw.arg == "capability" and isinstance(kw.value, ast.Constant):
                            found[str(kw.value.value)] = where
                if (
                    isinstance(node, ast.Call)
                    and getattr(node.func, "attr", getattr(node.func, "id", "")) == "require_action"
                    and len(node.args) > 2
                    and isinstance(node.args[2], ast.Constant)
                    and isinstance(node.args[2].value, str)
                ):  # disputes.services.require_action(actor, case, "take_over") asks "case.take_over"
                    found[f"case.{node.args[2].value}"] = where
                if (
                    isinstance(node, ast.Call)
                    and getattr(node.func, "attr", getattr(node.func, "id", "")) == "may"
                ):
                    arg = node.args[1] if len(node.args) > 1 else None
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        # disputes.services.may(user, "accept") asks for "case.accept"
                        code = arg.value if "." in arg.value else f"case.{arg.value}"
                        found[code] = where
                if isinstance(node, ast.Assign | ast.AnnAssign):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    names = {getattr(t, "id", "") for t in targets}
                    if (
                        names & {"write_capability", "manage_capability"}
                        and isinstance(node.value, ast.Constant)
                        and isinstance(node.value.value, str)
                        and node.value.value
                    ):
                        found[node.value.value] = where
                    if "_TERRITORY" in names and isinstance(node.value, ast.List):  # the top bar
                        for entry in node.value.elts:
                            last = entry.elts[-1] if isinstance(entry, ast.Tuple) else None
                            if isinstance(last, ast.Constant) and isinstance(last.value, str):
                                found[last.value] = where
                    capability_maps = {
                        n for n in names if n == "action_capabilities" or n.endswith("_CAPABILITIES")
                    }
                    if capability_maps and isinstance(node.value, ast.Dict):
                        for value in node.value.values:
                            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                                found[value.value] = where
    for path in (ROOT / "templates").rglob("*.html"):
        for code in re.findall(r'\|may:"([^"]+)"', path.read_text(encoding="utf-8")):
            found[code] = str(path.relative_to(ROOT))
    return found


def test_every_capability_the_code_asks_for_is_in_the_table():
    asked = _asked_for()
    assert len(asked) >= 25  # the scan finds the checks (it would find none if it were broken)
    known = {c.code for c in TABLE}
    assert {code: where for code, where in asked.items() if code not in known} == {}


def test_every_capability_in_the_table_is_used():
    asked = set(_asked_for())
    assert [c.code for c in TABLE if c.code not in asked] == []


def test_the_table_knows_only_real_roles_and_administrators_may_everything():
    assert set(TABLE.roles) == set(Role.values)
    # "ui." rows are how a role works (grid workers from the phone), not something it may do
    assert [c.code for c in TABLE if Role.ADMIN not in c.roles and not c.code.startswith("ui.")] == []
    with pytest.raises(ValueError, match="unknown roles"):
        CapabilityTable(
            roles=["admin"], capabilities=[Capability("x.y", "x", frozenset({"ghost"}))], role_of=role_of
        )
    with pytest.raises(UnknownCapability):
        TABLE.may(None, "case.acept")


def test_role_of_anonymous_inactive_and_superusers(world):
    from django.contrib.auth.models import AnonymousUser

    assert role_of(AnonymousUser()) == ""
    station = world.user("station_a")
    assert role_of(station) == Role.STATION
    station.is_active = False
    assert role_of(station) == ""
    assert role_of(world.user("admin")) == Role.ADMIN
    assert role_of(world.user("norole")) == ""


@pytest.fixture
def station_may_not_accept(settings):
    """A table in which station staff may no longer accept cases (everything else unchanged)."""
    changed = [
        Capability(c.code, c.label, c.roles - {Role.STATION}) if c.code == "case.accept" else c
        for c in CAPABILITIES
    ]
    import tests.core.test_capabilities as this

    this.CHANGED = CapabilityTable(roles=Role.values, capabilities=changed, role_of=role_of)
    settings.CAPABILITY_TABLE = "tests.core.test_capabilities.CHANGED"
    core_capabilities.table.cache_clear()
    yield
    core_capabilities.table.cache_clear()


def test_pages_api_and_services_all_read_the_table(world, client_for, station_may_not_accept):
    case = report(world)
    detail = reverse("disputes:case-detail", args=[case.pk])
    station = client_for("station_a")
    # the page no longer offers the button, and refuses the post
    page = station.get(detail).content.decode()
    assert 'id="act-accept"' not in page and 'id="act-escalate"' in page
    assert station.post(reverse("disputes:case-action", args=[case.pk, "accept"])).status_code == 403
    # the API refuses before reading the body
    assert (
        station.post(f"/api/v1/cases/{case.pk}/accept/", {}, content_type="application/json").status_code
        == 403
    )
    # the service refuses
    with pytest.raises(NotPermitted):
        services.case_accept(actor=world.user("station_a"), case=case)
    case.refresh_from_db()
    assert case.status == Status.REPORTED
    assert not CaseEvent.objects.filter(case=case, code="disputes.case.accepted").exists()
    # the auxiliary officer keeps the grant
    assert (
        client_for("aux_v1").post(reverse("disputes:case-action", args=[case.pk, "accept"])).status_code
        == 302
    )
