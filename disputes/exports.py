"""The case ledger (矛盾纠纷排查化解台账) as an Excel workbook.

It is built from whatever ``selectors.case_list`` returned for the user, so it holds exactly the
cases of the list page with the same filters (``ledger_cases``). A small ledger is written in
the request; a large one (more than ``EXPORT_ASYNC_ROWS`` cases) by the background export of
``core.exportjobs``, registered in ``DisputesConfig.ready`` with these same two functions. Personal data is always masked here: exports
leave the system (``governance.privacy``: lists and exports mask, whatever the role)."""

import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from core.errors import DomainError
from core.exports import safe_row
from core.i18n import join_list
from governance import privacy

from . import forms, selectors
from .models import DisputeCase

EXPORT_KIND = "disputes.case_ledger"  # its name in core.exportjobs' registry
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_TITLE = gettext_lazy("矛盾纠纷排查化解台账")
HEADER = [
    gettext_lazy("序号"),
    gettext_lazy("案件编号"),
    gettext_lazy("登记时间"),
    gettext_lazy("村(社区)"),
    gettext_lazy("网格"),
    gettext_lazy("类别"),
    gettext_lazy("简要案情"),
    gettext_lazy("当事人"),
    gettext_lazy("联系电话"),
    gettext_lazy("涉及人数"),
    gettext_lazy("处置层级"),
    gettext_lazy("状态"),
    gettext_lazy("化解责任人"),
    gettext_lazy("调解员"),
    gettext_lazy("办理期限"),
    gettext_lazy("是否逾期"),
    gettext_lazy("办结时间"),
]
WIDTHS = [6, 14, 17, 12, 12, 14, 40, 28, 18, 9, 10, 10, 10, 14, 17, 9, 17]


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def ledger_row(index: int, case: DisputeCase, *, user) -> list:
    """One line of the ledger. ``case`` comes from ``case_list`` (parties and active mediators
    prefetched), so building the rows issues no query per case."""
    parties = list(case.parties.all())
    return [
        index,
        case.number,
        _local(case.reported_at),
        case.village.name,
        case.grid.name if case.grid else "",
        case.get_category_display(),
        case.summary,
        join_list(f"{p.name}({p.get_role_display()})" for p in parties),
        join_list(privacy.shown_phone(user, p.phone, in_list=True) for p in parties if p.phone),
        case.people_involved,
        case.get_level_display(),
        case.get_status_display(),
        (case.responsible.full_name or case.responsible.username) if case.responsible else "",
        join_list(a.mediator.name for a in case.active_mediators),
        _local(case.due_at),
        _("是") if case.is_overdue else _("否"),
        _local(case.closed_at),
    ]


CHUNK = 2000  # cases read (and their parties and mediators prefetched) per query


def _rows_of(cases: Iterable[DisputeCase]) -> Iterator[DisputeCase]:
    """The cases in chunks of ``CHUNK`` (a queryset is read with ``iterator``, its prefetches
    done per chunk): the ledger of 100,000 cases never holds them all in memory."""
    if isinstance(cases, QuerySet):
        return cases.iterator(chunk_size=CHUNK)
    return iter(cases)


def ledger_cases(user, query: QueryDict) -> QuerySet[DisputeCase]:
    """The cases of the list page for the filters of ``query``, in ``user``'s scope. Filters
    that cannot be read raise ``DomainError``: the ledger is never exported for other filters
    than the ones asked."""
    filter_form = forms.CaseFilterForm(query or None, user=user)
    cases = selectors.case_list(user=user, filters=filter_form.values())
    if filter_form.errors:
        raise DomainError(filter_form.error_text())
    return cases


PROGRESS_EVERY = 500  # rows between two progress reports of a background export


def write_case_ledger(
    cases: Iterable[DisputeCase],
    *,
    user,
    out: IO[bytes],
    progress: Callable[[int], Any] | None = None,
) -> int:
    """Write the workbook to ``out`` in openpyxl's write-only mode: rows go straight to the
    file, so memory stays flat whatever the number of cases. ``progress(n)`` is told every
    ``PROGRESS_EVERY`` rows. Returns the number of cases written."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(str(SHEET_TITLE))
    for index, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    header = []
    for h in HEADER:
        cell = WriteOnlyCell(ws, value=str(h))
        cell.font = bold
        header.append(cell)
    ws.append(header)
    written = 0
    for index, case in enumerate(_rows_of(cases), start=1):
        # written as text whatever it starts with (core.exports: no formula from user data)
        row: list = safe_row(ledger_row(index, case, user=user))
        for col in (6, 7):  # 简要案情, 当事人: wrapped
            cell = WriteOnlyCell(ws, value=row[col])
            cell.alignment = wrap
            row[col] = cell
        ws.append(row)
        written = index
        if progress is not None and index % PROGRESS_EVERY == 0:
            progress(index)
    wb.save(out)
    if progress is not None:
        progress(written)
    return written


def case_ledger_xlsx(cases: Iterable[DisputeCase], *, user) -> bytes:
    """The whole workbook as bytes (a small ledger, answered in the request)."""
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as out:
        write_case_ledger(cases, user=user, out=out)
        out.seek(0)
        return out.read()
