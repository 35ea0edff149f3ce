"""Scheduled work of the governance app (points)."""

from celery import shared_task
from django.utils import timezone

from .points.selectors import previous_month
from .points.services import points_update_stars


@shared_task(name="governance.points_monthly_stars", ignore_result=True)
def points_monthly_stars() -> int:
    """以绩定星: on the 1st, set the grid workers' stars from last month's points."""
    return points_update_stars(month=previous_month(timezone.localdate()))
