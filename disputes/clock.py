"""The case clock: which deadline a case's stage has, and from when.

* **Feedback** (反馈): from the report, ``DISPUTES["FEEDBACK_HOURS"][level]`` (grid 24 h, village
  48 h, township/county 72 h). ``DisputeCase.feedback_due_at``; it is ``due_at`` until acceptance.
* **Handling** (办理): from acceptance, ``handling_days(level, risk_level)`` (30 days normally,
  shorter for a red or orange case). It is kept through mediation, failure, referral and back,
  and moves only by
  - an approved extension (``services.extension_decide``: ``extended_due``),
  - a pause (``services.case_pause`` / ``case_resume``: the paused time is added when it ends),
  - an escalation (``services.case_escalate``: the new level's own deadline, counted from then;
    the old one stays in the timeline event).

Days are calendar days, or working days where ``DISPUTES["WORKING_DAYS"]`` says so (the
holiday/workday calendar ``core.workdays``, kept in the admin). These functions only compute; the services write. ``selectors.is_overdue`` is the one expression
lists, filters, dashboards, sweeps and the Excel ledger read.
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone

from core import workdays

from . import risk


def feedback_due(level: str, start: dt.datetime) -> dt.datetime:
    """The feedback deadline of a case reported (or escalated before acceptance) at ``start``."""
    return start + dt.timedelta(hours=settings.DISPUTES["FEEDBACK_HOURS"][level])


def handling_days(level: str, risk_level: str) -> int:
    """Days to settle a case at ``level`` with ``risk_level``: the level's days, shortened for a
    risky case by the risk policy in force (``risk.current_rules``: ``handling_days``)."""
    days = settings.DISPUTES["MEDIATION_DAYS"][level]
    return min(days, int(risk.current_rules().for_level(risk_level).get("handling_days", days)))


def add_days(start: dt.datetime, days: int, *, kind: str) -> dt.datetime:
    """``start`` plus ``days``: calendar days, or working days (``core.workdays``) where
    ``DISPUTES["WORKING_DAYS"][kind]`` says so (the time of day is kept)."""
    if not settings.DISPUTES["WORKING_DAYS"].get(kind, False):
        return start + dt.timedelta(days=days)
    local = timezone.localtime(start)
    day = workdays.add_working_days(local.date(), days)
    return local + dt.timedelta(days=(day - local.date()).days)


def handling_due(level: str, risk_level: str, start: dt.datetime) -> dt.datetime:
    """The handling deadline of a case accepted (or escalated after acceptance) at ``start``."""
    return add_days(start, handling_days(level, risk_level), kind="handling")


def extended_due(due: dt.datetime, days: int) -> dt.datetime:
    """The handling deadline after an approved extension of ``days``."""
    return add_days(due, days, kind="extension")


def resumed_due(due: dt.datetime, paused_at: dt.datetime, now: dt.datetime) -> dt.datetime:
    """The deadline after a pause that began at ``paused_at`` ends at ``now``: the paused time
    does not count."""
    return due + max(dt.timedelta(0), now - paused_at)


ESCALATED = ("disputes.case.escalated", "disputes.case.escalated_auto")


def rebuild_from_events(
    *, reported_at: dt.datetime, level: str, events: list[Any], trace: list | None = None
) -> dict[str, Any]:
    """The clock of a case rebuilt from its timeline (events in order, each with ``code``,
    ``created_at`` and ``changes``): the feedback deadline from the report at its first level,
    the handling deadline from acceptance, a new level's own deadline from each escalation, each
    approved extension's days and each pause's time. For seeded history (``demo``); the data
    migration ``0007_rebuild_case_clock`` keeps its own frozen copy."""
    for event in events:
        pair = (event.changes or {}).get("level")
        if isinstance(pair, list) and len(pair) == 2:
            level = pair[1] if event.code == "disputes.case.reported" and pair[1] else pair[0] or level
            break
    risk_level = "blue"
    feedback = due = feedback_due(level, reported_at)
    accepted_at: dt.datetime | None = None
    paused_at: dt.datetime | None = None
    paused_seconds = 0
    for event in events:
        changes = event.changes or {}
        if event.code == "disputes.case.risk_changed" and changes.get("risk_level"):
            risk_level = changes["risk_level"][1] or risk_level
        elif event.code == "disputes.case.accepted" and accepted_at is None:
            accepted_at = event.created_at
            due = handling_due(level, risk_level, event.created_at)
        elif event.code in ESCALATED and changes.get("level"):
            level = changes["level"][1] or level
            if accepted_at is None:
                feedback = due = feedback_due(level, event.created_at)
            else:
                due = handling_due(level, risk_level, event.created_at)
        elif event.code == "disputes.case.extension_approved":
            pair = changes.get("due_at") or [None, None]
            if pair[0] and pair[1]:
                due = due + (dt.datetime.fromisoformat(pair[1]) - dt.datetime.fromisoformat(pair[0]))
        elif event.code == "disputes.case.deadline_shortened" and accepted_at is not None:
            due = min(due, handling_due(level, risk_level, event.created_at))
        elif event.code == "disputes.case.paused":
            paused_at = event.created_at
        elif event.code == "disputes.case.resumed" and paused_at is not None:
            due = resumed_due(due, paused_at, event.created_at)
            paused_seconds += int((event.created_at - paused_at).total_seconds())
            paused_at = None
        if trace is not None:
            trace.append(due)  # the deadline in force after each event (for the timeline's changes)
    return {
        "feedback_due_at": feedback,
        "accepted_at": accepted_at,
        "due_at": due,
        "paused_at": paused_at,
        "paused_seconds": paused_seconds,
    }
