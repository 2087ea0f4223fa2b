"""Cells of the CSV files the app writes, made safe to open in a spreadsheet.

Excel, LibreOffice and Google Sheets run a cell that starts with ``=``, ``+``, ``-`` or
``@`` (or a tab or carriage return before one) as a formula ("CSV injection"): a school, a
person or a ladder step named ``=HYPERLINK(...)`` or ``=cmd|' /C calc'!A0`` would run when
a report is opened. Such text cells are written with a leading apostrophe, which the
spreadsheet shows as text; numbers are left as they are (``-2`` stays a number).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: Any) -> Any:
    """``value`` unchanged, unless it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def spreadsheet_row(values: Iterable[Any]) -> list[Any]:
    return [spreadsheet_cell(v) for v in values]


def spreadsheet_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: spreadsheet_cell(v) for k, v in row.items()}
