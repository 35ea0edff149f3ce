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
