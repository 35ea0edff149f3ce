"""The rise pass of the nightly run, set-based (``risk._notify_rises`` and
``patrols.visits.services.risk_visits_create``, INSERT … SELECTs), writes what the rise pass built
one case at a time in Python wrote (the notices of ``_rise_messages`` through ``notify_bulk``,
and the visits, assignees and notices of the per-case ``risk_visits_create``): the same
notices, visits and assignees on a constructed set of rises (红 and 橙, from each lower level,
two stations, an inactive account, cases that do not rise), chunks changing nothing; and the run's
query count does not grow with the number of cases that rise."""

import datetime as dt
import re
from decimal import Decimal
from typing import Any, cast

import pytest
from django.db import connection, transaction
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import Notification
from core.notifications import Message, notify_bulk
from disputes import risk
from disputes.models import DisputeCase, RiskAssessment, RiskLevel
from governance.models import GridWorker, User
from governance.selectors import users_with_capability
from patrols.visits import services as visits
from patrols.visits.models import RiskVisit
from stations.models import Officer, VillageAssignment

from ..factories import make_phone
from .helpers import disabled_station_officer, report

pytestmark = pytest.mark.django_db

HIGH: dict[str, Any] = {
    "people_involved": 12,
    "amount_involved": Decimal("120000"),
    "threat_flag": True,
}  # 红
# the rises of ``_constructed``: from blue and yellow 3 each (red, orange, red of station b), from
# orange 2 (the reds), none from red, and the orange case without a grid
VISITS = 3 + 3 + 2 + 1
ORANGE: dict[str, Any] = {
    "category": "labour_debt",
    "people_involved": 5,
    "threat_flag": True,
}  # 15 + 20 + 25 = 60: 橙


def _constructed(world) -> list[DisputeCase]:
    disabled_station_officer(world)
    User.objects.filter(username="grid_g1").update(phone=make_phone())  # an SMS with the visit notice
    cases = []
    for previous in (RiskLevel.BLUE, RiskLevel.YELLOW, RiskLevel.ORANGE, RiskLevel.RED):
        for kw in (HIGH, ORANGE):
            cases.append(report(world, grid=world.grid_1a, **kw))  # village 1: grid and village people
            DisputeCase.objects.filter(pk=cases[-1].pk).update(risk_level=previous)
        cases.append(report(world, village=world.village_3, actor="station_b", **HIGH))  # the other station
        DisputeCase.objects.filter(pk=cases[-1].pk).update(risk_level=previous)
    cases.append(report(world))  # quiet: no rise
    cases.append(report(world, village=world.village_2, **ORANGE))  # no grid, no village assignment
    DisputeCase.objects.filter(pk=cases[-1].pk).update(risk_level=RiskLevel.BLUE)
    # seeded levels carry no visits (those of the reports are asked for again at the new level)
    RiskVisit.objects.all().delete()
    Notification.objects.all().delete()
    return cases


# --- The rise pass as it was: one Python object per case -------------------------------------
def _rise_messages(raised, ruleset) -> list[tuple[list[User], Message]]:
    station_ids = {case.station_id for case, _level in raised}
    staff: dict[int, list[User]] = {}
    for officer in Officer.objects.filter(
        station_id__in=station_ids, is_active=True, user__isnull=False
    ).select_related("user"):
        staff.setdefault(officer.station_id, []).append(cast(User, officer.user))
    county = list(users_with_capability("case.red_alert"))
    pairs = []
    for case, level in raised:
        notify = ruleset.for_level(level).get("notify", [])
        recipients = list(staff.get(case.station_id, [])) if "station" in notify else []
        if "county" in notify:
            recipients += county
        pairs.append(
            (
                recipients,
                Message(
                    kind="case.risk_raised",
                    target=f"case-{case.pk}",
                    period=level,
                    title=_("案件 %(n)s 风险升至%(l)s色") % {"n": case.number, "l": RiskLevel(level).label},
                    body=_("%(village)s · %(cat)s · 风险分 %(s)d")
                    % {
                        "village": case.village.name,
                        "cat": case.get_category_display(),
                        "s": case.risk_score,
                    },
                    url=f"/cases/{case.pk}/",
                ),
            )
        )
    return pairs


def _assignees(cases: list[DisputeCase]) -> dict[int, list[User]]:
    by_grid: dict[int | None, list[User]] = {}
    for w in GridWorker.objects.filter(
        grid_id__in={c.grid_id for c in cases if c.grid_id},
        is_active=True,
        user__isnull=False,
        user__is_active=True,
    ).select_related("user"):
        by_grid.setdefault(w.grid_id, []).append(cast(User, w.user))
    by_village: dict[int, list[User]] = {}
    for a in VillageAssignment.objects.filter(
        village_id__in={c.village_id for c in cases}, end_date__isnull=True
    ).select_related("officer__user", "auxiliary_officer__user"):
        person = a.officer if a.kind == VillageAssignment.Kind.ATTACHED_OFFICER else a.auxiliary_officer
        if person is not None and person.user is not None and person.user.is_active:
            by_village.setdefault(a.village_id, []).append(person.user)
    return {c.pk: by_grid.get(c.grid_id, []) + by_village.get(c.village_id, []) for c in cases}


def _visits_one_by_one(*, now: dt.datetime, case_ids: list[int]) -> None:
    cases = [
        c
        for c in DisputeCase.objects.filter(pk__in=case_ids).select_related("village").order_by("pk")
        if c.is_open
        and c.risk_level in visits.HIGH
        and not RiskVisit.objects.filter(case=c, level=c.risk_level).exists()
    ]
    people = _assignees(cases)
    due = now + dt.timedelta(hours=visits.visit_hours())
    pairs = []
    for c in cases:
        visit = RiskVisit.objects.create(
            case=c,
            level=c.risk_level,
            risk_score_at_creation=c.risk_score,
            risk_level_at_creation=c.risk_level,
            village_id=c.village_id,
            grid_id=c.grid_id,
            created_at=now,
            due_at=due,
        )
        visit.assignees.set({u.pk: u for u in people[c.pk]}.values())
        pairs.append(
            (
                people[c.pk],
                Message(
                    kind=visits.KIND_ASKED,
                    target=f"case-{c.pk}",
                    period=c.risk_level,
                    title=_("%(l)s色风险案件 %(n)s:请在%(h)d小时内到村(网格)核查走访")
                    % {"l": RiskLevel(c.risk_level).label, "n": c.number, "h": visits.visit_hours()},
                    body=f"{c.village.name} · {c.get_category_display()}",
                    url=reverse("visits:detail", args=[visit.pk]),
                ),
            )
        )
    notify_bulk(pairs, sms=True)


def _risen_one_by_one(rises: QuerySet[RiskAssessment], now: dt.datetime, ruleset: risk.RuleSet) -> None:
    raised = [(a.case, a.level) for a in rises.select_related("case__village").order_by("case_id")]
    notify_bulk(_rise_messages(raised, ruleset))
    _visits_one_by_one(now=now, case_ids=[c.pk for c, _level in raised])


def _state() -> dict[str, Any]:
    return {
        "notices": sorted(
            (r, k, key, t, b, re.sub(r"^/visits/\d+/$", "/visits/…/", u), sms, created)
            for r, k, key, t, b, u, sms, created in Notification.objects.values_list(
                "recipient_id", "kind", "key", "title", "body", "url", "sms_status", "created_at"
            )
        ),
        # a visit's id is not the same after a rollback on PostgreSQL (sequences): its notice's
        # link is compared as text, and the notice must point at its own visit
        "links": sorted(
            (n.key, n.url == reverse("visits:detail", args=[v.pk]))
            for n in Notification.objects.filter(kind=visits.KIND_ASKED)
            for v in RiskVisit.objects.filter(case_id=int(n.key.split(":")[1][5:]), level=n.key.split(":")[2])
        ),
        "visits": sorted(
            RiskVisit.objects.values_list(
                "case_id",
                "level",
                "village_id",
                "grid_id",
                "created_at",
                "due_at",
                "risk_score_at_creation",
                "risk_level_at_creation",
            )
        ),
        "assignees": sorted(
            RiskVisit.assignees.through.objects.values_list(
                "riskvisit__case_id", "riskvisit__level", "user_id"
            )
        ),
    }


@pytest.mark.parametrize("chunk", [risk.NIGHTLY_CHUNK, 3])
def test_the_set_based_rise_pass_writes_what_the_one_by_one_pass_wrote(world, monkeypatch, chunk):
    _constructed(world)
    fixed = timezone.now() + dt.timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: fixed)
    with transaction.atomic():
        with monkeypatch.context() as m:
            m.setattr(risk, "_risen", _risen_one_by_one)
            expected_count = risk.assess_open_cases(now=fixed, chunk=chunk)
        reference = _state()
        transaction.set_rollback(True)
    assert risk.assess_open_cases(now=fixed, chunk=chunk) == expected_count
    after = _state()
    for key in reference:
        assert after[key] == reference[key], key
    # the set covers: red and orange rises, station and county recipients, visits with grid and
    # village people, one without anyone to ask, and SMS for the visits only
    kinds = {(k, key.split(":")[2]) for _r, k, key, *_rest in reference["notices"]}
    assert {
        ("case.risk_raised", "red"),
        ("case.risk_raised", "orange"),
        ("visit.task", "red"),
        ("visit.task", "orange"),
    } <= kinds
    recipients = {n[0] for n in reference["notices"]}
    assert {world.user("station_a").pk, world.user("station_b").pk, world.user("county").pk} <= recipients
    assert {world.user("grid_g1").pk, world.user("aux_v1").pk} <= recipients
    assert User.objects.get(username="off_disabled").pk not in recipients
    assert after["links"] and all(link for _key, link in after["links"])
    sms = {(n[1], n[6]) for n in reference["notices"]}
    assert ("visit.task", "pending") in sms and ("case.risk_raised", "pending") not in sms
    assert len(reference["visits"]) == VISITS
    # run again the same day: nothing more
    assert risk.assess_open_cases(now=fixed + dt.timedelta(minutes=5), chunk=chunk) == 0
    assert _state() == after


def _rising(world, n: int) -> None:
    for _i in range(n):
        case = report(world, grid=world.grid_1a, **HIGH)
        DisputeCase.objects.filter(pk=case.pk).update(risk_level=RiskLevel.BLUE)


def test_the_nightly_run_with_rises_runs_a_fixed_number_of_queries(world):
    risk.assess_open_cases(now=timezone.now() - dt.timedelta(days=3))  # one-off feature checks
    counts = []
    for days, n in ((2, 3), (1, 12)):
        _rising(world, n)
        RiskVisit.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            assert risk.assess_open_cases(now=timezone.now() - dt.timedelta(days=days)) >= n
        assert RiskVisit.objects.count() >= n
        counts.append(len(queries))
    assert counts[0] == counts[1]
