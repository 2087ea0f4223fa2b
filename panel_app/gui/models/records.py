"""A small read-only table model over a list of records, described by columns.

Used for a case's notes and documents. Each column gives its display text and the raw
value it sorts on (Qt.UserRole).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt

from panel_app.gui.models.rows import ROW_ROLE, AnyIndex, ColumnTableModel

__all__ = ["RECORD_ROLE", "AnyIndex", "RecordColumn", "RecordTableModel"]

RECORD_ROLE = ROW_ROLE


@dataclass(frozen=True)
class RecordColumn:
    header: str
    text: Callable[[Any], str]
    raw: Callable[[Any], Any] | None = None
    header_tip: str = ""  # the header's tool tip, when the short header needs one


class RecordTableModel(ColumnTableModel):
    def record(self, row: int) -> Any:
        return self.row_object(row)

    def cell(self, row: Any, column: RecordColumn, role: int) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole:
            text = column.text(row)
            return text if len(text) > 40 else None
        if role == Qt.ItemDataRole.UserRole:
            return column.raw(row) if column.raw else column.text(row)
        return None
