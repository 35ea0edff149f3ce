"""Dispute cases (矛盾纠纷) from first report to follow-up visit.

A case moves through ``DisputeCase.Status`` along ``TRANSITIONS`` (the one map of allowed moves,
enforced by ``disputes.services``). Every change to a case is an immutable ``CaseEvent`` in its
timeline; nothing about a case is ever deleted.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.limits import validate_date, validate_not_future, validate_people_count, validate_text
from core.models import Versioned
from governance.models import Ethnicity, Gender, Grid, Mediator, Region
from governance.validators import validate_id_number, validate_phone
from stations.models import Station

from .incidents.models import IncidentLink  # noqa: F401  (registered with the app's models)
from .summary.models import CaseMonth, CaseMonthKey  # noqa: F401  (registered with the app's models)
from .tiers.models import (  # noqa: F401  (registered with the app's models)
    CaseMerge,
    CaseTransfer,
    Evaluation,
    HandOn,
    LinkedReport,
    ReferralRuling,
    Supervision,
    SupervisionReply,
)


class Category(models.TextChoices):
    MARRIAGE_FAMILY = "marriage_family", _("婚姻家庭")
    NEIGHBOUR = "neighbour", _("邻里")
    HOMESTEAD = "homestead", _("房屋宅基地")
    LAND_FOREST = "land_forest", _("山林土地")
    CONTRACT = "contract", _("合同")
    BUSINESS = "business", _("生产经营")
    DAMAGES = "damages", _("损害赔偿")
    LABOUR_DEBT = "labour_debt", _("劳动争议/劳资债务")
    LAND_ACQUISITION = "land_acquisition", _("征地拆迁")
    MEDICAL = "medical", _("医疗/患病就医")
    SCHOOL_EMPLOYMENT = "school_employment", _("上学就业")
    ROMANCE = "romance", _("婚恋")
    TRAFFIC = "traffic", _("道路交通事故")
    PROPERTY_MGMT = "property_mgmt", _("物业")
    CONSUMER = "consumer", _("消费")
    ENVIRONMENT = "environment", _("环境")
    OTHER = "other", _("其他")


class Level(models.TextChoices):
    """处置层级: 微事不出网格、小事不出村居、大事不出乡镇."""

    GRID = "grid", _("网格")
    VILLAGE = "village", _("村(社区)")
    TOWNSHIP = "township", _("乡镇(街道)")
    COUNTY = "county", _("县")


LEVEL_ORDER = [Level.GRID, Level.VILLAGE, Level.TOWNSHIP, Level.COUNTY]


def next_level(level: str) -> str | None:
    i = LEVEL_ORDER.index(Level(level))
    return LEVEL_ORDER[i + 1] if i + 1 < len(LEVEL_ORDER) else None


class Status(models.TextChoices):
    REPORTED = "reported", _("已上报")
    ACCEPTED = "accepted", _("已受理")
    NOT_ACCEPTED = "not_accepted", _("不予受理")
    IN_MEDIATION = "in_mediation", _("调解中")
    AGREEMENT_REACHED = "agreement_reached", _("达成协议")
    MEDIATION_FAILED = "mediation_failed", _("调解未成")
    REFERRED = "referred", _("已移交")
    PERFORMED = "performed", _("协议已履行")
    CLOSED = "closed", _("已办结")
    REOPENED = "reopened", _("复发重启")
    MERGED = "merged", _("已合并")


# The one map of allowed moves. Escalation (raising the level) is not a status: it is allowed
# from every open status and keeps the status.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.REPORTED: frozenset({Status.ACCEPTED, Status.NOT_ACCEPTED}),
    Status.ACCEPTED: frozenset({Status.IN_MEDIATION, Status.REFERRED}),
    Status.IN_MEDIATION: frozenset({Status.AGREEMENT_REACHED, Status.MEDIATION_FAILED, Status.REFERRED}),
    Status.AGREEMENT_REACHED: frozenset({Status.PERFORMED, Status.MEDIATION_FAILED}),
    Status.MEDIATION_FAILED: frozenset({Status.REFERRED, Status.IN_MEDIATION}),
    Status.REFERRED: frozenset({Status.IN_MEDIATION, Status.CLOSED}),
    Status.PERFORMED: frozenset({Status.CLOSED}),
    Status.CLOSED: frozenset({Status.REOPENED}),
    Status.REOPENED: frozenset({Status.IN_MEDIATION, Status.REFERRED}),
    Status.NOT_ACCEPTED: frozenset(),
    Status.MERGED: frozenset(),  # closed by disputes.tiers.services.case_merge, never re-opened
}
CLOSED_STATUSES = frozenset({Status.CLOSED, Status.NOT_ACCEPTED, Status.MERGED})
OPEN_STATUSES = frozenset(set(Status.values) - set(CLOSED_STATUSES))


class Source(models.TextChoices):
    GRID_REPORT = "grid_report", _("网格上报")
    INCIDENT = "incident", _("警情转入")
    WALK_IN = "walk_in", _("来访登记")
    SCREENING = "screening", _("滚动排查")
    REFERRAL_IN = "referral_in", _("部门或法院移送")


class RiskLevel(models.TextChoices):
    RED = "red", _("红")
    ORANGE = "orange", _("橙")
    YELLOW = "yellow", _("黄")
    BLUE = "blue", _("蓝")


RISK_LEVEL_RANK: dict[str, int] = {
    RiskLevel.BLUE: 0,
    RiskLevel.YELLOW: 1,
    RiskLevel.ORANGE: 2,
    RiskLevel.RED: 3,
}


class CaseCounter(models.Model):
    """The last case number given out per county and year (``2026-000123``)."""

    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["county", "year"], name="casecounter_unique_county_year")
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class DisputeCase(models.Model):
    number = models.CharField(_("案件编号"), max_length=16)
    county = models.ForeignKey(Region, verbose_name=_("县"), on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("纠纷类别"), max_length=24, choices=Category.choices)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices, default=Source.WALK_IN)
    village = models.ForeignKey(
        Region,
        verbose_name=_("村(社区)"),
        on_delete=models.PROTECT,
        related_name="dispute_cases",
        limit_choices_to={"kind__in": Region.VILLAGE_KINDS},
    )
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dispute_cases",
    )
    station = models.ForeignKey(
        Station, verbose_name=_("派出所"), on_delete=models.PROTECT, related_name="dispute_cases"
    )
    address = models.CharField(_("详细地点"), max_length=128, blank=True)
    # the address normalised as the station's incidents are, to find repeat incidents at it
    address_key = models.CharField(_("规范化地址"), max_length=128, blank=True, editable=False)
    summary = models.TextField(_("简要案情"), validators=[validate_text])
    people_involved = models.PositiveIntegerField(
        _("涉及人数"), default=2, validators=[validate_people_count]
    )
    amount_involved = models.DecimalField(
        _("涉及金额(元)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    threat_flag = models.BooleanField(_("扬言/过激言行"), default=False)
    vulnerable_flag = models.BooleanField(_("涉及弱势群体"), default=False)
    level = models.CharField(_("处置层级"), max_length=16, choices=Level.choices, default=Level.GRID)
    status = models.CharField(_("状态"), max_length=24, choices=Status.choices, default=Status.REPORTED)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("化解责任人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="responsible_cases",
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        related_name="reported_cases",
    )
    reported_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    occurred_on = models.DateField(_("发生日期"), null=True, blank=True, validators=[validate_not_future])
    # The case clock (``disputes.clock``). ``due_at`` is the deadline of the current stage, the one
    # every figure reads (``selectors.is_overdue``): the feedback deadline until the case is
    # accepted, then the handling deadline. It moves only by an approved extension, a pause (its
    # length is added when it ends) or an escalation (the new level's own deadline).
    feedback_due_at = models.DateTimeField(_("反馈期限"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    due_at = models.DateTimeField(_("办理期限"), null=True, blank=True)
    paused_at = models.DateTimeField(_("中止开始时间"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(_("累计中止时长(秒)"), default=0, db_default=0)
    extension_count = models.PositiveSmallIntegerField(_("延期次数"), default=0, db_default=0)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    escalation_count = models.PositiveSmallIntegerField(_("升级次数"), default=0)
    recurrence_count = models.PositiveSmallIntegerField(_("复发次数"), default=0)
    risk_score = models.PositiveSmallIntegerField(_("风险分"), default=0)
    risk_level = models.CharField(
        _("风险等级"), max_length=8, choices=RiskLevel.choices, default=RiskLevel.BLUE
    )
    # when the current score and level were set (the latest assessment says when it was last scored)
    risk_assessed_at = models.DateTimeField(_("风险分更新时间"), null=True, blank=True)
    # A client-generated key sent by the phone report form: a resend never makes a second case.
    client_key = models.UUIDField(_("客户端提交键"), null=True, blank=True, unique=True, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # bumped by every write a person makes (edit, transition, escalation): a write carries the
    # version its author saw, and a stale one is a conflict (services.case_update, _transition)
    version = models.PositiveIntegerField(_("版本"), default=0, db_default=0)

    # Not fields: the lists the selectors attach for a page (the case list's ``active_mediators``
    # prefetch, and ``disputes.selectors.case_detail``).
    active_mediators: list["CaseMediator"]
    party_list: list["Party"]
    session_list: list["MediationSession"]
    agreement_list: list["Agreement"]
    referral_list: list["Referral"]
    follow_up_list: list["FollowUp"]
    timeline: list["CaseEvent"]
    pause_list: list["CasePause"]
    extension_list: list["CaseExtension"]
    risk_list: list["RiskAssessment"]  # the newest assessments (selectors.RISK_HISTORY_SHOWN)
    # disputes.tiers.panel.load
    hand_on_list: list["HandOn"]
    supervision_list: list["Supervision"]
    transfer_list: list["CaseTransfer"]
    linked_report_list: list["LinkedReport"]
    evaluation_record: "Evaluation | None"
    # disputes.selectors.case_detail: whether each of those lists has rows (an empty one is not
    # read), and whether the user who read the case may write to it
    has_mediators: bool
    has_sessions: bool
    has_agreements: bool
    has_referrals: bool
    has_follow_ups: bool
    has_pauses: bool
    has_extensions: bool
    has_risk_assessments: bool
    has_hand_ons: bool
    has_supervisions: bool
    has_transfers: bool
    has_linked_reports: bool
    has_evaluation: bool
    in_writable_scope: bool
    writable_for: int | None

    class Meta:
        verbose_name = _("矛盾纠纷")
        verbose_name_plural = _("矛盾纠纷")
        ordering = ["-reported_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["county", "number"], name="case_unique_number_in_county"),
            models.CheckConstraint(
                condition=Q(people_involved__gte=1),
                name="case_people_involved_positive",
                violation_error_message=_("涉及人数至少为1。"),
            ),
            models.CheckConstraint(
                condition=Q(amount_involved__isnull=True) | Q(amount_involved__gte=0),
                name="case_amount_not_negative",
                violation_error_message=_("涉及金额不能为负数。"),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["village", "status"]),
            models.Index(fields=["risk_level", "status"]),
            # the lists' default order (newest first), for the county and within a village;
            # the dashboards' closed-in-period figures. A deep page finds its ids in them alone
            # (``core.pagination.window``; PostgreSQL: an index-only scan): the county's by the
            # first, a station's villages by the second, which also holds ``due_at`` and
            # ``risk_score`` for the lists by deadline and by risk (a station's 57,000 cases sorted
            # from the index, not read from 44,000 heap pages: 290 ms for page 600); the county's
            # lists by deadline and by risk by ``case_due_order`` and ``case_risk_order``
            models.Index(fields=["-reported_at", "-id"], name="case_reported_desc"),
            models.Index(
                fields=["village", "-reported_at", "-id"],
                include=["due_at", "risk_score"],
                name="case_village_reported_id",
            ),
            models.Index(fields=["due_at", "-id"], name="case_due_order"),
            # the lists by risk (``order=risk``: highest score first, NULLS FIRST as PostgreSQL
            # sorts ``DESC``): the county's first and deep pages walk it instead of sorting every
            # case of the deployment (2 M cases: 5.1 s for page 1, 1.4 s for page 1,000 without it)
            models.Index(fields=["-risk_score", "-reported_at", "-id"], name="case_risk_order"),
            models.Index(fields=["status", "closed_at"], name="case_status_closed"),
            # today's picture (open, overdue, 红/橙 per area and per child, the map) from the open
            # cases alone, read from the index (PostgreSQL: an index-only scan; ``include`` is
            # PostgreSQL's, other databases get the plain partial index)
            models.Index(
                fields=["village"],
                include=["id", "status", "station", "grid", "risk_level", "due_at", "paused_at"],
                condition=Q(status__in=sorted(OPEN_STATUSES)),
                name="case_open_picture",
            ),
            # the cases closed in a period (化解用时中位数: their count and middle durations, 办结
            # of custom periods' partial months) read from the index alone
            models.Index(
                fields=["closed_at"],
                include=["village", "reported_at"],
                condition=Q(status="closed"),
                name="case_closed_cover",
            ),
            # the open cases in id order: the nightly run's chunks, each an index range
            models.Index(fields=["id"], condition=Q(status__in=sorted(OPEN_STATUSES)), name="case_open_id"),
            # the overdue cases (``selectors.is_overdue``: open, not paused, past the deadline) by
            # deadline, with their village: the list's 逾期 filter counted from the index alone
            # (a county's 90,000 overdue cases at 2 M: 106 → 6 ms for the list's capped count)
            models.Index(
                fields=["due_at"],
                include=["village"],
                condition=Q(status__in=sorted(OPEN_STATUSES), paused_at__isnull=True),
                name="case_overdue",
            ),
            # from a related row (民转刑's turns, a period's follow-ups) to its case's village
            # without reading the case: an index-only probe per row
            models.Index(fields=["id"], include=["village"], name="case_village_of_id"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.get_category_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_group(self) -> bool:
        """群体性: five people or more."""
        return self.people_involved >= 5

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None

    @property
    def handling_due_at(self) -> dt.datetime | None:
        """The handling deadline (None before acceptance: then ``due_at`` is the feedback one)."""
        return self.due_at if self.accepted_at is not None else None

    @property
    def is_overdue(self) -> bool:
        """``selectors.is_overdue`` for one loaded case: open, not paused, past ``due_at``."""
        return bool(self.is_open and not self.paused_at and self.due_at and self.due_at < timezone.now())

    @property
    def closed_on_time(self) -> bool | None:
        """按期: closed before its handling deadline (pauses already added to it); None if open."""
        if self.closed_at is None or self.due_at is None:
            return None
        return self.closed_at <= self.due_at

    @property
    def title(self) -> str:
        text = " ".join(self.summary.split())
        return text if len(text) <= 30 else text[:30] + "…"

    def allowed_statuses(self) -> frozenset[str]:
        return TRANSITIONS.get(self.status, frozenset())


class Party(Versioned):
    class Kind(models.TextChoices):
        PERSON = "person", _("自然人")
        ORGANISATION = "organisation", _("单位")

    class Role(models.TextChoices):
        APPLICANT = "applicant", _("申请人")
        RESPONDENT = "respondent", _("被申请人")
        OTHER = "other", _("其他当事人")

    # indexed by ``party_case_phone`` (the case with the phone: the nightly risk run's repeat
    # incidents from a party's phone read the index alone)
    case = models.ForeignKey(
        DisputeCase, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="parties", db_index=False
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.PERSON)
    role = models.CharField(_("身份"), max_length=16, choices=Role.choices, default=Role.APPLICANT)
    name = models.CharField(_("姓名/名称"), max_length=64)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    ethnicity = models.CharField(_("民族"), max_length=16, choices=Ethnicity.choices, blank=True)
    id_number = models.CharField(_("身份证号"), max_length=18, blank=True, validators=[validate_id_number])
    phone = models.CharField(_("联系电话"), max_length=20, blank=True, validators=[validate_phone])
    address = models.CharField(_("住址"), max_length=128, blank=True)
    clan = models.CharField(_("家支"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")
        ordering = ["case", "role", "pk"]
        indexes = [models.Index(fields=["case"], include=["phone"], name="party_case_phone")]

    def __str__(self) -> str:
        return self.name


class CaseEvent(models.Model):
    """One immutable line of a case's timeline: who, when, what, old → new, why."""

    case = models.ForeignKey(DisputeCase, on_delete=models.PROTECT, related_name="events")
    code = models.CharField(_("事件"), max_length=48)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    changes = models.JSONField(_("变更"), default=dict, blank=True)  # {field: [old, new]}
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("案件时间线")
        verbose_name_plural = _("案件时间线")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["case", "created_at"]), models.Index(fields=["code", "created_at"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.code}"


class MediatorRelation(models.Model):
    """A recorded relation between a mediator and a person (kin, in-law, employer…): such a
    mediator must step aside (回避) from that person's cases."""

    mediator = models.ForeignKey(
        Mediator, verbose_name=_("调解员"), on_delete=models.CASCADE, related_name="relations"
    )
    person_name = models.CharField(_("关系人姓名"), max_length=32)
    id_number = models.CharField(
        _("关系人身份证号"), max_length=18, blank=True, validators=[validate_id_number]
    )
    relation = models.CharField(_("关系"), max_length=32)

    class Meta:
        verbose_name = _("调解员利害关系")
        verbose_name_plural = _("调解员利害关系")

    def __str__(self) -> str:
        return f"{self.mediator} — {self.person_name}({self.relation})"


class CaseMediator(models.Model):
    case = models.ForeignKey(DisputeCase, on_delete=models.PROTECT, related_name="mediator_assignments")
    mediator = models.ForeignKey(
        Mediator, verbose_name=_("调解员"), on_delete=models.PROTECT, related_name="case_assignments"
    )
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)
    conflict_note = models.TextField(_("回避说明"), blank=True, validators=[validate_text])
    is_active = models.BooleanField(default=True)
    # A conflict found after the assignment (a party added or corrected later): it flags the case
    # until it is resolved, by replacing the mediator or by confirming with a written reason.
    conflict_found = models.TextField(_("新发现的回避事由"), blank=True)
    conflict_found_at = models.DateTimeField(_("发现时间"), null=True, blank=True)
    conflict_resolved_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    conflict_resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    conflict_resolution = models.TextField(_("仍由其调解的理由"), blank=True)

    class Meta:
        verbose_name = _("案件调解员")
        verbose_name_plural = _("案件调解员")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "mediator"],
                condition=Q(is_active=True),
                name="casemediator_one_active",
                violation_error_message=_("该调解员已在本案调解员名单中。"),
            )
        ]

    def __str__(self) -> str:
        return str(self.mediator)

    @property
    def has_open_conflict(self) -> bool:
        """A conflict found after the assignment and not yet resolved."""
        return bool(self.is_active and self.conflict_found_at and not self.conflict_resolved_at)


class MediationSession(models.Model):
    class Outcome(models.TextChoices):
        CONTINUING = "continuing", _("继续调解")
        AGREED = "agreed", _("达成一致")
        FAILED = "failed", _("调解未成")

    case = models.ForeignKey(DisputeCase, on_delete=models.PROTECT, related_name="sessions")
    held_at = models.DateTimeField(_("调解时间"))
    place = models.CharField(_("调解地点"), max_length=128)
    attendees = models.CharField(_("参加人员"), max_length=255)
    record = models.TextField(_("调解笔录"))
    outcome = models.CharField(_("结果"), max_length=16, choices=Outcome.choices, default=Outcome.CONTINUING)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("调解记录")
        verbose_name_plural = _("调解记录")
        ordering = ["held_at", "pk"]

    def __str__(self) -> str:
        return _("调解 %(date)s") % {"date": f"{self.held_at:%Y-%m-%d}"}


class Agreement(Versioned):
    class Form(models.TextChoices):
        WRITTEN = "written", _("书面协议")
        ORAL = "oral", _("口头协议")

    class Performance(models.TextChoices):
        PENDING = "pending", _("待履行")
        PARTLY = "partly", _("部分履行")
        PERFORMED = "performed", _("已履行")
        BREACHED = "breached", _("未履行(违约)")

    case = models.ForeignKey(DisputeCase, on_delete=models.PROTECT, related_name="agreements")
    form = models.CharField(_("协议形式"), max_length=8, choices=Form.choices, default=Form.WRITTEN)
    facts = models.TextField(_("纠纷事实"))
    disputed_matters = models.TextField(_("争议事项"))
    terms = models.TextField(_("协议内容"))
    performance_method = models.CharField(_("履行方式"), max_length=255)
    performance_place = models.CharField(_("履行地点"), max_length=128, blank=True)
    performance_deadline = models.DateField(_("履行期限"))
    signed_on = models.DateField(_("签订日期"))
    performance_status = models.CharField(
        _("履行情况"), max_length=16, choices=Performance.choices, default=Performance.PENDING
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("调解协议")
        verbose_name_plural = _("调解协议")
        ordering = ["signed_on", "pk"]

    def __str__(self) -> str:
        return _("%(number)s 调解协议(%(date)s)") % {
            "number": self.case.number,
            "date": f"{self.signed_on:%Y-%m-%d}",
        }

    # --- The judicial-confirmation window (司法确认): one definition for pages, sweeps, services ---
    @staticmethod
    def confirmation_window() -> tuple[dt.timedelta, dt.timedelta]:
        """(the window, the warning before it closes): 司法确认 must be applied for within
        ``JUDICIAL_CONFIRMATION_DAYS`` of the agreement taking effect."""
        return (
            dt.timedelta(days=settings.DISPUTES["JUDICIAL_CONFIRMATION_DAYS"]),
            dt.timedelta(days=settings.DISPUTES["JUDICIAL_CONFIRMATION_WARN_DAYS"]),
        )

    @property
    def judicial_confirmation_deadline(self) -> dt.date:
        return self.signed_on + self.confirmation_window()[0]

    def confirmation_lapsed(self, today: dt.date) -> bool:
        return today > self.judicial_confirmation_deadline

    def confirmation_closing(self, today: dt.date) -> bool:
        """The window is still open and closes within the warning period."""
        return today <= self.judicial_confirmation_deadline <= today + self.confirmation_window()[1]

    @classmethod
    def closing_on(cls, today: dt.date) -> Q:
        """On ``Agreement``: the window closes within the warning period (``confirmation_closing``
        as a filter: deadline = signed_on + window)."""
        window, warn = cls.confirmation_window()
        return Q(signed_on__gte=today - window, signed_on__lte=today - window + warn)


class Referral(Versioned):
    class Kind(models.TextChoices):
        PEOPLE_MEDIATION = "people_mediation", _("公调对接(人民调解委员会)")
        COURT = "court", _("庭所对接(法院司法确认)")
        LAWYER = "lawyer", _("律师进所")
        DEPARTMENT = "department", _("部门移交")

    class Department(models.TextChoices):
        HRSS = "hrss", _("人社")
        CIVIL_AFFAIRS = "civil_affairs", _("民政")
        HOUSING = "housing", _("住建")
        NATURAL_RESOURCES = "natural_resources", _("自然资源")
        PETITIONS = "petitions", _("信访")
        HOTLINE_12345 = "hotline_12345", _("12345热线")
        OTHER = "other", _("其他部门")

    class Status(models.TextChoices):
        SENT = "sent", _("已移送")
        ACCEPTED = "accepted", _("已接收")
        ANSWERED = "answered", _("已答复")
        DECLINED = "declined", _("退回/不予接收")

    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.SENT: frozenset({Status.ACCEPTED, Status.ANSWERED, Status.DECLINED}),
        Status.ACCEPTED: frozenset({Status.ANSWERED, Status.DECLINED}),
        Status.ANSWERED: frozenset(),
        Status.DECLINED: frozenset(),
    }

    case = models.ForeignKey(DisputeCase, on_delete=models.PROTECT, related_name="referrals")
    kind = models.CharField(_("对接方式"), max_length=24, choices=Kind.choices)
    department = models.CharField(_("部门"), max_length=24, choices=Department.choices, blank=True)
    target_name = models.CharField(_("接收单位"), max_length=64)
    agreement = models.ForeignKey(
        Agreement,
        verbose_name=_("申请确认的协议"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    reason = models.TextField(_("移送事由"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.SENT)
    sent_at = models.DateTimeField(_("移送时间"), default=timezone.now)
    due_date = models.DateField(_("答复期限"))
    answer = models.TextField(_("答复内容"), blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("对接移送")
        verbose_name_plural = _("对接移送")
        ordering = ["sent_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="department") | ~Q(department=""),
                name="referral_department_named",
                violation_error_message=_("部门移交须选择部门。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.target_name}"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.SENT, self.Status.ACCEPTED)

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_date < timezone.localdate()


class FollowUp(Versioned):
    class Result(models.TextChoices):
        STABLE = "stable", _("稳定,未复发")
        RECURRING = "recurring", _("复发")

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", _("满意")
        FAIRLY = "fairly", _("基本满意")
        UNSATISFIED = "unsatisfied", _("不满意")

    case = models.ForeignKey(DisputeCase, on_delete=models.PROTECT, related_name="follow_ups")
    due_date = models.DateField(_("计划回访日期"), validators=[validate_date])
    visited_at = models.DateTimeField(_("回访时间"), null=True, blank=True, validators=[validate_not_future])
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    result = models.CharField(_("回访结果"), max_length=16, choices=Result.choices, blank=True)
    satisfaction = models.CharField(_("满意度"), max_length=16, choices=Satisfaction.choices, blank=True)
    note = models.TextField(_("回访情况"), blank=True, validators=[validate_text])
    is_cancelled = models.BooleanField(
        _("已取消"), default=False, help_text=_("案件复发重启后,未做的回访不再需要")
    )
    # when the due reminder was sent (``sweeps.remind_follow_ups_due``; a visit's due date is set
    # once): the nightly sweep selects only the visits not yet reminded
    reminded_at = models.DateTimeField(_("到期提醒时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = _("回访")
        ordering = ["due_date", "pk"]
        indexes = [
            # the visits still to be reminded: one index range by due date, whatever the history
            models.Index(
                fields=["due_date"],
                condition=Q(visited_at__isnull=True, is_cancelled=False, reminded_at__isnull=True),
                name="followup_to_remind",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(visited_at__isnull=True) | (~Q(result="") & ~Q(satisfaction="")),
                name="followup_done_has_result",
                violation_error_message=_("已回访的记录须填写回访结果和满意度。"),
            ),
        ]

    def __str__(self) -> str:
        return _("回访 %(date)s") % {"date": self.due_date}

    @property
    def is_done(self) -> bool:
        return self.visited_at is not None


class RiskAssessment(models.Model):
    """One scoring of a case: the score, the level, every factor's contribution and the rule
    version, so the case page can say why a case is red. Nightly runs keep one row per case and
    day (a second run the same day adds nothing)."""

    class Trigger(models.TextChoices):
        NIGHTLY = "nightly", _("夜间批量")
        ON_DEMAND = "on_demand", _("即时评估")
        ON_CHANGE = "on_change", _("变更时评估")

    case = models.ForeignKey(DisputeCase, on_delete=models.PROTECT, related_name="risk_assessments")
    assessed_at = models.DateTimeField(_("评估时间"), default=timezone.now)
    assessed_on = models.DateField(_("评估日期"))
    trigger = models.CharField(_("方式"), max_length=16, choices=Trigger.choices, default=Trigger.NIGHTLY)
    score = models.PositiveSmallIntegerField(_("风险分"))
    level = models.CharField(_("风险等级"), max_length=8, choices=RiskLevel.choices)
    previous_level = models.CharField(_("原等级"), max_length=8, choices=RiskLevel.choices, blank=True)
    factors = models.JSONField(_("因子得分"), default=dict)  # {factor: {"points": n, "value": ...}}
    rule_version = models.CharField(_("规则版本"), max_length=16)

    class Meta:
        verbose_name = _("风险评估")
        verbose_name_plural = _("风险评估")
        ordering = ["-assessed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "assessed_on"],
                condition=Q(trigger="nightly"),
                name="riskassessment_one_nightly_per_day",
            ),
            models.CheckConstraint(condition=Q(score__lte=100), name="riskassessment_score_max_100"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.score} {self.level}"


class CasePause(models.Model):
    """中止: the handling clock stops while the case waits for something outside the handler's
    hands. Its time is added to the deadline when it ends (by hand, or when the awaited referral
    is answered); at most one pause of a case is open."""

    class Kind(models.TextChoices):
        PARTY_ABSENT = "party_absent", _("当事人无法到场")
        AWAITING_COURT = "awaiting_court", _("等待法院")
        AWAITING_EXPERT = "awaiting_expert", _("等待鉴定或专家意见")
        AWAITING_REFERRAL = "awaiting_referral", _("等待移送答复")
        OTHER = "other", _("其他")

    case = models.ForeignKey(
        DisputeCase, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="pauses"
    )
    kind = models.CharField(_("中止事由"), max_length=24, choices=Kind.choices)
    reason = models.TextField(_("中止说明"))
    referral = models.ForeignKey(
        "Referral",
        verbose_name=_("等待答复的移送"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pauses",
    )
    started_at = models.DateTimeField(_("中止时间"), default=timezone.now)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ended_at = models.DateTimeField(_("恢复时间"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    end_note = models.TextField(_("恢复说明"), blank=True)

    class Meta:
        verbose_name = _("案件中止")
        verbose_name_plural = _("案件中止")
        ordering = ["started_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(ended_at__isnull=True),
                name="casepause_one_open_per_case",
                violation_error_message=_("本案已处于中止状态。"),
            ),
            models.CheckConstraint(
                condition=~Q(kind="awaiting_referral") | Q(referral__isnull=False),
                name="casepause_referral_named",
                violation_error_message=_("等待移送答复须选择所等待的移送。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


class CaseExtension(models.Model):
    """延期: asked for with a reason, decided by someone at the level above the case's (or the
    county); an approved one moves the handling deadline by its days."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REFUSED = "refused", _("未批准")

    case = models.ForeignKey(
        DisputeCase, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="extensions"
    )
    days = models.PositiveSmallIntegerField(_("延期天数"))
    reason = models.TextField(_("延期理由"))
    status = models.CharField(_("审批状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)
    old_due_at = models.DateTimeField(_("原办理期限"), null=True, blank=True)
    new_due_at = models.DateTimeField(_("新办理期限"), null=True, blank=True)

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status="pending"),
                name="caseextension_one_pending_per_case",
                violation_error_message=_("本案已有待审批的延期申请。"),
            ),
            models.CheckConstraint(condition=Q(days__gte=1), name="caseextension_days_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} +{self.days}"


class RiskRuleSet(models.Model):
    """One version of the risk rules, kept for ever: the factor weights and thresholds
    (``weights``, the shape of ``disputes.risk.RULES``) and, per risk level, the policy
    (``level_policy``: ``{level: {"min_level": …, "handling_days": n, "notify": ["station",
    "county"]}}``): the minimum handling level a case of that risk is raised to, its handling
    deadline, and who is told when a case rises to it. The newest active version is used; every
    assessment names the version it was scored by. A change is a new version (the admin copies
    the newest), never an edit of an old one."""

    version = models.CharField(_("规则版本"), max_length=16, unique=True)
    weights = models.JSONField(_("因子权重与阈值"))
    level_policy = models.JSONField(_("各风险等级处置要求"))
    is_active = models.BooleanField(_("启用"), default=True)
    note = models.TextField(_("修订说明"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("风险规则版本")
        verbose_name_plural = _("风险规则版本")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.version
