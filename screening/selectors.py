"""Rolling screening: scoped reads, used by pages, the phone page and the dashboards.

``screening_round_list`` / ``screening_round_get`` (404 outside scope),
``screening_completeness`` (on time / late / missing per grid, village, township or station in
one query), ``screening_report_get``, ``screening_current_round``, ``screening_linkable_cases``.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from django.db.models import (
    Case,
    CharField,
    Count,
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
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError
from disputes.models import OPEN_STATUSES, DisputeCase
from disputes.selectors import case_ids
from governance import capabilities, scoping
from governance.models import Grid, Region, User
from governance.roles import Role

from .models import RoundGrid, ScreeningReport, ScreeningRound

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The path from a round to the grids it covers (county → township → village → grid).
ROUND_VILLAGES = "county__children__children"
ROUND_GRIDS = f"{ROUND_VILLAGES}__grids"


def may_file(user: User) -> bool:
    """Whether the user's role may file screening reports (for grids in their scope): the grid's
    own people, and the village auxiliary officer or station staff on the grid's behalf."""
    return capabilities.may(user, "screening.file")


# --- Selectors ----------------------------------------------------------------------------
def round_ids(user: User) -> QuerySet:
    """Rounds of the counties that hold a village in the user's scope (values-queryset)."""
    if scoping.is_county_wide(user):
        return ScreeningRound.objects.values("pk")
    counties = Region.objects.filter(children__children__in=scoping.village_ids(user)).values("pk")
    return ScreeningRound.objects.filter(county__in=counties).values("pk")


def _scoped_round_grids(user: User, *, county: Region | int | None = None) -> QuerySet[Grid]:
    """Grids in the user's scope that rounds cover (active, village not archived)."""
    qs = Grid.objects.filter(pk__in=scoping.grid_ids(user), is_active=True, village__is_archived=False)
    if county is not None:
        qs = qs.filter(village__parent__parent=county)
    return qs


def counted_grids(round: ScreeningRound) -> QuerySet[Grid]:
    """The grids a round counts — the one definition of the completeness page, the round list
    and the dashboards: every active grid of the round's county whose village is not archived,
    and any other grid that reported in it (a grid deactivated after it reported still counts,
    with its report)."""
    reported = ScreeningReport.objects.filter(round=round).values("grid_id")
    return Grid.objects.filter(village__parent__parent_id=round.county_id).filter(
        Q(is_active=True, village__is_archived=False) | Q(pk__in=reported)
    )


def _summary_rows(user: User) -> QuerySet[RoundGrid]:
    """The completeness summary rows (``RoundGrid``) of the grids in the user's scope."""
    rows = RoundGrid.objects.all()
    if scoping.is_county_wide(user):
        return rows
    return rows.filter(grid__in=scoping.grid_ids(user))


def screening_round_list(*, user: User) -> QuerySet[ScreeningRound]:
    """Rounds in scope, each annotated with the user's own completeness figures: ``on_time``,
    ``late``, ``missing``, ``total`` (grids in the user's scope only). One query.

    The figures are counted from the completeness summary (``RoundGrid``, one row per round and
    counted grid, kept by the services and rebuilt nightly), not from the round × grid anti-join
    over the territory; ``screening_completeness`` (the raw rows) gives the same totals."""

    def _count(condition: Q) -> Coalesce:
        rows = (
            _summary_rows(user)
            .filter(condition, round=OuterRef("pk"))
            .order_by()
            .values("round")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(rows, output_field=IntegerField()), 0)

    return (
        ScreeningRound.objects.filter(pk__in=round_ids(user))
        .select_related("county")
        .annotate(
            on_time=_count(Q(filed_at__lte=OuterRef("due_at"))),
            late=_count(Q(filed_at__gt=OuterRef("due_at"))),
            missing=_count(Q(filed_at__isnull=True)),
        )
        .annotate(total=F("on_time") + F("late") + F("missing"))
        .order_by("-opens_on", "-pk")
    )


def screening_round_get(*, user: User, pk: int | str) -> ScreeningRound:
    return get_object_or_404(
        ScreeningRound.objects.filter(pk__in=round_ids(user)).select_related("county"), pk=pk
    )


GroupBy = Literal["grid", "village", "township", "station"]
GROUP_BY_CHOICES: "list[tuple[str, StrOrPromise]]" = [
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
    *, user: User, round: ScreeningRound, group_by: GroupBy = "grid", filters: dict[str, Any] | None = None
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
    grids = (
        counted_grids(round)
        .filter(pk__in=scoping.grid_ids(user))
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


def screening_report_get(*, user: User, pk: int | str) -> ScreeningReport:
    """A report of a grid in scope, with its items and their cases (404 otherwise)."""
    qs = ScreeningReport.objects.filter(
        round__in=round_ids(user), grid__in=scoping.grid_ids(user)
    ).select_related("round", "grid", "grid__village", "filed_by")
    report = get_object_or_404(qs, pk=pk)
    report.item_list = list(report.items.select_related("case").order_by("pk"))
    return report


def screening_grid_get(*, user: User, round: ScreeningRound, pk: int | str) -> Grid:
    """A grid the round covers and the user may see (404 otherwise)."""
    return get_object_or_404(
        _scoped_round_grids(user, county=round.county_id).select_related("village", "village__parent"), pk=pk
    )


def screening_user_grid(*, user: User) -> Grid | None:
    """The grid of a grid worker (网格长/网格员) account, or None."""
    if capabilities.role_of(user) != Role.GRID:
        return None
    return (
        Grid.objects.filter(pk__in=scoping.grid_ids(user), is_active=True)
        .select_related("village", "village__parent")
        .order_by("pk")
        .first()
    )


def screening_current_round(*, user: User, grid: Grid) -> ScreeningRound | None:
    """The latest round covering the grid (open, or past its deadline when none has opened since)."""
    county_id = grid.village.parent.parent_id if grid.village.parent is not None else None
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


def screening_linkable_cases(*, user: User, grid: Grid) -> QuerySet[DisputeCase]:
    """Open cases of the grid's village the user may see, the grid's own first: what a
    screening item may link to."""
    return (
        DisputeCase.objects.filter(
            pk__in=case_ids(user), village_id=grid.village_id, status__in=OPEN_STATUSES
        )
        .annotate(
            own=Case(When(grid_id=grid.pk, then=Value(0)), default=Value(1), output_field=IntegerField())
        )
        .order_by("own", "-reported_at")
    )
