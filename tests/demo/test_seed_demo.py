"""``manage.py seed_demo``: the demo county is complete, valid, scoped, and a second run changes nothing.

The command runs twice, once for the whole module (it is the slow part); the module's data is
rolled back at the end so the rest of the suite starts from an empty database.
"""

import datetime as dt
import hashlib
import io
import json
import os
import subprocess
import sys
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from demo.plan import LAT_RANGE, LON_RANGE, PASSWORD, build_plan
from disputes import selectors as case_selectors
from disputes.models import OPEN_STATUSES, CaseEvent, CaseExtension, CasePause, DisputeCase, Party
from disputes.selectors import is_closed_on_time, is_overdue
from governance import selectors
from governance.models import (
    CommitteeMember,
    Grid,
    GridWorker,
    Mediator,
    Region,
    SecurityCommittee,
    User,
    VolunteerMember,
    VolunteerTeam,
)
from governance.validators import validate_id_number, validate_phone
from patrols.visits.models import GridCheckIn
from stations import selectors as station_selectors
from stations.models import AuxiliaryOfficer, Jurisdiction, Officer, Station, VillageAssignment, VillageVisit

MODELS = [
    Region,
    Station,
    Jurisdiction,
    Officer,
    AuxiliaryOfficer,
    VillageAssignment,
    Grid,
    GridWorker,
    Mediator,
    SecurityCommittee,
    CommitteeMember,
    VolunteerTeam,
    VolunteerMember,
    User,
    DisputeCase,
    CaseEvent,
    Party,
]
DEMO_VILLAGE = "马嘶溪村"


@dataclass
class Seeded:
    first_output: str
    second_output: str
    before: dict
    after: dict


def _run() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _snapshot() -> dict:
    return {model.__name__: list(model._default_manager.order_by("pk").values()) for model in MODELS}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        first = _run()
        before = _snapshot()
        second = _run()
        yield Seeded(first_output=first, second_output=second, before=before, after=_snapshot())
        transaction.set_rollback(True)


@pytest.fixture
def demo(seeded, db):
    """The seeded county, inside a per-test savepoint."""
    return seeded


def _user(username: str) -> User:
    return User.objects.get(username=username)


def test_seed_builds_the_whole_county(demo):
    kinds = Counter(Region.objects.values_list("kind", flat=True))
    assert kinds == {"county": 1, "township": 19, "village": 91, "community": 8}
    assert Region.objects.get(kind="county").name == "峨边彝族自治县"
    assert set(Region.objects.filter(kind="township").values_list("name", flat=True)) == {
        "沙坪镇",
        "大堡镇",
        "毛坪镇",
        "五渡镇",
        "新林镇",
        "黑竹沟镇",
        "红花镇",
        "宜坪乡",
        "杨村乡",
        "白杨乡",
        "觉莫乡",
        "万坪乡",
        "杨河乡",
        "共和乡",
        "新场乡",
        "平等乡",
        "哈曲乡",
        "金岩乡",
        "勒乌乡",
    }
    assert set(Region.objects.filter(kind="community").values_list("parent__name", flat=True)) <= {
        "沙坪镇",
        "大堡镇",
        "毛坪镇",
        "黑竹沟镇",
    }
    # figures add up from villages to townships to the county
    for township in Region.objects.filter(kind="township").prefetch_related("children"):
        assert township.population == sum(v.population for v in township.children.all()) > 0
    county = Region.objects.get(kind="county")
    assert county.households == sum(
        Region.objects.filter(kind="township").values_list("households", flat=True)
    )
    assert Station.objects.count() == 8
    assert "本次新增" in demo.first_output and "行政村 91" in demo.first_output


def test_every_township_is_under_exactly_one_station(demo):
    townships = Region.objects.filter(kind="township")
    assert Jurisdiction.objects.count() == 19
    assert all(Jurisdiction.objects.filter(region=t).count() == 1 for t in townships)
    # every station covers something, and every village resolves to its township's station
    assert Station.objects.annotate(n=Count("jurisdictions")).filter(n=0).count() == 0
    for village in Region.objects.filter(kind__in=Region.VILLAGE_KINDS):
        assert station_selectors.station_for_village(village.pk) == village.parent.jurisdiction.station


def test_every_village_has_one_current_officer_and_one_auxiliary_of_its_station(demo):
    villages = Region.objects.filter(kind__in=Region.VILLAGE_KINDS).select_related("parent__jurisdiction")
    current = VillageAssignment.objects.filter(end_date__isnull=True).select_related(
        "officer", "auxiliary_officer"
    )
    by_village: dict[int, list[VillageAssignment]] = {}
    for a in current:
        by_village.setdefault(a.village_id, []).append(a)
    auxiliaries = set()
    for village in villages:
        kinds = sorted(a.kind for a in by_village[village.pk])
        assert kinds == ["auxiliary", "officer"], village.name
        station_id = village.parent.jurisdiction.station_id
        for a in by_village[village.pk]:
            assert a.person.station_id == station_id
            if a.kind == "officer":
                assert a.officer.post == Officer.Post.COMMUNITY
            else:
                auxiliaries.add(a.auxiliary_officer_id)
    assert len(auxiliaries) == 99  # 一村一辅警: a distinct auxiliary officer per village
    for station in Station.objects.all():
        posts = Counter(station.officers.values_list("post", flat=True))
        assert posts["chief"] == 1 and posts["instructor"] == 1 and posts["community"] >= 2


def test_grids_have_one_leader_three_workers_and_a_boundary_in_the_county(demo):
    per_village = Counter(Grid.objects.values_list("village_id", flat=True))
    assert len(per_village) == 99
    assert all(4 <= n <= 8 for n in per_village.values())
    grids = Grid.objects.annotate(
        leaders=Count("workers", filter=Q(workers__role="leader", workers__is_active=True)),
        workers_n=Count("workers", filter=Q(workers__role="worker", workers__is_active=True)),
    ).select_related("village")
    for grid in grids:
        assert (grid.leaders, grid.workers_n) == (1, 3), grid.code
        assert grid.code.startswith(grid.village.code) and len(grid.code) == 14
        assert grid.police_grid.endswith("警格")
        assert grid.boundary["type"] == "Polygon"
        ring = grid.boundary["coordinates"][0]
        assert ring[0] == ring[-1] and len(ring) == 5
        assert all(
            LON_RANGE[0] < lon < LON_RANGE[1] and LAT_RANGE[0] < lat < LAT_RANGE[1] for lon, lat in ring
        )
    village = Region.objects.get(name=DEMO_VILLAGE)
    assert sum(village.grids.values_list("households", flat=True)) == village.households


def test_mediators_committees_and_volunteer_teams(demo):
    kinds = Counter(Mediator.objects.values_list("kind", flat=True))
    assert 45 <= sum(kinds.values()) <= 55
    assert kinds["degu"] >= 25 and kinds["people"] >= 10 and kinds["lawyer"] >= 3
    for degu in Mediator.objects.filter(kind="degu"):
        assert degu.speaks_yi and degu.ethnicity == "yi" and degu.clan and degu.name.startswith(degu.clan)
    # every township has a 德古
    assert Region.objects.filter(kind="township").exclude(mediators__kind="degu").count() == 0

    assert SecurityCommittee.objects.count() == 99
    for committee in SecurityCommittee.objects.select_related("village").prefetch_related("members"):
        members = list(committee.members.all())
        chair = [m for m in members if m.position == "chair"]
        deputy = [m for m in members if m.position == "deputy"]
        assert len(chair) == 1 and chair[0].kind == "party_secretary"
        assert len(deputy) == 1 and deputy[0].kind == "auxiliary_officer"
        aux = VillageAssignment.objects.get(
            village=committee.village, kind="auxiliary", end_date__isnull=True
        )
        assert (deputy[0].name, deputy[0].phone) == (aux.auxiliary_officer.name, aux.auxiliary_officer.phone)
        assert 4 <= sum(m.position == "member" for m in members) <= 6

    teams = VolunteerTeam.objects.annotate(n=Count("members"))
    assert 35 <= teams.count() <= 40
    assert {t.kind for t in teams} == {"patrol", "village_guard", "red_armband", "volunteer"}
    assert all(8 <= t.n <= 30 for t in teams)


def test_personal_data_is_valid_and_unique(demo):
    id_numbers = []
    for model in (GridWorker, AuxiliaryOfficer, Mediator, VolunteerMember):
        id_numbers += list(model.objects.values_list("id_number", flat=True))
    assert all(id_numbers)
    for value in id_numbers:
        validate_id_number(value)
        assert value.startswith("511132")
    assert len(id_numbers) == len(set(id_numbers))

    phones = []
    for model in (GridWorker, AuxiliaryOfficer, Mediator, VolunteerMember, Officer):
        phones += list(model.objects.values_list("phone", flat=True))
    phones += list(VolunteerTeam.objects.values_list("leader_phone", flat=True))
    for value in phones + list(User.objects.values_list("phone", flat=True)):
        validate_phone(value)
        assert len(value) == 11  # mainland mobile
    for value in Station.objects.values_list("phone", flat=True):
        validate_phone(value)
    for value in CommitteeMember.objects.values_list("phone", flat=True):
        validate_phone(value)
    assert len(phones) == len(set(phones))  # (a demo account shares the phone of the person it is)

    # the full model validation (fields, uniqueness, constraints) on a sample of every table
    for model in MODELS:
        rows = list(model.objects.order_by("pk"))
        assert rows, model.__name__
        for obj in rows[:: max(1, len(rows) // 15)]:
            obj.full_clean()


def test_second_run_changes_nothing(demo):
    assert "演示数据已存在,本次未做任何更改" in demo.second_output
    assert {k: len(v) for k, v in demo.after.items()} == {k: len(v) for k, v in demo.before.items()}
    assert demo.after == demo.before


def test_the_plan_is_the_same_in_another_process():
    """Idempotence across processes: nothing in the plan depends on hash randomisation."""
    plan = build_plan()
    assert asdict(plan) == asdict(build_plan())
    digest = hashlib.sha256(json.dumps(asdict(plan), default=str, ensure_ascii=False).encode()).hexdigest()
    code = (
        "import hashlib, json; from dataclasses import asdict; from demo.plan import build_plan; "
        "print(hashlib.sha256(json.dumps(asdict(build_plan()), default=str, ensure_ascii=False)"
        ".encode()).hexdigest())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(settings.BASE_DIR),
        env=env,
    )
    assert out.stdout.strip() == digest


def test_demo_accounts_log_in_and_see_their_scope(demo):
    usernames = [
        "demo_admin",
        "demo_county",
        "demo_station",
        "demo_station2",
        "demo_auxiliary",
        "demo_grid",
        "demo_mediator",
    ]
    for username in usernames:
        user = _user(username)
        assert user.full_name and user.is_active and user.check_password(PASSWORD), username
        assert user.role == username.removeprefix("demo_").rstrip("2")
    assert _user("demo_admin").is_superuser and _user("demo_county").is_staff

    def villages(username):
        return set(selectors.village_list(user=_user(username)).values_list("pk", flat=True))

    all_villages = set(Region.objects.filter(kind__in=Region.VILLAGE_KINDS).values_list("pk", flat=True))
    assert villages("demo_county") == villages("demo_admin") == all_villages
    assert len(all_villages) == 99

    station_1 = _user("demo_station").officer.station
    station_2 = _user("demo_station2").officer.station
    assert station_1 != station_2
    own = set(station_selectors.villages_of_station(station_1.pk).values_list("pk", flat=True))
    assert villages("demo_station") == own
    assert 0 < len(own) < 99
    assert villages("demo_station2") == set(
        station_selectors.villages_of_station(station_2.pk).values_list("pk", flat=True)
    )
    assert not villages("demo_station") & villages("demo_station2")

    village = Region.objects.get(name=DEMO_VILLAGE)
    assert villages("demo_auxiliary") == {village.pk}
    assert village.pk in own
    assert _user("demo_station").officer.assignments.filter(village=village, end_date__isnull=True).exists()
    grids = list(selectors.grid_list(user=_user("demo_grid")))
    assert len(grids) == 1 and grids[0].village == village
    assert villages("demo_grid") == {village.pk}

    mediator = _user("demo_mediator")
    assert villages("demo_mediator") == set()
    assert mediator.mediator.kind == "degu" and mediator.mediator.township == village.parent
    assert list(selectors.mediator_list(user=mediator)) == [mediator.mediator]


def test_a_year_of_dispute_cases_with_timelines_for_every_demo_role(demo):
    cases = DisputeCase.objects.all()
    # 320 from demo.cases; demo.field adds a few made from dispute incidents and patrol findings
    assert cases.filter(client_key__isnull=False).count() == 320
    assert cases.filter(status__in=OPEN_STATUSES).exists() and cases.filter(status="closed").exists()
    assert len(set(cases.values_list("category", flat=True))) >= 10
    # every case has a timeline that starts with its report, on the day it was reported
    assert not cases.filter(events__isnull=True).exists()
    first_events = CaseEvent.objects.filter(code="disputes.case.reported")
    assert first_events.count() == cases.count()
    span = cases.order_by("reported_at").values_list("reported_at", flat=True)
    assert (span.last() - span.first()).days > 200
    for username in ("demo_station", "demo_auxiliary", "demo_grid", "demo_mediator"):
        assert case_selectors.case_list(user=_user(username)).exists(), username
    station_cases = set(case_selectors.case_list(user=_user("demo_station")).values_list("pk", flat=True))
    other_cases = set(case_selectors.case_list(user=_user("demo_station2")).values_list("pk", flat=True))
    assert station_cases and other_cases and not station_cases & other_cases


def test_the_demo_county_is_honest_about_time_and_the_clock(demo):
    """No record dated in the future; the case clock rebuilt from each backdated timeline, so the
    figures have something true to show: overdue cases, cases closed on time and late."""
    now = timezone.now()
    assert not VillageVisit.objects.filter(checked_in_at__gt=now).exists()
    assert not GridCheckIn.objects.filter(checked_in_at__gt=now).exists()
    assert not CaseEvent.objects.filter(created_at__gt=now).exists()
    assert not DisputeCase.objects.filter(reported_at__gt=now).exists()
    cases = DisputeCase.objects.all()
    assert cases.filter(is_overdue(now)).exists()
    closed = cases.filter(status="closed")
    assert closed.filter(is_closed_on_time()).exists()
    assert (
        cases.filter(accepted_at__isnull=False).count() >= cases.exclude(status__in=["reported"]).count() // 2
    )


def test_the_demo_county_has_paused_resumed_and_extended_cases_dated_in_the_past(demo):
    """Every clock move has something to show: cases paused now (a party away, a department's
    answer awaited), pauses ended, extensions approved by the level above and still pending —
    each dated within its case's backdated timeline, none in the future."""
    now = timezone.now()
    open_pauses = CasePause.objects.filter(ended_at__isnull=True)
    assert open_pauses.filter(kind="party_absent").exists()
    assert open_pauses.filter(kind="awaiting_referral", referral__isnull=False).exists()
    ended = CasePause.objects.filter(ended_at__isnull=False)
    assert ended.exists() and not ended.filter(ended_at__gt=now).exists()
    assert not CasePause.objects.filter(started_at__gt=now).exists()
    for pause in open_pauses.select_related("case"):
        assert pause.case.paused_at == pause.started_at
    for pause in ended.select_related("case"):
        assert pause.case.paused_seconds >= int((pause.ended_at - pause.started_at).total_seconds()) - 1
    approved = CaseExtension.objects.filter(status="approved").select_related("case", "decided_by")
    assert approved.exists() and CaseExtension.objects.filter(status="pending").exists()
    for extension in approved:
        assert extension.decided_by.role == "county" and extension.decided_at <= now
        assert extension.case.extension_count == 1 and extension.new_due_at == extension.case.due_at
    assert not CaseExtension.objects.filter(requested_at__gt=now).exists()
    # a paused case is neither overdue nor reminded while it waits
    assert not DisputeCase.objects.filter(is_overdue(now), paused_at__isnull=False).exists()


def test_no_time_in_a_demo_timeline_points_past_the_seeding(demo):
    """The times written in the timeline's changes (accepted at, paused at, deadlines set) moved
    with their backdated events: an accepted-at or paused-at is the event's own time, and every
    deadline in an event is the one the case's clock had then."""
    now = timezone.now()
    for event in CaseEvent.objects.filter(code__in=["disputes.case.accepted", "disputes.case.paused"]):
        for key in ("accepted_at", "paused_at"):
            pair = (event.changes or {}).get(key)
            if pair and pair[1]:
                assert abs(dt.datetime.fromisoformat(pair[1]) - event.created_at) < dt.timedelta(seconds=5)
    for case in DisputeCase.objects.filter(accepted_at__isnull=False, status__in=OPEN_STATUSES)[:200]:
        last = case.events.filter(changes__has_key="due_at").order_by("-pk").first()
        if last is not None and not case.paused_at:
            assert dt.datetime.fromisoformat(last.changes["due_at"][1]) == case.due_at
    assert not CaseEvent.objects.filter(created_at__gt=now).exists()
