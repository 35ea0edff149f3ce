"""Rolling screening (滚动排查): services and scoped selectors, both in this one module.

* Services (writes with rules, keyword-only, one transaction each): ``screening_rounds_open_due``
  opens a county's round on schedule (idempotent: one round per county and day);
  ``screening_report_file`` files a grid's report — latent disputes found, each linked to an
  existing case or opening a new one (source 滚动排查), or an explicit zero-report (零报告).
* Sweeps: ``screening_send_reminders`` (a day before the deadline, to the grid's workers) and
  ``screening_flag_overdue`` (after it, to the village's auxiliary officer and the station's
  staff). The missing grids are found with one query over round × grid; notifications are
  written in chunks (``settings.SWEEP_CHUNK_SIZE``), each chunk its own transaction through
  ``governance.notifications.notify_many`` with a key of kind, grid and round, so a sweep run
  twice or killed halfway and run again sends every reminder exactly once. A grid whose report
  arrives meanwhile is dropped from the chunk still to be written.
* Selectors (reads, scoped by ``governance.scoping``): ``screening_round_list`` /
  ``screening_round_get`` (404 outside scope), ``screening_completeness`` (on time / late /
  missing per grid, village, township or station in one query), ``screening_report_get``,
  ``screening_open_round_for_grid``, ``screening_linkable_cases``.

A round covers every active grid of its county (grid → village → township → county); a grid
deactivated after it reported still counts with its report.
"""

import datetime as dt
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance import points, scoping
from governance.errors import ConflictError, DomainError, NotPermitted
from governance.models import Grid, GridWorker, Region, User
from governance.notifications import Message, notify_many
from stations.models import Officer, VillageAssignment

from .models import (
    OPEN_STATUSES,
    CaseEvent,
    DisputeCase,
    ScreeningArea,
    ScreeningItem,
    ScreeningPolicy,
    ScreeningReport,
    ScreeningRound,
    Source,
)

logger = logging.getLogger(__name__)
R = User.Role

# Roles that may file a grid's report: the grid's own people (leader or worker), and the village
# auxiliary officer or station staff on the grid's behalf. Always inside the actor's scope.
FILING_ROLES = frozenset({R.ADMIN, R.STATION, R.AUXILIARY, R.GRID})
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

# The path from a round to the grids it covers (county → township → village → grid).
_VILLAGES = "county__children__children"
_GRIDS = f"{_VILLAGES}__grids"


def _role(user) -> str:
    if not scoping.has_scope(user):
        return ""
    return R.ADMIN if user.is_superuser else user.role


def may_file(user) -> bool:
    """Whether the user's role may file screening reports (for grids in their scope)."""
    return _role(user) in FILING_ROLES


def _covered_grids(county_id) -> QuerySet[Grid]:
    """Active grids of a county, in villages not archived."""
    return Grid.objects.filter(
        is_active=True, village__is_archived=False, village__parent__parent_id=county_id
    )


# --- Opening rounds -----------------------------------------------------------------------
def _end_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)), timezone.get_default_timezone())


def round_title(opens_on: dt.date, interval_days: int) -> str:
    if interval_days % 7 == 0:
        year, week, _weekday = opens_on.isocalendar()
        return _("%(y)d年第%(w)d周滚动排查") % {"y": year, "w": week}
    return _("%(y)d年%(m)d月%(d)d日滚动排查") % {"y": opens_on.year, "m": opens_on.month, "d": opens_on.day}


def screening_policy_for(*, county: Region) -> ScreeningPolicy:
    """The county's policy, created with the defaults (weekly, due in 5 days) when it has none."""
    policy, _created = ScreeningPolicy.objects.get_or_create(county=county)
    return policy


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
    return opened


# --- Filing a report ----------------------------------------------------------------------
def _item_error(index: int, message: str) -> DomainError:
    return DomainError(_("第%(n)d条发现:%(m)s") % {"n": index, "m": message}, field="items")


def _linked_case(*, actor: User, grid: Grid, value: Any, index: int) -> DisputeCase:
    from .selectors import case_ids

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
    from . import services

    data = {k: item[k] for k in NEW_CASE_FIELDS if k in item and item[k] not in (None, "")}
    if not data.get("category"):
        raise _item_error(index, _("新立案件请选择纠纷类别。"))
    data.setdefault("summary", item.get("description", ""))
    if not (data["summary"] or "").strip():
        raise _item_error(index, _("新立案件请填写简要案情。"))
    try:
        return services.case_report(
            actor=actor,
            village=grid.village,
            grid=grid,
            source=Source.SCREENING,
            note=_("%(r)s排查发现") % {"r": round.title},
            **data,
        )
    except ValidationError as err:
        raise _item_error(index, ";".join(err.messages)) from err
    except NotPermitted:
        raise
    except DomainError as err:
        raise _item_error(index, err.message) from err


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
    if ScreeningReport.objects.filter(round=round, grid=grid).exists():
        raise ConflictError(_("该网格本轮已提交排查报告。"), code="duplicate")

    now = timezone.now()
    try:
        with transaction.atomic():
            report = ScreeningReport.objects.create(
                round=round, grid=grid, filed_by=actor, filed_at=now, is_zero=zero, note=(note or "").strip()
            )
    except IntegrityError:
        raise ConflictError(_("该网格本轮已提交排查报告。"), code="duplicate") from None

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
    points.points_for_screening_report(report=report)  # 积分: on time +, late −; never fails the filing
    return report


# --- Sweeps -------------------------------------------------------------------------------
def _missing_pairs(rounds: QuerySet[ScreeningRound]) -> list[tuple[int, int]]:
    """(round id, grid id) for every active grid of each round's county with no report in that
    round: one query over round × grid, whatever the number of grids."""
    report = ScreeningReport.objects.filter(round=OuterRef("pk"), grid=OuterRef("grid_id"))
    return list(
        rounds.filter(**{f"{_GRIDS}__is_active": True, f"{_VILLAGES}__is_archived": False})
        .annotate(grid_id=F(f"{_GRIDS}__id"))
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


def _send_in_chunks(pairs: list[tuple[int, int]], build, *, sms: bool = False) -> int:
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
        workers.setdefault(w.grid_id, []).append(w.user)
        grids[w.grid_id] = w.grid

    def build(chunk):
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
        a.village_id: a.auxiliary_officer.user
        for a in VillageAssignment.objects.filter(
            village_id__in=village_ids,
            kind=VillageAssignment.Kind.AUXILIARY,
            end_date__isnull=True,
            auxiliary_officer__is_active=True,
            auxiliary_officer__user__isnull=False,
        ).select_related("auxiliary_officer__user")
    }
    stations = _village_stations(village_ids)
    staff: dict[int, list[User]] = {}
    for officer in Officer.objects.filter(
        station_id__in=set(stations.values()), is_active=True, user__isnull=False
    ).select_related("user"):
        staff.setdefault(officer.station_id, []).append(officer.user)

    def recipients(grid: Grid) -> list[User]:
        people = [aux[grid.village_id]] if grid.village_id in aux else []
        return people + staff.get(stations.get(grid.village_id), [])

    def build(chunk):
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


# --- Selectors ----------------------------------------------------------------------------
def round_ids(user) -> QuerySet:
    """Rounds of the counties that hold a village in the user's scope (values-queryset)."""
    if scoping.is_county_wide(user):
        return ScreeningRound.objects.values("pk")
    counties = Region.objects.filter(children__children__in=scoping.village_ids(user)).values("pk")
    return ScreeningRound.objects.filter(county__in=counties).values("pk")


def _scoped_round_grids(user, *, county=None) -> QuerySet[Grid]:
    """Grids in the user's scope that rounds cover (active, village not archived)."""
    qs = Grid.objects.filter(pk__in=scoping.grid_ids(user), is_active=True, village__is_archived=False)
    if county is not None:
        qs = qs.filter(village__parent__parent=county)
    return qs


def screening_round_list(*, user) -> QuerySet[ScreeningRound]:
    """Rounds in scope, each annotated with the user's own completeness figures: ``on_time``,
    ``late``, ``missing``, ``total`` (grids in the user's scope only). One query."""
    in_scope = Q(reports__grid__in=scoping.grid_ids(user))
    missing = (
        _scoped_round_grids(user)
        .filter(village__parent__parent=OuterRef("county"))
        .filter(~Exists(ScreeningReport.objects.filter(round=OuterRef(OuterRef("pk")), grid=OuterRef("pk"))))
        .order_by()
        .values("village__parent__parent")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        ScreeningRound.objects.filter(pk__in=round_ids(user))
        .select_related("county")
        .annotate(
            on_time=Count("reports", filter=in_scope & Q(reports__filed_at__lte=F("due_at"))),
            late=Count("reports", filter=in_scope & Q(reports__filed_at__gt=F("due_at"))),
            missing=Coalesce(Subquery(missing, output_field=IntegerField()), 0),
        )
        .annotate(total=F("on_time") + F("late") + F("missing"))
        .order_by("-opens_on", "-pk")
    )


def screening_round_get(*, user, pk) -> ScreeningRound:
    return get_object_or_404(
        ScreeningRound.objects.filter(pk__in=round_ids(user)).select_related("county"), pk=pk
    )


GroupBy = Literal["grid", "village", "township", "station"]
GROUP_BY_CHOICES: list[tuple[str, str]] = [
    ("station", gettext_lazy("派出所")),
    ("township", gettext_lazy("乡镇(街道)")),
    ("village", gettext_lazy("村(社区)")),
    ("grid", gettext_lazy("网格")),
]
_STATION = Coalesce("village__jurisdiction__station_id", "village__parent__jurisdiction__station_id")
_STATION_NAME = Coalesce(
    "village__jurisdiction__station__name",
    "village__parent__jurisdiction__station__name",
    output_field=CharField(),
)
_GROUP_FIELDS: dict[str, dict[str, Any]] = {
    "grid": {"key": F("pk"), "label": F("name"), "parent": F("village__name")},
    "village": {"key": F("village_id"), "label": F("village__name"), "parent": F("village__parent__name")},
    "township": {"key": F("village__parent_id"), "label": F("village__parent__name"), "parent": Value("")},
    "station": {"key": _STATION, "label": _STATION_NAME, "parent": Value("")},
}


class ReportStatus:
    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"
    LABELS = {
        ON_TIME: gettext_lazy("按时报告"),
        LATE: gettext_lazy("逾期补报"),
        MISSING: gettext_lazy("未报告"),
    }


def screening_completeness(
    *, user, round: ScreeningRound, group_by: GroupBy = "grid", filters: dict[str, Any] | None = None
) -> QuerySet:
    """Completeness of ``round`` in the user's scope, per ``group_by`` (grid, village, township
    or station): a values-queryset of dicts with ``key``, ``label``, ``parent`` (the village of
    a grid, the township of a village), ``total``, ``on_time``, ``late``, ``missing`` and, per
    grid, ``status``, ``report_id``, ``filed_at`` and ``is_zero``. One query whatever the
    number of grids (a left join on the round's reports and conditional aggregation).
    ``filters`` narrows to a ``station``, ``township`` or ``village`` id (drill-down)."""
    if group_by not in _GROUP_FIELDS:
        raise DomainError(_("不支持的分组方式。"), field="group_by")
    f = filters or {}
    reported = ScreeningReport.objects.filter(round=round).values("grid_id")
    grids = (
        Grid.objects.filter(pk__in=scoping.grid_ids(user), village__parent__parent_id=round.county_id)
        .filter(Q(is_active=True, village__is_archived=False) | Q(pk__in=reported))
        .annotate(rep=FilteredRelation("screening_reports", condition=Q(screening_reports__round=round)))
    )
    if f.get("village"):
        grids = grids.filter(village_id=f["village"])
    if f.get("township"):
        grids = grids.filter(village__parent_id=f["township"])
    if f.get("station"):
        grids = grids.annotate(station_id=_STATION).filter(station_id=f["station"])
    on_time = Q(rep__filed_at__lte=round.due_at)
    late = Q(rep__filed_at__gt=round.due_at)
    missing = Q(rep__isnull=True)
    fields = _GROUP_FIELDS[group_by]
    rows = (
        grids.annotate(**fields)
        .values(*fields)
        .annotate(
            total=Count("pk"),
            on_time=Count("pk", filter=on_time),
            late=Count("pk", filter=late),
            missing=Count("pk", filter=missing),
        )
    )
    if group_by == "grid":
        rows = rows.annotate(
            status=Case(
                When(missing, then=Value(ReportStatus.MISSING)),
                When(on_time, then=Value(ReportStatus.ON_TIME)),
                default=Value(ReportStatus.LATE),
                output_field=CharField(),
            ),
            report_id=F("rep__id"),
            filed_at=F("rep__filed_at"),
            is_zero=F("rep__is_zero"),
            township=F("village__parent__name"),
            station=_STATION_NAME,
        )
        return rows.order_by("village__parent__code", "village__code", "code")
    order = {
        "village": ["village__parent__code", "village__code"],
        "township": ["village__parent__code"],
        "station": ["label"],
    }[group_by]
    return rows.order_by(*order)


@dataclass
class Totals:
    total: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0

    @property
    def filed(self) -> int:
        return self.on_time + self.late

    @property
    def rate(self) -> int:
        """Share of grids that reported (on time or late), in whole percent."""
        return round(100 * self.filed / self.total) if self.total else 0


def completeness_totals(rows: Iterable[dict]) -> Totals:
    t = Totals()
    for row in rows:
        t.total += row["total"]
        t.on_time += row["on_time"]
        t.late += row["late"]
        t.missing += row["missing"]
    return t


def screening_report_get(*, user, pk) -> ScreeningReport:
    """A report of a grid in scope, with its items and their cases (404 otherwise)."""
    qs = ScreeningReport.objects.filter(
        round__in=round_ids(user), grid__in=scoping.grid_ids(user)
    ).select_related("round", "grid", "grid__village", "filed_by")
    report = get_object_or_404(qs, pk=pk)
    report.item_list = list(report.items.select_related("case").order_by("pk"))
    return report


def screening_grid_get(*, user, round: ScreeningRound, pk) -> Grid:
    """A grid the round covers and the user may see (404 otherwise)."""
    return get_object_or_404(
        _scoped_round_grids(user, county=round.county_id).select_related("village", "village__parent"), pk=pk
    )


def screening_user_grid(*, user) -> Grid | None:
    """The grid of a grid worker (网格长/网格员) account, or None."""
    if _role(user) != R.GRID:
        return None
    return (
        Grid.objects.filter(pk__in=scoping.grid_ids(user), is_active=True)
        .select_related("village", "village__parent")
        .order_by("pk")
        .first()
    )


def screening_current_round(*, user, grid: Grid) -> ScreeningRound | None:
    """The latest round covering the grid (open, or past its deadline when none has opened since)."""
    county_id = grid.village.parent.parent_id if grid.village.parent_id else None
    return (
        ScreeningRound.objects.filter(pk__in=round_ids(user), county_id=county_id)
        .order_by("-opens_on", "-pk")
        .first()
    )


def screening_grid_report(*, round: ScreeningRound, grid: Grid) -> ScreeningReport | None:
    report = (
        ScreeningReport.objects.filter(round=round, grid=grid)
        .select_related("round", "grid", "filed_by")
        .first()
    )
    if report is not None:
        report.item_list = list(report.items.select_related("case").order_by("pk"))
    return report


def screening_linkable_cases(*, user, grid: Grid) -> QuerySet[DisputeCase]:
    """Open cases of the grid's village the user may see, the grid's own first: what a
    screening item may link to."""
    from .selectors import case_ids

    return (
        DisputeCase.objects.filter(
            pk__in=case_ids(user), village_id=grid.village_id, status__in=OPEN_STATUSES
        )
        .annotate(
            own=Case(When(grid_id=grid.pk, then=Value(0)), default=Value(1), output_field=IntegerField())
        )
        .order_by("own", "-reported_at")
    )
