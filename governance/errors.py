"""Domain errors raised by services. Views and the API map them to form errors or HTTP
responses in one place (``governance.api.exception_handler`` and ``governance.views``)."""

from django.utils.translation import gettext as _


class DomainError(Exception):
    """A rule refused the write. ``field`` names the input at fault, when there is one."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code

    def as_dict(self) -> dict:
        key = self.field or "non_field_errors"
        return {key: [self.message]}


class NotPermitted(DomainError):
    """The actor may see the object but may not make this change (read-only role)."""

    status_code = 403

    def __init__(self, message: str = "", **kwargs):
        super().__init__(message or _("您没有执行此操作的权限。"), code="not_permitted", **kwargs)


class ConflictError(DomainError):
    """Someone else changed the object first."""

    status_code = 409
