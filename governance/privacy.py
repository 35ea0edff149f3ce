"""Who sees personal data (ID-card numbers, phone numbers) in full.

Lists and exports always mask; a detail page or API detail shows the full value only to roles
that work with the person (the capability ``personal_data.view`` of ``governance.capabilities``)."""

from typing import Any

from .capabilities import may
from .validators import mask_id_number, mask_phone


def may_see_personal_data(user: Any) -> bool:
    """The capability ``personal_data.view``."""
    return may(user, "personal_data.view")


def shown_id_number(user, value: str, *, in_list: bool = False) -> str:
    return value if (value and not in_list and may_see_personal_data(user)) else mask_id_number(value)


def shown_phone(user, value: str, *, in_list: bool = False) -> str:
    return value if (value and not in_list and may_see_personal_data(user)) else mask_phone(value)
