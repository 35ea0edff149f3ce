"""Celery tasks for dispute cases: thin wrappers that call a service.

Every service here is safe to run twice (conditional updates, unique notification keys, one
nightly assessment per case and day), so retries, redelivery after a worker dies (acks_late)
and eager mode do no harm."""

from django.utils import timezone

from core.jobs import scheduled_task

from . import risk, sweeps
from .incidents.turns import criminal_turns_rebuild
from .summary.store import summary_rebuild
from .tiers import sweeps as tier_sweeps


@scheduled_task("disputes.case_sweeps")
def case_sweeps() -> dict:
    """Overdue reminders, automatic escalation, and deadline reminders (judicial confirmation,
    referrals, follow-up visits)."""
    return sweeps.run_all(now=timezone.now())


@scheduled_task("disputes.risk_nightly")
def risk_nightly() -> int:
    return risk.assess_open_cases(now=timezone.now())


@scheduled_task("disputes.criminal_turns_rebuild")
def criminal_turns_nightly() -> int:
    """Nightly: the stored 民转刑 rows recomputed set-based (corrects any drift)."""
    return criminal_turns_rebuild()


@scheduled_task("disputes.summary_rebuild")
def case_summary_nightly() -> int:
    """Nightly: the stored monthly case figures of the dashboards recomputed (corrects any drift)."""
    return summary_rebuild()


@scheduled_task("disputes.tiers_sweep")
def tiers_sweep() -> dict:
    """Hand-ons not acknowledged in time (reminded, then escalated), supervisions unanswered."""
    return tier_sweeps.run_all(now=timezone.now())
