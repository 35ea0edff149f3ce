"""Scheduled work of the governance app (points)."""

from django.utils import timezone

from core.jobs import scheduled_task

from .points.selectors import previous_month
from .points.services import points_update_stars


@scheduled_task("governance.points_monthly_stars")
def points_monthly_stars() -> int:
    """以绩定星: on the 1st, set the grid workers' stars from last month's points."""
    return points_update_stars(month=previous_month(timezone.localdate()))
