"""Work panels on the home page (工作台), contributed by the apps above governance.

An app registers a function from its ``AppConfig.ready``; the function gets the user and returns
``{"template": ..., "order": n, ...context}`` or ``None`` (nothing to show for that user). This
keeps governance from importing the apps that sit on top of it."""

from collections.abc import Callable
from typing import Any

HomePanel = Callable[[object], dict | None]
_panels: list[HomePanel] = []


def register_home_panel(panel: HomePanel) -> None:
    if panel not in _panels:
        _panels.append(panel)


def panels_for(user) -> list[dict]:
    shown = [p for p in (panel(user) for panel in _panels) if p]
    return sorted(shown, key=lambda p: p.get("order", 100))


# --- Counts on the phone home (disputes.mobile), from the apps above it ------------------------
PhoneCount = Callable[[Any], int]
_phone_counts: dict[str, PhoneCount] = {}


def register_phone_count(name: str, count: PhoneCount) -> None:
    """A figure of the phone home's tiles (``visits_open`` …), counted for the user by an app
    the phone pages may not import (patrols sits above disputes)."""
    _phone_counts[name] = count


def phone_counts(user) -> dict[str, int]:
    return {name: count(user) for name, count in _phone_counts.items()}
