"""The password policy's own rule: the demo accounts' documented password is refused outside
the demo (DEBUG or DEMO_MODE), wherever a password is set (the password change page, the admin,
``createsuperuser``, ``changepassword``)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class NotDemoPasswordValidator:
    def __init__(self, passwords: list[str] | None = None):
        self.passwords = {p.casefold() for p in (passwords or [])}

    def validate(self, password: str, user=None) -> None:
        if settings.DEBUG or getattr(settings, "DEMO_MODE", False):
            return
        if password.casefold() in self.passwords:
            raise ValidationError(_("这是演示账号的公开密码,不能在正式系统中使用。"), code="demo_password")

    def get_help_text(self) -> str:
        return _("不能使用演示账号的公开密码。")
