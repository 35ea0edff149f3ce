"""The dashboards' case figures per station, village and month, stored (issue 15).

A county keeps years of history: "新增", "办结", "化解" … of a year or of a three-year period, and
the twelve-month trend, would otherwise be counted from every case row each time a dashboard is
opened. ``CaseMonth`` holds the additive figures of ``disputes.figures`` for one station, village
and local calendar month; ``CaseMonthKey`` remembers under which station, village and months each
case was last counted, so that a change moving a case (a transfer, a re-opening that clears its
closing time) recomputes the rows it left as well as the rows it joined. Both are derived data:
kept by ``disputes.summary.store`` in the transaction of every case change (the timeline writer
``services._event`` calls it) and rebuilt nightly from the raw rows (``summary_rebuild``); the
agreement test holds them to the raw computation. Like ``IncidentLink``, registered with the
``disputes`` app by ``disputes/models.py``."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# the additive figures of one station, village and month, in the order of the model's fields
METRICS = (
    "new",  # registered in the month
    "accepted_new",  # … and not refused (不予受理)
    "accepted_new_closed",  # … and closed now
    "closed",  # closed (已办结) in the month
    "resolved",  # … with a mediation agreement (化解)
    "on_time",  # … by their deadline (按期办结)
    "resolved_grid",  # 化解 at each level
    "resolved_village",
    "resolved_township",
    "resolved_county",
    "escalated_village",  # escalations (by hand or automatic) to each level in the month
    "escalated_township",
    "escalated_county",
    "reopened",  # re-openings (复发) in the month
    "follow_ups",  # follow-up visits made in the month
    "follow_ups_content",  # … answered 满意 or 基本满意
)


class CaseMonth(models.Model):
    station = models.ForeignKey("stations.Station", on_delete=models.CASCADE, related_name="+")
    village = models.ForeignKey("governance.Region", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("月份"))  # the first day of the local calendar month
    new = models.PositiveIntegerField(default=0)
    accepted_new = models.PositiveIntegerField(default=0)
    accepted_new_closed = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    on_time = models.PositiveIntegerField(default=0)
    resolved_grid = models.PositiveIntegerField(default=0)
    resolved_village = models.PositiveIntegerField(default=0)
    resolved_township = models.PositiveIntegerField(default=0)
    resolved_county = models.PositiveIntegerField(default=0)
    escalated_village = models.PositiveIntegerField(default=0)
    escalated_township = models.PositiveIntegerField(default=0)
    escalated_county = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)
    follow_ups = models.PositiveIntegerField(default=0)
    follow_ups_content = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("案件月度汇总")
        verbose_name_plural = _("案件月度汇总")
        constraints = [
            models.UniqueConstraint(fields=["station", "village", "month"], name="case_month_unique"),
        ]
        indexes = [models.Index(fields=["month", "village"], name="case_month_month")]

    def __str__(self) -> str:
        return f"{self.station_id}/{self.village_id}/{self.month:%Y-%m}"


class CaseMonthKey(models.Model):
    """Where a case was last counted: its station and village, the month it was registered and
    the month it was closed (none while it is not 已办结)."""

    # derived rows, one per case, rebuilt in bulk (2 M at once): no database constraint on the
    # references, whose row-by-row checks would cost more than the rebuild (cases are never
    # deleted; the nightly rebuild writes every row from the cases themselves)
    case = models.OneToOneField(
        "disputes.DisputeCase",
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    station = models.ForeignKey(
        "stations.Station", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    village = models.ForeignKey(
        "governance.Region", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    reported_month = models.DateField()
    closed_month = models.DateField(null=True)

    class Meta:
        verbose_name = _("案件汇总归属")
        verbose_name_plural = _("案件汇总归属")

    def __str__(self) -> str:
        return f"{self.case_id}"
