"""Optimistic versions on the writes people make.

A page sends the version of the record its user saw in a hidden ``version`` field; an API
client sends it as ``If-Match`` (the ``ETag`` of its GET) or a ``version`` field. ``use_version``
puts it on the loaded record, and the service's conditional update (``filter(version=…)``) turns
a stale write into a ``ConflictError`` (409) that changes nothing. Without a version the write
is checked against the record as loaded for this request."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any, Protocol

from django.db.models import F, Model
from django.utils.translation import gettext as _

from .errors import ConflictError, DomainError


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


def stale_message(obj: Model) -> str:
    """ "网格“一组”已被他人修改,请刷新后再操作": the kind of record and which one."""
    shown = copy.copy(obj)  # named as it is stored, not with the values that lost
    shown.__dict__.update(getattr(obj, "_loaded_values", {}))
    return _("%(kind)s“%(name)s”已被他人修改,请刷新后再操作") % {
        "kind": obj._meta.verbose_name,
        "name": shown,
    }


def save_changed(
    obj: Any, *, fields: Iterable[str] | None = None, message: str | None = None, **expected: Any
) -> list[str]:
    """Write the fields of ``obj`` (a ``core.models.Versioned``) that changed since it was loaded
    (or ``fields``), with a conditional update: only if the row still has the version ``obj``
    carries (the one its author saw) and the ``expected`` values (a state it starts from). The
    version goes up by one. Nothing changed → nothing written. Someone wrote first →
    ``ConflictError`` (409) with ``message`` (by default: which record, and to refresh)."""
    names = list(fields) if fields is not None else obj.changed_fields()
    if not names:
        return []
    values = {
        obj._meta.get_field(name).attname: getattr(obj, obj._meta.get_field(name).attname) for name in names
    }
    for f in obj._meta.concrete_fields:  # ``auto_now`` fields, which update() leaves alone
        if getattr(f, "auto_now", False):
            values[f.attname] = f.pre_save(obj, False)
    moved = (
        type(obj)
        ._default_manager.filter(pk=obj.pk, version=obj.version, **expected)
        .update(**values, version=F("version") + 1)
    )
    if not moved:
        raise ConflictError(message or stale_message(obj), code="conflict")
    obj.version += 1
    obj.remember_loaded()
    return names


def versions_token(objs: Iterable[Any]) -> str:
    """The versions of the records a page offers to choose from (``"12:3,15:0"``), for a hidden
    field: the chosen one is then checked against the version the page showed."""
    return ",".join(f"{obj.pk}:{obj.version}" for obj in objs)


def use_token_version(obj: Any, token: str) -> None:
    """Put on ``obj`` the version ``token`` (from ``versions_token``) gives for it, if any."""
    for item in (token or "").split(","):
        pk, _sep, version = item.partition(":")
        if pk.strip() == str(obj.pk) and version.strip().isdigit():
            obj.version = int(version)
            return
