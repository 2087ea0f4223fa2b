"""A read-only table model for the Bundles screens: prepared row objects mapped to
roles by column descriptions. Each column gives its text, the raw value it sorts on
(``Qt.UserRole``, used by a ``QSortFilterProxyModel``), and optionally an icon and a
tooltip; the icon is never the only sign of a state (the text says it too)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QIcon

from panel_app.gui.bundle_ui import status_icon

AnyIndex = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole
ROW_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class Col:
    header: str
    text: Callable[[Any], str]
    raw: Callable[[Any], Any] | None = None
    icon: Callable[[Any], str] | None = None  # a status_icon kind, or ""
    tip: Callable[[Any], str] | None = None
    width: int = 0  # in average characters; 0: leave to the view


class BundleTableModel(QAbstractTableModel):
    def __init__(self, columns: Sequence[Col], parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self._rows: list[Any] = []

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def clear(self) -> None:
        self.set_rows([])

    def row_object(self, row: int) -> Any:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rows(self) -> list[Any]:
        return list(self._rows)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        if not (0 <= r < len(self._rows) and 0 <= c < len(self.columns)):
            return None
        obj, col = self._rows[r], self.columns[c]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return col.text(obj)
        if role == SORT_ROLE:
            return col.raw(obj) if col.raw is not None else col.text(obj).casefold()
        if role == ROW_ROLE:
            return obj
        if role == Qt.ItemDataRole.DecorationRole and col.icon is not None:
            kind = col.icon(obj)
            return status_icon(kind) if kind else QIcon()
        if role == Qt.ItemDataRole.ToolTipRole:
            if col.tip is not None:
                return col.tip(obj) or None
            text = col.text(obj)
            return text if len(text) > 30 else None
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.columns[section].header
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


def sorted_proxy(model: BundleTableModel) -> QSortFilterProxyModel:
    """A proxy that sorts on the raw values in ``Qt.UserRole``, not on display text."""
    proxy = QSortFilterProxyModel(model)
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    proxy.setFilterKeyColumn(-1)
    return proxy
