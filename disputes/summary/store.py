"""Keeping ``CaseMonth`` in step with the raw rows, and reading it (issue 15).

``summary_touch(case_ids)`` runs in the transaction of a case change, after the change (the
timeline writer ``services._event`` calls it for every event that can move a figure): it works
out every station-village-month row the cases were counted under (``CaseMonthKey``) or count
under now — the month they were registered, the month they were closed, the months of their
escalations, re-openings and follow-up visits — locks those rows in a fixed order and recomputes
each of them from the raw rows, with the definitions of ``disputes.figures``. Recomputing (not
adding deltas) keeps a row right whatever the change was; the lock makes a second change of the
same village and month wait for the first to commit and then count what it committed.
``summary_rebuild()`` recomputes everything set-based (nightly, and after bulk loads).
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from itertools import chain
from typing import Any

from django.db import connection, transaction
from django.db.models import BooleanField, Count, DateField, Model, Q, QuerySet, Sum
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KT
from django.db.models.functions import TruncMonth
from django.utils import timezone

from core.periods import add_months, local_tz
from disputes.models import CaseEvent, DisputeCase, FollowUp, Level, Status
from disputes.selectors import has_agreement, is_closed_on_time

from .models import METRICS, CaseMonth, CaseMonthKey

Key = tuple[int, int, dt.date]  # station id, village id, first day of the month

ESCALATION_CODES = ("disputes.case.escalated", "disputes.case.escalated_auto")
REOPEN_CODE = "disputes.case.reopened"
CONTENT = ("satisfied", "fairly")  # 满意, 基本满意
ESCALATED_TO = {
    Level.VILLAGE: "escalated_village",
    Level.TOWNSHIP: "escalated_township",
    Level.COUNTY: "escalated_county",
}
RESOLVED_AT = {
    Level.GRID: "resolved_grid",
    Level.VILLAGE: "resolved_village",
    Level.TOWNSHIP: "resolved_township",
    Level.COUNTY: "resolved_county",
}

# timeline events that cannot move any figure of ``CaseMonth`` (notes, parties, mediators,
# sessions, referrals, tiers' hand-ons and supervisions, risk): their writes skip the recount.
# Any other code — a new one too — recounts.
UNCOUNTED_CODES = frozenset(
    {
        "disputes.case.noted",
        "disputes.case.attachment_added",
        "disputes.case.risk_changed",
        "disputes.case.deadline_shortened",
        "disputes.case.screening_linked",
        "disputes.case.extension_requested",
        "disputes.case.extension_refused",
        "disputes.party.added",
        "disputes.party.updated",
        "disputes.mediator.assigned",
        "disputes.mediator.assigned_despite_conflict",
        "disputes.mediator.removed",
        "disputes.mediator.conflict_found",
        "disputes.mediator.conflict_confirmed",
        "disputes.session.recorded",
        "disputes.agreement.performance",
        "disputes.referral.sent",
        "disputes.referral.updated",
        "disputes.referral.answered_by_unit",
        "disputes.case.handed_on",
        "disputes.case.hand_on_acknowledged",
        "disputes.case.hand_on_overdue",
        "disputes.case.supervised",
        "disputes.case.supervision_replied",
        "disputes.case.supervision_closed",
        "disputes.case.evaluated",
        "disputes.case.transfer_requested",
        "disputes.case.transfer_returned",
        "disputes.case.report_linked",
        "patrols.visit.checked_in",
    }
)


def month_of(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment, local_tz()).date().replace(day=1)


def _month(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value, local_tz()).date() if timezone.is_aware(value) else value.date()
    return value


def _trunc(field: str) -> TruncMonth:
    return TruncMonth(field, tzinfo=local_tz())


def _bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = local_tz()
    return (
        dt.datetime.combine(first, dt.time.min, tzinfo=tz),
        dt.datetime.combine(add_months(last, 1), dt.time.min, tzinfo=tz),
    )


# above this many station-village pairs, PostgreSQL gets the pairs as arrays in one semi-join
# (a set-based sweep's chunk touches thousands: an OR of thousands of ranges took seconds)
MANY_PAIRS = 16


def _within(keys: set[Key] | None, field: str, prefix: str = "", model: type[Model] = DisputeCase) -> Q:
    """The rows of the keys' stations and villages with ``field`` (of ``model``) in the keys'
    months (all rows when ``keys`` is None); a few pairs per change, each one index range."""
    if keys is None:
        return Q()
    months: dict[tuple[int, int], list[dt.date]] = defaultdict(list)
    for station_id, village_id, month in keys:
        months[(station_id, village_id)].append(month)
    bounds = {pair: _bounds(min(firsts), max(firsts)) for pair, firsts in months.items()}
    if connection.vendor == "postgresql" and len(bounds) > MANY_PAIRS:
        case_t, field_t = DisputeCase._meta.db_table, model._meta.db_table
        pairs = sorted(bounds)
        return Q(
            RawSQL(  # noqa: S611  (table and column names; the pairs as parameters)
                f"""EXISTS (SELECT 1 FROM unnest(%s::bigint[], %s::bigint[], %s::timestamptz[],
                        %s::timestamptz[]) AS k(s, v, a, b)
                    WHERE k.s = "{case_t}"."station_id" AND k.v = "{case_t}"."village_id"
                      AND "{field_t}"."{field}" >= k.a AND "{field_t}"."{field}" < k.b)""",  # noqa: S608
                [
                    [s for s, _v in pairs],
                    [v for _s, v in pairs],
                    [bounds[p][0] for p in pairs],
                    [bounds[p][1] for p in pairs],
                ],
                output_field=BooleanField(),
            )
        )
    q = Q(pk__in=[])
    for (station_id, village_id), (start, end) in bounds.items():
        q |= Q(
            **{
                f"{prefix}station_id": station_id,
                f"{prefix}village_id": village_id,
                f"{field}__gte": start,
                f"{field}__lt": end,
            }
        )
    return q


def _counted(keys: set[Key] | None) -> dict[Key, dict[str, int]]:
    """The figures of each station-village-month (of ``keys``, or of every one), from the raw
    rows: four grouped queries."""
    rows: dict[Key, dict[str, int]] = defaultdict(lambda: dict.fromkeys(METRICS, 0))
    reported = (
        DisputeCase.objects.filter(_within(keys, "reported_at"))
        .annotate(m=_trunc("reported_at"))
        .values("station_id", "village_id", "m")
        .annotate(
            new=Count("pk"),
            accepted_new=Count("pk", filter=~Q(status=Status.NOT_ACCEPTED)),
            accepted_new_closed=Count("pk", filter=Q(status=Status.CLOSED)),
        )
        .order_by()
    )
    for r in reported:
        rows[(r["station_id"], r["village_id"], _month(r["m"]))].update(
            new=r["new"], accepted_new=r["accepted_new"], accepted_new_closed=r["accepted_new_closed"]
        )
    resolved = Q(agreed=True)
    closed = (
        DisputeCase.objects.filter(_within(keys, "closed_at"), status=Status.CLOSED, closed_at__isnull=False)
        .annotate(m=_trunc("closed_at"), agreed=has_agreement())
        .values("station_id", "village_id", "m")
        .annotate(
            closed=Count("pk"),
            resolved=Count("pk", filter=resolved),
            on_time=Count("pk", filter=is_closed_on_time()),
            **{name: Count("pk", filter=resolved & Q(level=level)) for level, name in RESOLVED_AT.items()},
        )
        .order_by()
    )
    for r in closed:
        rows[(r["station_id"], r["village_id"], _month(r["m"]))].update(
            {name: r[name] for name in ("closed", "resolved", "on_time", *RESOLVED_AT.values())}
        )
    events = (
        CaseEvent.objects.filter(
            _within(keys, "created_at", "case__", CaseEvent), code__in=[*ESCALATION_CODES, REOPEN_CODE]
        )
        .annotate(m=_trunc("created_at"), to_level=KT("changes__level__1"))
        .values("case__station_id", "case__village_id", "m", "code", "to_level")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for r in events:
        row = rows[(r["case__station_id"], r["case__village_id"], _month(r["m"]))]
        name = "reopened" if r["code"] == REOPEN_CODE else ESCALATED_TO.get(r["to_level"])
        if name:
            row[name] += r["n"]
    visits = (
        FollowUp.objects.filter(_within(keys, "visited_at", "case__", FollowUp), visited_at__isnull=False)
        .annotate(m=_trunc("visited_at"))
        .values("case__station_id", "case__village_id", "m")
        .annotate(n=Count("pk"), content=Count("pk", filter=Q(satisfaction__in=CONTENT)))
        .order_by()
    )
    for r in visits:
        rows[(r["case__station_id"], r["case__village_id"], _month(r["m"]))].update(
            follow_ups=r["n"], follow_ups_content=r["content"]
        )
    return rows


def _key_q(keys: Iterable[Key]) -> Q:
    keys = list(keys)
    if connection.vendor == "postgresql" and len(keys) > MANY_PAIRS:
        table = CaseMonth._meta.db_table
        return Q(
            RawSQL(  # noqa: S611  (table name; the keys as parameters)
                f"""("{table}"."station_id", "{table}"."village_id", "{table}"."month") IN (
                    SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::date[]))""",  # noqa: S608
                [[s for s, _v, _m in keys], [v for _s, v, _m in keys], [m for _s, _v, m in keys]],
                output_field=BooleanField(),
            )
        )
    q = Q(pk__in=[])
    for station_id, village_id, month in keys:
        q |= Q(station_id=station_id, village_id=village_id, month=month)
    return q


def _recount(keys: set[Key]) -> None:
    ordered = sorted(keys)
    # every row exists, then all are locked in one order: a concurrent change of the same
    # village and month waits here, and its recount then sees what this one committed
    CaseMonth.objects.bulk_create(
        [CaseMonth(station_id=s, village_id=v, month=m) for s, v, m in ordered], ignore_conflicts=True
    )
    list(
        CaseMonth.objects.filter(_key_q(ordered)).select_for_update().order_by("station", "village", "month")
    )
    counted = _counted(keys)
    CaseMonth.objects.bulk_create(
        [CaseMonth(station_id=s, village_id=v, month=m, **counted[(s, v, m)]) for s, v, m in ordered],
        update_conflicts=True,
        unique_fields=["station", "village", "month"],
        update_fields=list(METRICS),
    )


def summary_touch(case_ids: Iterable[int]) -> None:
    """Recount the rows the cases were and are counted under (in the caller's transaction)."""
    ids = sorted(set(case_ids))
    if not ids:
        return
    old = {k.case_id: k for k in CaseMonthKey.objects.filter(case_id__among=ids)}
    keys: set[Key] = set()
    pairs: dict[int, set[tuple[int, int]]] = {}
    marks = []
    for pk, station_id, village_id, reported_at, closed_at, status in DisputeCase.objects.filter(
        pk__among=ids
    ).values_list("pk", "station_id", "village_id", "reported_at", "closed_at", "status"):
        reported_month = month_of(reported_at)
        closed_month = month_of(closed_at) if status == Status.CLOSED and closed_at else None
        marks.append(
            CaseMonthKey(
                case_id=pk,
                station_id=station_id,
                village_id=village_id,
                reported_month=reported_month,
                closed_month=closed_month,
            )
        )
        pairs[pk] = {(station_id, village_id)}
        keys.add((station_id, village_id, reported_month))
        if closed_month:
            keys.add((station_id, village_id, closed_month))
        was = old.get(pk)
        if was is not None:
            pairs[pk].add((was.station_id, was.village_id))
            keys.add((was.station_id, was.village_id, was.reported_month))
            if was.closed_month:
                keys.add((was.station_id, was.village_id, was.closed_month))
    # the months of their escalations, re-openings and visits, under every place they were or are
    event_months = (
        CaseEvent.objects.filter(case_id__among=ids, code__in=[*ESCALATION_CODES, REOPEN_CODE])
        .annotate(m=_trunc("created_at"))
        .values_list("case_id", "m")
        .distinct()
    )
    visit_months = (
        FollowUp.objects.filter(case_id__among=ids, visited_at__isnull=False)
        .annotate(m=_trunc("visited_at"))
        .values_list("case_id", "m")
        .distinct()
    )
    for pk, m in chain(event_months, visit_months):
        for station_id, village_id in pairs.get(pk, ()):
            keys.add((station_id, village_id, _month(m)))
    _recount(keys)
    CaseMonthKey.objects.bulk_create(
        marks,
        update_conflicts=True,
        unique_fields=["case"],
        update_fields=["station", "village", "reported_month", "closed_month"],
    )


# rows per statement of ``summary_add`` (a parameter each of the 19 columns: under the limits of
# SQLite and of PostgreSQL's protocol)
ADD_BATCH = 1000


def summary_add(deltas: Mapping[tuple[int, int, dt.date, str], int]) -> None:
    """Add counts to the rows (in the caller's transaction), for a bulk change whose effect on
    the figures is known and additive — the overdue sweep's automatic escalations: each adds one
    to ``escalated_<level>`` of the month it happens in, under the case's station and village,
    and moves no other figure of an open case. ``deltas``: (station id, village id, month,
    metric) → count. One ``INSERT … ON CONFLICT DO UPDATE`` (on SQLite one per ``ADD_BATCH`` rows), in the order
    ``_recount`` locks them (station, village, month): no deadlock with a recount, and a recount
    running meanwhile waits in the row lock and counts what this one commits (adding is right
    where recounting a chunk's every month took half the sweep at 2 M cases)."""
    rows: dict[Key, dict[str, int]] = defaultdict(lambda: dict.fromkeys(METRICS, 0))
    for (station_id, village_id, month, metric), n in deltas.items():
        if metric not in METRICS:
            raise ValueError(metric)
        rows[(station_id, village_id, month)][metric] += n
    table = connection.ops.quote_name(CaseMonth._meta.db_table)
    columns = ["station_id", "village_id", "month", *METRICS]
    added = ", ".join(f"{m} = {table}.{m} + excluded.{m}" for m in METRICS)
    ordered = sorted(rows)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # the rows as arrays: one statement, few parameters
            arrays = ", ".join(["%s::bigint[]", "%s::bigint[]", "%s::date[]"] + ["%s::int[]"] * len(METRICS))
            cursor.execute(
                f"""INSERT INTO {table} ({", ".join(columns)})
                    SELECT * FROM unnest({arrays}) ORDER BY 1, 2, 3
                    ON CONFLICT (station_id, village_id, month) DO UPDATE SET {added}""",  # noqa: S608
                [
                    [k[0] for k in ordered],
                    [k[1] for k in ordered],
                    [k[2] for k in ordered],
                    *([rows[k][m] for k in ordered] for m in METRICS),
                ],
            )
            return
        for start in range(0, len(ordered), ADD_BATCH):
            batch = ordered[start : start + ADD_BATCH]
            values = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(batch))
            params: list[Any] = []
            for key in batch:
                params += [key[0], key[1], key[2], *(rows[key][m] for m in METRICS)]
            cursor.execute(
                f"""INSERT INTO {table} ({", ".join(columns)}) VALUES {values}
                    ON CONFLICT (station_id, village_id, month) DO UPDATE SET {added}""",  # noqa: S608
                params,
            )


def summary_touch_event(case_id: int, code: str) -> None:
    """The hook of the timeline writer: recount unless the event cannot move a figure."""
    if code not in UNCOUNTED_CODES:
        summary_touch([case_id])


CHUNK = 20_000


@transaction.atomic
def summary_rebuild() -> int:
    """Every row recomputed from the raw rows (nightly: corrects any drift; after bulk loads).
    Returns the number of rows written."""
    counted = _counted(None)
    CaseMonth.objects.all().delete()
    CaseMonth.objects.bulk_create(
        [CaseMonth(station_id=s, village_id=v, month=m, **row) for (s, v, m), row in sorted(counted.items())],
        batch_size=5000,
    )
    CaseMonthKey.objects.all().delete()
    keys = DisputeCase.objects.annotate(
        rm=TruncMonth("reported_at", tzinfo=local_tz(), output_field=DateField()),
        cm=TruncMonth("closed_at", tzinfo=local_tz(), output_field=DateField()),
    )
    if connection.vendor == "postgresql":
        # one INSERT … SELECT (2 M cases: no row through Python)
        sql, params = (
            keys.filter(status=Status.CLOSED)
            .values_list("pk", "station_id", "village_id", "rm", "cm")
            .query.sql_with_params()
        )
        open_sql, open_params = (
            keys.exclude(status=Status.CLOSED)
            .values_list("pk", "station_id", "village_id", "rm")
            .query.sql_with_params()
        )
        table = CaseMonthKey._meta.db_table
        columns = "(case_id, station_id, village_id, reported_month, closed_month)"
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} {columns} {sql}", params)  # noqa: S608  (compiled by the ORM)
            cursor.execute(
                f"INSERT INTO {table} (case_id, station_id, village_id, reported_month) {open_sql}",  # noqa: S608
                open_params,
            )
    else:
        rows = keys.values_list("pk", "station_id", "village_id", "rm", "cm", "status").iterator(
            chunk_size=CHUNK
        )
        batch: list[CaseMonthKey] = []
        for pk, station_id, village_id, rm, cm, status in rows:
            batch.append(
                CaseMonthKey(
                    case_id=pk,
                    station_id=station_id,
                    village_id=village_id,
                    reported_month=rm,
                    closed_month=cm if status == Status.CLOSED else None,
                )
            )
            if len(batch) >= CHUNK:
                CaseMonthKey.objects.bulk_create(batch)
                batch = []
        CaseMonthKey.objects.bulk_create(batch)
    return len(counted)


# --- reading ---------------------------------------------------------------------------------
def whole_months(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date] | None:
    """The whole calendar months inside the local dates ``[start, end)`` as ``[first, after)``
    (first days of months), or None when no whole month fits."""
    first = start if start.day == 1 else add_months(start.replace(day=1), 1)
    after = end.replace(day=1)
    return (first, after) if first < after else None


def month_rows(village_ids: QuerySet, first: dt.date, after: dt.date) -> QuerySet[CaseMonth]:
    return CaseMonth.objects.filter(village__in=village_ids, month__gte=first, month__lt=after)


def summed(rows: QuerySet[CaseMonth]) -> dict[str, int]:
    agg = rows.aggregate(**{name: Sum(name) for name in METRICS})
    return {name: agg[name] or 0 for name in METRICS}
