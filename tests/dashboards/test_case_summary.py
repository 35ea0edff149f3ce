"""The stored monthly case figures (``CaseMonth``, issue 15) against the raw rows, on a
constructed set: kept by the services in the transaction of each change (including changes that
move a case out of the rows it was counted under: a re-opening, a transfer), restored by the
nightly rebuild, and read by the dashboards with the raw rows for the partial months of a custom
period — every figure equal to the one counted from the cases themselves."""

import datetime as dt
import statistics
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.periods import Period, add_months, month_period
from dashboards.areas import area_get
from disputes import figures, services, sweeps
from disputes.models import CaseEvent, DisputeCase, FollowUp, Status
from disputes.summary import store
from disputes.summary.models import METRICS, CaseMonth, CaseMonthKey
from disputes.tiers import services as tiers
from tests.conftest import require_service
from tests.disputes.helpers import agreement_data, report, to_closed
from tests.disputes.test_concurrent_transitions import _race

pytestmark = pytest.mark.django_db


def _nonzero(rows: dict) -> dict:
    return {key: dict(row) for key, row in rows.items() if any(row.values())}


def _stored() -> dict:
    return _nonzero(
        {
            (r.station_id, r.village_id, r.month): {m: getattr(r, m) for m in METRICS}
            for r in CaseMonth.objects.all()
        }
    )


def assert_agree() -> None:
    assert _stored() == _nonzero(store._counted(None))


def _county(world):
    return area_get(user=world.user("county"), kind="county", pk=world.county.pk)


def _this_month() -> Period:
    today = timezone.localdate()
    return month_period(today.year, today.month)


def _move(case: DisputeCase, *, reported: dt.datetime, closed: dt.datetime | None = None) -> None:
    """Back-date a case and its timeline (test data only: written in bulk, then rebuilt)."""
    DisputeCase.objects.filter(pk=case.pk).update(reported_at=reported, closed_at=closed or None)
    CaseEvent.objects.filter(case=case).update(created_at=closed or reported)
    FollowUp.objects.filter(case=case, visited_at__isnull=False).update(visited_at=closed or reported)


@pytest.fixture
def cases(world):
    staff, other = world.user("station_a"), world.user("station_b")
    a = to_closed(world, report(world, grid=world.grid_1a))  # resolved at grid level
    services.follow_up_record(actor=staff, case=a, result="stable", satisfaction="satisfied")
    b = report(world, village=world.village_2)
    services.case_accept(actor=staff, case=b)
    ref = services.referral_create(
        actor=staff, case=b, kind="department", department="hrss", target_name="县人社局", reason="欠薪"
    )
    services.referral_update(actor=staff, referral=ref, status="answered", answer="已结清")
    services.case_close(actor=staff, case=b)  # closed without an agreement
    c = report(world)
    services.case_not_accept(actor=staff, case=c, reason="已起诉")
    d = report(world, grid=world.grid_1b)
    services.case_accept(actor=staff, case=d)
    services.case_escalate(actor=staff, case=d, reason="网格调解未果")
    e = report(world, village=world.village_3, actor="station_b")
    services.case_accept(actor=other, case=e)
    agreement = services.agreement_create(actor=other, case=e, **agreement_data())
    services.agreement_set_performance(actor=other, agreement=agreement, status="performed")
    services.case_close(actor=other, case=e)
    services.follow_up_record(actor=other, case=e, result="stable", satisfaction="unsatisfied")
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


def test_the_services_keep_the_rows_the_raw_rows_give(world, cases):
    assert_agree()
    month = _this_month()
    row = CaseMonth.objects.get(station=world.station_a, village=world.village_1, month=month.start)
    assert (row.new, row.accepted_new, row.closed, row.resolved, row.resolved_grid) == (3, 2, 1, 1, 1)
    assert (row.escalated_village, row.follow_ups, row.follow_ups_content) == (1, 1, 1)
    # the dashboard's figures of the month from the stored rows = counted from the cases
    for area in (
        _county(world),
        area_get(user=world.user("station_a"), kind="station", pk=world.station_a.pk),
    ):
        assert figures.period_counts(area.village_ids, month) == figures._raw_counts(
            area.village_ids, *month.bounds
        )


def test_a_change_that_moves_a_case_recounts_the_rows_it_left(world, cases):
    staff = world.user("station_a")
    now = timezone.now()
    two_months_ago = now - dt.timedelta(days=62)
    _move(cases["a"], reported=two_months_ago - dt.timedelta(days=3), closed=two_months_ago)
    store.summary_rebuild()
    old_month = store.month_of(two_months_ago)
    assert (
        CaseMonth.objects.get(station=world.station_a, village=world.village_1, month=old_month).closed == 1
    )
    # re-opened now: its old closing month no longer counts it; this month counts the re-opening
    case = DisputeCase.objects.get(pk=cases["a"].pk)
    services.case_reopen(actor=staff, case=case, reason="又起争执")
    assert_agree()
    assert (
        CaseMonth.objects.get(station=world.station_a, village=world.village_1, month=old_month).closed == 0
    )
    # moved to another station and village: every month it was counted in moves with it
    d = DisputeCase.objects.get(pk=cases["d"].pk)
    transfer = tiers.transfer_request(
        actor=staff, case=d, to_village=world.village_3, reason="实际发生在三村"
    )
    tiers.transfer_decide(actor=world.user("station_b"), transfer=transfer, accept=True, note="已接收")
    assert_agree()
    mark = CaseMonthKey.objects.get(case=d)
    assert (mark.station_id, mark.village_id) == (world.station_b.pk, world.village_3.pk)
    row = CaseMonth.objects.get(station=world.station_b, village=world.village_3, month=_this_month().start)
    assert row.escalated_village == 1  # its escalation went with it


def test_the_nightly_rebuild_restores_drift(world, cases):
    CaseMonth.objects.update(new=99, closed=0)
    CaseMonthKey.objects.all().delete()
    assert store.summary_rebuild() == CaseMonth.objects.count()
    assert_agree()
    assert CaseMonthKey.objects.count() == DisputeCase.objects.count()


def test_a_custom_period_reads_whole_months_stored_and_the_edges_raw(world):
    """Cases over four months; a period from the middle of the first to the middle of the last:
    two whole months from the stored rows, two partial ones counted from the cases — every
    figure equal to the raw computation over the whole range."""
    today = timezone.localdate()
    first = add_months(today.replace(day=1), -4)
    made = []
    for i, offset in enumerate([3, 20, 35, 50, 70, 90, 100, 112]):
        case = report(world)
        if i % 3 != 2:
            to_closed(world, case)
        day = first + dt.timedelta(days=offset)
        reported = dt.datetime.combine(day, dt.time(9), tzinfo=timezone.get_current_timezone())
        closed = reported + dt.timedelta(days=i + 1, hours=i) if i % 3 != 2 else None
        _move(case, reported=reported, closed=closed)
        made.append(case)
    store.summary_rebuild()
    assert_agree()
    period = Period(first + dt.timedelta(days=15), add_months(first, 3) + dt.timedelta(days=15))
    whole, edges = figures._parts(period)
    assert whole == (add_months(first, 1), add_months(first, 3)) and len(edges) == 2
    area = _county(world)
    raw = figures._raw_counts(area.village_ids, *period.bounds)
    assert figures.period_counts(area.village_ids, period) == raw
    assert raw["new"] > 0 and raw["closed"] > 0
    start, end = period.bounds
    durations = [
        (c.closed_at - c.reported_at).total_seconds() / 86400
        for c in DisputeCase.objects.filter(status=Status.CLOSED, closed_at__gte=start, closed_at__lt=end)
    ]
    f = figures.dispute_figures(area.village_ids, period)
    assert f["median_days"] == round(statistics.median(durations), 1)
    assert f["new"] == DisputeCase.objects.filter(reported_at__gte=start, reported_at__lt=end).count()
    # the trend (whole months, stored) agrees with the cases too
    trend = figures.dispute_trend(area.village_ids, months=5)
    by_month = {f"{store.month_of(c.reported_at):%Y-%m}": 0 for c in DisputeCase.objects.all()}
    for c in DisputeCase.objects.all():
        by_month[f"{store.month_of(c.reported_at):%Y-%m}"] += 1
    assert trend["new"] == [by_month.get(m, 0) for m in trend["months"]]


def test_a_change_recounts_with_a_fixed_number_of_queries(world, cases):
    def queries(case_ids) -> int:
        with CaptureQueriesContext(connection) as ctx:
            store.summary_touch(case_ids)
        return len(ctx.captured_queries)

    one = queries([cases["a"].pk])
    assert queries([c.pk for c in cases.values()]) == one  # five cases, three villages, two stations


def _two_ready_to_close(world) -> list[DisputeCase]:
    """Two cases of 一村 with their agreements performed: each can be closed in one step."""
    staff, ready = world.user("station_a"), []
    for _ in range(2):
        case = report(world)
        services.case_accept(actor=staff, case=case)
        services.case_start_mediation(actor=staff, case=case)
        agreement = services.agreement_create(actor=staff, case=case, **agreement_data())
        services.agreement_set_performance(actor=staff, agreement=agreement, status="performed")
        ready.append(DisputeCase.objects.get(pk=case.pk))
    return ready


@pytest.mark.django_db(transaction=True)
def test_two_closings_in_one_village_month_at_once_are_both_counted(world):
    """Two people close two cases of the same village in the same month at the same moment: the
    second recount waits for the first (the row lock) and counts what it committed. On
    PostgreSQL both transactions run at once; the window where they overlap is narrow, so this
    asserts the outcome (neither closing lost from the stored row), not a forced interleaving."""
    staff, aux = world.user("station_a"), world.user("aux_v1")
    ready = _two_ready_to_close(world)
    results = _race(
        lambda: services.case_close(actor=staff, case=ready[0], note="已履行"),
        lambda: services.case_close(actor=aux, case=ready[1], note="已履行"),
    )
    assert all(isinstance(r, DisputeCase) for r in results), results
    assert_agree()
    row = CaseMonth.objects.get(station=world.station_a, village=world.village_1, month=_this_month().start)
    assert (row.closed, row.resolved, row.accepted_new_closed) == (2, 2, 2)


@pytest.mark.django_db(transaction=True)
def test_a_second_recount_of_a_village_month_waits_for_the_first_and_counts_what_it_committed(
    world, monkeypatch
):
    """The dangerous interleaving forced: the first closing has locked and counted its
    village-month but not yet written it, and holds its transaction open; the second closing of
    the same village-month must then wait on the stored row's lock (PostgreSQL shows it blocked
    in the ``SELECT … FOR UPDATE`` of ``disputes_casemonth`` by the first's session); when the first
    commits, the second's recount includes it. Without the lock the second counts from a snapshot
    missing the first closing, both write one closing, and the row ends with 1 instead of 2."""
    require_service("PostgreSQL", connection.vendor == "postgresql", "the test database is not PostgreSQL")
    staff, aux = world.user("station_a"), world.user("aux_v1")
    ready = _two_ready_to_close(world)
    blocked_on = _second_waits_for_the_first_recount(
        monkeypatch,
        lambda: services.case_close(actor=staff, case=ready[0], note="已履行"),
        lambda: services.case_close(actor=aux, case=ready[1], note="已履行"),
    )
    # the row lock's SELECT (pg_stat_activity cuts the text before its FOR UPDATE)
    assert blocked_on.startswith('SELECT "disputes_casemonth"'), blocked_on
    assert_agree()
    row = CaseMonth.objects.get(station=world.station_a, village=world.village_1, month=_this_month().start)
    assert (row.closed, row.resolved, row.accepted_new_closed) == (2, 2, 2)


@pytest.mark.django_db(transaction=True)
def test_the_sweeps_added_escalations_wait_for_a_recount_of_the_village_month_and_both_count(
    world, monkeypatch
):
    """A person escalates a case of 一村 by hand (its recount has locked and counted the
    village-month, not yet written it) while the overdue sweep escalates another case of the same
    village-month: the sweep's addition (``summary_add``) waits on the row's lock, then adds to
    what the recount wrote; both escalations are in the row, and every row agrees with the raw
    rows."""
    require_service("PostgreSQL", connection.vendor == "postgresql", "the test database is not PostgreSQL")
    by_hand, overdue = report(world), report(world)
    DisputeCase.objects.filter(pk=overdue.pk).update(due_at=timezone.now() - dt.timedelta(days=3))
    blocked_on = _second_waits_for_the_first_recount(
        monkeypatch,
        lambda: services.case_escalate(actor=world.user("station_a"), case=by_hand, reason="需乡镇调处"),
        lambda: sweeps.escalate_overdue_cases(now=timezone.now()),
    )
    assert blocked_on.startswith('INSERT INTO "disputes_casemonth"'), blocked_on
    assert_agree()
    row = CaseMonth.objects.get(station=world.station_a, village=world.village_1, month=_this_month().start)
    assert row.escalated_township == 2  # both from 村 (reported without a grid) to 乡镇


def _second_waits_for_the_first_recount(monkeypatch, first_change, second_change) -> str:
    """Run ``first_change`` in one thread, paused (transaction open) right after its recount has
    counted under the row lock, and ``second_change`` in another; returns the statement the
    second was blocked in by the first's session (it fails if it was not), after both finished."""
    counted, commit = threading.Event(), threading.Event()
    pids: dict[str, int] = {}
    done: set[str] = set()
    errors: list[BaseException] = []
    count = store._counted

    def pausing_count(keys):
        result = count(keys)
        if threading.current_thread().name == "first" and not counted.is_set():
            counted.set()  # counted under the lock, not yet written
            commit.wait(timeout=30)
        return result

    monkeypatch.setattr(store, "_counted", pausing_count)

    def run(name: str, change) -> None:
        try:
            if name == "second":
                counted.wait(timeout=30)
            pids[name] = _backend_pid()
            change()
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            counted.set()
            done.add(name)
            connection.close()

    threads = [
        threading.Thread(target=run, args=("first", first_change), name="first"),
        threading.Thread(target=run, args=("second", second_change), name="second"),
    ]
    for t in threads:
        t.start()
    blocked_on = None
    try:
        while not errors and "second" not in done:  # until the second waits for the first's lock
            if {"first", "second"} <= set(pids):
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT query FROM pg_stat_activity WHERE pid = %s AND %s = ANY(pg_blocking_pids(pid))",
                        [pids["second"], pids["first"]],
                    )
                    row = cursor.fetchone()
                if row:
                    blocked_on = row[0]
                    break
            threading.Event().wait(0.05)
    finally:
        commit.set()
        for t in threads:
            t.join(timeout=30)
    assert not errors, errors
    assert blocked_on is not None, "the second did not wait for the first recount"
    return blocked_on


def _backend_pid() -> int:
    connection.ensure_connection()
    return connection.connection.info.backend_pid


def test_the_recount_of_many_pairs_counts_what_the_recount_of_a_few_counts(world, cases, monkeypatch):
    """A set-based sweep's recount touches thousands of station-village pairs: on PostgreSQL they
    go to the database as arrays (``store.MANY_PAIRS``), not as an OR of ranges; both give the
    same rows (on SQLite both are the OR)."""
    _move(
        cases["b"],
        reported=timezone.now() - dt.timedelta(days=70),
        closed=timezone.now() - dt.timedelta(days=40),
    )
    store.summary_rebuild()
    keys = {(r.station_id, r.village_id, r.month) for r in CaseMonth.objects.all()}
    keys.add((world.station_b.pk, world.village_1.pk, _this_month().start))  # a key with no rows
    few = _nonzero(store._counted(keys))
    monkeypatch.setattr(store, "MANY_PAIRS", 0)
    assert _nonzero(store._counted(keys)) == few
    assert len({(s, v) for s, v, _m in few}) >= 3 and len({m for _s, _v, m in few}) >= 2
    # and the recount of a change through the arrays keeps the rows right
    services.case_reopen(
        actor=world.user("station_a"), case=DisputeCase.objects.get(pk=cases["a"].pk), reason="又起争执"
    )
    assert_agree()
