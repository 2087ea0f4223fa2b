"""A read-only table model for the Bundles screens: prepared row objects mapped to
roles by column descriptions. Each column gives its text, the raw value it sorts on
(``Qt.UserRole``, used by a ``QSortFilterProxyModel``), and optionally an icon and a
tooltip; the icon is never the only sign of a state (the text says it too)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QIcon

from panel_app.gui.bundle_ui import status_icon
from panel_app.gui.models.rows import ROW_ROLE, ColumnTableModel

__all__ = ["ROW_ROLE", "SORT_ROLE", "BundleTableModel", "Col", "sorted_proxy"]

SORT_ROLE = Qt.ItemDataRole.UserRole


@dataclass(frozen=True)
class Col:
    header: str
    text: Callable[[Any], str]
    raw: Callable[[Any], Any] | None = None
    icon: Callable[[Any], str] | None = None  # a status_icon kind, or ""
    tip: Callable[[Any], str] | None = None
    width: int = 0  # in average characters; 0: leave to the view


class BundleTableModel(ColumnTableModel):
    @property
    def columns(self) -> list[Col]:
        return self._columns

    def rows(self) -> list[Any]:
        return list(self._rows)

    def cell(self, row: Any, column: Col, role: int) -> Any:
        if role == SORT_ROLE:
            return column.raw(row) if column.raw is not None else column.text(row).casefold()
        if role == Qt.ItemDataRole.DecorationRole and column.icon is not None:
            kind = column.icon(row)
            return status_icon(kind) if kind else QIcon()
        if role == Qt.ItemDataRole.ToolTipRole:
            if column.tip is not None:
                return column.tip(row) or None
            text = column.text(row)
            return text if len(text) > 30 else None
        return None


def sorted_proxy(model: BundleTableModel) -> QSortFilterProxyModel:
    """A proxy that sorts on the raw values in ``Qt.UserRole``, not on display text."""
    proxy = QSortFilterProxyModel(model)
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    proxy.setFilterKeyColumn(-1)
    return proxy
