"""Patrols (巡逻, 联勤, 群防群治): plans with a route of checkpoints and participants, the patrols
run on them (start, check in at each checkpoint, end) and what they found (隐患/线索), which
becomes a dispute case or an incident in one action."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from disputes.models import DisputeCase
from governance.models import Grid, Region, VolunteerMember, VolunteerTeam
from stations.models import AuxiliaryOfficer, Incident, Officer, Station

from .visits.models import GridCheckIn, RiskVisit  # noqa: F401  (registered with the app's models)


class PatrolPlan(models.Model):
    station = models.ForeignKey(
        Station, verbose_name=_("派出所"), on_delete=models.PROTECT, related_name="patrol_plans"
    )
    title = models.CharField(_("巡逻任务"), max_length=64)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    officers = models.ManyToManyField(
        Officer, verbose_name=_("民警"), blank=True, related_name="patrol_plans"
    )
    auxiliary_officers = models.ManyToManyField(
        AuxiliaryOfficer, verbose_name=_("辅警"), blank=True, related_name="patrol_plans"
    )
    volunteer_teams = models.ManyToManyField(
        VolunteerTeam, verbose_name=_("群防群治队伍"), blank=True, related_name="patrol_plans"
    )
    volunteer_members = models.ManyToManyField(
        VolunteerMember, verbose_name=_("队员"), blank=True, related_name="patrol_plans"
    )
    joint_units = models.CharField(
        _("联勤单位"),
        max_length=128,
        blank=True,
        help_text=_("多个单位联合巡逻时填写,如 交警中队、综治中心、村委会。"),
    )
    note = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey(
        "governance.User", verbose_name=_("制定人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("制定时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("巡逻计划")
        verbose_name_plural = _("巡逻计划")
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="patrolplan_ends_after_start",
                violation_error_message=_("结束时间须晚于开始时间。"),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class PatrolCheckpoint(models.Model):
    """One stop of a plan's route, in order: a village, a grid, or a named place."""

    plan = models.ForeignKey(
        PatrolPlan, verbose_name=_("巡逻计划"), on_delete=models.CASCADE, related_name="checkpoints"
    )
    order = models.PositiveSmallIntegerField(_("顺序"))
    village = models.ForeignKey(
        Region,
        verbose_name=_("村(社区)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind__in": Region.VILLAGE_KINDS},
    )
    grid = models.ForeignKey(
        Grid, verbose_name=_("网格"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    place = models.CharField(_("地点"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("巡逻点")
        verbose_name_plural = _("巡逻点")
        ordering = ["plan", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "order"], name="checkpoint_unique_order"),
            models.CheckConstraint(
                condition=Q(village__isnull=False) | Q(grid__isnull=False) | ~Q(place=""),
                name="checkpoint_has_a_place",
                violation_error_message=_("巡逻点须选择村、网格或填写地点。"),
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        parts = [
            p
            for p in (
                self.village.name if self.village is not None else "",
                self.grid.name if self.grid is not None else "",
                self.place,
            )
            if p
        ]
        return " · ".join(parts)


class Patrol(models.Model):
    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("巡逻中")
        ENDED = "ended", _("已结束")

    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.IN_PROGRESS: frozenset({Status.ENDED}),
        Status.ENDED: frozenset(),
    }

    plan = models.ForeignKey(
        PatrolPlan,
        verbose_name=_("巡逻计划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="patrols",
    )
    station = models.ForeignKey(
        Station, verbose_name=_("派出所"), on_delete=models.PROTECT, related_name="patrols"
    )
    title = models.CharField(_("巡逻"), max_length=64)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    started_at = models.DateTimeField(_("开始时间"))
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    started_by = models.ForeignKey(
        "governance.User", verbose_name=_("带队人"), on_delete=models.PROTECT, related_name="+"
    )
    summary = models.TextField(_("巡逻小结"), blank=True)

    class Meta:
        verbose_name = _("巡逻记录")
        verbose_name_plural = _("巡逻记录")
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan"],
                condition=Q(status="in_progress"),
                name="patrol_one_in_progress_per_plan",
                violation_error_message=_("该计划已有一次正在进行的巡逻。"),
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="patrol_ends_after_start",
                violation_error_message=_("结束时间不能早于开始时间。"),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_in_progress(self) -> bool:
        return self.status == self.Status.IN_PROGRESS


class PatrolCheckIn(models.Model):
    patrol = models.ForeignKey(
        Patrol, verbose_name=_("巡逻"), on_delete=models.PROTECT, related_name="check_ins"
    )
    checkpoint = models.ForeignKey(
        PatrolCheckpoint, verbose_name=_("巡逻点"), on_delete=models.PROTECT, related_name="check_ins"
    )
    checked_in_at = models.DateTimeField(_("打卡时间"))
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    created_by = models.ForeignKey(
        "governance.User", verbose_name=_("打卡人"), on_delete=models.PROTECT, related_name="+"
    )
    distance_m = models.FloatField(_("距巡逻点距离(米)"), null=True, blank=True)
    recorded_offline_at = models.DateTimeField(_("离线记录时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("巡逻打卡")
        verbose_name_plural = _("巡逻打卡")
        ordering = ["patrol", "checked_in_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["patrol", "checkpoint"],
                name="patrol_checkin_once",
                violation_error_message=_("该巡逻点已打卡。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.patrol} · {self.checkpoint}"


class PatrolAttendance(models.Model):
    """One participant present at a patrol (到岗签到): an officer, an auxiliary officer or a
    volunteer member, checked in by the patrol's leader or by themselves on the phone. Only the
    ones present earn patrol points."""

    patrol = models.ForeignKey(
        Patrol, verbose_name=_("巡逻"), on_delete=models.PROTECT, related_name="attendance"
    )
    officer = models.ForeignKey(
        Officer, verbose_name=_("民警"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    auxiliary_officer = models.ForeignKey(
        AuxiliaryOfficer,
        verbose_name=_("辅警"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    volunteer_member = models.ForeignKey(
        VolunteerMember,
        verbose_name=_("队员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="patrol_attendance",
    )
    checked_in_at = models.DateTimeField(_("到岗时间"))
    checked_in_by = models.ForeignKey(
        "governance.User", verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    by_self = models.BooleanField(_("本人签到"), default=False)

    class Meta:
        verbose_name = _("巡逻到岗")
        verbose_name_plural = _("巡逻到岗")
        ordering = ["patrol", "checked_in_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(officer__isnull=False, auxiliary_officer__isnull=True, volunteer_member__isnull=True)
                    | Q(officer__isnull=True, auxiliary_officer__isnull=False, volunteer_member__isnull=True)
                    | Q(officer__isnull=True, auxiliary_officer__isnull=True, volunteer_member__isnull=False)
                ),
                name="attendance_one_person",
                violation_error_message=_("到岗记录须对应一名民警、辅警或队员。"),
            ),
            models.UniqueConstraint(
                fields=["patrol", "officer"],
                condition=Q(officer__isnull=False),
                name="attendance_officer_once",
            ),
            models.UniqueConstraint(
                fields=["patrol", "auxiliary_officer"],
                condition=Q(auxiliary_officer__isnull=False),
                name="attendance_auxiliary_once",
            ),
            models.UniqueConstraint(
                fields=["patrol", "volunteer_member"],
                condition=Q(volunteer_member__isnull=False),
                name="attendance_volunteer_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patrol} · {self.person}"

    @property
    def person(self):
        return self.officer or self.auxiliary_officer or self.volunteer_member


class PatrolFinding(models.Model):
    class Kind(models.TextChoices):
        HAZARD = "hazard", _("隐患")
        LEAD = "lead", _("线索")

    patrol = models.ForeignKey(
        Patrol, verbose_name=_("巡逻"), on_delete=models.PROTECT, related_name="findings"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.HAZARD)
    description = models.TextField(_("情况描述"))
    village = models.ForeignKey(
        Region,
        verbose_name=_("村(社区)"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind__in": Region.VILLAGE_KINDS},
    )
    address = models.CharField(_("地点"), max_length=128, blank=True)
    found_at = models.DateTimeField(_("发现时间"))
    created_by = models.ForeignKey(
        "governance.User", verbose_name=_("发现人"), on_delete=models.PROTECT, related_name="+"
    )
    case = models.OneToOneField(
        DisputeCase,
        verbose_name=_("转为案件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="patrol_finding",
    )
    incident = models.OneToOneField(
        Incident,
        verbose_name=_("转为警情"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="patrol_finding",
    )

    class Meta:
        verbose_name = _("巡逻发现")
        verbose_name_plural = _("巡逻发现")
        ordering = ["patrol", "found_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(case__isnull=True) | Q(incident__isnull=True),
                name="finding_one_outcome",
                violation_error_message=_("一条发现只能转为案件或警情之一。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}:{self.description[:20]}"

    @property
    def is_handled(self) -> bool:
        return bool(self.case_id or self.incident_id)
