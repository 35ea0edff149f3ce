"""Police stations (派出所), their jurisdiction, officers, auxiliary officers and who is attached
to which village (挂村民警, 一村一辅警), with dates so history is kept."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.limits import validate_date, validate_not_future, validate_text
from core.models import Versioned
from governance.models import Ethnicity, Gender, Region
from governance.validators import validate_id_number, validate_phone


class Station(Versioned):
    name = models.CharField(_("名称"), max_length=64, unique=True)
    code = models.CharField(_("编号"), max_length=20, unique=True)
    county = models.ForeignKey(
        Region,
        verbose_name=_("所属县"),
        on_delete=models.PROTECT,
        related_name="county_stations",
        limit_choices_to={"kind": Region.Kind.COUNTY},
    )
    address = models.CharField(_("地址"), max_length=128, blank=True)
    phone = models.CharField(_("值班电话"), max_length=20, blank=True, validators=[validate_phone])
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("派出所")
        verbose_name_plural = _("派出所")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Jurisdiction(models.Model):
    """A township (all its villages) or a single village under a station. A region is under at
    most one station."""

    station = models.ForeignKey(
        Station, verbose_name=_("派出所"), on_delete=models.CASCADE, related_name="jurisdictions"
    )
    region = models.OneToOneField(
        Region,
        verbose_name=_("辖区"),
        on_delete=models.PROTECT,
        related_name="jurisdiction",
        limit_choices_to={"kind__in": Region.TOWNSHIP_KINDS + Region.VILLAGE_KINDS},
    )

    class Meta:
        verbose_name = _("辖区")
        verbose_name_plural = _("辖区")
        ordering = ["station", "region__code"]

    def __str__(self) -> str:
        return f"{self.station} · {self.region}"


class Officer(Versioned):
    class Post(models.TextChoices):
        CHIEF = "chief", _("所长")
        DEPUTY_CHIEF = "deputy_chief", _("副所长")
        INSTRUCTOR = "instructor", _("教导员")
        COMMUNITY = "community", _("社区民警")
        CASE = "case", _("案件民警")
        DUTY = "duty", _("内勤民警")

    station = models.ForeignKey(
        Station, verbose_name=_("派出所"), on_delete=models.PROTECT, related_name="officers"
    )
    user = models.OneToOneField(
        "governance.User",
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="officer",
    )
    name = models.CharField(_("姓名"), max_length=32)
    badge_number = models.CharField(_("警号"), max_length=16, unique=True)
    post = models.CharField(_("岗位"), max_length=16, choices=Post.choices, default=Post.COMMUNITY)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, default=Gender.MALE)
    phone = models.CharField(_("联系电话"), max_length=20, validators=[validate_phone])
    is_active = models.BooleanField(_("在岗"), default=True)

    class Meta:
        verbose_name = _("民警")
        verbose_name_plural = _("民警")
        ordering = ["station__code", "post", "name"]

    def __str__(self) -> str:
        return f"{self.name}({self.get_post_display()})"


class AuxiliaryOfficer(Versioned):
    station = models.ForeignKey(
        Station, verbose_name=_("派出所"), on_delete=models.PROTECT, related_name="auxiliary_officers"
    )
    user = models.OneToOneField(
        "governance.User",
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="auxiliary_officer",
    )
    name = models.CharField(_("姓名"), max_length=32)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, default=Gender.MALE)
    ethnicity = models.CharField(_("民族"), max_length=16, choices=Ethnicity.choices, default=Ethnicity.YI)
    id_number = models.CharField(_("身份证号"), max_length=18, unique=True, validators=[validate_id_number])
    phone = models.CharField(_("联系电话"), max_length=20, validators=[validate_phone])
    is_active = models.BooleanField(_("在岗"), default=True)

    class Meta:
        verbose_name = _("辅警")
        verbose_name_plural = _("辅警")
        ordering = ["station__code", "name"]

    def __str__(self) -> str:
        return self.name


class VillageAssignment(models.Model):
    """Who is attached to a village, from when to when. One current assignment per village and kind."""

    class Kind(models.TextChoices):
        ATTACHED_OFFICER = "officer", _("挂村民警")
        AUXILIARY = "auxiliary", _("驻村辅警")

    village = models.ForeignKey(
        Region,
        verbose_name=_("村(社区)"),
        on_delete=models.PROTECT,
        related_name="assignments",
        limit_choices_to={"kind__in": Region.VILLAGE_KINDS},
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    officer = models.ForeignKey(
        Officer,
        verbose_name=_("民警"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    auxiliary_officer = models.ForeignKey(
        AuxiliaryOfficer,
        verbose_name=_("辅警"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    start_date = models.DateField(_("开始日期"), validators=[validate_not_future])
    end_date = models.DateField(_("结束日期"), null=True, blank=True, validators=[validate_date])
    note = models.CharField(_("备注"), max_length=128, blank=True)

    class Meta:
        verbose_name = _("驻村安排")
        verbose_name_plural = _("驻村安排")
        ordering = ["village__code", "kind", "-start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "kind"],
                condition=Q(end_date__isnull=True),
                name="assignment_one_current_per_village",
                violation_error_message=_("该村(社区)已有一名在岗的同类驻村人员,请先结束原安排。"),
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="officer", officer__isnull=False, auxiliary_officer__isnull=True)
                    | Q(kind="auxiliary", officer__isnull=True, auxiliary_officer__isnull=False)
                ),
                name="assignment_person_matches_kind",
                violation_error_message=_("挂村民警须选择民警,驻村辅警须选择辅警。"),
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="assignment_ends_after_start",
                violation_error_message=_("结束日期不能早于开始日期。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village} · {self.get_kind_display()} · {self.person}"

    @property
    def person(self):
        return self.officer if self.kind == self.Kind.ATTACHED_OFFICER else self.auxiliary_officer

    @property
    def is_current(self) -> bool:
        return self.end_date is None


# --- Incidents (警情) ------------------------------------------------------------------------
class Incident(Versioned):
    """A call received by the 110 system and handled by a station. ``number`` is the 110
    system's own number (unique per station), so importing the same export twice adds nothing.
    ``address_key`` is the normalised address (``stations.selectors.normalize_address``), kept
    so that repeat incidents at one place are found with an index."""

    class Category(models.TextChoices):
        CRIMINAL = "criminal", _("刑事")
        PUBLIC_ORDER = "public_order", _("治安")
        TRAFFIC = "traffic", _("交通事故")
        FIRE = "fire", _("火灾")
        HELP = "help", _("群众求助")
        DISPUTE = "dispute", _("纠纷")
        NOISE = "noise", _("噪音")
        COMPLAINT = "complaint", _("举报投诉")
        INVALID = "invalid", _("无效报警")
        OTHER = "other", _("其他")

    class ReferralStatus(models.TextChoices):
        NONE = "", _("未移交")
        PENDING = "pending", _("待答复")
        ANSWERED = "answered", _("已答复")

    station = models.ForeignKey(
        Station, verbose_name=_("派出所"), on_delete=models.PROTECT, related_name="incidents"
    )
    number = models.CharField(_("警情编号"), max_length=32)
    received_at = models.DateTimeField(_("接警时间"), validators=[validate_not_future])
    category = models.CharField(_("警情类别"), max_length=16, choices=Category.choices)
    village = models.ForeignKey(
        Region,
        verbose_name=_("村(社区)"),
        on_delete=models.PROTECT,
        related_name="incidents",
        limit_choices_to={"kind__in": Region.VILLAGE_KINDS},
    )
    address = models.CharField(_("发生地址"), max_length=128, blank=True)
    address_key = models.CharField(_("规范化地址"), max_length=128, blank=True, editable=False)
    # stored, not computed at read time (issue 15): set by the services that record and edit
    # incidents (``services.incident_repeats_refresh``) and rebuilt nightly
    # (``services.incident_repeats_rebuild``); the definition is ``selectors.is_repeat_incident``
    is_repeat = models.BooleanField(_("重复警情"), db_default=False, editable=False)
    caller_name = models.CharField(_("报警人"), max_length=32, blank=True)
    caller_phone = models.CharField(_("报警电话"), max_length=20, blank=True, validators=[validate_phone])
    parties = models.TextField(_("当事人"), blank=True, validators=[validate_text])
    summary = models.TextField(_("简要警情"), validators=[validate_text])
    outcome = models.TextField(_("处置结果"), blank=True, validators=[validate_text])
    referred_to = models.CharField(
        _("移交部门"),
        max_length=64,
        blank=True,
        help_text=_("非警务类警情移交的部门,如 12345 热线、劳动监察、民政。"),
    )
    referred_at = models.DateTimeField(_("移交时间"), null=True, blank=True)
    referral_status = models.CharField(
        _("移交状态"), max_length=16, choices=ReferralStatus.choices, blank=True, default=ReferralStatus.NONE
    )
    referral_answer = models.TextField(_("部门答复"), blank=True, validators=[validate_text])
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        "governance.User",
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("警情")
        verbose_name_plural = _("警情")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "number"],
                name="incident_unique_number_per_station",
                violation_error_message=_("该派出所已有相同编号的警情。"),
            ),
            models.CheckConstraint(
                condition=Q(referral_status="") | ~Q(referred_to=""),
                name="incident_referral_has_department",
                violation_error_message=_("移交须填写移交部门。"),
            ),
        ]
        indexes = [
            models.Index(fields=["village", "address_key", "received_at"]),
            models.Index(fields=["caller_phone", "received_at"]),
            models.Index(fields=["received_at"]),
            models.Index(fields=["category", "received_at"], name="incident_category_received"),
            # the dashboards' incidents of a period (by category, repeats) read from the index alone
            models.Index(
                fields=["received_at"],
                # and the place and phone: the nightly risk run's incidents of its window
                include=["id", "village", "category", "is_repeat", "address_key", "caller_phone"],
                name="incident_period_cover",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.get_category_display()}"

    @property
    def is_non_police(self) -> bool:
        return self.category in (
            self.Category.HELP,
            self.Category.COMPLAINT,
            self.Category.NOISE,
            self.Category.OTHER,
        )


class ImportJob(models.Model):
    """One upload of a 110 export. The file is kept in the row (a few hundred KB at most), so a
    Celery worker on another machine can read it; progress and the row-by-row report are
    written here as the import goes, for the page to poll."""

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("校验中")
        SAVING = "saving", _("写入中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    station = models.ForeignKey(
        Station, verbose_name=_("派出所"), on_delete=models.PROTECT, related_name="import_jobs"
    )
    created_by = models.ForeignKey(
        "governance.User", verbose_name=_("导入人"), on_delete=models.PROTECT, related_name="+"
    )
    file_name = models.CharField(_("文件名"), max_length=128)
    content = models.BinaryField(_("文件内容"), editable=False)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(_("总行数"), default=0)
    processed = models.PositiveIntegerField(_("已校验"), default=0)
    created_count = models.PositiveIntegerField(_("新增"), default=0)
    skipped = models.JSONField(_("已存在跳过"), default=list, blank=True)
    errors = models.JSONField(_("错误行"), default=list, blank=True)
    message = models.CharField(_("说明"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("警情导入")
        verbose_name_plural = _("警情导入")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        return int(self.processed * 100 / self.total) if self.total else (100 if self.is_finished else 0)

    @property
    def error_rows(self) -> int:
        return len({e.get("row") for e in self.errors})


# --- Village presence (一村一警、一村一辅警) -------------------------------------------------------
class VisitOutcome(models.TextChoices):
    """The short outcome of a check-in made for a risk visit (核查走访结果)."""

    MET_PARTIES = "met_parties", _("见到当事人")
    STABLE = "stable", _("情况稳定")
    STILL_TENSE = "still_tense", _("仍有矛盾")
    ESCALATE = "escalate", _("需升级")


class VillageVisit(models.Model):
    """One check-in of an attached officer or auxiliary officer in a village. Several a day are
    allowed; presence counts distinct days (``visited_on``)."""

    class Activity(models.TextChoices):
        VISIT = "visit", _("走访")
        PUBLICITY = "publicity", _("宣传")
        SCREENING = "screening", _("排查")
        MEDIATION = "mediation", _("调解")
        OTHER = "other", _("其他")

    village = models.ForeignKey(
        Region,
        verbose_name=_("村(社区)"),
        on_delete=models.PROTECT,
        related_name="village_visits",
        limit_choices_to={"kind__in": Region.VILLAGE_KINDS},
    )
    officer = models.ForeignKey(
        Officer,
        verbose_name=_("民警"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="village_visits",
    )
    auxiliary_officer = models.ForeignKey(
        AuxiliaryOfficer,
        verbose_name=_("辅警"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="village_visits",
    )
    visited_on = models.DateField(_("驻村日期"))
    checked_in_at = models.DateTimeField(_("签到时间"))
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    activity = models.CharField(
        _("工作内容"), max_length=16, choices=Activity.choices, default=Activity.VISIT
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        "governance.User", verbose_name=_("签到账号"), on_delete=models.PROTECT, related_name="+"
    )
    # the evidence: the distance of the position from the village (its grids' boundaries), and
    # the time a phone says it recorded the check-in offline (never the check-in time)
    distance_m = models.FloatField(_("距村(社区)距离(米)"), null=True, blank=True)
    verified = models.BooleanField(_("定位核实"), default=False, db_default=False)
    recorded_offline_at = models.DateTimeField(_("离线记录时间"), null=True, blank=True)
    # a check-in made for a risk visit (核查走访任务), with its outcome; referenced by name only:
    # stations never imports the patrols app, whose services write these two fields
    risk_visit = models.ForeignKey(
        "patrols.RiskVisit",
        verbose_name=_("核查走访任务"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="village_check_ins",
    )
    outcome = models.CharField(
        _("核查结果"), max_length=16, choices=VisitOutcome.choices, blank=True, default="", db_default=""
    )

    class Meta:
        verbose_name = _("驻村签到")
        verbose_name_plural = _("驻村签到")
        ordering = ["-checked_in_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(officer__isnull=False, auxiliary_officer__isnull=True)
                    | Q(officer__isnull=True, auxiliary_officer__isnull=False)
                ),
                name="visit_one_person",
                violation_error_message=_("签到须对应一名民警或一名辅警。"),
            ),
            models.CheckConstraint(
                condition=(Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90))
                & (Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180)),
                name="visit_coordinates_in_range",
                violation_error_message=_("经纬度超出范围。"),
            ),
        ]
        indexes = [
            models.Index(fields=["officer", "village", "visited_on"]),
            models.Index(fields=["auxiliary_officer", "village", "visited_on"]),
            models.Index(fields=["village", "visited_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.village} · {self.person} · {self.visited_on}"

    @property
    def person(self):
        return self.officer or self.auxiliary_officer
