"""The overdue escalation set-based in chunks (``sweeps.escalate_overdue_cases`` through
``services.cases_escalate_overdue``) does what the escalation one case at a time did
(``services.case_escalate`` and its notice, per case): the same levels, deadlines, versions and
scores, the same timeline events, assessments and notices, on a constructed set; chunks change
nothing; and its query count does not grow with the number of cases."""

import datetime as dt
import re
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import Notification
from core.notifications import notify
from disputes import services, sweeps
from disputes.models import CaseEvent, DisputeCase, Level, RiskAssessment
from disputes.selectors import is_overdue
from disputes.summary import store
from disputes.summary.models import METRICS, CaseMonth
from patrols.visits.models import RiskVisit

from .helpers import escalated_message, report, rolled_back

pytestmark = pytest.mark.django_db


def _overdue(case, hours=30, **fields):
    DisputeCase.objects.filter(pk=case.pk).update(due_at=timezone.now() - dt.timedelta(hours=hours), **fields)


def _constructed(world) -> list[DisputeCase]:
    staff = world.user("station_a")
    cases = []
    for kw in (
        {},  # quiet, not accepted: a new feedback deadline
        {"people_involved": 8, "amount_involved": 100_000},
        {"threat_flag": True},
        {"threat_flag": True, "people_involved": 6, "amount_involved": 50_000},
        {"people_involved": 12, "amount_involved": 200_000},
    ):
        for accept in (False, True):
            case = report(world, grid=world.grid_1a, **kw)
            if accept:
                services.case_accept(actor=staff, case=case, responsible=world.user("aux_v1"))
            cases.append(case)
    cases.append(report(world, village=world.village_3, actor="station_b"))  # the other station
    for case in cases:
        _overdue(case)
    DisputeCase.objects.filter(pk=cases[2].pk).update(level=Level.VILLAGE)  # → township
    DisputeCase.objects.filter(pk=cases[3].pk).update(level=Level.TOWNSHIP)  # → county
    DisputeCase.objects.filter(pk=cases[1].pk).update(level=Level.COUNTY)  # stays
    within_grace = report(world)
    _overdue(within_grace, hours=5)
    return cases


def _one_by_one(now: dt.datetime) -> int:
    """The escalation sweep as it was: one transaction per case, ``case_escalate`` and its notice."""
    grace = dt.timedelta(hours=settings.DISPUTES["ESCALATION_GRACE_HOURS"])
    cases = DisputeCase.objects.filter(is_overdue(now - grace)).exclude(level=Level.COUNTY)
    staff = sweeps._station_staff({c.station_id for c in cases})
    n = 0
    for case in cases.select_related("village", "village__parent", "responsible").order_by("pk"):
        with transaction.atomic():
            services.case_escalate(
                actor=None,
                case=case,
                automatic=True,
                reason=_("超过办理期限%(h)d小时仍未办结,系统自动提级")
                % {"h": settings.DISPUTES["ESCALATION_GRACE_HOURS"]},
            )
            notify(
                recipients=sweeps._responsible(case, staff) + staff.get(case.station_id, []),
                message=escalated_message(case),
            )
        n += 1
    return n


def _state() -> dict[str, Any]:
    return {
        "cases": sorted(
            DisputeCase.objects.values_list(
                "pk",
                "level",
                "status",
                "due_at",
                "feedback_due_at",
                "escalation_count",
                "version",
                "risk_score",
                "risk_level",
                "risk_assessed_at",
                "updated_at",
            )
        ),
        "events": sorted(
            CaseEvent.objects.values_list("case_id", "code", "note", "changes", "actor_id"), key=str
        ),
        "event_order": [
            list(CaseEvent.objects.filter(case_id=pk).order_by("pk").values_list("code", flat=True))
            for pk in DisputeCase.objects.order_by("pk").values_list("pk", flat=True)
        ],
        "assessments": sorted(
            RiskAssessment.objects.values_list(
                "case_id",
                "trigger",
                "score",
                "level",
                "previous_level",
                "factors",
                "rule_version",
                "assessed_at",
            ),
            key=str,
        ),
        # a visit's id is not the same after a rollback on PostgreSQL (sequences): its notice
        # is compared by its text and the visit by its fields
        "notices": sorted(
            (r, k, key, t, b, re.sub(r"^/visits/\d+/$", "/visits/…/", u), sms)
            for r, k, key, t, b, u, sms in Notification.objects.values_list(
                "recipient_id", "kind", "key", "title", "body", "url", "sms_status"
            )
        ),
        "visits": sorted(
            RiskVisit.objects.values_list(
                "case_id", "level", "village_id", "grid_id", "created_at", "due_at", "risk_score_at_creation"
            )
        ),
    }


def test_the_set_based_escalation_does_what_the_one_by_one_escalation_did(world, monkeypatch):
    _constructed(world)
    fixed = timezone.now() + dt.timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: fixed)
    before = _state()
    reference_count, reference = rolled_back(lambda: (_one_by_one(fixed), _state()))
    assert _state() == before
    assert sweeps.escalate_overdue_cases(now=fixed, chunk=4) == reference_count == 10
    after = _state()
    for key in reference:
        assert after[key] == reference[key], key
    # the set covers the consequences of the re-score: a rise with its notice, a shorter
    # deadline, a further escalation to the risk minimum, and the receiving levels' notices
    codes = {code for _c, code, *_rest in reference["events"]}
    assert {"disputes.case.risk_changed", "disputes.case.deadline_shortened"} <= codes
    kinds = {kind for _r, kind, *_rest in reference["notices"]}
    assert {"case.escalated", "case.escalated_to_level", "case.risk_raised", "visit.task"} <= kinds
    assert reference["visits"]
    # the dashboards' stored monthly figures count the escalations written in bulk (added to the
    # rows, ``summary_add``), every figure of every row as the raw rows give it
    stored = {
        (r["station_id"], r["village_id"], r["month"]): {m: r[m] for m in METRICS}
        for r in CaseMonth.objects.values("station_id", "village_id", "month", *METRICS)
    }
    counted = {key: row for key, row in store._counted(None).items() if any(row.values())}
    assert {key: row for key, row in stored.items() if any(row.values())} == counted
    assert sum(CaseMonth.objects.values_list("escalated_village", flat=True)) > 0
    # run again: nothing more
    assert sweeps.escalate_overdue_cases(now=fixed) == 0
    assert _state() == reference


def _plain(world, n: int) -> None:
    staff = world.user("station_a")
    for i in range(n):
        case = report(world, grid=world.grid_1a)
        if i % 2:
            services.case_accept(actor=staff, case=case)
        _overdue(case)


def test_the_escalation_sweep_runs_a_fixed_number_of_queries(world):
    sweeps.escalate_overdue_cases(now=timezone.now())  # the connection's one-off feature checks
    assert connection.features.supports_json_field  # (SQLite asks once, on the first JSON lookup)
    counts = []
    for n in (3, 12):
        _plain(world, n)
        with CaptureQueriesContext(connection) as queries:
            assert sweeps.escalate_overdue_cases(now=timezone.now()) == n
        counts.append(len(queries))
    # per chunk: the cases, the lock, the rules, one UPDATE per (level, accepted) group, the
    # events, the recount of their monthly figures (``summary_touch``: 11), the re-score (its
    # INSERT … SELECTs and UPDATE … FROM, the rise notices and visits: INSERT … SELECTs), the staff,
    # the notices
    assert counts[0] == counts[1] <= 42
