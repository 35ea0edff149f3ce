"""Territory (region tree, grids) and community forces (grid workers, mediators, committees,
volunteer teams), plus the platform's users and their roles."""

from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.i18n import join_list
from core.limits import validate_not_future, validate_text
from core.models import Versioned

from .capabilities import may
from .roles import LiaisonUnit, Role
from .validators import validate_id_number, validate_phone


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Ethnicity(models.TextChoices):
    YI = "yi", _("彝族")
    HAN = "han", _("汉族")
    TIBETAN = "tibetan", _("藏族")
    HUI = "hui", _("回族")
    OTHER = "other", _("其他民族")


class Region(Versioned):
    """A node of the administrative tree: county › township/街道 › village/community."""

    class Kind(models.TextChoices):
        COUNTY = "county", _("县")
        TOWNSHIP = "township", _("乡镇")
        SUBDISTRICT = "subdistrict", _("街道")
        VILLAGE = "village", _("行政村")
        COMMUNITY = "community", _("社区")

    TOWNSHIP_KINDS = (Kind.TOWNSHIP, Kind.SUBDISTRICT)
    VILLAGE_KINDS = (Kind.VILLAGE, Kind.COMMUNITY)
    # which kinds may sit directly under which
    PARENT_KINDS: dict[str, tuple[str, ...]] = {
        Kind.COUNTY: (),
        Kind.TOWNSHIP: (Kind.COUNTY,),
        Kind.SUBDISTRICT: (Kind.COUNTY,),
        Kind.VILLAGE: TOWNSHIP_KINDS,
        Kind.COMMUNITY: TOWNSHIP_KINDS,
    }

    name = models.CharField(_("名称"), max_length=64)
    code = models.CharField(_("区划代码"), max_length=20, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    households = models.PositiveIntegerField(_("户数"), default=0)
    population = models.PositiveIntegerField(_("人口"), default=0)
    is_archived = models.BooleanField(_("已归档"), default=False)
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="county", parent__isnull=True) | (~Q(kind="county") & Q(parent__isnull=False))
                ),
                name="region_only_county_is_root",
                violation_error_message=_("只有县级区划没有上级,其他区划必须指定上级。"),
            ),
            models.UniqueConstraint(
                fields=["parent", "name"],
                name="region_unique_name_under_parent",
                violation_error_message=_("同一上级下已有同名区划。"),
            ),
        ]
        indexes = [models.Index(fields=["kind", "is_archived"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_village_level(self) -> bool:
        return self.kind in self.VILLAGE_KINDS

    @property
    def is_township_level(self) -> bool:
        return self.kind in self.TOWNSHIP_KINDS


class Grid(Versioned):
    """网格: a part of a village or community with a grid leader and grid workers."""

    village = models.ForeignKey(
        Region,
        verbose_name=_("所属村(社区)"),
        on_delete=models.PROTECT,
        related_name="grids",
        limit_choices_to={"kind__in": Region.VILLAGE_KINDS},
    )
    name = models.CharField(_("网格名称"), max_length=64)
    code = models.CharField(_("网格编号"), max_length=32, unique=True)
    police_grid = models.CharField(_("对应警格"), max_length=64, blank=True)
    households = models.PositiveIntegerField(_("户数"), default=0)
    population = models.PositiveIntegerField(_("人口"), default=0)
    boundary = models.JSONField(_("边界(GeoJSON)"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "name"],
                name="grid_unique_name_in_village",
                violation_error_message=_("该村(社区)已有同名网格。"),
            )
        ]

    def __str__(self) -> str:
        return self.name


class GridWorker(Versioned):
    class Role(models.TextChoices):
        LEADER = "leader", _("网格长")
        WORKER = "worker", _("网格员")

    grid = models.ForeignKey(Grid, verbose_name=_("网格"), on_delete=models.PROTECT, related_name="workers")
    user = models.OneToOneField(
        "governance.User",
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="grid_worker",
    )
    name = models.CharField(_("姓名"), max_length=32)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, default=Gender.MALE)
    ethnicity = models.CharField(_("民族"), max_length=16, choices=Ethnicity.choices, default=Ethnicity.YI)
    id_number = models.CharField(_("身份证号"), max_length=18, unique=True, validators=[validate_id_number])
    phone = models.CharField(_("联系电话"), max_length=20, validators=[validate_phone])
    role = models.CharField(_("职责"), max_length=16, choices=Role.choices, default=Role.WORKER)
    stars = models.PositiveSmallIntegerField(
        _("星级"), default=0, validators=[MinValueValidator(0), MaxValueValidator(5)]
    )
    since = models.DateField(_("任职日期"), null=True, blank=True, validators=[validate_not_future])
    is_active = models.BooleanField(_("在岗"), default=True)

    class Meta:
        verbose_name = _("网格员")
        verbose_name_plural = _("网格员")
        ordering = ["grid__code", "role", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["grid"],
                condition=Q(role="leader", is_active=True),
                name="grid_one_active_leader",
                violation_error_message=_("该网格已有在岗网格长,一个网格只能有一名网格长。"),
            ),
            models.CheckConstraint(
                condition=Q(stars__lte=5),
                name="gridworker_stars_max_5",
                violation_error_message=_("星级最高为5星。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Mediator(Versioned):
    """德古 (Yi traditional mediator), 人民调解员 or 律师."""

    class Kind(models.TextChoices):
        DEGU = "degu", _("德古")
        PEOPLE = "people", _("人民调解员")
        LAWYER = "lawyer", _("律师")

    name = models.CharField(_("姓名"), max_length=32)
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, default=Gender.MALE)
    ethnicity = models.CharField(_("民族"), max_length=16, choices=Ethnicity.choices, default=Ethnicity.YI)
    clan = models.CharField(_("家支"), max_length=32, blank=True, help_text=_("彝族家支,用于回避审查"))
    id_number = models.CharField(_("身份证号"), max_length=18, blank=True, validators=[validate_id_number])
    phone = models.CharField(_("联系电话"), max_length=20, validators=[validate_phone])
    township = models.ForeignKey(
        Region,
        verbose_name=_("服务乡镇"),
        on_delete=models.PROTECT,
        related_name="mediators",
        limit_choices_to={"kind__in": Region.TOWNSHIP_KINDS},
    )
    organisation = models.CharField(
        _("所在组织"), max_length=64, blank=True, help_text=_("调委会、律师事务所等")
    )
    speaks_yi = models.BooleanField(_("会讲彝语"), default=False)
    speaks_mandarin = models.BooleanField(_("会讲汉语"), default=True)
    is_active = models.BooleanField(_("在册"), default=True)
    user = models.OneToOneField(
        "governance.User",
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mediator",
    )
    note = models.TextField(_("备注"), blank=True, validators=[validate_text])

    class Meta:
        verbose_name = _("调解员")
        verbose_name_plural = _("调解员")
        ordering = ["township__code", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"],
                condition=~Q(id_number=""),
                name="mediator_unique_id_number",
                violation_error_message=_("该身份证号已登记为调解员。"),
            ),
            models.CheckConstraint(
                condition=Q(speaks_yi=True) | Q(speaks_mandarin=True),
                name="mediator_speaks_a_language",
                violation_error_message=_("请至少选择一种语言(彝语或汉语)。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}({self.get_kind_display()})"

    @property
    def languages_display(self) -> str:
        langs = []
        if self.speaks_yi:
            langs.append(str(_("彝语")))
        if self.speaks_mandarin:
            langs.append(str(_("汉语")))
        return join_list(langs)


class SecurityCommittee(Versioned):
    """治保会: one per village."""

    village = models.OneToOneField(
        Region,
        verbose_name=_("村(社区)"),
        on_delete=models.PROTECT,
        related_name="security_committee",
        limit_choices_to={"kind__in": Region.VILLAGE_KINDS},
    )
    name = models.CharField(_("名称"), max_length=64)
    established_on = models.DateField(_("成立日期"), null=True, blank=True, validators=[validate_not_future])
    note = models.TextField(_("备注"), blank=True, validators=[validate_text])

    class Meta:
        verbose_name = _("治保会")
        verbose_name_plural = _("治保会")
        ordering = ["village__code"]

    def __str__(self) -> str:
        return self.name


class CommitteeMember(Versioned):
    class Position(models.TextChoices):
        CHAIR = "chair", _("主任")
        DEPUTY = "deputy", _("副主任")
        MEMBER = "member", _("成员")

    class Kind(models.TextChoices):
        PARTY_SECRETARY = "party_secretary", _("村党支部书记")
        AUXILIARY_OFFICER = "auxiliary_officer", _("村辅警")
        PARTY_MEMBER = "party_member", _("党员")
        GRID_WORKER = "grid_worker", _("网格员")
        DEGU = "degu", _("德古")
        GUARD = "guard", _("护村队员")
        COURIER = "courier", _("快递员")
        OTHER = "other", _("其他")

    committee = models.ForeignKey(
        SecurityCommittee, verbose_name=_("治保会"), on_delete=models.PROTECT, related_name="members"
    )
    name = models.CharField(_("姓名"), max_length=32)
    phone = models.CharField(_("联系电话"), max_length=20, validators=[validate_phone])
    position = models.CharField(_("职务"), max_length=16, choices=Position.choices, default=Position.MEMBER)
    kind = models.CharField(_("身份"), max_length=24, choices=Kind.choices, default=Kind.OTHER)
    joined_on = models.DateField(_("加入日期"), null=True, blank=True, validators=[validate_not_future])
    is_active = models.BooleanField(_("在任"), default=True)

    class Meta:
        verbose_name = _("治保会成员")
        verbose_name_plural = _("治保会成员")
        ordering = ["committee", "position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "position"],
                condition=Q(position__in=["chair", "deputy"], is_active=True),
                name="committee_one_active_chair_and_deputy",
                violation_error_message=_("该治保会已有在任的主任或副主任,请先调整原任职人员。"),
            ),
            models.UniqueConstraint(
                fields=["committee", "name", "phone"],
                name="committee_member_unique",
                violation_error_message=_("该成员已在治保会名单中。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class VolunteerTeam(Versioned):
    """群防群治队伍: patrol teams, 护村队, 红袖标, 平安志愿者."""

    class Kind(models.TextChoices):
        PATROL = "patrol", _("治安巡逻队")
        VILLAGE_GUARD = "village_guard", _("护村队")
        RED_ARMBAND = "red_armband", _("红袖标志愿队")
        VOLUNTEER = "volunteer", _("平安志愿者")
        OTHER = "other", _("其他")

    name = models.CharField(_("队伍名称"), max_length=64, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.PATROL)
    region = models.ForeignKey(
        Region, verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="volunteer_teams"
    )
    leader_name = models.CharField(_("负责人"), max_length=32)
    leader_phone = models.CharField(_("负责人电话"), max_length=20, validators=[validate_phone])
    founded_on = models.DateField(_("成立日期"), null=True, blank=True, validators=[validate_not_future])
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("群防群治队伍")
        verbose_name_plural = _("群防群治队伍")
        ordering = ["region__code", "name"]

    def __str__(self) -> str:
        return self.name


class VolunteerMember(Versioned):
    team = models.ForeignKey(
        VolunteerTeam, verbose_name=_("队伍"), on_delete=models.PROTECT, related_name="members"
    )
    name = models.CharField(_("姓名"), max_length=32)
    phone = models.CharField(_("联系电话"), max_length=20, validators=[validate_phone])
    id_number = models.CharField(_("身份证号"), max_length=18, blank=True, validators=[validate_id_number])
    joined_on = models.DateField(_("加入日期"), null=True, blank=True, validators=[validate_not_future])
    is_active = models.BooleanField(_("在队"), default=True)

    class Meta:
        verbose_name = _("队员")
        verbose_name_plural = _("队员")
        ordering = ["team", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "name", "phone"],
                name="volunteer_member_unique",
                violation_error_message=_("该队员已在队伍名单中。"),
            )
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A platform account. What it may see follows from its role and the record it is linked to
    (the officer, auxiliary officer, grid worker or mediator whose ``user`` it is)."""

    Role = Role  # the roles are governance.roles.Role; what they may do, governance.capabilities

    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, blank=True)
    full_name = models.CharField(_("姓名"), max_length=32, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True, validators=[validate_phone])
    # the unit a township 综治中心 handler or a liaison works for (governance.scoping)
    township = models.ForeignKey(
        "Region",
        verbose_name=_("所属乡镇(街道)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        limit_choices_to={"kind__in": Region.TOWNSHIP_KINDS},
    )
    liaison_unit = models.CharField(
        _("联络单位"), max_length=24, choices=LiaisonUnit.choices, blank=True, default="", db_default=""
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def is_county_wide(self) -> bool:
        """Sees the whole county (the capability ``scope.county_wide``)."""
        return may(self, "scope.county_wide")

    @property
    def can_manage_reference_data(self) -> bool:
        """May create and edit territory and community-force records inside their scope."""
        return may(self, "reference.manage")


class PointsRule(models.Model):
    """积分规则: how many points an event earns (negative = a deduction), and for whom.

    Services look a rule up by its ``code`` (``dispute.reported``, ``screening.late`` …); the
    admin may change the name, the points and switch a rule off, never the code. For the
    ``manual`` rule, ``points`` is the largest amount (either sign) one manual entry may carry."""

    class AppliesTo(models.TextChoices):
        ALL = "all", _("所有人员")
        GRID_WORKER = "grid_worker", _("网格员")
        COMMITTEE_MEMBER = "committee_member", _("治保会成员")
        VOLUNTEER_MEMBER = "volunteer_member", _("群防群治队员")

    code = models.CharField(_("规则代码"), max_length=48, unique=True)
    name = models.CharField(_("规则名称"), max_length=64)
    points = models.IntegerField(_("分值"), help_text=_("负数为扣分;手工加减分规则为单次调整的上限"))
    applies_to = models.CharField(
        _("适用人员"), max_length=24, choices=AppliesTo.choices, default=AppliesTo.ALL
    )
    description = models.CharField(_("说明"), max_length=255, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("积分规则")
        verbose_name_plural = _("积分规则")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}({self.points:+d})"

    def applies_to_kind(self, kind: str) -> bool:
        return self.applies_to in (self.AppliesTo.ALL, kind)


class PointsEntry(models.Model):
    """One line of the append-only points ledger (积分台账). Never updated nor deleted: a
    mistaken award is corrected by a manual entry of the opposite sign, with its reason.

    ``source_key`` names the event that earned it (``case-12:reported``,
    ``round-3:grid-7:filed``); it is unique per person, so replaying an event never awards twice."""

    class Kind(models.TextChoices):
        GRID_WORKER = "grid_worker", _("网格员")
        COMMITTEE_MEMBER = "committee_member", _("治保会成员")
        VOLUNTEER_MEMBER = "volunteer_member", _("群防群治队员")

    grid_worker = models.ForeignKey(
        GridWorker,
        verbose_name=_("网格员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="points_entries",
    )
    committee_member = models.ForeignKey(
        CommitteeMember,
        verbose_name=_("治保会成员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="points_entries",
    )
    volunteer_member = models.ForeignKey(
        VolunteerMember,
        verbose_name=_("群防群治队员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="points_entries",
    )
    rule = models.ForeignKey(
        PointsRule,
        verbose_name=_("规则"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
        help_text=_("手工加减分为空"),
    )
    points = models.IntegerField(_("分值"))
    source_key = models.CharField(_("来源"), max_length=96)
    reason = models.CharField(_("事由"), max_length=255, blank=True)
    month = models.DateField(_("所属月份"), help_text=_("该月第一天"))
    awarded_at = models.DateTimeField(_("记分时间"))
    awarded_by = models.ForeignKey(
        "governance.User",
        verbose_name=_("记分人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("为空表示系统自动记分"),
    )

    class Meta:
        verbose_name = _("积分记录")
        verbose_name_plural = _("积分台账")
        ordering = ["-awarded_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(grid_worker__isnull=False, committee_member__isnull=True, volunteer_member__isnull=True)
                    | Q(
                        grid_worker__isnull=True,
                        committee_member__isnull=False,
                        volunteer_member__isnull=True,
                    )
                    | Q(
                        grid_worker__isnull=True,
                        committee_member__isnull=True,
                        volunteer_member__isnull=False,
                    )
                ),
                name="points_entry_exactly_one_person",
                violation_error_message=_("每条积分记录必须且只能对应一名人员。"),
            ),
            models.UniqueConstraint(
                fields=["grid_worker", "source_key"],
                name="points_entry_unique_grid_worker",
                violation_error_message=_("该事项已为此人记过分。"),
            ),
            models.UniqueConstraint(
                fields=["committee_member", "source_key"],
                name="points_entry_unique_committee_member",
                violation_error_message=_("该事项已为此人记过分。"),
            ),
            models.UniqueConstraint(
                fields=["volunteer_member", "source_key"],
                name="points_entry_unique_volunteer_member",
                violation_error_message=_("该事项已为此人记过分。"),
            ),
        ]
        indexes = [
            models.Index(fields=["month", "grid_worker"]),
            models.Index(fields=["month", "committee_member"]),
            models.Index(fields=["month", "volunteer_member"]),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.points:+d}({self.source_key})"

    @property
    def kind(self) -> str:
        if self.grid_worker_id:
            return self.Kind.GRID_WORKER
        if self.committee_member_id:
            return self.Kind.COMMITTEE_MEMBER
        return self.Kind.VOLUNTEER_MEMBER

    @property
    def person(self):
        return getattr(self, self.kind)


class PersonalDataAccess(models.Model):
    """One full ID-card or phone number shown to someone: a tap on 查看完整号码 (``reveal``) or a
    page, API response or export that displayed it unmasked (``display``). Append-only: written
    by ``governance.privacy`` alone, never changed or deleted (the admin is read-only)."""

    class Kind(models.TextChoices):
        REVEAL = "reveal", _("一键查看")
        DISPLAY = "display", _("完整显示")

    actor = models.ForeignKey(
        "governance.User",
        on_delete=models.PROTECT,
        related_name="personal_data_accesses",
        verbose_name=_("查看人"),
    )
    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, verbose_name=_("对象类型")
    )
    object_id = models.PositiveBigIntegerField(_("对象编号"))
    subject = models.CharField(_("被查看人"), max_length=128, blank=True)
    field = models.CharField(_("字段"), max_length=32)
    kind = models.CharField(_("方式"), max_length=16, choices=Kind.choices)
    where = models.CharField(_("位置"), max_length=255, blank=True)
    reason = models.CharField(_("事由"), max_length=200, blank=True)
    address = models.GenericIPAddressField(_("地址"), null=True, blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("个人信息查看记录")
        verbose_name_plural = _("个人信息查看记录")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.actor_id} {self.field} {self.subject}"
