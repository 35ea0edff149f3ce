"""The machinery of the capability table: which role may take which action on which kind of
object. It knows no role and no action of its own: the table itself is data, written once by the
app that owns the roles (``settings.CAPABILITY_TABLE`` names it, like ``AUTH_USER_MODEL`` names the
user model) and read by services, views, API permission classes, templates and the permission
matrix alike.

A capability is a code ``<kind of object>.<action>`` (``case.accept``, ``screening.file``,
``personal_data.view``). Asking for a code the table does not have is a programming error and
raises at once, so a typo never silently means "nobody may".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Capability:
    code: str
    label: str  # what it allows, in the interface's words (lazy translation)
    roles: frozenset[str]

    @property
    def kind(self) -> str:
        return self.code.split(".", 1)[0]


class UnknownCapability(LookupError):
    pass


class CapabilityTable:
    """Role × action. ``role_of(user)`` says which role a user acts in ("" for nobody: anonymous,
    inactive); everything else is the table."""

    def __init__(
        self,
        *,
        roles: Iterable[str],
        capabilities: Iterable[Capability],
        role_of: Callable[[Any], str],
    ) -> None:
        self.roles = tuple(roles)
        self._role_of = role_of
        self._by_code: dict[str, Capability] = {}
        for capability in capabilities:
            unknown = capability.roles - set(self.roles)
            if unknown:
                raise ValueError(f"{capability.code}: unknown roles {sorted(unknown)}")
            if capability.code in self._by_code:
                raise ValueError(f"{capability.code} is listed twice")
            self._by_code[capability.code] = capability

    def __iter__(self) -> Iterator[Capability]:
        return iter(self._by_code.values())

    def get(self, code: str) -> Capability:
        try:
            return self._by_code[code]
        except KeyError:
            raise UnknownCapability(code) from None

    def role_of(self, user: Any) -> str:
        return self._role_of(user)

    def allows(self, role: str, code: str) -> bool:
        return role in self.get(code).roles

    def may(self, user: Any, code: str) -> bool:
        return self.allows(self.role_of(user), code)

    def roles_with(self, code: str) -> frozenset[str]:
        return self.get(code).roles

    def codes_for(self, user: Any) -> frozenset[str]:
        role = self.role_of(user)
        return frozenset(c.code for c in self if role in c.roles)

    def as_rows(self) -> list[tuple[str, str, list[str]]]:
        """(code, label, roles) for documentation pages and the permission matrix."""
        return [(c.code, str(c.label), [r for r in self.roles if r in c.roles]) for c in self]


@cache
def table() -> CapabilityTable:
    loaded = import_string(settings.CAPABILITY_TABLE)
    if not isinstance(loaded, CapabilityTable):
        raise TypeError("settings.CAPABILITY_TABLE must name a CapabilityTable")
    return loaded


def may(user: Any, code: str) -> bool:
    """Whether the user's role may take the action ``code`` (on objects in their scope: the scope
    itself is the selectors' business)."""
    return table().may(user, code)


def roles_with(code: str) -> frozenset[str]:
    """The roles that may take the action ``code`` (to find who to tell, say)."""
    return table().roles_with(code)
