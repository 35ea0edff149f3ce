"""What can be exported in the background: registered by the app that owns the rows, from its
``AppConfig.ready`` (``core`` knows no domain), e.g. in ``disputes``::

    register_export(
        "disputes.case_ledger",
        title=exports.SHEET_TITLE,
        rows=exports.ledger_cases,         # (user, QueryDict) → the scoped rows; DomainError for bad filters
        write=exports.write_case_ledger,   # (rows, *, user, out, progress) → rows written
        file_stem="cases-ledger",
        back_url=lambda query: reverse("disputes:case-list") + "?" + query,
    )

``rows(user, filters)`` reads through the app's scoped selector with the filters of the list
page, so a job exports exactly the rows the list shows its requester (read again when the task
runs: a user who lost a village meanwhile no longer exports it). It raises ``DomainError`` for
filters that cannot be read: then nothing is written. ``write(rows, user=, out=, progress=)``
streams them to the binary file ``out`` in constant memory and calls ``progress(n)`` every few
hundred rows; it returns how many rows it wrote."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import QueryDict

from core.errors import NotFound

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ExportKind:
    kind: str
    title: Any
    rows: Callable[[Any, QueryDict], Any]
    write: Callable[..., int]
    file_stem: str
    extension: str = "xlsx"
    content_type: str = XLSX
    back_url: Callable[[str], str] | None = None
    may_export: Callable[[Any], bool] | None = None

    def allows(self, user: Any) -> bool:
        if not (user.is_authenticated and user.is_active):
            return False
        return self.may_export(user) if self.may_export is not None else True


REGISTRY: dict[str, ExportKind] = {}


def register_export(
    kind: str,
    *,
    title: Any,
    rows: Callable[[Any, QueryDict], Any],
    write: Callable[..., int],
    file_stem: str,
    extension: str = "xlsx",
    content_type: str = XLSX,
    back_url: Callable[[str], str] | None = None,
    may_export: Callable[[Any], bool] | None = None,
) -> None:
    REGISTRY[kind] = ExportKind(
        kind=kind,
        title=title,
        rows=rows,
        write=write,
        file_stem=file_stem,
        extension=extension,
        content_type=content_type,
        back_url=back_url,
        may_export=may_export,
    )


def export_kind(kind: str) -> ExportKind:
    try:
        return REGISTRY[kind]
    except KeyError as err:
        raise NotFound() from err
