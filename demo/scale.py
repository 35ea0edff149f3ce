"""Grow the demo data to prefecture scale, set-based, on PostgreSQL (``manage.py seed_scale``).

Every step is one ``INSERT … SELECT`` over ``generate_series`` (or over the rows a previous
step made), so millions of rows go in without a Python loop. The rows respect what the models
and the services hold: case numbers per county and year after the ``CaseCounter`` (which is
moved past them), the case clock (feedback deadline from the level's hours, handling deadline
from acceptance and the risk policy's days, ``closed_at`` for closed and refused cases),
``address_key`` normalised as ``stations.selectors.normalize_address`` does, ID-card numbers
with their GB 11643 check digit, valid mobile numbers, one active leader per grid, one
screening report per round and grid, the incident/case link one-to-one, every check
constraint. The risk score of a new case is ``disputes.risk.score_case``'s for its static
factors (the nightly run adds the time-dependent ones). A test
(``tests/demo/test_seed_scale.py``) runs it small and ``full_clean``s a sample of every table.
"""

# The SQL is put together from this module's constants and the rule tables only; every value
# that varies is a parameter.
# ruff: noqa: S608

import datetime as dt
import re
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from disputes.incidents.turns import criminal_turns_rebuild
from disputes.models import LEVEL_ORDER, Category, RiskLevel
from disputes.risk import DEFAULT_POLICY, RULES, assess_open_cases
from disputes.summary.store import summary_rebuild
from screening.services import round_grids_rebuild
from stations.services import incident_repeats_rebuild

from . import vocab

# shares, in the order of the CASE expressions below
CATEGORY_WEIGHTS: dict[str, int] = {
    Category.MARRIAGE_FAMILY: 18,
    Category.NEIGHBOUR: 20,
    Category.HOMESTEAD: 8,
    Category.LAND_FOREST: 10,
    Category.CONTRACT: 4,
    Category.BUSINESS: 3,
    Category.DAMAGES: 6,
    Category.LABOUR_DEBT: 8,
    Category.LAND_ACQUISITION: 2,
    Category.MEDICAL: 3,
    Category.SCHOOL_EMPLOYMENT: 2,
    Category.ROMANCE: 5,
    Category.TRAFFIC: 5,
    Category.PROPERTY_MGMT: 1,
    Category.CONSUMER: 2,
    Category.ENVIRONMENT: 1,
    Category.OTHER: 2,
}
INCIDENT_WEIGHTS = {
    "help": 44,
    "dispute": 16,
    "public_order": 10,
    "criminal": 5,
    "traffic": 6,
    "noise": 7,
    "complaint": 5,
    "invalid": 3,
    "other": 3,
    "fire": 1,
}
SUMMARIES = [
    "双方因{c}问题发生争执,多次协商未果。",
    "{c}纠纷,当事人情绪激动,请求村组调处。",
    "邻里之间因{c}引发矛盾,已由网格员上门了解情况。",
    "当事人反映{c}相关问题,要求依法解决。",
]
GIVEN = vocab.HAN_GIVEN_MALE + vocab.HAN_GIVEN_FEMALE
PHONE_POOL_PER_CASE = 0.8
BULK_TABLES = [
    "disputes_disputecase",
    "disputes_party",
    "disputes_caseevent",
    "disputes_riskassessment",
    "disputes_agreement",
    "disputes_followup",
    "stations_incident",
    "stations_villagevisit",
    "disputes_screeningreport",
]
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # GB 11643 (governance.validators)
_ID_SUM = " + ".join(
    f"substr(d, {i + 1}, 1)::int * {w}" for i, w in enumerate(_ID_WEIGHTS)
)  # party phones are drawn from a pool this size × cases: callers repeat


def _weighted_case(weights: Mapping[str, int], var: str) -> str:
    """A SQL CASE picking a key of ``weights`` from the uniform variable ``var``."""
    total = sum(weights.values())
    acc, parts = 0, []
    for key, w in weights.items():
        acc += w
        parts.append(f"WHEN {var} < {acc / total:.6f} THEN '{key}'")
    return "CASE " + " ".join(parts[:-1]) + f" ELSE '{list(weights)[-1]}' END"


def _threshold_sql(table: list[tuple[float, int]], expr: str) -> str:
    parts = " ".join(f"WHEN {expr} >= {minimum} THEN {points}" for minimum, points in table)
    return f"(CASE {parts} ELSE 0 END)"


def _static_score_sql(rules: dict[str, Any]) -> str:
    """``disputes.risk.score_case`` for a new case (no overdue, no failed mediation, no repeat
    incident yet): category, people, amount, threat, vulnerable, escalations, recurrence."""
    category = " ".join(f"WHEN '{k}' THEN {v}" for k, v in rules["category"].items())
    return (
        f"LEAST(100, (CASE category {category} ELSE 0 END)"
        f" + {_threshold_sql(rules['people'], 'people_involved')}"
        f" + COALESCE({_threshold_sql(rules['amount'], 'amount_involved')}, 0)"
        f" + (CASE WHEN threat_flag THEN {rules['threat']} ELSE 0 END)"
        f" + (CASE WHEN vulnerable_flag THEN {rules['vulnerable']} ELSE 0 END)"
        f" + LEAST({rules['escalation_max']}, escalation_count * {rules['escalation_each']})"
        f" + LEAST({rules['recurrence_max']}, recurrence_count * {rules['recurrence_each']}))"
    )


def _level_sql(rules: dict[str, Any], expr: str) -> str:
    parts = " ".join(f"WHEN {expr} >= {minimum} THEN '{level}'" for minimum, level in rules["levels"])
    return f"(CASE {parts} ELSE '{RiskLevel.BLUE}' END)"


def _handling_days_sql(expr: str) -> str:
    """``disputes.clock.handling_days`` (calendar days) for a case of risk level ``expr``."""
    days = settings.DISPUTES["MEDIATION_DAYS"]["grid"]
    parts = " ".join(
        f"WHEN '{level}' THEN {min(days, int(p.get('handling_days', days)))}"
        for level, p in DEFAULT_POLICY.items()
    )
    return f"(CASE {expr} {parts} ELSE {days} END)"


class Seeder:
    def __init__(self, *, cases: int, grids: int, counties: int, years: int, log: Callable[[str], None]):
        self.cases, self.grids, self.counties, self.years = cases, grids, counties, years
        self.log = log
        self.now = timezone.now()
        # a run's own incident numbers: the time and a random part (two runs in one second differ)
        self.tag = f"{int(self.now.timestamp()) % 100_000_000:x}{secrets.token_hex(2)}"
        self.counts: dict[str, int] = {}

    # --- helpers ---------------------------------------------------------------------------
    def sql(self, label: str, statement: str | list[str], params: dict[str, Any] | None = None) -> int:
        """Run one statement, or several (a list, or one string with a ``;`` at a line's end);
        literal ``%`` are written ``%%`` (parameters are always passed)."""
        start = time.monotonic()
        parts = statement if isinstance(statement, list) else re.split(r";\s*\n", statement)
        n = 0
        with connection.cursor() as cur:
            for part in parts:
                if part.strip():
                    cur.execute(part, {"now": self.now, "tag": self.tag, **(params or {})})
                    n = cur.rowcount
        if label:
            self.counts[label] = self.counts.get(label, 0) + max(n, 0)
            self.log(f"  {label}: {n} ({time.monotonic() - start:.1f} s)")
        return n

    def scalar(self, statement: str, params: dict[str, Any] | None = None) -> Any:
        with connection.cursor() as cur:
            cur.execute(statement, {"now": self.now, **(params or {})})
            row = cur.fetchone()
        return row[0] if row else None

    def run(self) -> dict[str, int]:
        steps = [
            self.functions,
            self.grow_counties,
            self.grow_grids,
            self.scratch_tables,
            self.insert_cases,
            self.insert_case_rows,
            self.insert_incidents,
            self.insert_visits,
            self.insert_patrols,
            self.insert_screening,
        ]
        # one transaction: a failure leaves the database as it was. The big tables' secondary
        # indexes are dropped for the load and built again at the end (much faster than keeping
        # them up to date row by row); unique indexes and constraints stay, and are enforced.
        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute("SET LOCAL work_mem = '256MB'")  # the loads' sorts and window functions
                cur.execute(
                    """SELECT indexname, indexdef FROM pg_indexes i WHERE schemaname = current_schema()
                       AND tablename = ANY(%s) AND indexdef NOT LIKE 'CREATE UNIQUE%%'
                       AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                                       WHERE c.conindid = (quote_ident(i.indexname))::regclass)""",
                    [BULK_TABLES],
                )
                indexes = cur.fetchall()
                for name, _definition in indexes:
                    cur.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
                # the big tables' foreign keys too: checked row by row at the end (one trigger per
                # row, tens of millions at 2 M cases) they took longer than the load itself; added
                # back below, each is checked by one set-based query over its table
                cur.execute(
                    """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
                       WHERE contype = 'f' AND connamespace = current_schema()::regnamespace
                       AND conrelid::regclass::text = ANY(%s)""",
                    [BULK_TABLES],
                )
                foreign_keys = cur.fetchall()
                # what this transaction wrote before is checked now: a table with pending checks
                # cannot be altered
                cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
                for table, name, _definition in foreign_keys:
                    cur.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
            for step in steps:
                step()
            # the repeat flags rewrite most incident rows: before their indexes are back
            self.timed("重复警情标记", incident_repeats_rebuild)
            start = time.monotonic()
            with connection.cursor() as cur:
                cur.execute("SET LOCAL maintenance_work_mem = '512MB'")  # index sorts in memory
                for _name, definition in indexes:
                    cur.execute(definition)
                cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the small tables' rows of the load
                for table, name, definition in foreign_keys:
                    cur.execute(
                        f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
                    )
            self.log(
                f"  索引重建 {len(indexes)} 个、外键校验 {len(foreign_keys)} 个 ({time.monotonic() - start:.1f} s)"
            )
            self.derived()
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        self.last_night()
        return self.counts

    def last_night(self) -> None:
        """The nightly risk run of the night before, the app's own (``assess_open_cases``): a
        deployment's open cases have been scored by it, so the seeded scores, levels and
        assessments are what a night leaves and the benchmark's nightly run is a normal night,
        not the first one over scores nobody has recomputed. Then what autovacuum does (the
        visibility map the index-only scans need; the case table's room for HOT updates)."""
        start = time.monotonic()
        n = assess_open_cases(now=self.now - dt.timedelta(days=1))
        self.counts["昨夜风险评估"] = n
        self.log(f"  昨夜风险评估: {n} ({time.monotonic() - start:.1f} s)")
        if not connection.in_atomic_block:  # VACUUM cannot run inside a transaction (the tests')
            with connection.cursor() as cur:
                cur.execute("VACUUM ANALYZE disputes_disputecase, disputes_riskassessment")

    def derived(self) -> None:
        """What the services store when they write, here rebuilt set-based once for the bulk
        rows (after the indexes are back): 民转刑, the screening completeness summary, the monthly
        case figures (the repeat flags of incidents before, see ``run``)."""
        for label, rebuild in (
            ("民转刑记录", criminal_turns_rebuild),
            ("排查完整率汇总", round_grids_rebuild),
            ("案件月度汇总", summary_rebuild),
        ):
            self.timed(label, rebuild)

    def timed(self, label: str, rebuild: Callable[[], int]) -> None:
        start = time.monotonic()
        n = rebuild()
        self.log(f"  {label}: {n} ({time.monotonic() - start:.1f} s)")

    def functions(self) -> None:
        # the GB 11643 check digit of 17 digits, and a random pick from an array
        self.sql(
            "",
            [
                "CREATE OR REPLACE FUNCTION pg_temp.id_check(d text) RETURNS text LANGUAGE sql IMMUTABLE AS $$"
                f" SELECT substr('10X98765432', (({_ID_SUM}) %% 11) + 1, 1) $$",
                """CREATE OR REPLACE FUNCTION pg_temp.pick(a text[], r double precision) RETURNS text
              LANGUAGE sql IMMUTABLE AS $$ SELECT a[1 + floor(r * array_length(a, 1))::int] $$""",
                """CREATE OR REPLACE FUNCTION pg_temp.id_number(area text, n bigint, born date) RETURNS text
              LANGUAGE sql IMMUTABLE AS $$
              SELECT d || pg_temp.id_check(d) FROM (SELECT area || to_char(born, 'YYYYMMDD')
                || lpad((n %% 1000)::text, 3, '0') AS d) s $$""",
            ],
        )

    # --- territory -------------------------------------------------------------------------
    def grow_counties(self) -> None:
        have = self.scalar("SELECT count(*) FROM governance_region WHERE kind = 'county'")
        for k in range(have + 1, self.counties + 1):
            code = f"S{k:02d}"
            self.sql(
                "县",
                """INSERT INTO governance_region (name, code, kind, households, population, is_archived,
                     created_at, parent_id)
                   VALUES (%(name)s, %(code)s, 'county', 60000, 240000, false, %(now)s, NULL)""",
                {"name": f"示范{k}县", "code": f"{code}0000000"},
            )
            self.sql(
                "乡镇",
                """INSERT INTO governance_region (name, code, kind, households, population, is_archived,
                     created_at, parent_id)
                   SELECT '第' || t || '乡', %(code)s || lpad(t::text, 3, '0') || '0000', 'township',
                          3000, 12000, false, %(now)s, c.id
                   FROM generate_series(1, 18) t, governance_region c WHERE c.code = %(county)s""",
                {"code": code, "county": f"{code}0000000"},
            )
            self.sql(
                "村(社区)",
                """INSERT INTO governance_region (name, code, kind, households, population, is_archived,
                     created_at, parent_id)
                   SELECT pg_temp.pick(%(names)s, random()) || v || '村', t.code || lpad(v::text, 4, '0'),
                          CASE WHEN v = 1 THEN 'community' ELSE 'village' END, 250, 1000, false, %(now)s, t.id
                   FROM governance_region t, generate_series(1, 12) v
                   WHERE t.kind = 'township' AND t.code LIKE %(prefix)s""",
                {"code": code, "prefix": f"{code}%", "names": ["新", "河", "坪", "山", "林", "杨", "桥"]},
            )
            self.sql(
                "派出所",
                """INSERT INTO stations_station (name, code, county_id, address, phone, is_active)
                   SELECT c.name || t.name || '派出所', %(code)s || '-PCS-' || right(t.code, 7), c.id,
                          t.name, '0833-5' || lpad(t.id::text, 6, '0'), true
                   FROM governance_region t JOIN governance_region c ON c.id = t.parent_id
                   WHERE t.kind = 'township' AND t.code LIKE %(prefix)s""",
                {"code": code, "prefix": f"{code}%"},
            )
            self.sql(
                "辖区",
                """INSERT INTO stations_jurisdiction (station_id, region_id)
                   SELECT s.id, t.id FROM governance_region t
                   JOIN stations_station s ON s.code = %(code)s || '-PCS-' || right(t.code, 7)
                   WHERE t.kind = 'township' AND t.code LIKE %(prefix)s""",
                {"code": code, "prefix": f"{code}%"},
            )
            self.sql(
                "排查制度",
                """INSERT INTO disputes_screeningpolicy (county_id, interval_days, due_days, is_active)
                   SELECT id, 7, 5, true FROM governance_region WHERE code = %(county)s""",
                {"county": f"{code}0000000"},
            )

    def grow_grids(self) -> None:
        have = self.scalar("SELECT count(*) FROM governance_grid")
        add = max(0, self.grids - have)
        if not add:
            return
        self.sql(
            "",
            """CREATE TEMP TABLE _v ON COMMIT DROP AS
               SELECT row_number() OVER (ORDER BY v.id) - 1 AS rn, v.id, v.name FROM governance_region v
               WHERE v.kind IN ('village', 'community') AND NOT v.is_archived""",
        )
        villages = self.scalar("SELECT count(*) FROM _v")
        start = self.scalar("SELECT coalesce(max(id), 0) FROM governance_grid")
        self.sql(
            "网格",
            """INSERT INTO governance_grid (name, code, police_grid, households, population, boundary,
                 is_active, created_at, village_id)
               SELECT v.name || '第' || (%(start)s + s) || '网格', 'SG' || lpad((%(start)s + s)::text, 7, '0'),
                      v.name || (%(start)s + s) || '号警格', 60 + (s %% 120), 200 + (s %% 400),
                      format('{"type": "Polygon", "coordinates": [[[%%1$s, %%2$s], [%%3$s, %%2$s], [%%3$s, %%4$s],
                        [%%1$s, %%4$s], [%%1$s, %%2$s]]]}',
                        round(103.0 + (s %% 300) * 0.004, 6), round(29.0 + (s / 300) * 0.003, 6),
                        round(103.0035 + (s %% 300) * 0.004, 6), round(29.0025 + (s / 300) * 0.003, 6))::jsonb,
                      true, %(now)s, v.id
               FROM generate_series(1, %(add)s) s JOIN _v v ON v.rn = s %% %(villages)s""",
            {"start": start, "add": add, "villages": villages},
        )
        # a leader and two grid workers for every new grid
        self.sql(
            "网格员",
            """INSERT INTO governance_gridworker (name, gender, ethnicity, id_number, phone, role, stars,
                 since, is_active, grid_id, user_id)
               SELECT pg_temp.pick(%(surnames)s, random()) || pg_temp.pick(%(given)s, random()),
                      CASE WHEN w = 2 THEN 'F' ELSE 'M' END, CASE WHEN random() < 0.6 THEN 'yi' ELSE 'han' END,
                      pg_temp.id_number('53' || lpad((((g.id * 3 + w) / 1000) %% 10000)::text, 4, '0'),
                        g.id * 3 + w, DATE '1965-01-01' + ((g.id * 7 + w * 131) %% 12000)::int),
                      '15' || lpad(((g.id * 3 + w) %% 1000000000)::text, 9, '0'),
                      CASE WHEN w = 0 THEN 'leader' ELSE 'worker' END, (g.id + w) %% 6,
                      DATE '2022-01-01', true, g.id, NULL
               FROM governance_grid g, generate_series(0, 2) w WHERE g.id > %(start)s""",
            {"start": start, "surnames": vocab.HAN_SURNAMES, "given": GIVEN},
        )

    # --- cases -----------------------------------------------------------------------------
    def scratch_tables(self) -> None:
        """``_g``: the grids cases may be in, with their village, county, station and a reporter."""
        fallback = self.scalar(
            "SELECT id FROM governance_user WHERE role IN ('county', 'admin') OR is_superuser ORDER BY id LIMIT 1"
        )
        if fallback is None:
            raise RuntimeError("seed_scale needs at least one county or admin account (run seed_demo).")
        self.sql(
            "",
            """DROP TABLE IF EXISTS _g;
               CREATE TEMP TABLE _g AS
               SELECT row_number() OVER (ORDER BY g.id) AS rn, g.id AS grid_id, v.id AS village_id,
                      v.name AS village_name, c.id AS county_id, st.station_id,
                      coalesce((SELECT o.user_id FROM stations_officer o WHERE o.station_id = st.station_id
                                AND o.user_id IS NOT NULL ORDER BY o.id LIMIT 1), %(fallback)s) AS reporter_id
               FROM governance_grid g
               JOIN governance_region v ON v.id = g.village_id
               JOIN governance_region t ON t.id = v.parent_id
               JOIN governance_region c ON c.id = t.parent_id
               CROSS JOIN LATERAL (SELECT coalesce(
                   (SELECT station_id FROM stations_jurisdiction WHERE region_id = v.id),
                   (SELECT station_id FROM stations_jurisdiction WHERE region_id = t.id)) AS station_id) st
               WHERE g.is_active AND NOT v.is_archived AND st.station_id IS NOT NULL;
               CREATE UNIQUE INDEX ON _g (rn);
               ANALYZE _g""",
            {"fallback": fallback},
        )

    def insert_cases(self) -> None:
        grids = self.scalar("SELECT count(*) FROM _g")
        if not grids or not self.cases:
            return
        levels = [str(lv) for lv in LEVEL_ORDER]
        hours = settings.DISPUTES["FEEDBACK_HOURS"]
        feedback = " ".join(f"WHEN '{lv}' THEN {hours[lv]}" for lv in levels)
        # a year on, a case is long settled (a few court referrals still open); between 75 days
        # and a year a few are still being handled; recent ones are mostly open
        status = """CASE
            WHEN age > 365 THEN CASE WHEN rs < 0.05 THEN 'not_accepted' WHEN rs < 0.997 THEN 'closed'
              ELSE 'referred' END
            WHEN age > 75 THEN CASE WHEN rs < 0.05 THEN 'not_accepted' WHEN rs < 0.92 THEN 'closed'
              WHEN rs < 0.94 THEN 'performed' WHEN rs < 0.96 THEN 'referred' WHEN rs < 0.975 THEN 'in_mediation'
              WHEN rs < 0.99 THEN 'mediation_failed' ELSE 'reopened' END
            WHEN age > 20 THEN CASE WHEN rs < 0.03 THEN 'not_accepted' WHEN rs < 0.53 THEN 'closed'
              WHEN rs < 0.57 THEN 'performed' WHEN rs < 0.67 THEN 'agreement_reached'
              WHEN rs < 0.87 THEN 'in_mediation' WHEN rs < 0.95 THEN 'accepted' ELSE 'referred' END
            ELSE CASE WHEN rs < 0.03 THEN 'not_accepted' WHEN rs < 0.28 THEN 'reported'
              WHEN rs < 0.58 THEN 'accepted' WHEN rs < 0.88 THEN 'in_mediation'
              WHEN rs < 0.93 THEN 'agreement_reached' ELSE 'closed' END END"""
        self.sql(
            "",
            f"""DROP TABLE IF EXISTS _c;
            CREATE TEMP TABLE _c AS
            SELECT s, nextval(pg_get_serial_sequence('disputes_disputecase', 'id')) AS id, g.*,
                   reported_at, age, rs, ra, r.rb, rl, r.rm, category,
                   CASE WHEN rl < 0.6 THEN 'grid' WHEN rl < 0.85 THEN 'village' WHEN rl < 0.97 THEN 'township'
                        ELSE 'county' END AS level,
                   {status} AS status,
                   CASE WHEN rsrc < 0.45 THEN 'grid_report' WHEN rsrc < 0.70 THEN 'incident'
                        WHEN rsrc < 0.88 THEN 'walk_in' WHEN rsrc < 0.96 THEN 'screening'
                        ELSE 'referral_in' END AS source,
                   g.village_name || (1 + floor(ra * 12)::int) || '组' || (1 + floor(rb * 60)::int) AS address_key,
                   (1 + floor(power(rp, 3) * 14))::int AS people_involved,
                   CASE WHEN rm < 0.5 THEN NULL ELSE round((power(rm - 0.5, 3) * 1600000)::numeric, 2) END
                     AS amount_involved,
                   rt < 0.04 AS threat_flag, rv < 0.08 AS vulnerable_flag
            FROM (SELECT s, random() AS rg, random() AS rs, random() AS ra, random() AS rb, random() AS rl,
                         random() AS rsrc, random() AS rp, random() AS rm, random() AS rt, random() AS rv,
                         {_weighted_case(CATEGORY_WEIGHTS, "random()")} AS category,
                         %(now)s - make_interval(secs => (1 - sqrt(random())) * %(span)s) AS reported_at
                  FROM generate_series(1, %(n)s) s) r
            CROSS JOIN LATERAL (SELECT extract(epoch FROM %(now)s - r.reported_at) / 86400 AS age) a
            JOIN _g g ON g.rn = 1 + floor(power(r.rg, 1.3) * %(grids)s)::int""",
            {"n": self.cases, "grids": grids, "span": self.years * 365 * 86400},
        )
        # escalated cases were reported at the grid and went up one level at a time
        self.sql(
            "",
            f"""ALTER TABLE _c ADD COLUMN escalation_count int, ADD COLUMN first_level text,
                  ADD COLUMN recurrence_count int, ADD COLUMN accepted_at timestamptz,
                  ADD COLUMN feedback_due_at timestamptz, ADD COLUMN closed_at timestamptz,
                  ADD COLUMN agreed boolean, ADD COLUMN year int;
            UPDATE _c SET
              escalation_count = CASE WHEN level <> 'grid' AND rb < 0.5
                THEN array_position(%(levels)s::text[], level) - 1 ELSE 0 END,
              recurrence_count = CASE WHEN status = 'reopened' THEN 1 ELSE 0 END,
              year = extract(year FROM reported_at AT TIME ZONE %(tz)s)::int;
            UPDATE _c SET first_level = CASE WHEN escalation_count > 0 THEN 'grid' ELSE level END;
            UPDATE _c SET
              feedback_due_at = reported_at + make_interval(hours => CASE first_level {feedback} END),
              accepted_at = CASE WHEN status IN ('reported', 'not_accepted') THEN NULL
                ELSE LEAST(reported_at + make_interval(secs => ra * 0.9 * 3600 * CASE first_level {feedback} END),
                           %(now)s) END;
            UPDATE _c SET
              closed_at = CASE
                WHEN status = 'not_accepted' THEN LEAST(reported_at + interval '6 hours', %(now)s)
                WHEN status = 'closed' THEN GREATEST(accepted_at,
                  LEAST(accepted_at + make_interval(secs => rs * 40 * 86400), %(now)s - interval '1 hour'))
                END,
              agreed = status IN ('agreement_reached', 'performed')
                       OR (status IN ('closed', 'reopened') AND ra < 0.75)""",
            {"levels": levels, "tz": settings.TIME_ZONE},
        )
        score = _static_score_sql(RULES)
        self.sql(
            "",
            f"""ALTER TABLE _c ADD COLUMN risk_score int, ADD COLUMN risk_level text;
            UPDATE _c SET risk_score = {score};
            UPDATE _c SET risk_level = {_level_sql(RULES, "risk_score")}""",
        )
        self.sql(
            "矛盾纠纷",
            f"""INSERT INTO disputes_disputecase (id, number, category, source, address, address_key, summary,
                 people_involved, amount_involved, threat_flag, vulnerable_flag, level, status, reported_at,
                 occurred_on, feedback_due_at, accepted_at, due_at, closed_at, escalation_count,
                 recurrence_count, client_key, updated_at, county_id, grid_id, reported_by_id, responsible_id,
                 station_id, village_id, risk_assessed_at, risk_level, risk_score, extension_count, paused_at,
                 paused_seconds, version)
               SELECT c.id,
                 c.year || '-' || lpad((coalesce(cc.last, 0) + row_number() OVER (
                   PARTITION BY c.county_id, c.year ORDER BY c.reported_at, c.s))::text, 6, '0'),
                 c.category, c.source, c.address_key || '号', c.address_key,
                 replace(pg_temp.pick(%(summaries)s, c.rb), '{{c}}', c.category),
                 c.people_involved, c.amount_involved, c.threat_flag, c.vulnerable_flag, c.level, c.status,
                 c.reported_at, (c.reported_at AT TIME ZONE %(tz)s)::date - (floor(c.rl * 3))::int,
                 c.feedback_due_at, c.accepted_at,
                 CASE WHEN c.accepted_at IS NULL THEN c.feedback_due_at
                      ELSE c.accepted_at + make_interval(days => {_handling_days_sql("c.risk_level")}) END,
                 c.closed_at, c.escalation_count, c.recurrence_count, NULL,
                 coalesce(c.closed_at, c.accepted_at, c.reported_at), c.county_id, c.grid_id, c.reporter_id,
                 CASE WHEN c.accepted_at IS NULL THEN NULL ELSE c.reporter_id END,
                 c.station_id, c.village_id, c.reported_at, c.risk_level, c.risk_score, 0, NULL, 0,
                 (c.accepted_at IS NOT NULL)::int + c.escalation_count + (c.closed_at IS NOT NULL)::int
               FROM _c c LEFT JOIN disputes_casecounter cc ON cc.county_id = c.county_id AND cc.year = c.year""",
            {"summaries": SUMMARIES, "tz": settings.TIME_ZONE},
        )
        too_many = self.scalar(
            "SELECT max(right(number, 6)::int) FROM disputes_disputecase WHERE id >= (SELECT min(id) FROM _c)"
        )
        if too_many and too_many > 999_999:
            raise RuntimeError("more than 999,999 cases in one county and year: add counties or years")
        self.sql(
            "",
            """INSERT INTO disputes_casecounter (county_id, year, last)
               SELECT county_id, left(number, 4)::int, max(right(number, 6)::int)
               FROM disputes_disputecase WHERE number ~ '^[0-9]{4}-[0-9]{6}$'
               GROUP BY county_id, left(number, 4)
               ON CONFLICT (county_id, year) DO UPDATE SET last = GREATEST(disputes_casecounter.last, EXCLUDED.last)""",
        )
        # the category's label in the summary
        labels = {str(k): str(v) for k, v in Category.choices}
        self.sql(
            "",
            """UPDATE disputes_disputecase d SET summary = replace(d.summary, c.category, l.label)
               FROM _c c, (SELECT unnest(%(keys)s::text[]) AS key, unnest(%(labels)s::text[]) AS label) l
               WHERE d.id = c.id AND l.key = c.category""",
            {"keys": list(labels), "labels": list(labels.values())},
        )

    def insert_case_rows(self) -> None:
        if not self.scalar("SELECT to_regclass('pg_temp._c') IS NOT NULL"):
            return
        pool = max(1000, int(self.cases * PHONE_POOL_PER_CASE))
        self.sql(
            "当事人",
            """INSERT INTO disputes_party (case_id, kind, role, name, gender, ethnicity, id_number, phone,
                 address, clan, created_at)
               SELECT c.id, 'person', CASE p WHEN 1 THEN 'applicant' WHEN 2 THEN 'respondent' ELSE 'other' END,
                 CASE WHEN yi THEN pg_temp.pick(%(clans)s, rnm) ELSE pg_temp.pick(%(surnames)s, rnm) END
                   || pg_temp.pick(%(given)s, rg),
                 CASE WHEN rg < 0.5 THEN 'M' ELSE 'F' END, CASE WHEN yi THEN 'yi' ELSE 'han' END,
                 CASE WHEN rid < 0.6 THEN pg_temp.id_number('511132', c.id * 3 + p,
                   DATE '1950-01-01' + floor(rid * 40 * 365)::int) ELSE '' END,
                 CASE WHEN rph < 0.85 THEN '139' || lpad(floor(rph / 0.85 * %(pool)s)::text, 8, '0') ELSE '' END,
                 c.address_key || '号', CASE WHEN yi THEN pg_temp.pick(%(clans)s, rnm) ELSE '' END, c.reported_at
               FROM _c c
               CROSS JOIN LATERAL generate_series(1, CASE WHEN c.people_involved >= 3 AND c.rm < 0.3
                                                          THEN 3 ELSE 2 END) p
               CROSS JOIN LATERAL (SELECT random() AS rnm, random() AS rg, random() AS rid, random() AS rph,
                                          random() < 0.6 AS yi WHERE p > 0) r""",
            {"clans": vocab.YI_CLANS, "surnames": vocab.HAN_SURNAMES, "given": GIVEN, "pool": pool},
        )
        ev = """INSERT INTO disputes_caseevent (case_id, code, created_at, changes, note, actor_id)"""
        self.sql(
            "案件时间线",
            ev
            + """ SELECT id, 'disputes.case.reported', reported_at,
                   jsonb_build_object('status', jsonb_build_array(NULL, 'reported'),
                                      'level', jsonb_build_array(NULL, first_level)), '', reporter_id FROM _c
               UNION ALL SELECT id, 'disputes.case.accepted', accepted_at,
                   jsonb_build_object('status', jsonb_build_array('reported', 'accepted')), '', reporter_id
                 FROM _c WHERE accepted_at IS NOT NULL
               UNION ALL SELECT id, 'disputes.case.not_accepted', closed_at,
                   jsonb_build_object('status', jsonb_build_array('reported', 'not_accepted')), '不属于受理范围',
                   reporter_id FROM _c WHERE status = 'not_accepted'
               UNION ALL SELECT c.id, 'disputes.case.escalated_auto',
                   LEAST(c.accepted_at + make_interval(days => e), %(now)s),
                   jsonb_build_object('level', jsonb_build_array((%(levels)s::text[])[e], (%(levels)s::text[])[e + 1])),
                   '超期自动升级', NULL
                 FROM _c c CROSS JOIN LATERAL generate_series(1, c.escalation_count) e
                 WHERE c.accepted_at IS NOT NULL
               UNION ALL SELECT id, 'disputes.case.mediation_started',
                   LEAST(accepted_at + interval '1 day', coalesce(closed_at, %(now)s)),
                   jsonb_build_object('status', jsonb_build_array('accepted', 'in_mediation')), '', reporter_id
                 FROM _c WHERE status NOT IN ('reported', 'not_accepted', 'accepted')
               UNION ALL SELECT id, 'disputes.case.agreement_reached',
                   LEAST(accepted_at + interval '2 days', coalesce(closed_at, %(now)s)),
                   jsonb_build_object('status', jsonb_build_array('in_mediation', 'agreement_reached')), '',
                   reporter_id FROM _c WHERE agreed
               UNION ALL SELECT id, 'disputes.case.closed', closed_at,
                   jsonb_build_object('status', jsonb_build_array('performed', 'closed')), '', reporter_id
                 FROM _c WHERE status = 'closed'
               UNION ALL SELECT id, 'disputes.case.reopened', LEAST(accepted_at + interval '20 days', %(now)s),
                   jsonb_build_object('status', jsonb_build_array('closed', 'reopened')), '当事人再次发生纠纷', NULL
                 FROM _c WHERE status = 'reopened'""",
            {"levels": [str(lv) for lv in LEVEL_ORDER]},
        )
        self.sql(
            "风险评估",
            """INSERT INTO disputes_riskassessment (case_id, assessed_at, assessed_on, trigger, score, level,
                 previous_level, factors, rule_version)
               SELECT id, reported_at, (reported_at AT TIME ZONE %(tz)s)::date, 'on_change', risk_score,
                 risk_level, 'blue', jsonb_build_object(
                   'category', jsonb_build_object('value', category, 'points', risk_score),
                   'people', jsonb_build_object('value', people_involved, 'points', 0)),
                 %(version)s FROM _c""",
            {"tz": settings.TIME_ZONE, "version": RULES["version"]},
        )
        self.sql(
            "调解协议",
            """INSERT INTO disputes_agreement (case_id, form, facts, disputed_matters, terms, performance_method,
                 performance_place, performance_deadline, signed_on, performance_status, created_at,
                 created_by_id)
               SELECT id, CASE WHEN rb < 0.8 THEN 'written' ELSE 'oral' END, '双方当事人因纠纷经调解。',
                 '赔偿及后续责任。', '双方自愿达成协议,按约定履行。', '一次性支付', address_key,
                 d + 30, d, CASE WHEN status IN ('closed', 'performed', 'reopened') THEN 'performed'
                                 ELSE 'pending' END, a, reporter_id
               FROM (SELECT *, LEAST(accepted_at + interval '2 days', coalesce(closed_at, %(now)s)) AS a,
                            (LEAST(accepted_at + interval '2 days', coalesce(closed_at, %(now)s))
                              AT TIME ZONE %(tz)s)::date AS d FROM _c WHERE agreed) x""",
            {"tz": settings.TIME_ZONE},
        )
        days = settings.DISPUTES["FOLLOW_UP_DAYS"]
        self.sql(
            "回访",
            """INSERT INTO disputes_followup (case_id, due_date, visited_at, result, satisfaction, note,
                 is_cancelled, visitor_id)
               SELECT id, due, v, CASE WHEN v IS NULL THEN '' ELSE 'stable' END,
                 CASE WHEN v IS NULL THEN '' WHEN rv < 0.7 THEN 'satisfied' WHEN rv < 0.93 THEN 'fairly'
                      ELSE 'unsatisfied' END, '', false, CASE WHEN v IS NULL THEN NULL ELSE reporter_id END
               FROM (SELECT c.*, (c.closed_at AT TIME ZONE %(tz)s)::date + d AS due, random() AS rv,
                            CASE WHEN c.closed_at + make_interval(days => d) < %(now)s AND random() < 0.9
                                 THEN c.closed_at + make_interval(days => d) END AS v
                     FROM _c c, unnest(%(days)s::int[]) d WHERE c.status = 'closed') x""",
            {"tz": settings.TIME_ZONE, "days": days},
        )

    def insert_incidents(self) -> None:
        """Incidents: some at a case's place or from its applicant's phone around its report (the
        repeats, and a few criminal ones after it: 民转刑), the rest anywhere; one linked to each
        case that came from an incident."""
        have_cases = self.scalar("SELECT to_regclass('pg_temp._c') IS NOT NULL")
        grids = self.scalar("SELECT count(*) FROM _g")
        if not have_cases or not grids:
            return
        pool = max(1000, int(self.cases * PHONE_POOL_PER_CASE))
        category = _weighted_case(INCIDENT_WEIGHTS, "rc")
        columns = """(number, received_at, category, village_id, station_id, address, address_key,
                 caller_name, caller_phone, parties, summary, outcome, referred_to, referred_at,
                 referral_status, referral_answer, answered_at, created_by_id, created_at, updated_at)"""
        referral = """CASE WHEN cat IN ('help', 'noise', 'complaint', 'other') AND rr < 0.2 THEN '12345热线'
                           ELSE '' END,
                      CASE WHEN cat IN ('help', 'noise', 'complaint', 'other') AND rr < 0.2
                           THEN received_at + interval '1 hour' END,
                      CASE WHEN cat IN ('help', 'noise', 'complaint', 'other') AND rr < 0.2
                           THEN CASE WHEN rr < 0.15 THEN 'answered' ELSE 'pending' END ELSE '' END,
                      CASE WHEN cat IN ('help', 'noise', 'complaint', 'other') AND rr < 0.15
                           THEN '已处理' ELSE '' END,
                      CASE WHEN cat IN ('help', 'noise', 'complaint', 'other') AND rr < 0.15
                           THEN received_at + interval '2 days' END"""
        self.sql(
            "",
            """DROP TABLE IF EXISTS _ph;
               CREATE TEMP TABLE _ph AS SELECT DISTINCT ON (case_id) case_id, phone, name FROM disputes_party
               WHERE case_id >= (SELECT min(id) FROM _c) AND phone <> '' ORDER BY case_id, id""",
        )
        # the incident each incident-sourced case was made from (linked below)
        self.sql(
            "警情",
            f"""INSERT INTO stations_incident {columns}
               SELECT 'SC' || c.id, c.reported_at - interval '2 hours', 'dispute', c.village_id, c.station_id,
                 c.address_key || '号', c.address_key, coalesce(p.name, ''), coalesce(p.phone, ''), '',
                 '群众报警称发生纠纷。', '已转矛盾纠纷案件', '', NULL, '', '', NULL, c.reporter_id,
                 c.reported_at, c.reported_at
               FROM _c c LEFT JOIN _ph p ON p.case_id = c.id WHERE c.source = 'incident'""",
        )
        self.sql(
            "警情转案件",
            """INSERT INTO disputes_incidentlink (incident_id, case_id, created_by_id, created_at)
               SELECT i.id, c.id, c.reporter_id, c.reported_at FROM _c c
               JOIN stations_incident i ON i.station_id = c.station_id AND i.number = 'SC' || c.id
               WHERE c.source = 'incident'""",
        )
        # repeats from a case's source: its place or its applicant's phone, before and after it
        self.sql(
            "警情",
            f"""INSERT INTO stations_incident {columns}
               SELECT 'SR' || c.id || '-' || k, received_at, cat, c.village_id, c.station_id,
                 CASE WHEN by_place THEN c.address_key || '号' ELSE '' END,
                 CASE WHEN by_place THEN c.address_key ELSE '' END,
                 CASE WHEN by_place AND rr < 0.5 THEN '' ELSE coalesce(p.name, '') END,
                 CASE WHEN by_place AND rr < 0.5 THEN '' ELSE coalesce(p.phone, '') END,
                 '', '群众报警。', '', {referral}, c.reporter_id, received_at, received_at
               FROM _c c LEFT JOIN _ph p ON p.case_id = c.id
               CROSS JOIN LATERAL generate_series(1, 1 + floor(c.ra * 2.5)::int) k
               CROSS JOIN LATERAL (SELECT random() AS rc, random() AS rr, random() < 0.6 AS by_place,
                   LEAST(c.reported_at + make_interval(secs => (random() * 60 - 25) * 86400), %(now)s) AS received_at
                   OFFSET 0) r
               CROSS JOIN LATERAL (SELECT CASE WHEN r.rc < 0.08 AND r.received_at > c.reported_at THEN 'criminal'
                                               WHEN r.rc < 0.6 THEN 'dispute' ELSE {category} END AS cat) t
               WHERE c.rb < 0.55""",
        )
        # everything else: help requests, traffic, noise … at the villages' places and callers
        self.sql(
            "警情",
            f"""INSERT INTO stations_incident {columns}
               SELECT 'SB' || %(tag)s || '-' || s, received_at, cat, g.village_id, g.station_id,
                 CASE WHEN rr < 0.1 THEN '' ELSE g.village_name || (1 + floor(ra * 12)::int) || '组'
                   || (1 + floor(rb * 60)::int) || '号' END,
                 CASE WHEN rr < 0.1 THEN '' ELSE g.village_name || (1 + floor(ra * 12)::int) || '组'
                   || (1 + floor(rb * 60)::int) END,
                 CASE WHEN rp < 0.15 THEN '' ELSE pg_temp.pick(%(surnames)s, rb) END,
                 CASE WHEN rp < 0.15 THEN '' ELSE '139' || lpad(floor(rp * %(pool)s)::text, 8, '0') END,
                 '', '群众报警。', '', {referral}, g.reporter_id, received_at, received_at
               FROM (SELECT s, random() AS rg, random() AS rc, random() AS rr, random() AS ra, random() AS rb,
                            random() AS rp,
                            %(now)s - make_interval(secs => (1 - sqrt(random())) * %(span)s) AS received_at
                     FROM generate_series(1, %(n)s) s) r
               JOIN _g g ON g.rn = 1 + floor(power(r.rg, 1.3) * %(grids)s)::int
               CROSS JOIN LATERAL (SELECT {category} AS cat) t""",
            {
                "n": int(self.cases * 1.3),
                "grids": grids,
                "span": self.years * 365 * 86400,
                "surnames": vocab.HAN_SURNAMES,
                "pool": pool,
            },
        )

    # --- field work ------------------------------------------------------------------------
    def insert_visits(self) -> None:
        """驻村签到: every current attached officer and auxiliary officer, about four days a month
        over the last year (a day once: presence counts days)."""
        self.sql(
            "驻村签到",
            """INSERT INTO stations_villagevisit (village_id, officer_id, auxiliary_officer_id, visited_on,
                 checked_in_at, latitude, longitude, activity, note, created_by_id)
               SELECT a.village_id, a.officer_id, a.auxiliary_officer_id, d::date,
                 d + interval '9 hours' + make_interval(mins => floor(random() * 300)::int), NULL, NULL,
                 (ARRAY['visit', 'publicity', 'screening', 'mediation', 'other'])[1 + floor(random() * 5)::int],
                 '', coalesce(o.user_id, x.user_id, u.id)
               FROM stations_villageassignment a
               LEFT JOIN stations_officer o ON o.id = a.officer_id
               LEFT JOIN stations_auxiliaryofficer x ON x.id = a.auxiliary_officer_id
               CROSS JOIN LATERAL (SELECT id FROM governance_user ORDER BY is_superuser DESC, id LIMIT 1) u
               CROSS JOIN LATERAL generate_series(
                 date_trunc('day', %(now)s AT TIME ZONE %(tz)s) - interval '365 days',
                 date_trunc('day', %(now)s AT TIME ZONE %(tz)s) - interval '1 day', interval '1 day') d
               WHERE a.end_date IS NULL AND random() < %(share)s
                 AND NOT EXISTS (SELECT 1 FROM stations_villagevisit w WHERE w.village_id = a.village_id
                                 AND w.visited_on = d::date
                                 AND w.officer_id IS NOT DISTINCT FROM a.officer_id
                                 AND w.auxiliary_officer_id IS NOT DISTINCT FROM a.auxiliary_officer_id)""",
            {"tz": settings.TIME_ZONE, "share": min(0.5, 0.13 * max(1, self.cases // 200_000))},
        )

    def insert_patrols(self) -> None:
        """A weekly patrol plan per station over the last year, run once, with a check-in at each of
        its three villages."""
        self.sql(
            "",
            """DROP TABLE IF EXISTS _pp;
               CREATE TEMP TABLE _pp AS
               SELECT nextval(pg_get_serial_sequence('patrols_patrolplan', 'id')) AS id, s.id AS station_id,
                 %(now)s - make_interval(days => w * 7) - interval '4 hours' AS starts_at, w,
                 coalesce((SELECT o.user_id FROM stations_officer o WHERE o.station_id = s.id
                           AND o.user_id IS NOT NULL ORDER BY o.id LIMIT 1),
                          (SELECT id FROM governance_user ORDER BY is_superuser DESC, id LIMIT 1)) AS user_id
               FROM stations_station s, generate_series(1, 52) w""",
        )
        self.sql(
            "巡逻计划",
            """INSERT INTO patrols_patrolplan (id, station_id, title, starts_at, ends_at, joint_units, note,
                 created_by_id, created_at)
               SELECT id, station_id, '第' || w || '周夜间巡逻', starts_at, starts_at + interval '3 hours', '',
                 '', user_id, starts_at - interval '1 day' FROM _pp""",
        )
        self.sql(
            "巡逻点",
            """INSERT INTO patrols_patrolcheckpoint (plan_id, "order", village_id, grid_id, place)
               SELECT p.id, v.k, v.village_id, NULL, '' FROM _pp p
               CROSS JOIN LATERAL (SELECT row_number() OVER (ORDER BY r.id) AS k, r.id AS village_id
                 FROM governance_region r LEFT JOIN governance_region t ON t.id = r.parent_id
                 WHERE r.kind IN ('village', 'community') AND EXISTS (
                   SELECT 1 FROM stations_jurisdiction j WHERE j.station_id = p.station_id
                   AND j.region_id IN (r.id, t.id))
                 ORDER BY (r.id * 31 + p.w) %% 97 LIMIT 3) v""",
        )
        self.sql(
            "巡逻记录",
            """INSERT INTO patrols_patrol (plan_id, station_id, title, status, started_at, ended_at, summary,
                 started_by_id)
               SELECT id, station_id, '第' || w || '周夜间巡逻', 'ended', starts_at, starts_at + interval '2 hours',
                 '巡逻正常。', user_id FROM _pp""",
        )
        self.sql(
            "巡逻打卡",
            """INSERT INTO patrols_patrolcheckin (patrol_id, checkpoint_id, checked_in_at, latitude, longitude,
                 created_by_id)
               SELECT pa.id, cp.id, pa.started_at + make_interval(mins => cp."order" * 30), NULL, NULL,
                 pa.started_by_id
               FROM patrols_patrol pa JOIN _pp p ON p.id = pa.plan_id
               JOIN patrols_patrolcheckpoint cp ON cp.plan_id = p.id""",
        )

    def insert_screening(self) -> None:
        """The last eight weekly rounds of every county (made where missing, on the demo's days),
        with a report from most grids: zero-reports mostly, some late, some missing."""
        latest = self.scalar("SELECT max(opens_on) FROM disputes_screeninground")
        today = timezone.localdate(self.now)
        latest = latest or (today - dt.timedelta(days=today.weekday()))
        self.sql(
            "排查轮次",
            """INSERT INTO disputes_screeninground (county_id, title, opens_on, due_at, created_at)
               SELECT c.id, to_char(d, 'IYYY') || '年第' || to_char(d, 'IW') || '周滚动排查', d::date,
                 ((d + interval '5 days' + interval '23:59:59') AT TIME ZONE %(tz)s), %(now)s
               FROM governance_region c, generate_series((%(latest)s::date - 49)::timestamp, %(latest)s::date::timestamp,
                                                    interval '7 days') d
               WHERE c.kind = 'county'
               ON CONFLICT (county_id, opens_on) DO NOTHING""",
            {"latest": latest, "tz": settings.TIME_ZONE},
        )
        self.sql(
            "排查报告",
            """INSERT INTO disputes_screeningreport (round_id, grid_id, filed_by_id, filed_at, is_zero, note)
               SELECT r.id, g.grid_id, g.reporter_id,
                 LEAST(r.opens_on + make_interval(secs => random() * 6.2 * 86400) + interval '8 hours', %(now)s),
                 random() < 0.8, ''
               FROM disputes_screeninground r JOIN _g g ON g.county_id = r.county_id
               WHERE r.opens_on::timestamptz < %(now)s
                 AND random() < CASE WHEN r.due_at > %(now)s THEN 0.6 ELSE 0.93 END
               ON CONFLICT (round_id, grid_id) DO NOTHING""",
        )
