# ruff: noqa: S608 - the SQL is built from the models' table names, never from input
"""Each sweep, stopped at a chosen phase by a real fault, then run again: 0 lost, 0 duplicated.

The phase is pinned exactly: a separate connection inserts, and keeps uncommitted, the notice
one target of the sweep owes (same recipient and key). The worker's own insert of that notice
waits on the unique index — it has made its state change (escalated the case, written the
risk level, created the visit) and is writing the notices. Then the fault:

* ``kill``: the worker is killed with SIGKILL (its transaction never commits);
* ``terminate``: its database connection is terminated (``pg_terminate_backend``); the task
  fails with a database error and is retried.

The blocking row is rolled back, the sweep runs again (a new worker), and what is in the
database is compared with the expected set computed independently in SQL from the durable
state (cases, assessments, visits, officers, grid workers, assignments): every expected
notice present once, nothing else; every state change made once.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from core.models import Notification
from core.notifications import notification_key
from disputes import services
from disputes.models import Agreement, CaseEvent, DisputeCase, FollowUp, Referral
from governance import services as gov
from governance.models import GridWorker, PointsEntry, PointsRule, User
from patrols.visits.models import RiskVisit
from screening.models import ScreeningReport, ScreeningRound
from stations.models import AuxiliaryOfficer, Officer, VillageAssignment
from tests.conftest import require_service
from tests.disputes.helpers import agreement_data, report, to_closed
from tests.factories import make_id_number, make_phone
from tests.screening.helpers import grid_user, open_round
from tests.workers import WORKER_APP, Worker, new_queue, send, wait_for

pytestmark = [pytest.mark.services, pytest.mark.faults, pytest.mark.django_db(transaction=True)]
N = 12
NOTE = Notification._meta.db_table
CASE = DisputeCase._meta.db_table
EVENT = CaseEvent._meta.db_table
OFFICER = Officer._meta.db_table
AUX = AuxiliaryOfficer._meta.db_table
ASSIGN = VillageAssignment._meta.db_table
WORKER = GridWorker._meta.db_table
USER = User._meta.db_table
VISIT = RiskVisit._meta.db_table
ROUND = ScreeningRound._meta.db_table
REPORT = ScreeningReport._meta.db_table
REFERRAL = Referral._meta.db_table
FOLLOWUP = FollowUp._meta.db_table
AGREEMENT = Agreement._meta.db_table
POINTS = PointsEntry._meta.db_table


def rows(query: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return [tuple(r) for r in cursor.fetchall()]


def notices(kind: str) -> list[tuple[str, int]]:
    """(target, recipient) of every notice of ``kind``, duplicates kept."""
    return rows(f"SELECT split_part(key, ':', 2), recipient_id FROM {NOTE} WHERE kind = %s", [kind])


# --- the expected sets, from durable state ----------------------------------------------------
STAFF = f"SELECT o.station_id, o.user_id FROM {OFFICER} o WHERE o.is_active AND o.user_id IS NOT NULL"


def expected_overdue(case_ids: list[int]) -> set[tuple[str, int]]:
    """The responsible person, or the station's staff when none is named."""
    return set(
        rows(
            f"SELECT 'case-' || c.id, c.responsible_id FROM {CASE} c WHERE c.id = ANY(%s) AND c.responsible_id IS NOT NULL"
            f" UNION SELECT 'case-' || c.id, s.user_id FROM {CASE} c JOIN ({STAFF}) s ON s.station_id = c.station_id"
            " WHERE c.id = ANY(%s) AND c.responsible_id IS NULL",
            [case_ids, case_ids],
        )
    )


def expected_escalated() -> set[tuple[str, int]]:
    """Every automatically escalated case: its responsible person and its station's staff."""
    escalated = f"SELECT case_id FROM {EVENT} WHERE code = 'disputes.case.escalated_auto'"
    return set(
        rows(
            f"SELECT 'case-' || c.id, c.responsible_id FROM {CASE} c WHERE c.id IN ({escalated})"
            f" AND c.responsible_id IS NOT NULL UNION SELECT 'case-' || c.id, s.user_id FROM {CASE} c"
            f" JOIN ({STAFF}) s ON s.station_id = c.station_id WHERE c.id IN ({escalated})"
        )
    )


def expected_risk_raised() -> set[tuple[str, int]]:
    """Every case whose nightly level rose to 橙 (the cases here stop below 红): its station's staff."""
    return set(
        rows(
            f"SELECT DISTINCT 'case-' || c.id, s.user_id FROM disputes_riskassessment a JOIN {CASE} c"
            f" ON c.id = a.case_id JOIN ({STAFF}) s ON s.station_id = c.station_id"
            " WHERE a.trigger = 'nightly' AND a.level = 'orange' AND a.previous_level IN ('blue', 'yellow')"
        )
    )


def expected_visit_notices() -> set[tuple[str, int]]:
    """Every visit: its grid's active workers with an account, and the village's current attached
    officer and auxiliary officer."""
    return set(
        rows(
            f"SELECT 'case-' || v.case_id, w.user_id FROM {VISIT} v JOIN {WORKER} w ON w.grid_id = v.grid_id"
            f" JOIN {USER} u ON u.id = w.user_id WHERE w.is_active AND u.is_active"
            f" UNION SELECT 'case-' || v.case_id, o.user_id FROM {VISIT} v JOIN {ASSIGN} a"
            f" ON a.village_id = v.village_id AND a.end_date IS NULL JOIN {OFFICER} o ON o.id = a.officer_id"
            f" WHERE a.kind = 'officer' AND o.user_id IS NOT NULL"
            f" UNION SELECT 'case-' || v.case_id, x.user_id FROM {VISIT} v JOIN {ASSIGN} a"
            f" ON a.village_id = v.village_id AND a.end_date IS NULL JOIN {AUX} x ON x.id = a.auxiliary_officer_id"
            f" WHERE a.kind = 'auxiliary' AND x.user_id IS NOT NULL"
        )
    )


def expected_screening_reminders(round_id: int) -> set[tuple[str, int]]:
    """Every active grid of the round's county without a report: its active workers."""
    return set(
        rows(
            f"SELECT 'grid-' || w.grid_id, w.user_id FROM {WORKER} w JOIN {USER} u ON u.id = w.user_id"
            " JOIN governance_grid g ON g.id = w.grid_id AND g.is_active"
            f" WHERE w.is_active AND u.is_active AND NOT EXISTS"
            f" (SELECT 1 FROM {REPORT} r WHERE r.round_id = %s AND r.grid_id = w.grid_id)",
            [round_id],
        )
    )


# --- the scenarios -----------------------------------------------------------------------------
@dataclass
class Scenario:
    task: str
    kind: str  # the notices of the phase
    block: tuple[int, str]  # (recipient, key) of the notice held open
    expected: Callable[[], set[tuple[str, int]]]
    committed_without_notice: Callable[[], int] = lambda: 0  # state changes missing their notices
    once: Callable[[], bool] = lambda: True  # every state change made exactly once
    # what the phase writes, as (target, person) with duplicates kept; by default its notices
    present: Callable[[], list[tuple[str, int]]] | None = None
    # holds open (uncommitted) one row the phase owes; by default the notice ``block`` names
    hold: Callable[[psycopg.Connection], None] | None = None


def _cases(world, n=N, **update) -> list[DisputeCase]:
    staff = world.user("station_a")
    cases = []
    for _ in range(n):
        case = report(world, grid=world.grid_1a)
        services.case_accept(actor=staff, case=case)
        cases.append(case)
    DisputeCase.objects.filter(pk__in=[c.pk for c in cases]).update(**update)
    return cases


def overdue_reminders(world) -> Scenario:
    cases = _cases(world, due_at=timezone.now() - dt.timedelta(hours=30))
    target = cases[N // 2]
    target.refresh_from_db()
    period = timezone.localtime(target.due_at).strftime("%Y%m%d%H%M")
    ids = [c.pk for c in cases]
    return Scenario(
        task="disputes.case_sweeps",
        kind="case.overdue",
        block=(world.user("station_a").pk, notification_key("case.overdue", f"case-{target.pk}", period)),
        expected=lambda: expected_overdue(ids),
    )


def _missing(kind: str, changed: str) -> Callable[[], int]:
    def count() -> int:
        return rows(
            f"SELECT count(*) FROM ({changed}) t WHERE NOT EXISTS (SELECT 1 FROM {NOTE} n"
            " WHERE n.kind = %s AND split_part(n.key, ':', 2) = t.target)",
            [kind],
        )[0][0]

    return count


def escalations(world) -> Scenario:
    cases = _cases(world, due_at=timezone.now() - dt.timedelta(hours=30))
    target = cases[N // 2]
    return Scenario(
        task="disputes.case_sweeps",
        kind="case.escalated",
        block=(
            world.user("station_a").pk,
            notification_key("case.escalated", f"case-{target.pk}", "village"),
        ),
        expected=expected_escalated,
        committed_without_notice=_missing(
            "case.escalated", f"SELECT 'case-' || id AS target FROM {CASE} WHERE escalation_count > 0"
        ),
        once=lambda: (
            DisputeCase.objects.filter(pk__in=[c.pk for c in cases], escalation_count=1).count() == N
            and CaseEvent.objects.filter(code="disputes.case.escalated_auto").count() == N
        ),
    )


def risk_rises(world) -> Scenario:
    # a factor moved without a re-score: tonight every case rises to 橙
    cases = _cases(world, threat_flag=True, people_involved=10)
    target = cases[N // 2]
    return Scenario(
        task="disputes.risk_nightly",
        kind="case.risk_raised",
        block=(
            world.user("station_a").pk,
            notification_key("case.risk_raised", f"case-{target.pk}", "orange"),
        ),
        expected=expected_risk_raised,
        committed_without_notice=_missing(
            "case.risk_raised",
            "SELECT 'case-' || case_id AS target FROM disputes_riskassessment WHERE trigger = 'nightly'"
            " AND level = 'orange'",
        ),
        once=lambda: (
            CaseEvent.objects.filter(code="disputes.case.risk_changed").count() == N
            and DisputeCase.objects.filter(pk__in=[c.pk for c in cases], risk_level="orange").count() == N
        ),
    )


def visit_notices(world) -> Scenario:
    cases = _cases(world, risk_level="orange")
    target = cases[N // 2]
    return Scenario(
        task="patrols.visits_sweep",
        kind="visit.task",
        block=(world.user("aux_v1").pk, notification_key("visit.task", f"case-{target.pk}", "orange")),
        expected=expected_visit_notices,
        committed_without_notice=_missing("visit.task", f"SELECT 'case-' || case_id AS target FROM {VISIT}"),
        once=lambda: RiskVisit.objects.filter(case__in=cases).count() == N,
    )


def screening_reminders(world) -> Scenario:
    for i in range(N):
        grid_user(world, world.grid_1a, f"gw{i}")
    opened = open_round(days_ago=4)
    # its deadline is half a day away, within the reminders' 24 hours, whatever the hour now
    ScreeningRound.objects.filter(pk=opened.pk).update(due_at=timezone.now() + dt.timedelta(hours=12))
    worker = world.user("grid_g1")
    return Scenario(
        task="screening.reminders",
        kind="screening.reminder",
        block=(
            worker.pk,
            notification_key("screening.reminder", f"grid-{world.grid_1a.pk}", f"round-{opened.pk}"),
        ),
        expected=lambda: expected_screening_reminders(opened.pk),
    )


# --- the reminders of the case sweep: unanswered referrals, due follow-ups, lapsing confirmation
def expected_for_case_rows(target: str, table: str, where: str, extra: str = "") -> set[tuple[str, int]]:
    """Per row of ``table`` (joined to its case ``c``) matching ``where``: the case's
    responsible person, or its station's staff when none is named (plus ``extra`` recipients)."""
    base = f"FROM {table} t JOIN {CASE} c ON c.id = t.case_id WHERE {where}"
    query = (
        f"SELECT '{target}-' || t.id, c.responsible_id {base} AND c.responsible_id IS NOT NULL"
        f" UNION SELECT '{target}-' || t.id, s.user_id {base.replace('WHERE', f'JOIN ({STAFF}) s ON s.station_id = c.station_id WHERE')}"
        " AND c.responsible_id IS NULL"
    )
    if extra:
        query += f" UNION SELECT '{target}-' || t.id, {extra} {base}"
    return set(rows(query))


TODAY = "(now() AT TIME ZONE 'Asia/Shanghai')::date"


def _referred(world, n=N) -> list:
    staff = world.user("station_a")
    referrals = []
    for case in _cases(world, n):
        referrals.append(
            services.referral_create(
                actor=staff,
                case=case,
                kind="department",
                department="hrss",
                target_name="县人社局",
                reason="欠薪",
            )
        )
    # their answer was due two days ago
    Referral.objects.filter(pk__in=[r.pk for r in referrals]).update(
        due_date=timezone.localdate() - dt.timedelta(days=2)
    )
    return list(Referral.objects.filter(pk__in=[r.pk for r in referrals]).order_by("pk"))


def referral_reminders(world) -> Scenario:
    target = _referred(world)[N // 2]
    return Scenario(
        task="disputes.case_sweeps",
        kind="referral.overdue",
        block=(
            world.user("station_a").pk,
            notification_key("referral.overdue", f"referral-{target.pk}", str(target.due_date)),
        ),
        expected=lambda: expected_for_case_rows(
            "referral",
            REFERRAL,
            f"t.status IN ('sent', 'accepted') AND t.due_date < {TODAY}",
            extra="t.created_by_id",
        ),
    )


def _closed_cases(world, n) -> list[DisputeCase]:
    return [to_closed(world, report(world, grid=world.grid_1a)) for _ in range(n)]


def follow_up_reminders(world) -> Scenario:
    cases = _closed_cases(world, N // 2)
    # every planned visit is due
    FollowUp.objects.filter(case__in=cases).update(due_date=timezone.localdate() - dt.timedelta(days=1))
    target = FollowUp.objects.filter(case__in=cases).order_by("pk")[N // 2]
    return Scenario(
        task="disputes.case_sweeps",
        kind="followup.due",
        block=(
            world.user("station_a").pk,
            notification_key("followup.due", f"followup-{target.pk}", str(target.due_date)),
        ),
        expected=lambda: expected_for_case_rows(
            "followup",
            FOLLOWUP,
            f"t.visited_at IS NULL AND NOT t.is_cancelled AND t.due_date <= {TODAY} AND c.status = 'closed'",
        ),
    )


def confirmation_reminders(world) -> Scenario:
    staff = world.user("station_a")
    signed = timezone.localdate() - dt.timedelta(days=25)  # its 30-day window closes in 5 days
    agreements = []
    for case in _cases(world, N):
        services.case_start_mediation(actor=staff, case=case)
        agreements.append(
            services.agreement_create(actor=staff, case=case, **agreement_data(signed_on=signed))
        )
    target = agreements[N // 2]
    window, warn = Agreement.confirmation_window()
    return Scenario(
        task="disputes.case_sweeps",
        kind="agreement.confirmation",
        block=(
            world.user("station_a").pk,
            notification_key(
                "agreement.confirmation", f"agreement-{target.pk}", str(target.judicial_confirmation_deadline)
            ),
        ),
        expected=lambda: expected_for_case_rows(
            "agreement",
            AGREEMENT,
            f"t.form = 'written' AND t.performance_status <> 'breached'"
            f" AND t.signed_on BETWEEN {TODAY} - {window.days} AND {TODAY} - {window.days} + {warn.days}"
            " AND c.status IN ('agreement_reached', 'performed', 'closed')"
            f" AND NOT EXISTS (SELECT 1 FROM {REFERRAL} r WHERE r.agreement_id = t.id AND r.kind = 'court')",
        ),
    )


# --- the screening sweeps: overdue notices and the points deducted for a missed round ----------
def _grids(world, n=N, *, leaders=False) -> list:
    admin = world.user("admin")
    grids = []
    for i in range(n):
        grid = gov.grid_create(actor=admin, village=world.village_1, name=f"故障组{i}", code=f"G-F{i:02d}")
        if leaders:
            gov.grid_worker_create(
                actor=admin,
                grid=grid,
                name=f"故障组{i}网格长",
                id_number=make_id_number(),
                phone=make_phone(),
                role=GridWorker.Role.LEADER,
            )
        grids.append(grid)
    return grids


# (round, grid) pairs still missing a report: every active grid of a village not archived
MISSING = (
    f"SELECT r.id AS round_id, g.id AS grid_id, g.village_id FROM {ROUND} r CROSS JOIN governance_grid g"
    " JOIN governance_region v ON v.id = g.village_id AND NOT v.is_archived"
    f" WHERE g.is_active AND NOT EXISTS (SELECT 1 FROM {REPORT} p WHERE p.round_id = r.id AND p.grid_id = g.id)"
)


def expected_screening_overdue(round_id: int) -> set[tuple[str, int]]:
    """Every grid still missing: the village's current auxiliary officer, and the staff of the
    station over the village (its own jurisdiction, else its township's)."""
    station = (
        "COALESCE((SELECT station_id FROM stations_jurisdiction WHERE region_id = m.village_id),"
        " (SELECT j.station_id FROM stations_jurisdiction j JOIN governance_region v ON v.parent_id = j.region_id"
        " WHERE v.id = m.village_id))"
    )
    return set(
        rows(
            f"SELECT 'grid-' || m.grid_id, x.user_id FROM ({MISSING}) m JOIN {ASSIGN} a ON a.village_id = m.village_id"
            " AND a.kind = 'auxiliary' AND a.end_date IS NULL JOIN {AUX} x ON x.id = a.auxiliary_officer_id"
            " AND x.is_active AND x.user_id IS NOT NULL WHERE m.round_id = %s"
            f" UNION SELECT 'grid-' || m.grid_id, s.user_id FROM ({MISSING}) m JOIN ({STAFF}) s"
            f" ON s.station_id = {station} WHERE m.round_id = %s".replace("{AUX}", AUX),
            [round_id, round_id],
        )
    )


def screening_overdue(world) -> Scenario:
    grids = _grids(world)
    opened = open_round(days_ago=5)
    # its deadline passed half a day ago, within the overdue notices' 7 days
    ScreeningRound.objects.filter(pk=opened.pk).update(due_at=timezone.now() - dt.timedelta(hours=12))
    return Scenario(
        task="screening.overdue",
        kind="screening.overdue",
        block=(
            world.user("aux_v1").pk,
            notification_key("screening.overdue", f"grid-{grids[N // 2].pk}", f"round-{opened.pk}"),
        ),
        expected=lambda: expected_screening_overdue(opened.pk),
    )


def expected_points_missed() -> set[tuple[str, int]]:
    """Every grid that never reported in a round whose deadline passed 7 to 37 days ago: its
    active leader, once per grid and round."""
    return set(
        rows(
            "SELECT 'round-' || m.round_id || ':grid-' || m.grid_id || ':missed', w.id"
            f" FROM ({MISSING}) m JOIN {ROUND} r ON r.id = m.round_id JOIN {WORKER} w ON w.grid_id = m.grid_id"
            " AND w.role = 'leader' AND w.is_active"
            " WHERE r.due_at <= now() - interval '7 days' AND r.due_at > now() - interval '37 days'"
        )
    )


def points_missed(world) -> Scenario:
    PointsRule.objects.get_or_create(
        code="screening.missed",
        defaults={"name": "排查未报告", "points": -3, "applies_to": "grid_worker"},
    )
    grids = _grids(world, leaders=True)
    opened = open_round(days_ago=14)  # due 9 days ago
    leader = GridWorker.objects.get(grid=grids[N // 2], role=GridWorker.Role.LEADER)
    rule = PointsRule.objects.get(code="screening.missed")
    key = f"round-{opened.pk}:grid-{grids[N // 2].pk}:missed"

    def hold(blocker: psycopg.Connection) -> None:
        blocker.execute(
            f"INSERT INTO {POINTS} (grid_worker_id, rule_id, points, source_key, reason, month, awarded_at)"
            " VALUES (%s, %s, -3, %s, 'held', date_trunc('month', now())::date, now())",
            [leader.pk, rule.pk, key],
        )

    return Scenario(
        task="screening.deduct_missed",
        kind="screening.missed",
        block=(leader.pk, key),
        expected=expected_points_missed,
        present=lambda: rows(
            f"SELECT source_key, grid_worker_id FROM {POINTS} WHERE source_key LIKE '%%:missed'"
        ),
        hold=hold,
    )


SCENARIOS = {
    "overdue_reminders": overdue_reminders,
    "escalations": escalations,
    "risk_rises": risk_rises,
    "visit_notices": visit_notices,
    "screening_reminders": screening_reminders,
    "screening_overdue": screening_overdue,
    "points_missed": points_missed,
    "referral_reminders": referral_reminders,
    "follow_up_reminders": follow_up_reminders,
    "confirmation_reminders": confirmation_reminders,
}


# --- the harness ----------------------------------------------------------------------------
def _connect() -> psycopg.Connection:
    db = connection.settings_dict
    return psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db.get("PASSWORD") or None,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    )


def _hold_notice(blocker: psycopg.Connection, recipient: int, key: str, kind: str) -> None:
    blocker.execute(
        f"INSERT INTO {NOTE} (recipient_id, kind, key, title, body, url, created_at, sms_status, sms_attempts)"
        " VALUES (%s, %s, %s, 'held', '', '', now(), '', 0)",
        [recipient, kind, key],
    )


ADVISORY_LOCKS = (
    "SELECT 1 FROM pg_locks WHERE locktype = 'advisory'"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


# the sessions of this test's workers (named by PGAPPNAME, ``tests.workers``): a session that
# some other test of the same process keeps open (a connection kept for CONN_MAX_AGE by a
# thread, a browser test's server) is not the killed worker's, and must not fail this test
WORKER_SESSIONS = (
    "SELECT pid, application_name, state, left(query, 60) FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = %s"
)
OTHER_SESSIONS = (
    "SELECT pid, application_name, state, backend_start, left(query, 60) FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


def _blocked_backends() -> list[int]:
    """The backends waiting on a lock in this database (the worker at the held notice)."""
    return [
        pid
        for (pid,) in rows(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
    ]


@pytest.mark.parametrize("fault", ["kill", "terminate"])
@pytest.mark.parametrize("sweep", sorted(SCENARIOS))
def test_a_sweep_stopped_at_its_notices_and_run_again_loses_nothing_and_doubles_nothing(world, sweep, fault):
    require_service("PostgreSQL", connection.vendor == "postgresql", "the test database is not PostgreSQL")
    queue = new_queue()
    scenario = SCENARIOS[sweep](world)
    blocker = _connect()
    env = {
        "JOB_RETRY_BACKOFF": "1",
        "JOB_RETRY_BACKOFF_MAX": "2",
        "SWEEP_CHUNK_SIZE": "3",
        "SWEEP_SELECT_CHUNK_SIZE": "3",
    }
    first = Worker(queue, **env).start()
    try:
        if scenario.hold is not None:
            scenario.hold(blocker)
        else:
            _hold_notice(blocker, *scenario.block, scenario.kind)
        send(scenario.task, queue)
        wait_for(lambda: len(_blocked_backends()) == 1, what=f"{sweep}: the worker at the held notice")
        assert rows(WORKER_SESSIONS, [f"{WORKER_APP}{queue}"])  # the worker's session is named
        if fault == "kill":
            first.kill()
        else:
            rows("SELECT pg_terminate_backend(%s)", [_blocked_backends()[0]])
        # at the moment of the fault, no state change is committed without its notices
        assert scenario.committed_without_notice() == 0
    except BaseException:
        first.stop()
        raise
    finally:
        blocker.rollback()
        blocker.close()
    if fault == "kill":
        first.stop()
    # the killed worker's session (and its job lock) is gone once its transaction is rolled back
    wait_for(lambda: not rows(ADVISORY_LOCKS), what="the lock")
    second = first if fault == "terminate" else Worker(queue, **env).start()  # its retry runs too
    runs = 3 if fault == "terminate" else 2  # (the retry,) the rerun, and once more
    try:
        send(scenario.task, queue)
        send(scenario.task, queue)
        wait_for(lambda: second.succeeded(scenario.task) >= runs, what=f"{sweep}: the reruns")
    finally:
        second.stop()
    expected = scenario.expected()
    present = scenario.present() if scenario.present is not None else notices(scenario.kind)
    assert expected, "the scenario owes notices"
    assert set(present) == expected  # 0 lost, nothing unexpected
    assert len(present) == len(expected)  # 0 duplicated
    assert scenario.once()
    assert not Notification.objects.filter(title="held").exists()
    assert not PointsEntry.objects.filter(reason="held").exists()
    # the killed worker's server session ends too (nothing of the workers left holding the database)
    wait_for(
        lambda: not rows(WORKER_SESSIONS, [f"{WORKER_APP}{queue}"]),
        timeout=30,
        what=lambda: f"the workers' sessions to end (all sessions: {rows(OTHER_SESSIONS)})",
    )
