"""The platform's roles. A user acts in one role; what it may do is the capability table
(``governance.capabilities``), what it may see is the scope resolver (``governance.scoping``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("系统管理员")
    COUNTY = "county", _("县指挥中心")
    STATION = "station", _("派出所民警")
    AUXILIARY = "auxiliary", _("村辅警")
    GRID = "grid", _("网格员")
    MEDIATOR = "mediator", _("调解员")
    TOWNSHIP = "township", _("乡镇综治中心")
    LIAISON = "liaison", _("部门/法院联络员")


class LiaisonUnit(models.TextChoices):
    """The unit a department or court liaison (``Role.LIAISON``) answers referrals for."""

    JUDICIAL = "judicial", _("司法所(人民调解委员会)")
    COURT = "court", _("法院")
    LAWYER = "lawyer", _("律师事务所")
    HRSS = "hrss", _("人社")
    CIVIL_AFFAIRS = "civil_affairs", _("民政")
    HOUSING = "housing", _("住建")
    NATURAL_RESOURCES = "natural_resources", _("自然资源")
    PETITIONS = "petitions", _("信访")
    HOTLINE_12345 = "hotline_12345", _("12345热线")
    OTHER = "other", _("其他部门")
