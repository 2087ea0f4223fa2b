"""The base of the small read-only table models that show a list of prepared row objects
through column descriptions (``RecordTableModel``, ``BundleTableModel``).

A column description has at least a ``header`` and a ``text(row) -> str``. The base gives
the display and accessible text, the row object itself in ``ROW_ROLE``, the headers and the
flags; a subclass answers the other roles of a cell (sort value, tooltip, icon) in ``cell``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

AnyIndex = QModelIndex | QPersistentModelIndex
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
TEXT_ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole)


class ColumnTableModel(QAbstractTableModel):
    def __init__(self, columns: Sequence[Any], parent: Any = None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._rows: list[Any] = []

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def clear(self) -> None:
        self.set_rows([])

    def row_object(self, row: int) -> Any:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        if not (0 <= r < len(self._rows) and 0 <= c < len(self._columns)):
            return None
        row, column = self._rows[r], self._columns[c]
        if role in TEXT_ROLES:
            return column.text(row)
        if role == ROW_ROLE:
            return row
        return self.cell(row, column, role)

    def cell(self, row: Any, column: Any, role: int) -> Any:
        """A cell's value for a role other than its text or its row object."""
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._columns)
                and role in TEXT_ROLES):
            return self._columns[section].header
        if (orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._columns)
                and role == Qt.ItemDataRole.ToolTipRole):
            return getattr(self._columns[section], "header_tip", "") or None
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
