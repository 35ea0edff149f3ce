"""Scheduled work of the governance app (points)."""

import logging

from celery import shared_task
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(name="governance.points_screening_missed", ignore_result=True)
def points_screening_missed() -> int:
    """Deduct the leaders of grids that never reported a screening round (once per grid and round)."""
    from .points import points_screening_missed as sweep

    return sweep(now=timezone.now())


@shared_task(name="governance.points_monthly_stars", ignore_result=True)
def points_monthly_stars() -> int:
    """以绩定星: on the 1st, set the grid workers' stars from last month's points."""
    from .points import points_update_stars, previous_month

    return points_update_stars(month=previous_month(timezone.localdate()))
