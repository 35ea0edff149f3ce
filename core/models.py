"""The platform's own records, which know no domain: the inbox messages (and their SMS)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .attachments.models import Attachment  # noqa: F401  (registered in the core app: its models module)
from .exportjobs.models import ExportJob  # noqa: F401  (likewise)


class Versioned(models.Model):
    """A record people edit: it carries a ``version``, bumped by every write
    (``core.versions.save_changed``), and remembers the values it was loaded with, so a write
    updates only the fields it changes, and only if nobody wrote since the version its author
    saw (a stale one is a 409 that changes nothing)."""

    version = models.PositiveIntegerField(_("版本"), default=0, db_default=0, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        self.remember_loaded()

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance.remember_loaded()
        return instance

    def refresh_from_db(self, using=None, fields=None, from_queryset=None) -> None:
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        if fields is None:
            self.remember_loaded()
            return
        # a deferred field loaded on access: remember it, keep what was loaded for the others
        loaded = getattr(self, "_loaded_values", None)
        if loaded is not None:
            names = set(fields)
            for f in self._meta.concrete_fields:
                if f.name in names or f.attname in names:
                    loaded[f.attname] = self.__dict__.get(f.attname)

    def remember_loaded(self) -> None:
        loaded = self.__dict__
        self._loaded_values = {
            f.attname: loaded[f.attname] for f in self._meta.concrete_fields if f.attname in loaded
        }

    def changed_fields(self) -> list[str]:
        """The concrete fields (by name) whose value differs from the one loaded (all of them
        when the values loaded are unknown)."""
        loaded = getattr(self, "_loaded_values", None)
        return [
            f.name
            for f in self._meta.concrete_fields
            if not f.primary_key
            and f.attname != "version"
            and (loaded is None or (f.attname in loaded and getattr(self, f.attname) != loaded[f.attname]))
        ]


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
    # the lease of a dispatcher on the row (sending since), how many sends were tried, and when
    # the next may be (back-off after a failure)
    sms_claimed_at = models.DateTimeField(_("短信领取时间"), null=True, blank=True)
    sms_attempts = models.PositiveSmallIntegerField(_("短信尝试次数"), default=0, db_default=0)
    sms_next_attempt_at = models.DateTimeField(_("短信下次尝试"), null=True, blank=True)

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
            models.Index(
                fields=["sms_claimed_at"], condition=Q(sms_status="sending"), name="notification_sms_sending"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def sms_idempotency_key(self) -> str:
        """Sent with every attempt of this SMS: a gateway that supports idempotency keys sends a
        message once however often it is retried after a lost acknowledgement."""
        return f"notification-{self.pk}"


class OutboxMessage(models.Model):
    """A Celery task owed by a committed state change (transactional outbox).

    The row is written in the same transaction as the change; ``core.outbox.relay`` publishes
    it to the broker afterwards (right after the commit, and again from the periodic relay when
    the broker was down). ``key`` is unique: the same message is never queued twice by the
    writer; the relay may publish a message more than once (at-least-once), so the task it
    names is idempotent."""

    key = models.CharField(_("去重键"), max_length=160, unique=True)
    task = models.CharField(_("任务"), max_length=128)
    args = models.JSONField(_("参数"), default=list, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    claimed_at = models.DateTimeField(_("领取时间"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=255, blank=True)
    published_at = models.DateTimeField(_("已投递时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("待投递任务")
        verbose_name_plural = _("待投递任务")
        ordering = ["pk"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=Q(published_at=None), name="outbox_unpublished"
            )
        ]

    def __str__(self) -> str:
        return self.key


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


class ClientSubmission(models.Model):
    """One phone-form submission per (user, form, client key): a repeat returns the first result."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    form = models.CharField(_("表单"), max_length=64)
    client_key = models.UUIDField(_("客户端键"))
    object_ref = models.CharField(_("创建对象"), max_length=128)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("客户端提交")
        verbose_name_plural = _("客户端提交")
        constraints = [
            models.UniqueConstraint(fields=["user", "form", "client_key"], name="clientsubmission_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.form}:{self.client_key}"
