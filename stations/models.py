"""Police stations (派出所), their jurisdiction, officers, auxiliary officers and who is attached
to which village (挂村民警, 一村一辅警), with dates so history is kept."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from governance.models import Ethnicity, Gender, Region
from governance.validators import validate_id_number, validate_phone


class Station(models.Model):
    name = models.CharField(_("名称"), max_length=64, unique=True)
    code = models.CharField(_("编号"), max_length=20, unique=True)
    county = models.ForeignKey(
        Region, verbose_name=_("所属县"), on_delete=models.PROTECT, related_name="county_stations",
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

    station = models.ForeignKey(Station, verbose_name=_("派出所"), on_delete=models.CASCADE, related_name="jurisdictions")
    region = models.OneToOneField(
        Region, verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="jurisdiction",
        limit_choices_to={"kind__in": Region.TOWNSHIP_KINDS + Region.VILLAGE_KINDS},
    )

    class Meta:
        verbose_name = _("辖区")
        verbose_name_plural = _("辖区")
        ordering = ["station", "region__code"]

    def __str__(self) -> str:
        return f"{self.station} · {self.region}"


class Officer(models.Model):
    class Post(models.TextChoices):
        CHIEF = "chief", _("所长")
        DEPUTY_CHIEF = "deputy_chief", _("副所长")
        INSTRUCTOR = "instructor", _("教导员")
        COMMUNITY = "community", _("社区民警")
        CASE = "case", _("案件民警")
        DUTY = "duty", _("内勤民警")

    station = models.ForeignKey(Station, verbose_name=_("派出所"), on_delete=models.PROTECT, related_name="officers")
    user = models.OneToOneField(
        "governance.User", verbose_name=_("登录账号"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="officer",
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


class AuxiliaryOfficer(models.Model):
    station = models.ForeignKey(
        Station, verbose_name=_("派出所"), on_delete=models.PROTECT, related_name="auxiliary_officers"
    )
    user = models.OneToOneField(
        "governance.User", verbose_name=_("登录账号"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="auxiliary_officer",
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
        Region, verbose_name=_("村(社区)"), on_delete=models.PROTECT, related_name="assignments",
        limit_choices_to={"kind__in": Region.VILLAGE_KINDS},
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    officer = models.ForeignKey(
        Officer, verbose_name=_("民警"), null=True, blank=True, on_delete=models.PROTECT, related_name="assignments"
    )
    auxiliary_officer = models.ForeignKey(
        AuxiliaryOfficer, verbose_name=_("辅警"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="assignments",
    )
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=128, blank=True)

    class Meta:
        verbose_name = _("驻村安排")
        verbose_name_plural = _("驻村安排")
        ordering = ["village__code", "kind", "-start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "kind"], condition=Q(end_date__isnull=True), name="assignment_one_current_per_village",
                violation_error_message=_("该村(社区)已有一名在岗的同类驻村人员,请先结束原安排。")
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
