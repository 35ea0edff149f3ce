"""The case ledger (矛盾纠纷排查化解台账) as an Excel workbook.

It is built from whatever ``selectors.case_list`` returned for the user, so it holds exactly the
cases of the list page with the same filters. Personal data is always masked here: exports
leave the system (``governance.privacy``: lists and exports mask, whatever the role)."""

from collections.abc import Iterable
from typing import cast

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from core.exports import workbook_bytes
from core.i18n import join_list
from governance import privacy

from .models import DisputeCase

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


def case_ledger_xlsx(cases: Iterable[DisputeCase], *, user) -> bytes:
    wb = Workbook()
    ws = cast(Worksheet, wb.active)  # a new workbook has one worksheet
    ws.title = str(SHEET_TITLE)
    ws.append([str(h) for h in HEADER])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for index, case in enumerate(cases, start=1):
        ws.append(ledger_row(index, case, user=user))
    for index, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    for row in ws.iter_rows(min_row=2, min_col=7, max_col=8):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    return workbook_bytes(wb)
