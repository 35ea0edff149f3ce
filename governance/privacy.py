"""Who sees personal data (ID-card numbers, phone numbers) in full.

Lists and exports always mask; a detail page or API detail shows the full value only to roles
that work with the person: station staff, the county command centre and administrators."""

from .models import User
from .validators import mask_id_number, mask_phone

_FULL_ACCESS_ROLES = {User.Role.ADMIN, User.Role.COUNTY, User.Role.STATION}


def may_see_personal_data(user) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and (user.is_superuser or user.role in _FULL_ACCESS_ROLES)
    )


def shown_id_number(user, value: str, *, in_list: bool = False) -> str:
    return value if (value and not in_list and may_see_personal_data(user)) else mask_id_number(value)


def shown_phone(user, value: str, *, in_list: bool = False) -> str:
    return value if (value and not in_list and may_see_personal_data(user)) else mask_phone(value)
