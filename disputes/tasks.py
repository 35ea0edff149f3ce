"""Celery tasks for dispute cases: thin wrappers that call a service.

Every service here is safe to run twice (conditional updates, unique notification keys, one
nightly assessment per case and day), so retries, redelivery after a worker dies (acks_late)
and eager mode do no harm."""

from celery import shared_task
from django.utils import timezone

from . import risk, sweeps


@shared_task(name="disputes.case_sweeps", ignore_result=True)
def case_sweeps() -> dict:
    """Overdue reminders, automatic escalation, and deadline reminders (judicial confirmation,
    referrals, follow-up visits)."""
    return sweeps.run_all(now=timezone.now())


@shared_task(name="disputes.risk_nightly", ignore_result=True)
def risk_nightly() -> int:
    return risk.assess_open_cases(now=timezone.now())
