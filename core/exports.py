"""Excel written from user data, safe to open.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
Excel and LibreOffice as a formula (CSV/formula injection: ``=HYPERLINK(...)``, ``=cmd|...``).
Every export of the project saves its workbook through :func:`workbook_bytes`, which passes every
cell through :func:`safe_cell`, so no row can be forgotten: such text is written prefixed with a
quote, as text. Numbers, dates and booleans are left as they are."""

import io
from typing import Any

from openpyxl import Workbook

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` as a cell that cannot be read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_row(values) -> list:
    return [safe_cell(value) for value in values]


def workbook_bytes(workbook: Workbook) -> bytes:
    """The saved .xlsx of ``workbook``, every text cell made safe first (see module docstring)."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_PREFIXES):
                    cell.value = safe_cell(cell.value)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
