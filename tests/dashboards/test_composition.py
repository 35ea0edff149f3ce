"""``dashboards`` composes the apps' figure selectors and owns no query of its own."""

import ast
from pathlib import Path

from django.conf import settings

QUERY_METHODS = {
    "filter",
    "exclude",
    "annotate",
    "aggregate",
    "values",
    "values_list",
    "count",
    "exists",
    "first",
    "last",
    "select_related",
    "prefetch_related",
    "order_by",
    "distinct",
}


def test_dashboards_issue_no_query_of_their_own():
    found = []
    for path in sorted((Path(settings.BASE_DIR) / "dashboards").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in {"objects", "_default_manager", "raw"}:
                found.append(f"{path.name}:{node.lineno} .{node.attr}")
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in QUERY_METHODS
            ):
                found.append(f"{path.name}:{node.lineno} .{node.func.attr}()")
    assert found == []
