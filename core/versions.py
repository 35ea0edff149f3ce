"""Optimistic versions on the writes people make.

A page sends the version of the record its user saw in a hidden ``version`` field; an API
client sends it as ``If-Match`` (the ``ETag`` of its GET) or a ``version`` field. ``use_version``
puts it on the loaded record, and the service's conditional update (``filter(version=…)``) turns
a stale write into a ``ConflictError`` (409) that changes nothing. Without a version the write
is checked against the record as loaded for this request."""

from __future__ import annotations

from typing import Any, Protocol

from django.utils.translation import gettext as _

from .errors import DomainError


class Versioned(Protocol):
    version: int


def expected_version(request: Any) -> int | None:
    """The version the request says its author saw, or ``None`` when it names none."""
    raw: Any = request.headers.get("If-Match")
    if raw:
        raw = raw.strip().removeprefix("W/").strip('"')
    else:
        data = getattr(request, "data", None)
        if data is None:
            data = request.POST
        raw = data.get("version") if hasattr(data, "get") else None
    if raw in (None, ""):
        return None
    try:
        value = int(str(raw))
    except ValueError:
        value = -1
    if value < 0:
        raise DomainError(_("版本号无效,请刷新后再操作。"), field="version")
    return value


def use_version(obj: Versioned, request: Any) -> None:
    """Check the coming write against the version the request carries (if any)."""
    version = expected_version(request)
    if version is not None:
        obj.version = version


def etag(obj: Versioned) -> str:
    return f'"{obj.version}"'
