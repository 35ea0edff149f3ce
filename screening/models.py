"""Rolling screening (滚动排查): rounds opened per county, a report from every grid (a zero-report
counts), the items it found (each linked to a dispute case).

The tables were made by ``disputes``' migrations and keep their names (``db_table``); this app
took the models over with state-only migrations, so an existing database loses nothing.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.models import DisputeCase
from governance.models import Grid, Region


class ScreeningPolicy(models.Model):
    """How often a county opens screening rounds and how long grids have to report."""

    county = models.OneToOneField(
        Region,
        verbose_name=_("县"),
        on_delete=models.PROTECT,
        related_name="screening_policy",
        limit_choices_to={"kind": Region.Kind.COUNTY},
    )
    interval_days = models.PositiveSmallIntegerField(_("排查周期(天)"), default=7)
    due_days = models.PositiveSmallIntegerField(_("报告期限(天)"), default=5)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        db_table = "disputes_screeningpolicy"  # made by disputes' migrations, kept as it is
        verbose_name = _("滚动排查设置")
        verbose_name_plural = _("滚动排查设置")
        constraints = [
            models.CheckConstraint(
                condition=Q(interval_days__gte=1),
                name="screeningpolicy_interval_positive",
                violation_error_message=_("排查周期至少1天。"),
            ),
            models.CheckConstraint(
                condition=Q(due_days__gte=1),
                name="screeningpolicy_due_positive",
                violation_error_message=_("报告期限至少1天。"),
            ),
        ]

    def __str__(self) -> str:
        return _("%(county)s:每%(interval)s天,%(due)s天内报告") % {
            "county": self.county,
            "interval": self.interval_days,
            "due": self.due_days,
        }


class ScreeningRound(models.Model):
    county = models.ForeignKey(Region, verbose_name=_("县"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("名称"), max_length=64)
    opens_on = models.DateField(_("开始日期"))
    due_at = models.DateTimeField(_("报告截止"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        db_table = "disputes_screeninground"  # made by disputes' migrations, kept as it is
        verbose_name = _("滚动排查轮次")
        verbose_name_plural = _("滚动排查轮次")
        ordering = ["-opens_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["county", "opens_on"], name="screeninground_unique_day")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return timezone.now() <= self.due_at


class ScreeningArea(models.TextChoices):
    """The five areas of latent disputes the rolling screening looks at (plus others)."""

    ILLNESS_MEDICAL = "illness_medical", _("患病就医")
    SCHOOL_EMPLOYMENT = "school_employment", _("上学就业")
    LABOUR_DEBT = "labour_debt", _("劳资债务")
    FAMILY_NEIGHBOUR = "family_neighbour", _("家庭邻里")
    MARRIAGE_ROMANCE = "marriage_romance", _("婚恋情感")
    OTHER = "other", _("其他")


class ScreeningReport(models.Model):
    """A grid's report for a round: what it found, or an explicit zero-report (零报告)."""

    round = models.ForeignKey(
        ScreeningRound, verbose_name=_("轮次"), on_delete=models.PROTECT, related_name="reports"
    )
    grid = models.ForeignKey(
        Grid, verbose_name=_("网格"), on_delete=models.PROTECT, related_name="screening_reports"
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("报告人"), on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(_("报告时间"), default=timezone.now)
    is_zero = models.BooleanField(_("零报告"), default=False)
    note = models.TextField(_("说明"), blank=True)

    item_list: list["ScreeningItem"]  # not a field: set by the selectors for the report page

    class Meta:
        db_table = "disputes_screeningreport"  # made by disputes' migrations, kept as it is
        verbose_name = _("排查报告")
        verbose_name_plural = _("排查报告")
        ordering = ["-filed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "grid"],
                name="screeningreport_one_per_grid",
                violation_error_message=_("该网格本轮已提交排查报告。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.grid}"

    @property
    def is_late(self) -> bool:
        return self.filed_at > self.round.due_at


class ScreeningItem(models.Model):
    report = models.ForeignKey(ScreeningReport, on_delete=models.PROTECT, related_name="items")
    area = models.CharField(_("排查领域"), max_length=24, choices=ScreeningArea.choices)
    description = models.TextField(_("隐患情况"))
    case = models.ForeignKey(
        DisputeCase, verbose_name=_("关联案件"), on_delete=models.PROTECT, related_name="screening_items"
    )
    is_new_case = models.BooleanField(_("新立案件"), default=False)

    class Meta:
        db_table = "disputes_screeningitem"  # made by disputes' migrations, kept as it is
        verbose_name = _("排查发现")
        verbose_name_plural = _("排查发现")
        ordering = ["report", "pk"]

    def __str__(self) -> str:
        return f"{self.get_area_display()}:{self.description[:20]}"


class RoundGrid(models.Model):
    """A grid a round counts, with its report's filing time (None: missing): the completeness
    summary (issue 15), one row per (round, grid), so that ``/screening/`` and the dashboards
    count rows of one table instead of the round × grid anti-join over the territory. The grids
    are ``selectors.counted_grids``; on time or late is ``filed_at`` against the round's
    ``due_at`` at read time. Derived data: written by ``services.round_grids_refresh`` in the
    transaction of the write that changes it (a round opened, a report filed, a grid created,
    deactivated or archived) and rebuilt nightly (``round_grids_rebuild``)."""

    round = models.ForeignKey(ScreeningRound, on_delete=models.CASCADE, related_name="+")
    grid = models.ForeignKey(Grid, on_delete=models.CASCADE, related_name="+")
    village = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")  # the grid's
    filed_at = models.DateTimeField(_("报告时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("排查完整率汇总")
        verbose_name_plural = _("排查完整率汇总")
        constraints = [models.UniqueConstraint(fields=["round", "grid"], name="roundgrid_unique")]
        indexes = [models.Index(fields=["round", "village", "filed_at"], name="roundgrid_round_village")]

    def __str__(self) -> str:
        return f"{self.round_id} · {self.grid_id}"
