"""``python manage.py bench`` (``make bench``): time the hot pages and jobs on a database grown by
``seed_scale`` against hand-written SQL of the same result, in the same run, interleaved.

Not a test: it prints one line per target — median app time, median SQL time, their ratio, the
app's query count and peak Python memory (tracemalloc) — then the EXPLAIN ANALYZE of the slowest
query of the slowest targets. The format is stable (``docs/benchmarks.md`` keeps a run).
Pages are requested through Django's test client as the demo accounts (``demo_county``,
``demo_station``); jobs that write run inside a transaction that is rolled back, so every
repetition sees the same data. PostgreSQL only.
"""

# the hand-written SQL is put together from constants; every value is a parameter
# ruff: noqa: S608

import datetime as dt
import os
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from core.models import Notification
from core.periods import month_period
from disputes import risk, sweeps
from disputes.models import OPEN_STATUSES, RISK_LEVEL_RANK, CaseEvent, DisputeCase, FollowUp, RiskAssessment
from disputes.summary.models import METRICS as CASE_METRICS
from disputes.summary.models import CaseMonth
from governance.models import Grid, Region, User
from patrols.visits import services as visits
from screening import services as screening_services
from stations.models import Incident, Officer
from stations.presence.selectors import presence_min_days

FORMAT_VERSION = 1
# the lists' order by risk (``disputes.selectors``: ``-risk_score, -reported_at, -pk``)
BY_RISK = "c.risk_score DESC, c.reported_at DESC, c.id DESC"


@dataclass
class Target:
    name: str
    app: Callable[[], Any]
    sql: Callable[[], Any] | None
    goal: str  # the target, as text
    goal_ms: float | None = None
    goal_ratio: float | None = None
    rows: int = 0  # for per-second targets: how many rows one run handles
    repeat: int | None = None  # fewer repetitions for the long jobs
    # a long job (``repeat=1``): how many timed runs, each rolled back and followed by a VACUUM
    # (its median is the row's time; one run of the nightly swung from 17 k to 23 k cases/s)
    runs: int = 1
    # run untimed first, in the same rolled-back transaction as the timed run (a long job's
    # "night before": what a deployment that runs the job every night has already done)
    prepare: Callable[[], Any] | None = None
    app_ms: list[float] = field(default_factory=list)
    sql_ms: list[float] = field(default_factory=list)
    queries: int = 0
    peak_kib: float = 0.0
    slowest_sql: str = ""
    slowest_params: Any = None
    slowest_ms: float = 0.0


class _Queries:
    """Counts the queries of a run and keeps the slowest (an ``execute_wrapper``: a request's
    ``request_started`` clears ``connection.queries``, so ``CaptureQueriesContext`` cannot)."""

    def __init__(self) -> None:
        self.count, self.ms, self.sql, self.params = 0, 0.0, "", None

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            ms = (time.perf_counter() - start) * 1000
            self.count += 1
            if ms > self.ms:
                self.ms, self.sql, self.params = ms, sql, params

    def into(self, t: "Target") -> None:
        t.queries, t.slowest_ms, t.slowest_sql, t.slowest_params = self.count, self.ms, self.sql, self.params


def _ms(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def _rows(sql: str, params: Any = None) -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


# what a long job rolled back leaves behind (dead rows, pages no longer all-visible) would slow
# the index-only scans of the next targets and of the next run: cleared as autovacuum would
def _vacuum() -> None:
    tables = (
        m._meta.db_table for m in (DisputeCase, RiskAssessment, CaseEvent, FollowUp, CaseMonth, Notification)
    )
    with connection.cursor() as cur:
        cur.execute(f"VACUUM ANALYZE {', '.join(tables)}")


def _rolled_back(fn: Callable[[], Any]) -> Callable[[], Any]:
    def run() -> Any:
        with transaction.atomic():
            result = fn()
            transaction.set_rollback(True)
        return result

    return run


class Command(BaseCommand):
    help = "性能基准:热点页面与批处理 对比 手写 SQL(同一次运行、交替执行、取中位数)。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--repeat", type=int, default=int(os.environ.get("BENCH_REPEAT", 5)))
        parser.add_argument("--only", default="", help="只运行名称包含此文字的项目")
        parser.add_argument(
            "--report", default=os.environ.get("BENCH_REPORT", ""), help="结果另存为 Markdown"
        )
        parser.add_argument("--skip", default="", help="跳过名称包含此文字的项目")
        parser.add_argument("--group", choices=["", "fast", "slow"], default="", help="只运行快速/慢速项目")
        parser.add_argument("--explain", type=int, default=3, help="EXPLAIN ANALYZE 最慢的几个项目")

    def handle(self, *args, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("bench 只支持 PostgreSQL(先用 seed_scale 扩充数据)。")
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        targets = [t for t in self.targets() if options["only"] in t.name]
        if options["skip"]:
            targets = [t for t in targets if options["skip"] not in t.name]
        if options["group"]:  # "slow": the long jobs (their own runs); "fast": the others
            targets = [t for t in targets if (t.repeat == 1) == (options["group"] == "slow")]
        repeat = max(1, options["repeat"])
        for t in targets:
            self.stderr.write(f"… {t.name}")
            queries = _Queries()
            if (
                t.repeat == 1
            ):  # a long one: ``runs`` timed runs, counting the first's queries (no memory trace)
                for run in range(max(1, t.runs)):
                    with transaction.atomic():
                        if t.prepare is not None:
                            t.prepare()
                        if run:
                            t.app_ms.append(_ms(t.app))
                        else:
                            with connection.execute_wrapper(queries):
                                t.app_ms.append(_ms(t.app))
                        transaction.set_rollback(True)
                    _vacuum()
                queries.into(t)
                if t.sql:
                    t.sql_ms.append(_ms(t.sql))
                continue
            with connection.execute_wrapper(queries):
                t.app()  # warm (caches, compiled templates), counting the queries
            queries.into(t)
            if t.sql:
                t.sql()
            for _ in range(min(repeat, t.repeat or repeat)):
                t.app_ms.append(_ms(t.app))
                if t.sql:
                    t.sql_ms.append(_ms(t.sql))
            tracemalloc.start()
            t.app()
            t.peak_kib = tracemalloc.get_traced_memory()[1] / 1024
            tracemalloc.stop()
        text = self.render(targets, options["explain"])
        self.stdout.write(text)
        if options["report"]:
            with open(options["report"], "w", encoding="utf-8") as fh:
                fh.write(text)

    # --- the targets ---------------------------------------------------------------------------
    def targets(self) -> list[Target]:
        county_user = User.objects.filter(username="demo_county").first()
        station_user = User.objects.filter(username="demo_station").first()
        if county_user is None or station_user is None:
            raise CommandError("需要演示账号 demo_county 和 demo_station(先运行 seed_demo / seed_scale)。")
        county = Region.objects.filter(kind="county").order_by("pk").first()
        assert county is not None
        officer = Officer.objects.filter(user=station_user).first()
        assert officer is not None
        station_id = officer.station_id
        county_client, station_client = Client(), Client()
        county_client.force_login(county_user)
        station_client.force_login(station_user)
        station_villages = (
            "SELECT v.id FROM governance_region v LEFT JOIN stations_jurisdiction jv ON jv.region_id = v.id"
            " LEFT JOIN stations_jurisdiction jt ON jt.region_id = v.parent_id"
            " WHERE v.kind IN ('village', 'community') AND %s IN (jv.station_id, jt.station_id)"
        )
        all_villages = "SELECT id FROM governance_region WHERE kind IN ('village', 'community')"
        # the county page counts that county's villages (a deployment holds several counties)
        county_villages = (
            "SELECT v.id FROM governance_region v JOIN governance_region t ON t.id = v.parent_id"
            f" WHERE v.kind IN ('village', 'community') AND t.parent_id = {int(county.pk)}"
        )
        a_case = (
            DisputeCase.objects.filter(
                village__in=Region.objects.filter(pk__in=_ids(station_villages, station_id))
            )
            .order_by("-pk")
            .first()
        )
        assert a_case is not None
        deep_county = max(1, min(1000, DisputeCase.objects.count() // settings.PAGE_SIZE))
        station_cases = DisputeCase.objects.filter(station_id=station_id).count()
        deep_station = max(1, min(1000, station_cases // settings.PAGE_SIZE))
        api_size: int = settings.REST_FRAMEWORK["PAGE_SIZE"]  # type: ignore[assignment]
        api_deep_county = max(1, min(1000, DisputeCase.objects.count() // api_size))
        api_deep_station = max(1, min(1000, station_cases // api_size))
        now = timezone.now()
        open_cases = DisputeCase.objects.filter(status__in=list(_open())).count()

        def get(client: Client, url: str) -> Callable[[], Any]:
            def run() -> Any:
                response = client.get(url)
                if response.status_code != 200:
                    raise CommandError(f"{url}: HTTP {response.status_code}")
                for _chunk in getattr(response, "streaming_content", ()):
                    pass
                return response

            return run

        area = f"/dashboard/county/{county.pk}/"
        station_area = f"/dashboard/station/{station_id}/"
        s = station_id
        return [
            Target(
                "county dashboard (page)",
                get(county_client, area),
                lambda: _dashboard_sql_stored(county_villages, None),
                "≤ 1000 ms, ≤ 1.5× SQL",
                1000,
                1.5,
            ),
            Target(
                "county dashboard (figures partial)",
                get(county_client, area + "figures/"),
                lambda: _dashboard_sql_stored(county_villages, None),
                "≤ 1000 ms, ≤ 1.5× SQL",
                1000,
                1.5,
            ),
            Target(
                "county dashboard (figures) vs SQL over raw rows",
                get(county_client, area + "figures/"),
                lambda: _dashboard_sql(county_villages, None),
                "≤ 1000 ms, ≤ 1.5× SQL",
                1000,
                1.5,
                repeat=1,
            ),
            Target(
                "county dashboard export (xlsx)",
                get(county_client, area + "export.xlsx"),
                lambda: _dashboard_sql_stored(county_villages, None),
                "streams, constant memory",
            ),
            Target(
                "station dashboard (page)",
                get(station_client, station_area),
                lambda: _dashboard_sql_stored(station_villages, s),
                "≤ 300 ms",
                300,
            ),
            Target(
                "map data (county)",
                get(county_client, area + "map.json"),
                lambda: _map_sql(county_villages, None),
                "—",
            ),
            Target(
                "case list page, county, page 1",
                get(county_client, "/cases/"),
                lambda: _list_sql(all_villages, None, 0),
                "≤ 100 ms",
                100,
            ),
            Target(
                f"case list page, county, page {deep_county}",
                get(county_client, f"/cases/?page={deep_county}"),
                lambda: _list_sql(all_villages, None, (deep_county - 1) * settings.PAGE_SIZE),
                "≤ 100 ms",
                100,
            ),
            Target(
                "case list page, county, open+overdue",
                get(county_client, "/cases/?open=1&overdue=1"),
                lambda: _list_sql(
                    all_villages,
                    None,
                    0,
                    "AND c.status <> ALL(%s) AND c.paused_at IS NULL AND c.due_at < now()",
                ),
                "≤ 100 ms",
                100,
            ),
            Target(
                f"case list page, county, by risk, page {deep_county}",
                get(county_client, f"/cases/?order=risk&page={deep_county}"),
                lambda: _list_sql(all_villages, None, (deep_county - 1) * settings.PAGE_SIZE, order=BY_RISK),
                "≤ 100 ms",
                100,
            ),
            Target(
                "case list page, station, page 1",
                get(station_client, "/cases/"),
                lambda: _list_sql(station_villages, s, 0),
                "≤ 100 ms",
                100,
            ),
            Target(
                f"case list page, station, page {deep_station}",
                get(station_client, f"/cases/?page={deep_station}"),
                lambda: _list_sql(station_villages, s, (deep_station - 1) * settings.PAGE_SIZE),
                "≤ 100 ms",
                100,
            ),
            Target(
                f"case list page, station, by risk, page {deep_station}",
                get(station_client, f"/cases/?order=risk&page={deep_station}"),
                lambda: _list_sql(
                    station_villages, s, (deep_station - 1) * settings.PAGE_SIZE, order=BY_RISK
                ),
                "≤ 100 ms",
                100,
            ),
            Target(
                "case API, county, page 1",
                get(county_client, "/api/v1/cases/"),
                lambda: _list_sql(all_villages, None, 0, size=api_size),
                "≤ 100 ms",
                100,
            ),
            Target(
                f"case API, county, page {api_deep_county}",
                get(county_client, f"/api/v1/cases/?page={api_deep_county}"),
                lambda: _list_sql(all_villages, None, (api_deep_county - 1) * api_size, size=api_size),
                "≤ 100 ms",
                100,
            ),
            Target(
                "case API, station, page 1",
                get(station_client, "/api/v1/cases/"),
                lambda: _list_sql(station_villages, s, 0, size=api_size),
                "≤ 100 ms",
                100,
            ),
            Target(
                f"case API, station, page {api_deep_station}",
                get(station_client, f"/api/v1/cases/?page={api_deep_station}"),
                lambda: _list_sql(station_villages, s, (api_deep_station - 1) * api_size, size=api_size),
                "≤ 100 ms",
                100,
            ),
            Target(
                "case page",
                get(station_client, f"/cases/{a_case.pk}/"),
                lambda: _case_sql(a_case.pk),
                "≤ 50 ms",
                50,
            ),
            Target(
                "screening overview (county)",
                get(county_client, "/screening/"),
                lambda: _screening_sql(),
                "≤ 300 ms",
                300,
            ),
            Target(
                "nightly risk (cases/s)",
                _rolled_back(lambda: risk.assess_open_cases(now=now)),
                None,
                "≥ 20000 cases/s",
                rows=open_cases,
                repeat=1,
                runs=3,
            ),
            # the sweeps of a night over what ``seed_scale`` left (its backlog of overdue cases
            # nobody escalated: a go-live), and of the night after (what a deployment that runs
            # them every night does)
            Target(
                "sweeps, first night (cases, screening, visits)",
                _rolled_back(lambda: _sweeps(now)),
                None,
                "≤ 10000 ms",
                10000,
                repeat=1,
            ),
            Target(
                "sweeps, the night after one",
                lambda: _sweeps(now),
                None,
                "≤ 10000 ms",
                10000,
                repeat=1,
                prepare=lambda: _sweeps(now - dt.timedelta(days=1)),
            ),
        ]

    # --- output ----------------------------------------------------------------------------
    def render(self, targets: list[Target], explain: int) -> str:
        cases, grids, incidents = DisputeCase.objects.count(), Grid.objects.count(), Incident.objects.count()
        load = os.getloadavg()
        lines = [
            f"# bench (format {FORMAT_VERSION})",
            "",
            f"- date: {timezone.localtime():%Y-%m-%d %H:%M %Z}",
            f"- data: {cases:,} cases, {grids:,} grids, {incidents:,} incidents",
            f"- machine: {os.cpu_count()} cores, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}",
            f"- PostgreSQL: {connection.cursor().connection.info.server_version}",
            "",
            "| target | app ms | SQL ms | ratio | queries | peak KiB | goal | met |",
            "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
        ]
        for t in targets:
            app = statistics.median(t.app_ms)
            sql = statistics.median(t.sql_ms) if t.sql_ms else None
            ratio = app / sql if sql else None
            if t.rows:
                rate = t.rows / (app / 1000) if app else 0
                met = rate >= 20000
                app_text = f"{app:.0f} ({rate:,.0f}/s)"
            else:
                met = (t.goal_ms is None or app <= t.goal_ms) and (
                    t.goal_ratio is None or ratio is None or ratio <= t.goal_ratio
                )
                app_text = f"{app:.0f}"
            lines.append(
                f"| {t.name} | {app_text} | {'' if sql is None else f'{sql:.0f}'} | "
                f"{'' if ratio is None else f'{ratio:.1f}×'} | {t.queries} | {f'{t.peak_kib:,.0f}' if t.peak_kib else '—'} | "
                f"{t.goal} | "
                f"{'yes' if met else 'NO'} |"
            )
        slowest = sorted(targets, key=lambda t: -t.slowest_ms)[:explain]
        for t in slowest:
            if not t.slowest_sql.lstrip().upper().startswith("SELECT"):
                continue
            lines += [
                "",
                f"## EXPLAIN ANALYZE: slowest query of “{t.name}” ({t.slowest_ms:.0f} ms)",
                "",
                "```",
            ]
            lines.append(t.slowest_sql[:1500] + ("…" if len(t.slowest_sql) > 1500 else ""))
            lines.append("")
            try:
                with transaction.atomic():
                    plan = _rows("EXPLAIN (ANALYZE, BUFFERS) " + t.slowest_sql, t.slowest_params)
                    transaction.set_rollback(True)
                lines += [row[0] for row in plan][:60]
            except Exception as exc:  # noqa: BLE001  (a report: say why there is no plan)
                lines.append(f"(no plan: {exc})")
            lines.append("```")
        return "\n".join(lines) + "\n"


# --- the hand-written SQL ----------------------------------------------------------------------
def _open() -> frozenset[str]:
    return OPEN_STATUSES


def _ids(villages_sql: str, station_id: int | None) -> list[int]:
    return [r[0] for r in _rows(villages_sql, [station_id] if station_id else None)]


def _list_sql(
    villages_sql: str,
    station_id: int | None,
    offset: int,
    extra: str = "",
    size: int | None = None,
    order: str = "c.reported_at DESC, c.id DESC",
) -> Any:
    """The case list: the scope, one page with its joins, its parties and mediators, the count.
    ``order``: the list's (newest first; by risk ``c.risk_score DESC, c.reported_at DESC, c.id DESC``)."""
    ids = _ids(villages_sql, station_id)
    params: list[Any] = [ids]
    if extra:
        params.append(list(_open()))
    page = _rows(
        "SELECT c.id, c.number, c.category, c.status, c.level, c.reported_at, c.due_at, c.risk_level,"
        " c.risk_score, v.name, t.name, g.name, s.name, u.full_name FROM disputes_disputecase c"
        " JOIN governance_region v ON v.id = c.village_id JOIN governance_region t ON t.id = v.parent_id"
        " LEFT JOIN governance_grid g ON g.id = c.grid_id JOIN stations_station s ON s.id = c.station_id"
        " LEFT JOIN governance_user u ON u.id = c.responsible_id"
        f" WHERE c.village_id = ANY(%s) {extra} ORDER BY {order}"
        f" LIMIT {size or settings.PAGE_SIZE} OFFSET {offset}",
        params,
    )
    page_ids = [r[0] for r in page]
    _rows("SELECT * FROM disputes_party WHERE case_id = ANY(%s) ORDER BY id", [page_ids])
    _rows(
        "SELECT cm.case_id, m.name FROM disputes_casemediator cm JOIN governance_mediator m ON m.id = cm.mediator_id"
        " WHERE cm.is_active AND cm.case_id = ANY(%s)",
        [page_ids],
    )
    return _rows(f"SELECT count(*) FROM disputes_disputecase c WHERE c.village_id = ANY(%s) {extra}", params)


def _case_sql(pk: int) -> Any:
    _rows(
        "SELECT * FROM disputes_disputecase c JOIN governance_region v ON v.id = c.village_id"
        " JOIN stations_station s ON s.id = c.station_id WHERE c.id = %s",
        [pk],
    )
    for table in (
        "party",
        "caseevent",
        "agreement",
        "referral",
        "followup",
        "mediationsession",
        "riskassessment",
    ):
        _rows(f"SELECT * FROM disputes_{table} WHERE case_id = %s", [pk])  # noqa: S608  (constant names)


def _period() -> tuple[dt.datetime, dt.datetime]:
    today = timezone.localdate()
    return month_period(today.year, today.month).bounds


def _dashboard_sql(villages_sql: str, station_id: int | None) -> Any:
    """The dashboard's figures by hand: per period (this, the previous, a year ago) one aggregate
    over the cases with their agreement, the closing durations, escalations and re-openings,
    follow-ups; today's open picture; one row per child; then ``_field_sql`` (民转刑, incidents
    by category and repeats, the field figures, the tiers' figures, the last three screening
    rounds)."""
    ids = _ids(villages_sql, station_id)
    start, end = _period()
    for a, b in _dashboard_periods():
        _rows(
            "SELECT count(*) FILTER (WHERE reported_at >= %(a)s AND reported_at < %(b)s),"
            " count(*) FILTER (WHERE status = 'closed' AND closed_at >= %(a)s AND closed_at < %(b)s),"
            " count(*) FILTER (WHERE status = 'closed' AND closed_at >= %(a)s AND closed_at < %(b)s AND EXISTS"
            "  (SELECT 1 FROM disputes_agreement g WHERE g.case_id = c.id)),"
            " count(*) FILTER (WHERE status = 'closed' AND closed_at >= %(a)s AND closed_at < %(b)s"
            "  AND closed_at <= due_at)"
            " FROM disputes_disputecase c WHERE village_id = ANY(%(ids)s)",
            {"a": a, "b": b, "ids": ids},
        )
        _rows(
            "SELECT closed_at - reported_at FROM disputes_disputecase WHERE village_id = ANY(%(ids)s)"
            " AND status = 'closed' AND closed_at >= %(a)s AND closed_at < %(b)s",
            {"a": a, "b": b, "ids": ids},
        )
        _rows(
            "SELECT e.code, e.changes -> 'level' ->> 1, count(*) FROM disputes_caseevent e"
            " JOIN disputes_disputecase c ON c.id = e.case_id WHERE c.village_id = ANY(%(ids)s)"
            " AND e.created_at >= %(a)s AND e.created_at < %(b)s"
            " AND e.code IN ('disputes.case.escalated', 'disputes.case.escalated_auto', 'disputes.case.reopened')"
            " GROUP BY 1, 2",
            {"a": a, "b": b, "ids": ids},
        )
        _rows(
            "SELECT count(*), count(*) FILTER (WHERE satisfaction IN ('satisfied', 'fairly'))"
            " FROM disputes_followup f JOIN disputes_disputecase c ON c.id = f.case_id"
            " WHERE c.village_id = ANY(%(ids)s) AND f.visited_at >= %(a)s AND f.visited_at < %(b)s",
            {"a": a, "b": b, "ids": ids},
        )
    open_ = list(_open())
    _rows(
        "SELECT village_id, count(*) FILTER (WHERE status = ANY(%(open)s)),"
        " count(*) FILTER (WHERE status = ANY(%(open)s) AND paused_at IS NULL AND due_at < now()),"
        " count(*) FILTER (WHERE status = ANY(%(open)s) AND risk_level = 'red')"
        " FROM disputes_disputecase WHERE village_id = ANY(%(ids)s) GROUP BY village_id",
        {"open": open_, "ids": ids},
    )
    return _field_sql(ids, station_id, start, end)


def _field_sql(ids: list[int], station_id: int | None, start: dt.datetime, end: dt.datetime) -> Any:
    """What both dashboard SQLs read after the case figures: 民转刑, incidents by category,
    repeats and the villages' population, village presence, patrols, risk visits, the tiers'
    figures (evaluations, 交办, 督办), the last three screening rounds of the area's county."""
    # 民转刑: a criminal incident in the period, after the case, at its place or from a party's
    # phone — stored (issue 15) as disputes_criminalturn rows, which the hand SQL reads too
    _rows(
        "SELECT count(DISTINCT t.case_id) FROM disputes_criminalturn t WHERE t.village_id = ANY(%(ids)s)"
        " AND t.received_at >= %(a)s AND t.received_at < %(b)s",
        {"ids": ids, "a": start, "b": end},
    )
    _rows(
        "SELECT category, count(*) FROM stations_incident WHERE village_id = ANY(%(ids)s)"
        " AND received_at >= %(a)s AND received_at < %(b)s GROUP BY category",
        {"ids": ids, "a": start, "b": end},
    )
    # repeat incidents: stored (issue 15) in stations_incident.is_repeat
    _rows(
        "SELECT count(*) FROM stations_incident i WHERE i.village_id = ANY(%(ids)s) AND i.received_at >= %(a)s"
        " AND i.received_at < %(b)s AND i.is_repeat",
        {"ids": ids, "a": start, "b": end},
    )
    _presence_sql(ids, timezone.localdate())
    _patrol_sql(ids, station_id, start, end)
    _visit_sql(ids, start, end)
    _tier_sql(ids, start, end)
    return _screening_sql(ids, of_county=True)


def _presence_sql(ids: list[int], today: dt.date) -> Any:
    """Village presence (一村一警、一村一辅警) and the population (警情 per 10,000): the villages,
    those with a current auxiliary / attached officer, and the current attached officers with the
    distinct days this month they checked in to their village (``PRESENCE_MIN_DAYS`` or more)."""
    first = today.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    villages = _rows(
        "SELECT count(*), coalesce(sum(population), 0) FROM governance_region WHERE id = ANY(%(ids)s)",
        {"ids": ids},
    )
    kinds = _rows(
        "SELECT count(DISTINCT village_id) FILTER (WHERE kind = 'auxiliary'),"
        " count(DISTINCT village_id) FILTER (WHERE kind = 'officer')"
        " FROM stations_villageassignment WHERE village_id = ANY(%(ids)s) AND end_date IS NULL",
        {"ids": ids},
    )
    attached = _rows(
        "SELECT count(*), count(*) FILTER (WHERE days >= %(min)s) FROM"
        " (SELECT a.id, count(DISTINCT vv.visited_on) AS days FROM stations_villageassignment a"
        "  LEFT JOIN stations_villagevisit vv ON vv.officer_id = a.officer_id AND vv.village_id = a.village_id"
        "   AND vv.visited_on >= %(a)s AND vv.visited_on < %(b)s"
        "  WHERE a.village_id = ANY(%(ids)s) AND a.end_date IS NULL AND a.kind = 'officer' GROUP BY a.id) d",
        {"ids": ids, "a": first, "b": following, "min": presence_min_days()},
    )
    return villages + kinds + attached


def _patrol_sql(ids: list[int], station_id: int | None, start: dt.datetime, end: dt.datetime) -> Any:
    """Patrols started in the period by the area's stations (a station's page: that station; a
    county's: the stations whose jurisdiction holds one of its villages or their townships):
    how many, the hours of the ended ones, the distinct volunteer members present and the
    distinct volunteer teams of their plans."""
    stations = (
        "%(s)s"
        if station_id
        else "SELECT j.station_id FROM stations_jurisdiction j WHERE j.region_id = ANY(%(ids)s)"
        " OR j.region_id IN (SELECT parent_id FROM governance_region WHERE id = ANY(%(ids)s))"
    )
    return _rows(
        "WITH p AS (SELECT id, plan_id, started_at, ended_at FROM patrols_patrol"
        f" WHERE station_id IN ({stations}) AND started_at >= %(a)s AND started_at < %(b)s)"
        " SELECT (SELECT count(*) FROM p),"
        " (SELECT coalesce(sum(extract(epoch FROM ended_at - started_at)), 0) / 3600 FROM p"
        "  WHERE ended_at IS NOT NULL),"
        " (SELECT count(DISTINCT volunteer_member_id) FROM patrols_patrolattendance"
        "  WHERE patrol_id IN (SELECT id FROM p)),"
        " (SELECT count(DISTINCT volunteerteam_id) FROM patrols_patrolplan_volunteer_teams"
        "  WHERE patrolplan_id IN (SELECT plan_id FROM p))",
        {"ids": ids, "s": station_id, "a": start, "b": end},
    )


def _visit_sql(ids: list[int], start: dt.datetime, end: dt.datetime) -> Any:
    """Risk visits asked for in the period: total, pending (not done, inside the deadline),
    on time, done, verified, and for the done ones the level of the case's latest assessment
    after the visit against the level when it was asked for (down, same, up, none since).
    Done: the first check-in (village or grid) made for the visit by one of its assignees at or
    after its creation; verified: the first such check-in that is verified."""
    rank = " ".join(f"WHEN '{k}' THEN {v}" for k, v in RISK_LEVEL_RANK.items())
    return _rows(
        "WITH v AS (SELECT id, case_id, created_at, due_at,"
        "  coalesce(nullif(risk_level_at_creation, ''), level) AS level FROM patrols_riskvisit"
        "  WHERE village_id = ANY(%(ids)s) AND created_at >= %(a)s AND created_at < %(b)s),"
        " c AS (SELECT v.id, min(x.checked_in_at) AS done_at,"
        "  min(x.checked_in_at) FILTER (WHERE x.verified) AS verified_at"
        "  FROM (SELECT risk_visit_id, created_by_id AS user_id, checked_in_at, verified"
        "   FROM stations_villagevisit WHERE risk_visit_id IS NOT NULL"
        "   UNION ALL SELECT risk_visit_id, user_id, checked_in_at, verified"
        "   FROM patrols_gridcheckin WHERE risk_visit_id IS NOT NULL) x"
        "  JOIN v ON v.id = x.risk_visit_id AND x.checked_in_at >= v.created_at"
        "  JOIN patrols_riskvisit_assignees u ON u.riskvisit_id = x.risk_visit_id AND u.user_id = x.user_id"
        "  GROUP BY v.id),"
        f" d AS (SELECT v.due_at, c.done_at, c.verified_at, CASE v.level {rank} ELSE 0 END AS before,"
        f"  CASE r.level {rank} ELSE 0 END AS after, r.level IS NOT NULL AS assessed"
        "  FROM v LEFT JOIN c ON c.id = v.id LEFT JOIN LATERAL (SELECT r.level FROM disputes_riskassessment r"
        "   WHERE r.case_id = v.case_id AND r.assessed_at > c.done_at"
        "   ORDER BY r.assessed_at DESC, r.id DESC LIMIT 1) r ON true)"
        " SELECT count(*), count(*) FILTER (WHERE done_at IS NULL AND due_at > now()),"
        " count(*) FILTER (WHERE done_at <= due_at), count(done_at), count(verified_at),"
        " count(*) FILTER (WHERE assessed AND after < before), count(*) FILTER (WHERE assessed AND after = before),"
        " count(*) FILTER (WHERE assessed AND after > before),"
        " count(*) FILTER (WHERE done_at IS NOT NULL AND NOT assessed) FROM d",
        {"ids": ids, "a": start, "b": end},
    )


def _tier_sql(ids: list[int], start: dt.datetime, end: dt.datetime) -> Any:
    """The tiers' figures: evaluations in the period per station (满意, 基本满意, 不满意), hand-ons
    waiting for 签收 (and past their time), open supervisions (and unanswered past their time)."""
    evaluations = _rows(
        "SELECT s.name, count(*) FILTER (WHERE e.rating = 'satisfied'), count(*) FILTER (WHERE e.rating = 'fairly'),"
        " count(*) FILTER (WHERE e.rating = 'unsatisfied'), count(*) FROM disputes_evaluation e"
        " JOIN disputes_disputecase c ON c.id = e.case_id JOIN stations_station s ON s.id = c.station_id"
        " WHERE c.village_id = ANY(%(ids)s) AND e.evaluated_at >= %(a)s AND e.evaluated_at < %(b)s"
        " GROUP BY s.name ORDER BY s.name",
        {"ids": ids, "a": start, "b": end},
    )
    hand_ons = _rows(
        "SELECT count(*), count(*) FILTER (WHERE h.ack_due_at < now()) FROM disputes_handon h"
        " JOIN disputes_disputecase c ON c.id = h.case_id WHERE c.village_id = ANY(%(ids)s) AND h.status = 'pending'",
        {"ids": ids},
    )
    supervisions = _rows(
        "SELECT count(*), count(*) FILTER (WHERE s.replied_at IS NULL AND s.reply_by < now())"
        " FROM disputes_supervision s JOIN disputes_disputecase c ON c.id = s.case_id"
        " WHERE c.village_id = ANY(%(ids)s) AND s.status = 'open'",
        {"ids": ids},
    )
    return evaluations, hand_ons, supervisions


def _dashboard_sql_stored(villages_sql: str, station_id: int | None) -> Any:
    """The same figures by hand from the rows a DBA would read at this size: the stored monthly
    case figures (``disputes_casemonth``) for the three periods (whole months) and the children,
    the closing durations' median sorted by the database, the open picture per village, the
    points ranking of last month (people and points per village, the villages' names), the
    children (a county's stations, a station's townships: their names; the open picture is per
    village and station), then what ``_dashboard_sql`` reads after its period aggregates
    (``_field_sql``: 民转刑, incidents, repeats, population, village presence, patrols, risk
    visits, evaluations / 交办 / 督办, screening) — every figure the page shows."""
    ids = _ids(villages_sql, station_id)
    start, end = _period()
    periods = _dashboard_periods()
    months = [(timezone.localdate(a), timezone.localdate(b)) for a, b in periods]
    metrics = ", ".join(f"sum({m})" for m in CASE_METRICS)
    for (a, b), (ta, tb) in zip(months, periods, strict=True):
        _rows(
            f"SELECT {metrics} FROM disputes_casemonth WHERE village_id = ANY(%(ids)s)"  # noqa: S608
            " AND month >= %(a)s AND month < %(b)s",
            {"a": a, "b": b, "ids": ids},
        )
        n = _rows(
            "SELECT count(*) FROM disputes_disputecase WHERE village_id = ANY(%(ids)s)"
            " AND status = 'closed' AND closed_at >= %(a)s AND closed_at < %(b)s",
            {"a": ta, "b": tb, "ids": ids},
        )[0][0]
        _rows(
            "SELECT closed_at - reported_at AS d FROM disputes_disputecase WHERE village_id = ANY(%(ids)s)"
            " AND status = 'closed' AND closed_at >= %(a)s AND closed_at < %(b)s ORDER BY d"
            " OFFSET %(o)s LIMIT 2",
            {"a": ta, "b": tb, "ids": ids, "o": max(0, (n - 1) // 2)},
        )
    _rows(
        "SELECT station_id, sum(new), sum(closed), sum(resolved) FROM disputes_casemonth"
        " WHERE village_id = ANY(%(ids)s) AND month >= %(a)s AND month < %(b)s GROUP BY station_id",
        {"a": months[0][0], "b": months[0][1], "ids": ids},
    )
    open_ = list(_open())
    # per village and station: the area's total, and the children's rows (a county's children
    # are its stations, a station's its townships)
    _rows(
        "SELECT village_id, station_id, count(*), count(*) FILTER (WHERE paused_at IS NULL AND due_at < now()),"
        " count(*) FILTER (WHERE risk_level = 'red'), count(*) FILTER (WHERE risk_level = 'orange')"
        " FROM disputes_disputecase WHERE village_id = ANY(%(ids)s) AND status = ANY(%(open)s)"
        " GROUP BY village_id, station_id",
        {"open": open_, "ids": ids},
    )
    _rows(
        "SELECT id, name FROM stations_station WHERE county_id IN (SELECT t.parent_id FROM governance_region v"
        " JOIN governance_region t ON t.id = v.parent_id WHERE v.id = ANY(%(ids)s)) ORDER BY code"
        if station_id is None
        else "SELECT id, name FROM governance_region WHERE id IN (SELECT parent_id FROM governance_region"
        " WHERE id = ANY(%(ids)s)) ORDER BY code",
        {"ids": ids},
    )
    last_month = months[1][0]
    _rows(
        "SELECT g.village_id, count(*) FROM governance_gridworker w JOIN governance_grid g ON g.id = w.grid_id"
        " WHERE g.village_id = ANY(%(ids)s) AND (w.is_active OR EXISTS (SELECT 1 FROM governance_pointsentry p"
        "  WHERE p.grid_worker_id = w.id AND p.month = %(m)s)) GROUP BY g.village_id",
        {"ids": ids, "m": last_month},
    )
    _rows(
        "SELECT g.village_id, sum(p.points) FROM governance_pointsentry p"
        " JOIN governance_gridworker w ON w.id = p.grid_worker_id JOIN governance_grid g ON g.id = w.grid_id"
        " WHERE g.village_id = ANY(%(ids)s) AND p.month = %(m)s GROUP BY g.village_id",
        {"ids": ids, "m": last_month},
    )
    _rows(
        "SELECT v.id, v.name, t.name FROM governance_region v LEFT JOIN governance_region t ON t.id = v.parent_id"
        " WHERE v.id = ANY(%(ids)s)",
        {"ids": ids},
    )
    return _field_sql(ids, station_id, start, end)


def _dashboard_periods() -> list[tuple[dt.datetime, dt.datetime]]:
    """This month, the previous one and the same month a year before (the dashboard's default)."""
    today = timezone.localdate()
    this = month_period(today.year, today.month)
    return [this.bounds, this.previous().bounds, this.last_year().bounds]


def _screening_sql(ids: list[int] | None = None, *, of_county: bool = False) -> Any:
    """Completeness of the last three rounds per county: grids, reported on time, late — from
    the per-round summary rows (``screening_roundgrid``, issue 15) the app reads too.
    ``of_county``: the last three rounds of the counties of these villages' grids (a
    dashboard's), not the last three of the deployment."""
    if ids is None:
        ids = _ids("SELECT id FROM governance_region WHERE kind IN ('village', 'community')", None)
    county = (
        " WHERE county_id IN (SELECT t.parent_id FROM governance_grid g"
        " JOIN governance_region v ON v.id = g.village_id JOIN governance_region t ON t.id = v.parent_id"
        " WHERE g.village_id = ANY(%(ids)s))"
        if of_county
        else ""
    )
    return _rows(
        "SELECT r.id, count(s.id), count(s.id) FILTER (WHERE s.filed_at <= r.due_at),"
        " count(s.id) FILTER (WHERE s.filed_at > r.due_at)"
        f" FROM (SELECT * FROM disputes_screeninground{county} ORDER BY opens_on DESC, id DESC LIMIT 3) r"
        " JOIN screening_roundgrid s ON s.round_id = r.id"
        " WHERE s.village_id = ANY(%(ids)s) GROUP BY r.id",
        {"ids": ids},
    )


def _map_sql(villages_sql: str, station_id: int | None) -> Any:
    ids = _ids(villages_sql, station_id)
    open_ = list(_open())
    _rows(
        "SELECT g.id, g.name, v.name, g.boundary, count(c.id), count(c.id) FILTER (WHERE c.risk_level = 'red')"
        " FROM governance_grid g JOIN governance_region v ON v.id = g.village_id"
        " LEFT JOIN disputes_disputecase c ON c.grid_id = g.id AND c.status = ANY(%s)"
        " WHERE g.village_id = ANY(%s) AND g.is_active AND g.boundary IS NOT NULL GROUP BY g.id, v.name",
        [open_, ids],
    )
    return _rows(
        "SELECT id, number, risk_level, grid_id, category, risk_score FROM disputes_disputecase"
        " WHERE village_id = ANY(%s) AND status = ANY(%s) AND grid_id IS NOT NULL",
        [ids, open_],
    )


def _sweeps(now: dt.datetime) -> Any:
    sweeps.run_all(now=now)
    screening_services.screening_send_reminders(now=now)
    screening_services.screening_flag_overdue(now=now)
    visits.risk_visits_create(now=now)
    visits.risk_visits_remind_overdue(now=now)
