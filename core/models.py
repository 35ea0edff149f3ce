"""The platform's own records, which know no domain: the inbox messages (and their SMS)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One message in a user's inbox (and optionally by SMS).

    ``key`` is made of the notification's kind, target and period (``screening.reminder:grid-12:
    round-7``); it is unique per recipient, so a sweep that runs twice, is retried, or dies
    halfway and runs again never sends the same reminder twice and never loses one."""

    class SmsStatus(models.TextChoices):
        NONE = "", _("不发短信")
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("类型"), max_length=48)
    key = models.CharField(_("去重键"), max_length=160)
    title = models.CharField(_("标题"), max_length=128)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    sms_status = models.CharField(_("短信"), max_length=8, choices=SmsStatus.choices, blank=True, default="")
    sms_sent_at = models.DateTimeField(_("短信发送时间"), null=True, blank=True)

    class Meta:
        db_table = "governance_notification"  # made by governance's migrations, kept as it is
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="notification_unique_key")]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(
                fields=["sms_status"], condition=Q(sms_status="pending"), name="notification_sms_pending"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class CalendarDay(models.Model):
    """An exception to the ordinary week in the working-day calendar: a public holiday on a
    weekday (``is_workday=False``) or a make-up working day on a weekend (调休上班,
    ``is_workday=True``). Days not listed follow the week: Monday to Friday work. Kept in the
    admin; seeded with the State Council's schedule of the year (``core.workdays``)."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("上班"), default=False)
    name = models.CharField(_("名称"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"
