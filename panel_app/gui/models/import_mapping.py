"""Models of the pupil import dialog: the column mapping (each column of the file -> the
field it fills, editable with a combo box) and the columns of the preview table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QComboBox, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from panel_app.core.imports.mis_csv import IGNORE, TARGETS
from panel_app.gui.models.records import RecordColumn

AnyIndex = QModelIndex | QPersistentModelIndex
IGNORED_LABEL = "(not imported)"
ORIGINS = {"given": "your choice", "remembered": "remembered for the school",
           "recognised": "recognised heading", "": "not recognised"}
COLUMN, FIELD, ORIGIN = range(3)
HEADERS = ("Column in the file", "Imported as", "Chosen by")


class MappingModel(QAbstractTableModel):
    """One row per column of the file: its heading, the field it fills (editable: a key of
    ``mis_csv.TARGETS[kind]`` or ``ignore``), and where that choice came from."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.kind = "pupils"
        self._rows: list[list[str]] = []  # [header, field, origin]

    def set_mapping(self, headers: Sequence[str], kind: str, mapping: Mapping[str, str],
                    origin: Mapping[str, str]) -> None:
        self.beginResetModel()
        self.kind = kind
        self._rows = [[h, mapping.get(h, IGNORE), origin.get(h, "") if h in mapping else ""]
                      for h in headers]
        self.endResetModel()

    def clear(self) -> None:
        self.set_mapping([], self.kind, {}, {})

    def targets(self) -> list[tuple[str, str]]:
        """(field, label) choices, 'not imported' last."""
        return [*TARGETS.get(self.kind, {}).items(), (IGNORE, IGNORED_LABEL)]

    def label_of(self, name: str) -> str:
        return dict(self.targets()).get(name, name)

    def mapping(self) -> dict[str, str]:
        """Every column -> its field (or 'ignore'), for ``preview_csv(mapping=...)``."""
        return {h: f for h, f, _o in self._rows}

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        header, name, origin = self._rows[index.row()]
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole,
                    Qt.ItemDataRole.ToolTipRole):
            if col == COLUMN:
                return header
            if col == FIELD:
                if role == Qt.ItemDataRole.ToolTipRole:
                    return "Press F2 or double-click to choose the field"
                return self.label_of(name)
            if col == ORIGIN:
                return ORIGINS.get(origin, origin)
        if role == Qt.ItemDataRole.EditRole and col == FIELD:
            return name
        return None

    def setData(self, index: AnyIndex, value: Any,
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if (not index.isValid() or index.column() != FIELD or role != Qt.ItemDataRole.EditRole
                or value not in dict(self.targets())):
            return False
        row = self._rows[index.row()]
        if value != IGNORE:  # one column per field: a column that had it lets it go
            for i, other in enumerate(self._rows):
                if other is not row and other[1] == value:
                    other[1], other[2] = IGNORE, "given"
                    changed = self.index(i, FIELD)
                    self.dataChanged.emit(changed, self.index(i, ORIGIN))
        row[1], row[2] = str(value), "given"
        self.dataChanged.emit(self.index(index.row(), FIELD), self.index(index.row(), ORIGIN))
        return True

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and 0 <= section < len(HEADERS)
                and role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole)):
            return HEADERS[section]
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == FIELD:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags


class FieldDelegate(QStyledItemDelegate):
    """A combo box of the fields (by label) to edit the 'Imported as' column."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem,
                     index: AnyIndex) -> QWidget:
        combo = QComboBox(parent)
        combo.setAccessibleName("Imported as")
        model = index.model()
        for name, text in model.targets():  # type: ignore[attr-defined]
            combo.addItem(text, name)
        return combo

    def setEditorData(self, editor: QWidget, index: AnyIndex) -> None:
        assert isinstance(editor, QComboBox)
        editor.setCurrentIndex(max(0, editor.findData(index.data(Qt.ItemDataRole.EditRole))))

    def setModelData(self, editor: QWidget, model: Any, index: AnyIndex) -> None:
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)


ACTIONS = {"new": "New pupil", "update": "Update", "unchanged": "Unchanged",
           "error": "⚠ Error"}


def row_details(row: Any) -> str:
    """Errors first, then the changes (old -> new), then warnings."""
    parts = [f"{i.message}" for i in row.issues if i.severity == "error"]
    parts += [f"{c.field.replace('_', ' ')}: {c.old or '—'} → {c.new}" for c in row.changes]
    parts += [f"Note: {i.message}" for i in row.issues if i.severity != "error"]
    if row.new_exclusions:
        parts.append(f"{row.new_exclusions} exclusion(s) to add")
    return " ".join(p if p.endswith((".", ")")) else p + "." for p in parts)


PREVIEW_COLUMNS = (
    RecordColumn("Line", lambda r: str(r.line), lambda r: r.line),
    RecordColumn("Action", lambda r: ACTIONS.get(r.action, r.action)),
    RecordColumn("UPN", lambda r: r.upn),
    RecordColumn("Name", lambda r: r.name),
    RecordColumn("Errors and changes", row_details),
)
