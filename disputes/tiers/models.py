"""The records of the tiers: hand-ons, supervisions, evaluations, transfers, linked reports,
merges and court rulings. Every write is in ``disputes.tiers.services``; each also writes a
timeline event on its case."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from governance.models import Region
from governance.roles import LiaisonUnit
from stations.models import Station


class HandOn(models.Model):
    """交办: a unit above assigns a case to a unit below or beside it, with a deadline and
    instructions. The receiving unit acknowledges it (签收) by ``ack_due_at``, else it is reminded
    and then escalated to the unit that handed it on (``disputes.tiers.sweeps``)."""

    class Target(models.TextChoices):
        STATION = "station", _("派出所")
        TOWNSHIP = "township", _("乡镇综治中心")
        DEPARTMENT = "department", _("部门或法院")

    class Status(models.TextChoices):
        PENDING = "pending", _("待签收")
        ACKNOWLEDGED = "acknowledged", _("已签收")
        SUPERSEDED = "superseded", _("已改交")

    case = models.ForeignKey("disputes.DisputeCase", on_delete=models.PROTECT, related_name="hand_ons")
    target = models.CharField(_("承办单位类型"), max_length=16, choices=Target.choices)
    to_station = models.ForeignKey(
        Station,
        verbose_name=_("承办派出所"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_township = models.ForeignKey(
        Region, verbose_name=_("承办乡镇"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_unit = models.CharField(_("承办部门"), max_length=24, choices=LiaisonUnit.choices, blank=True)
    instructions = models.TextField(_("交办要求"))
    deadline = models.DateTimeField(_("办理期限"))
    ack_due_at = models.DateTimeField(_("签收期限"))
    from_level = models.CharField(_("原处置层级"), max_length=16)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("交办时间"), default=timezone.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("催签时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("逾期未签收上报时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("交办")
        verbose_name_plural = _("交办")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(target="station") & Q(to_station__isnull=False))
                | (Q(target="township") & Q(to_township__isnull=False))
                | (Q(target="department") & ~Q(to_unit="")),
                name="handon_target_named",
                violation_error_message=_("请选择承办单位。"),
            ),
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status="pending"),
                name="handon_one_pending_per_case",
                violation_error_message=_("本案已有待签收的交办。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.receiver_label}"

    @property
    def receiver_label(self) -> str:
        if self.target == self.Target.STATION and self.to_station is not None:
            return self.to_station.name
        if self.target == self.Target.TOWNSHIP and self.to_township is not None:
            return self.to_township.name
        return str(LiaisonUnit(self.to_unit).label) if self.to_unit else ""


class Supervision(models.Model):
    """督办: a unit above asks the handler for progress by ``reply_by``; the handler answers
    (反馈, ``SupervisionReply``); unanswered past its time it is reminded once; the supervisor
    closes it."""

    class Status(models.TextChoices):
        OPEN = "open", _("督办中")
        CLOSED = "closed", _("已结束")

    case = models.ForeignKey("disputes.DisputeCase", on_delete=models.PROTECT, related_name="supervisions")
    reason = models.TextField(_("督办事由"))
    reply_by = models.DateTimeField(_("反馈期限"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(_("督办时间"), default=timezone.now)
    replied_at = models.DateTimeField(_("最近反馈时间"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("催办时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    close_note = models.TextField(_("结束意见"), blank=True)

    class Meta:
        verbose_name = _("督办")
        verbose_name_plural = _("督办")
        ordering = ["-opened_at", "-pk"]
        indexes = [models.Index(fields=["status", "reply_by"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def is_unanswered(self) -> bool:
        return self.is_open and self.replied_at is None and self.reply_by < timezone.now()


class SupervisionReply(models.Model):
    """反馈: the handler's answer to a supervision (progress so far)."""

    supervision = models.ForeignKey(Supervision, on_delete=models.PROTECT, related_name="replies")
    text = models.TextField(_("反馈内容"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("反馈时间"), default=timezone.now)

    class Meta:
        verbose_name = _("督办反馈")
        verbose_name_plural = _("督办反馈")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.supervision_id} {self.created_at:%Y-%m-%d}"


class Evaluation(models.Model):
    """评价: on closure, the unit that handed the case on (or the county) rates the handling."""

    class Rating(models.TextChoices):
        SATISFIED = "satisfied", _("满意")
        FAIRLY = "fairly", _("基本满意")
        UNSATISFIED = "unsatisfied", _("不满意")

    case = models.OneToOneField("disputes.DisputeCase", on_delete=models.PROTECT, related_name="evaluation")
    rating = models.CharField(_("评价"), max_length=16, choices=Rating.choices)
    note = models.TextField(_("评价意见"), blank=True)
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    evaluated_at = models.DateTimeField(_("评价时间"), default=timezone.now)

    class Meta:
        verbose_name = _("办理评价")
        verbose_name_plural = _("办理评价")

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_rating_display()}"


class CaseTransfer(models.Model):
    """移交: a case reported in the wrong village or station moves to the right one, which
    accepts it (the case's village and station change) or sends it back with a reason. The old
    station keeps read access to the case (``disputes.tiers.scope``)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待接收")
        ACCEPTED = "accepted", _("已接收")
        RETURNED = "returned", _("已退回")

    case = models.ForeignKey("disputes.DisputeCase", on_delete=models.PROTECT, related_name="transfers")
    from_village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    from_station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="+")
    to_village = models.ForeignKey(
        Region,
        verbose_name=_("移交到村(社区)"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind__in": Region.VILLAGE_KINDS},
    )
    to_station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("移交理由"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("移交时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decision_note = models.TextField(_("处理意见"), blank=True)

    class Meta:
        verbose_name = _("案件移交")
        verbose_name_plural = _("案件移交")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status="pending"),
                name="casetransfer_one_pending_per_case",
                violation_error_message=_("本案已有待接收的移交。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.to_village_id}"


class LinkedReport(models.Model):
    """A second report of a dispute already open (a grid worker, a 110 call and a walk-in about
    one quarrel): linked to the existing case instead of opening a new one."""

    case = models.ForeignKey("disputes.DisputeCase", on_delete=models.PROTECT, related_name="linked_reports")
    source = models.CharField(_("来源"), max_length=16)
    summary = models.TextField(_("上报内容"))
    contact_name = models.CharField(_("反映人"), max_length=64, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    incident_id = models.PositiveBigIntegerField(_("警情"), null=True, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(_("上报时间"), default=timezone.now)
    # the phone's key of the submission (as on DisputeCase): a resend links once
    client_key = models.UUIDField(_("客户端提交标识"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("重复上报")
        verbose_name_plural = _("重复上报")
        ordering = ["reported_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["reported_by", "client_key"],
                condition=models.Q(client_key__isnull=False),
                name="linkedreport_one_per_client_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.source}"


class CaseMerge(models.Model):
    """Two open cases about one dispute: the absorbed one closes as 合并 into the kept one; its
    parties are copied onto the kept case and its own timeline stays where it is."""

    absorbed = models.OneToOneField(
        "disputes.DisputeCase", on_delete=models.PROTECT, related_name="merged_into"
    )
    into = models.ForeignKey("disputes.DisputeCase", on_delete=models.PROTECT, related_name="merges")
    reason = models.TextField(_("合并理由"))
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    merged_at = models.DateTimeField(_("合并时间"), default=timezone.now)

    class Meta:
        verbose_name = _("案件合并")
        verbose_name_plural = _("案件合并")

    def __str__(self) -> str:
        return f"{self.absorbed_id} → {self.into_id}"


class ReferralRuling(models.Model):
    """庭所对接: the court's judicial-confirmation ruling on a referred agreement."""

    class Outcome(models.TextChoices):
        CONFIRMED = "confirmed", _("裁定确认协议有效")
        REJECTED = "rejected", _("裁定驳回申请")

    referral = models.OneToOneField("disputes.Referral", on_delete=models.PROTECT, related_name="ruling")
    outcome = models.CharField(_("裁定结果"), max_length=16, choices=Outcome.choices)
    ruling_number = models.CharField(_("裁定书文号"), max_length=64)
    ruled_on = models.DateField(_("裁定日期"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("司法确认裁定")
        verbose_name_plural = _("司法确认裁定")

    def __str__(self) -> str:
        return self.ruling_number
