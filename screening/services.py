"""Rolling screening (滚动排查): the writes and the sweeps.

* ``screening_rounds_open_due`` opens a county's round on schedule (idempotent: one round per
  county and day); ``screening_report_file`` files a grid's report — latent disputes found,
  each linked to an existing case or opening a new one (source 滚动排查), or an explicit
  zero-report (零报告). Keyword-only, one transaction each.
* Sweeps: ``screening_send_reminders`` (a day before the deadline, to the grid's workers),
  ``screening_flag_overdue`` (after it, to the village's auxiliary officer and the station's
  staff) and ``screening_deduct_missed`` (a week after it, the leaders of grids that never
  reported lose points, through ``governance.points``). The missing grids are found with one query over round × grid; notifications are
  written in chunks (``settings.SWEEP_CHUNK_SIZE``), each chunk its own transaction through
  ``core.notifications.notify_many`` with a key of kind, grid and round, so a sweep run
  twice or killed halfway and run again sends every reminder exactly once. A grid whose report
  arrives meanwhile is dropped from the chunk still to be written.

A round covers every active grid of its county (grid → village → township → county); a grid
deactivated after it reported still counts with its report.
"""

import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import (
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ConflictError, DomainError, NotPermitted, error_text
from core.notifications import Message, notify_many
from disputes import services as case_services
from disputes.models import CaseEvent, DisputeCase, Source
from disputes.selectors import case_ids
from governance import points, scoping
from governance.models import Grid, GridWorker, Region, User
from stations.models import AuxiliaryOfficer, Officer, VillageAssignment

from .models import RoundGrid, ScreeningArea, ScreeningItem, ScreeningPolicy, ScreeningReport, ScreeningRound
from .selectors import ROUND_GRIDS, ROUND_VILLAGES, may_file

Pairs = list[tuple[int, int]]  # (round id, grid id)

logger = logging.getLogger(__name__)

NEW_CASE_FIELDS = (
    "category",
    "summary",
    "people_involved",
    "address",
    "amount_involved",
    "threat_flag",
    "vulnerable_flag",
    "occurred_on",
    "parties",
)
OVERDUE_WINDOW = dt.timedelta(days=7)
REMINDER_WINDOW = dt.timedelta(hours=24)
# A grid that has not reported 7 days after the deadline (when the sweeps above stop chasing it)
# has missed the round; the deduction looks back 30 days, so a scheduler down for weeks loses nothing.
MISSED_AFTER = OVERDUE_WINDOW
MISSED_LOOKBACK = dt.timedelta(days=30)


# --- Opening rounds -----------------------------------------------------------------------
def _start_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _end_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)), timezone.get_default_timezone())


def round_title(opens_on: dt.date, interval_days: int) -> str:
    if interval_days % 7 == 0:
        year, week, _weekday = opens_on.isocalendar()
        return _("%(y)d年第%(w)d周滚动排查") % {"y": year, "w": week}
    return _("%(y)d年%(m)d月%(d)d日滚动排查") % {"y": opens_on.year, "m": opens_on.month, "d": opens_on.day}


def screening_rounds_open_due(*, now: dt.datetime) -> list[ScreeningRound]:
    """Open a round in every county whose active policy says one is due: none yet, or the last
    one opened ``interval_days`` ago or more. Idempotent: a county has at most one round per
    day (unique county + opens_on), so running twice opens nothing new."""
    today = timezone.localdate(now)
    counties = Region.objects.filter(kind=Region.Kind.COUNTY, is_archived=False)
    ScreeningPolicy.objects.bulk_create(
        [ScreeningPolicy(county=c) for c in counties.filter(screening_policy__isnull=True)],
        ignore_conflicts=True,
    )
    last_opened = (
        ScreeningRound.objects.filter(county=OuterRef("county")).order_by("-opens_on").values("opens_on")[:1]
    )
    policies = (
        ScreeningPolicy.objects.filter(is_active=True, county__in=counties)
        .select_related("county")
        .annotate(last_opened=Subquery(last_opened))
    )
    opened = []
    for policy in policies:
        if policy.last_opened is not None and (today - policy.last_opened).days < policy.interval_days:
            continue
        try:
            with transaction.atomic():
                opened.append(
                    ScreeningRound.objects.create(
                        county=policy.county,
                        opens_on=today,
                        title=round_title(today, policy.interval_days),
                        due_at=_end_of_day(today + dt.timedelta(days=policy.due_days)),
                    )
                )
        except IntegrityError:  # another worker opened today's round first
            logger.info("screening round for %s on %s already exists", policy.county_id, today)
    if opened:  # its grids, all missing for now (the completeness summary)
        round_grids_refresh(round_ids=[r.pk for r in opened])
    return opened


# --- The completeness summary (issue 15) --------------------------------------------------------
_SUMMARY_CHUNK = 500


def _round_grids_sql(where: str) -> str:
    """The rows of ``RoundGrid``: the grids each round counts (``selectors.counted_grids``: active
    with the village not archived, or reported in it) with their report's filing time."""
    round_t, region, grid, report, summary = (
        m._meta.db_table for m in (ScreeningRound, Region, Grid, ScreeningReport, RoundGrid)
    )
    return f"""
        INSERT INTO {summary} (round_id, grid_id, village_id, filed_at)
        SELECT r.id, g.id, g.village_id, rep.filed_at
        FROM {round_t} r
        JOIN {region} t ON t.parent_id = r.county_id
        JOIN {region} v ON v.parent_id = t.id
        JOIN {grid} g ON g.village_id = v.id
        LEFT JOIN {report} rep ON rep.round_id = r.id AND rep.grid_id = g.id
        WHERE ((g.is_active AND NOT v.is_archived) OR rep.id IS NOT NULL) {where}
    """  # noqa: S608  (table names, never input)


def round_grids_refresh(*, round_ids: list[int] | None = None, grid_ids: list[int] | None = None) -> int:
    """Recompute the summary rows of these rounds and/or grids (both: their intersection), set-
    based: their rows deleted and inserted again from the raw tables, in the caller's
    transaction. Returns the rows written."""
    if round_ids is None and grid_ids is None:
        raise ValueError("round_ids or grid_ids")
    written = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for column, ids, other, other_ids in (
            ("round", round_ids, "grid", grid_ids),
            ("grid", grid_ids, "round", round_ids),
        ):
            if ids is None:
                continue
            for start in range(0, len(ids), _SUMMARY_CHUNK):
                chunk = ids[start : start + _SUMMARY_CHUNK]
                rows = RoundGrid.objects.filter(**{f"{column}_id__in": chunk})
                where = f"AND {column[0]}.id IN ({', '.join(['%s'] * len(chunk))})"
                params = list(chunk)
                if other_ids is not None:
                    rows = rows.filter(**{f"{other}_id__in": other_ids})
                    where += f" AND {other[0]}.id IN ({', '.join(['%s'] * len(other_ids))})"
                    params += list(other_ids)
                rows.delete()
                cursor.execute(_round_grids_sql(where), params)
                written += cursor.rowcount
            if other_ids is not None:
                break  # the intersection is done in one pass
    return written


def round_grids_rebuild() -> int:
    """The nightly rebuild: every round's rows recomputed (one transaction per 20 rounds, so a
    county's years of rounds never hold one huge transaction). Returns the rows written."""
    ids = list(ScreeningRound.objects.order_by("pk").values_list("pk", flat=True))
    written = 0
    for start in range(0, len(ids), 20):
        written += round_grids_refresh(round_ids=ids[start : start + 20])
    RoundGrid.objects.exclude(round_id__in=ScreeningRound.objects.values("pk")).delete()
    return written


def round_grids_of_changed_grids(*, grid_ids: list[int]) -> int:
    """Grids created, deactivated or archived (the hook of ``governance.services``): their rows in
    every round of their county."""
    return round_grids_refresh(grid_ids=list(grid_ids))


# --- Filing a report ----------------------------------------------------------------------
def _item_error(index: int, message: str) -> DomainError:
    return DomainError(_("第%(n)d条发现:%(m)s") % {"n": index, "m": message}, field="items")


def _linked_case(*, actor: User, grid: Grid, value: Any, index: int) -> DisputeCase:
    pk = getattr(value, "pk", value)
    case = DisputeCase.objects.filter(pk__in=case_ids(actor)).filter(pk=pk).first() if pk else None
    if case is None:
        raise _item_error(index, _("关联的案件不存在或不在您的辖区内。"))
    if case.village_id != grid.village_id:
        raise _item_error(index, _("关联的案件不属于%(v)s。") % {"v": grid.village.name})
    return case


def _new_case(
    *, actor: User, grid: Grid, round: ScreeningRound, item: dict[str, Any], index: int
) -> DisputeCase:

    data = {k: item[k] for k in NEW_CASE_FIELDS if k in item and item[k] not in (None, "")}
    if not data.get("category"):
        raise _item_error(index, _("新立案件请选择纠纷类别。"))
    data.setdefault("summary", item.get("description", ""))
    if not (data["summary"] or "").strip():
        raise _item_error(index, _("新立案件请填写简要案情。"))
    try:
        return case_services.case_report(
            actor=actor,
            village=grid.village,
            grid=grid,
            source=Source.SCREENING,
            note=_("%(r)s排查发现") % {"r": round.title},
            **data,
        )
    except NotPermitted:
        raise
    except (DomainError, ValidationError) as err:  # the finding's number goes in front of the words
        raise _item_error(index, error_text(err)) from err


@transaction.atomic
def screening_report_file(
    *,
    actor: User,
    round: ScreeningRound,
    grid: Grid,
    items: list[dict[str, Any]] | None = None,
    zero: bool = False,
    note: str = "",
) -> ScreeningReport:
    """File ``grid``'s report for ``round``: the latent disputes found (``items``) or an explicit
    zero-report (``zero=True``), exactly one of the two.

    Each item is ``{"area", "description"}`` plus either ``"case"`` (an existing case the actor
    may see, in the grid's village) or the data of a new case (``category``, ``summary``,
    ``people_involved``, ``parties`` …), which is reported through ``services.case_report`` with
    source 滚动排查. One report per grid and round; a report after the deadline is accepted and
    counts as late. All or nothing: a bad item writes nothing."""
    items = list(items or [])
    if not may_file(actor):
        raise NotPermitted(_("您的角色不能提交排查报告。"))
    if not scoping.grid_ids(actor).filter(pk=grid.pk).exists():
        raise DomainError(_("该网格不在您的辖区内。"), field="grid", code="not_found")
    if grid.village.parent is None or grid.village.parent.parent_id != round.county_id:
        raise DomainError(_("该网格不在本轮排查范围内。"), field="grid")
    if not grid.is_active:
        raise DomainError(_("该网格已停用,无需提交排查报告。"), field="grid")
    if zero and items:
        raise DomainError(_("零报告不能同时填写排查发现;如有发现,请取消零报告。"), field="items")
    if not zero and not items:
        raise DomainError(_("请至少填写一条排查发现,或提交零报告(已排查,未发现)。"), field="items")
    now = timezone.now()
    if zero:
        # a zero-report ("nothing found") after this grid reported disputes in the round is not true
        found = DisputeCase.objects.filter(grid=grid, reported_at__gte=_start_of_day(round.opens_on)).count()
        filed = ScreeningItem.objects.filter(report__round=round, report__grid=grid).count()
        if found or filed:
            raise DomainError(
                _(
                    "本轮该网格已上报%(n)d起矛盾纠纷,不能提交零报告(已排查,未发现);"
                    "请提交排查报告,关联这些案件。"
                )
                % {"n": max(found, filed)},
                field="zero",
                code="zero_after_items",
            )
    existing = ScreeningReport.objects.select_for_update().filter(round=round, grid=grid).first()
    replaced = existing is not None and existing.is_zero and not zero
    if existing is not None and not replaced:
        raise ConflictError(_("该网格本轮已提交排查报告。"), code="duplicate")
    if replaced:
        # findings after a zero-report replace it: the report becomes the findings' report (kept,
        # not deleted), and every finding's case timeline says so
        assert existing is not None
        replaced_note = _("替换%(t)s提交的零报告") % {
            "t": timezone.localtime(existing.filed_at).strftime("%m-%d %H:%M")
        }
        ScreeningReport.objects.filter(pk=existing.pk, is_zero=True).update(
            is_zero=False,
            filed_by=actor,
            note="\n".join(x for x in (existing.note, (note or "").strip(), replaced_note) if x),
        )
        existing.refresh_from_db()
        report = existing
    else:
        try:
            with transaction.atomic():
                report = ScreeningReport.objects.create(
                    round=round,
                    grid=grid,
                    filed_by=actor,
                    filed_at=now,
                    is_zero=zero,
                    note=(note or "").strip(),
                )
        except IntegrityError:
            raise ConflictError(_("该网格本轮已提交排查报告。"), code="duplicate") from None
        # the completeness summary, in the same transaction: the grid's row now has a filing time
        round_grids_refresh(round_ids=[round.pk], grid_ids=[grid.pk])

    rows: list[ScreeningItem] = []
    linked: list[DisputeCase] = []
    for index, item in enumerate(items, start=1):
        area = item.get("area") or ""
        if area not in ScreeningArea.values:
            raise _item_error(index, _("请选择排查领域。"))
        description = (item.get("description") or "").strip()
        if not description:
            raise _item_error(index, _("请填写隐患情况。"))
        has_new = any(item.get(k) not in (None, "") for k in ("category", "summary"))
        if item.get("case") and has_new:
            raise _item_error(index, _("请在“关联已有案件”和“新立案件”中选择一种。"))
        if item.get("case"):
            case = _linked_case(actor=actor, grid=grid, value=item["case"], index=index)
            if any(c.pk == case.pk for c in linked):
                raise _item_error(index, _("案件 %(n)s 已在本报告中关联。") % {"n": case.number})
            linked.append(case)
            rows.append(ScreeningItem(report=report, area=area, description=description, case=case))
        else:
            case = _new_case(
                actor=actor, grid=grid, round=round, item={**item, "description": description}, index=index
            )
            rows.append(
                ScreeningItem(report=report, area=area, description=description, case=case, is_new_case=True)
            )
    ScreeningItem.objects.bulk_create(rows)
    # The linked cases' timelines say that the screening found them again.
    CaseEvent.objects.bulk_create(
        [
            CaseEvent(
                case=row.case,
                actor=actor,
                created_at=now,
                code="disputes.case.screening_linked",
                note=_("%(r)s · %(g)s 排查发现(%(a)s):%(d)s")
                % {
                    "r": round.title,
                    "g": grid.name,
                    "a": ScreeningArea(row.area).label,
                    "d": row.description,
                },
            )
            for row in rows
            if not row.is_new_case
        ]
    )
    if replaced:
        CaseEvent.objects.bulk_create(
            [
                CaseEvent(
                    case=row.case,
                    actor=actor,
                    created_at=now,
                    code="disputes.case.noted",
                    note=_("%(r)s · %(g)s:本条排查发现替换了此前的零报告。")
                    % {"r": round.title, "g": grid.name},
                )
                for row in rows
            ]
        )
        return report  # the zero-report already earned the filing's points
    points.points_for_screening_report(report=report)  # 积分: on time +, late −; never fails the filing
    return report


# --- Sweeps -------------------------------------------------------------------------------
def _missing_pairs(rounds: QuerySet[ScreeningRound]) -> list[tuple[int, int]]:
    """(round id, grid id) for every active grid of each round's county with no report in that
    round: one query over round × grid, whatever the number of grids."""
    report = ScreeningReport.objects.filter(round=OuterRef("pk"), grid=OuterRef("grid_id"))
    return list(
        rounds.filter(**{f"{ROUND_GRIDS}__is_active": True, f"{ROUND_VILLAGES}__is_archived": False})
        .annotate(grid_id=F(f"{ROUND_GRIDS}__id"))
        .filter(~Exists(report))
        .order_by("pk", "grid_id")
        .values_list("pk", "grid_id")
    )


def _still_missing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Drop the pairs whose report arrived since they were selected (one query)."""
    if not pairs:
        return pairs
    q = Q()
    for round_id, grid_id in pairs:
        q |= Q(round_id=round_id, grid_id=grid_id)
    filed = set(ScreeningReport.objects.filter(q).values_list("round_id", "grid_id"))
    return [p for p in pairs if p not in filed]


def _send_in_chunks(
    pairs: Pairs, build: Callable[[Pairs], list[tuple[list[User], Message]]], *, sms: bool = False
) -> int:
    """Write the notifications for ``pairs`` chunk by chunk, each chunk one transaction;
    ``build(chunk)`` returns the (recipients, message) list for the grids still missing."""
    size = max(1, settings.SWEEP_CHUNK_SIZE)
    sent = 0
    for start in range(0, len(pairs), size):
        if start and settings.SWEEP_CHUNK_PAUSE:
            time.sleep(settings.SWEEP_CHUNK_PAUSE)
        chunk = _still_missing(pairs[start : start + size])
        sent += notify_many(build(chunk), sms=sms)
    return sent


def _deadline(r: ScreeningRound) -> str:
    return timezone.localtime(r.due_at).strftime("%Y-%m-%d %H:%M")


def screening_send_reminders(*, now: dt.datetime) -> int:
    """Rounds whose deadline falls within the next 24 hours: every active grid without a report
    reminds its active workers who have an account (网格长 and 网格员), once per grid and round."""
    rounds = ScreeningRound.objects.filter(due_at__gt=now, due_at__lte=now + REMINDER_WINDOW)
    pairs = _missing_pairs(rounds)
    if not pairs:
        return 0
    round_map = {r.pk: r for r in ScreeningRound.objects.filter(pk__in={r for r, _g in pairs})}
    workers: dict[int, list[User]] = {}
    grids: dict[int, Grid] = {}
    for w in GridWorker.objects.filter(
        grid_id__in={g for _r, g in pairs}, is_active=True, user__isnull=False, user__is_active=True
    ).select_related("user", "grid"):
        workers.setdefault(w.grid_id, []).append(cast(User, w.user))  # user__isnull=False
        grids[w.grid_id] = w.grid

    def build(chunk: Pairs) -> list[tuple[list[User], Message]]:
        return [
            (
                workers[g],
                Message(
                    kind="screening.reminder",
                    target=f"grid-{g}",
                    period=f"round-{r}",
                    title=_("%(g)s 尚未提交%(t)s报告,截止 %(d)s")
                    % {"g": grids[g].name, "t": round_map[r].title, "d": _deadline(round_map[r])},
                    body=_("请在截止前完成排查并提交报告;未发现隐患请提交零报告。"),
                    url="/screening/m/",
                ),
            )
            for r, g in chunk
            if g in workers
        ]

    return _send_in_chunks([p for p in pairs if p[1] in workers], build, sms=True)


def _village_stations(village_ids: set[int]) -> dict[int, int]:
    """Village → station id, set-wise: the village's own jurisdiction, else its township's."""
    rows = (
        Region.objects.filter(pk__in=village_ids)
        .annotate(station_id=Coalesce("jurisdiction__station_id", "parent__jurisdiction__station_id"))
        .values_list("pk", "station_id")
    )
    return {v: s for v, s in rows if s is not None}


def screening_flag_overdue(*, now: dt.datetime) -> int:
    """Rounds whose deadline passed in the last 7 days: for every grid still missing, the
    village's current auxiliary officer and the staff of the station over the village are told,
    once per grid and round."""
    rounds = ScreeningRound.objects.filter(due_at__lte=now, due_at__gt=now - OVERDUE_WINDOW)
    pairs = _missing_pairs(rounds)
    if not pairs:
        return 0
    round_map = {r.pk: r for r in ScreeningRound.objects.filter(pk__in={r for r, _g in pairs})}
    grids = {g.pk: g for g in Grid.objects.filter(pk__in={g for _r, g in pairs}).select_related("village")}
    village_ids = {g.village_id for g in grids.values()}
    aux: dict[int, User] = {
        a.village_id: cast(User, cast(AuxiliaryOfficer, a.auxiliary_officer).user)  # as filtered
        for a in VillageAssignment.objects.filter(
            village_id__in=village_ids,
            kind=VillageAssignment.Kind.AUXILIARY,
            end_date__isnull=True,
            auxiliary_officer__is_active=True,
            auxiliary_officer__user__isnull=False,
        ).select_related("auxiliary_officer__user")
    }
    stations = _village_stations(village_ids)
    staff: dict[int | None, list[User]] = {}
    for officer in Officer.objects.filter(
        station_id__in=set(stations.values()), is_active=True, user__isnull=False
    ).select_related("user"):
        staff.setdefault(officer.station_id, []).append(cast(User, officer.user))  # user__isnull=False

    def recipients(grid: Grid) -> list[User]:
        people = [aux[grid.village_id]] if grid.village_id in aux else []
        return people + staff.get(stations.get(grid.village_id), [])

    def build(chunk: Pairs) -> list[tuple[list[User], Message]]:
        return [
            (
                recipients(grids[g]),
                Message(
                    kind="screening.overdue",
                    target=f"grid-{g}",
                    period=f"round-{r}",
                    title=_("%(v)s %(g)s 逾期未提交%(t)s报告")
                    % {"v": grids[g].village.name, "g": grids[g].name, "t": round_map[r].title},
                    body=_("报告截止 %(d)s 已过,请督促网格员尽快补报。") % {"d": _deadline(round_map[r])},
                    url=f"/screening/{r}/?group_by=grid&village={grids[g].village_id}",
                ),
            )
            for r, g in chunk
        ]

    return _send_in_chunks([p for p in pairs if recipients(grids[p[1]])], build)


def screening_deduct_missed(*, now: dt.datetime) -> int:
    """排查未报告: for every round whose deadline passed more than ``MISSED_AFTER`` ago (looking
    back ``MISSED_LOOKBACK``), each active grid that never reported costs its leader points, once
    per grid and round (``governance.points.points_for_screening_missed`` keeps it idempotent).
    One query finds them all. Returns how many were deducted."""
    rounds = ScreeningRound.objects.filter(
        due_at__lte=now - MISSED_AFTER, due_at__gt=now - MISSED_AFTER - MISSED_LOOKBACK
    )
    reported = ScreeningReport.objects.filter(round=OuterRef("pk"), grid=OuterRef("grid_id"))
    missed = list(
        rounds.filter(
            **{
                f"{ROUND_GRIDS}__is_active": True,
                f"{ROUND_VILLAGES}__is_archived": False,
                f"{ROUND_GRIDS}__workers__role": GridWorker.Role.LEADER,
                f"{ROUND_GRIDS}__workers__is_active": True,
            }
        )
        .annotate(grid_id=F(f"{ROUND_GRIDS}__id"), leader_id=F(f"{ROUND_GRIDS}__workers__id"))
        .filter(~Exists(reported))
        .order_by("pk", "grid_id")
        .values_list("pk", "grid_id", "leader_id", "due_at")
    )
    return points.points_for_screening_missed(missed=missed)
