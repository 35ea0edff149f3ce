"""Rebuild every case's clock from its timeline.

Until now every status change set ``due_at`` to now + 30 days, so a case could stay "on time"
for ever. This walks each case's events in order, as ``disputes.clock`` now counts:

* reported → feedback deadline by the level it was reported at;
* escalated before acceptance → the new level's feedback deadline, from the escalation;
* accepted → ``accepted_at`` and the handling deadline by level and risk level, from acceptance;
* escalated after acceptance → the new level's handling deadline, from the escalation;
* nothing else moves it (no extension or pause existed before this migration).

One-way by nature: the old values were the wrong ones, and each is still in the timeline's
``changes`` of the event that set it. Going back leaves the rebuilt dates in place (the fields
this migration fills are dropped by the schema migration before it).
"""

import datetime as dt

from django.conf import settings
from django.db import migrations

# the handling days by risk level of the first risk policy (disputes.risk.DEFAULT_POLICY)
HANDLING_DAYS_BY_RISK = {"red": 10, "orange": 15, "yellow": 30, "blue": 30}
ESCALATED = ("disputes.case.escalated", "disputes.case.escalated_auto")
CHUNK = 500


def _handling_days(level: str, risk: str) -> int:
    days = settings.DISPUTES["MEDIATION_DAYS"][level]
    return min(days, HANDLING_DAYS_BY_RISK.get(risk, days))


def _feedback(level: str, start: dt.datetime) -> dt.datetime:
    return start + dt.timedelta(hours=settings.DISPUTES["FEEDBACK_HOURS"][level])


def _first_level(case, events) -> str:
    for event in events:
        if event.code == "disputes.case.reported":
            pair = (event.changes or {}).get("level")
            if isinstance(pair, list) and len(pair) == 2 and pair[1]:
                return pair[1]
        if event.code in ESCALATED:
            pair = (event.changes or {}).get("level")
            if isinstance(pair, list) and len(pair) == 2 and pair[0]:
                return pair[0]
    return case.level


def rebuild(case, events) -> dict:
    """The clock fields of ``case`` rebuilt from ``events`` (in timeline order)."""
    level = _first_level(case, events)
    risk = "blue"
    feedback_due = _feedback(level, case.reported_at)
    due, accepted_at = feedback_due, None
    for event in events:
        changes = event.changes or {}
        if event.code == "disputes.case.risk_changed":
            pair = changes.get("risk_level")
            if isinstance(pair, list) and len(pair) == 2 and pair[1]:
                risk = pair[1]
        elif event.code == "disputes.case.accepted" and accepted_at is None:
            accepted_at = event.created_at
            due = accepted_at + dt.timedelta(days=_handling_days(level, risk))
        elif event.code in ESCALATED:
            pair = changes.get("level")
            if isinstance(pair, list) and len(pair) == 2 and pair[1]:
                level = pair[1]
            if accepted_at is None:
                feedback_due = due = _feedback(level, event.created_at)
            else:
                due = event.created_at + dt.timedelta(days=_handling_days(level, risk))
    return {"feedback_due_at": feedback_due, "accepted_at": accepted_at, "due_at": due}


def forwards(apps, schema_editor):
    DisputeCase = apps.get_model("disputes", "DisputeCase")
    CaseEvent = apps.get_model("disputes", "CaseEvent")
    ids = list(DisputeCase.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        events: dict[int, list] = {}
        for event in CaseEvent.objects.filter(case_id__in=chunk).order_by("created_at", "pk"):
            events.setdefault(event.case_id, []).append(event)
        cases = list(DisputeCase.objects.filter(pk__in=chunk))
        for case in cases:
            for key, value in rebuild(case, events.get(case.pk, [])).items():
                setattr(case, key, value)
        DisputeCase.objects.bulk_update(cases, ["feedback_due_at", "accepted_at", "due_at"])


class Migration(migrations.Migration):
    dependencies = [("disputes", "0006_case_clock")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
