"""Scheduled work of rolling screening: thin wrappers around the services (idempotent)."""

from django.utils import timezone

from core.jobs import scheduled_task

from . import services


@scheduled_task("screening.summary_rebuild")
def screening_summary_rebuild() -> int:
    """Nightly: the completeness summary of every round recomputed set-based (corrects drift)."""
    return services.round_grids_rebuild()


@scheduled_task("screening.open_rounds")
def screening_open_rounds() -> int:
    """Open the rolling-screening rounds that are due (one per county and day at most)."""
    return len(services.screening_rounds_open_due(now=timezone.now()))


@scheduled_task("screening.reminders")
def screening_reminders() -> int:
    """A day before the deadline: remind the workers of grids that have not reported."""
    return services.screening_send_reminders(now=timezone.now())


@scheduled_task("screening.overdue")
def screening_overdue() -> int:
    """After the deadline: tell the auxiliary officer and the station about grids still missing."""
    return services.screening_flag_overdue(now=timezone.now())


@scheduled_task("screening.deduct_missed")
def screening_deduct_missed() -> int:
    """A week after the deadline: the leaders of grids that never reported lose points (once per grid and round)."""
    return services.screening_deduct_missed(now=timezone.now())
