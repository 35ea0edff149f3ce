"""The folder list is the architecture: apps depend only on the apps to their left.

    core ← governance ← stations ← disputes ← screening ← patrols ← dashboards

No module imports an app to its right, at the top or inside a function; imports inside
functions are allowed only in ``AppConfig.ready`` (Django's place for wiring apps together) and
under ``if TYPE_CHECKING``. Nothing imports ``config`` but ``manage.py`` and the WSGI/ASGI
entry points; ``demo`` (the seeding commands) may use every app and no app uses it."""

import ast
from pathlib import Path

from django.conf import settings

LAYERS = ["core", "governance", "stations", "disputes", "screening", "patrols", "dashboards"]
ROOT = Path(settings.BASE_DIR)
RANK = {app: i for i, app in enumerate(LAYERS)}


def _modules(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def _imports(tree: ast.AST):
    """(imported module, line, inside a function other than ready, under TYPE_CHECKING)."""

    def visit(node, func: str | None, typing_only: bool):
        for child in ast.iter_child_nodes(node):
            f, t = func, typing_only
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                f = child.name
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                t = True
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield alias.name, child.lineno, f, t
            elif isinstance(child, ast.ImportFrom):  # relative ones as ".models", "..selectors"
                yield "." * child.level + (child.module or ""), child.lineno, f, t
            yield from visit(child, f, t)

    yield from visit(tree, None, False)


def _violations(app: str) -> list[str]:
    found = []
    for path in _modules(app):
        where = path.relative_to(ROOT)
        for module, line, func, typing_only in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            top = module.split(".")[0]
            if func is not None and func != "ready" and not typing_only:
                found.append(f"{where}:{line} imports {module} inside {func}()")
            if top == "config" or top == "demo" and app != "demo":
                found.append(f"{where}:{line} imports {module}")
            if app in RANK and top in RANK and RANK[top] > RANK[app]:
                found.append(f"{where}:{line} imports {module} (to the right of {app})")
    return found


def test_no_app_imports_against_the_layer_order():
    assert [v for app in LAYERS for v in _violations(app)] == []


def test_demo_and_config_import_nothing_inside_functions():
    found = [v for v in _violations("demo") if "inside" in v]
    found += [v for v in _violations("config") if "inside" in v]
    assert found == []


def test_the_scan_sees_a_violation():
    tree = ast.parse(
        "import core\n\ndef f():\n    from dashboards import figures\n    from .models import X\n"
    )
    assert [(m, f) for m, _line, f, _t in _imports(tree)] == [
        ("core", None),
        ("dashboards", "f"),
        (".models", "f"),
    ]
