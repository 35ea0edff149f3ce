"""Risk → visit (风险 → 核查走访任务 → 到村/到网格核查): the visit a case's risk calls for, and the
grid worker's check-in that, like an officer's village check-in, completes it. App label
``patrols`` (the package this module is in); ``patrols/models.py`` imports these models so that
Django registers them with the app's other models."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from stations.models import VisitOutcome


class RiskVisit(models.Model):
    """A visit the risk of a case calls for (核查走访任务): when a case's risk rises to 红 or 橙, the
    grid's workers and the village's attached officer (and auxiliary officer) are asked to go and
    see. Whether it is done is not stored: it is derived — a check-in made for this visit (a
    ``stations.VillageVisit`` or a ``GridCheckIn`` whose ``risk_visit`` is this one) by one of its
    assignees after the visit was asked for; verified when that check-in is (see
    ``patrols.visits.selectors.done_filter``). The case's risk when the visit was asked for is kept
    so the command centre can see what changed after the visit."""

    case = models.ForeignKey(
        "disputes.DisputeCase", verbose_name=_("案件"), on_delete=models.PROTECT, related_name="risk_visits"
    )
    level = models.CharField(_("触发风险等级"), max_length=8)
    village = models.ForeignKey(
        "governance.Region", verbose_name=_("村(社区)"), on_delete=models.PROTECT, related_name="risk_visits"
    )
    grid = models.ForeignKey(
        "governance.Grid",
        verbose_name=_("网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="risk_visits",
    )
    created_at = models.DateTimeField(_("下发时间"))
    due_at = models.DateTimeField(_("核查期限"))
    assignees = models.ManyToManyField(
        "governance.User", verbose_name=_("核查人员"), blank=True, related_name="risk_visits"
    )
    risk_score_at_creation = models.PositiveSmallIntegerField(_("下发时风险分"), null=True, blank=True)
    risk_level_at_creation = models.CharField(
        _("下发时风险等级"), max_length=8, blank=True, default="", db_default=""
    )

    class Meta:
        verbose_name = _("核查走访任务")
        verbose_name_plural = _("核查走访任务")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "level"], name="riskvisit_one_per_case_and_level")
        ]

    def __str__(self) -> str:
        return _("%(case)s 核查走访") % {"case": self.case}


class GridCheckIn(models.Model):
    """A grid worker's check-in in their grid (走访核查), from the phone, with optional GPS: the
    server's time, the distance from the grid's boundary, and (made for a risk visit) the visit
    and its outcome."""

    grid = models.ForeignKey(
        "governance.Grid", verbose_name=_("网格"), on_delete=models.PROTECT, related_name="check_ins"
    )
    user = models.ForeignKey(
        "governance.User", verbose_name=_("签到人"), on_delete=models.PROTECT, related_name="+"
    )
    checked_in_at = models.DateTimeField(_("签到时间"))
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    note = models.CharField(_("核查情况"), max_length=200, blank=True)
    distance_m = models.FloatField(_("距网格距离(米)"), null=True, blank=True)
    verified = models.BooleanField(_("定位核实"), default=False, db_default=False)
    recorded_offline_at = models.DateTimeField(_("离线记录时间"), null=True, blank=True)
    risk_visit = models.ForeignKey(
        RiskVisit,
        verbose_name=_("核查走访任务"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grid_check_ins",
    )
    outcome = models.CharField(
        _("核查结果"), max_length=16, choices=VisitOutcome.choices, blank=True, default="", db_default=""
    )

    class Meta:
        verbose_name = _("网格走访签到")
        verbose_name_plural = _("网格走访签到")
        ordering = ["-checked_in_at", "-pk"]
        indexes = [models.Index(fields=["grid", "checked_in_at"])]

    def __str__(self) -> str:
        return f"{self.grid} {self.checked_in_at:%Y-%m-%d %H:%M}"
