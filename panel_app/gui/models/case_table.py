"""The case list's table model: prepared ``CaseRow`` objects mapped to roles.

Filtering and sorting happen in the core on the worker (``session.list_cases``); the
model holds the pages of rows it was given. When the view scrolls to the end of what
is loaded, Qt calls ``fetchMore`` and the model asks (signal ``more_wanted``) for the
next page, so 100,000 matching cases never have to cross to the GUI thread at once.
``data`` does no I/O and little work.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, NamedTuple

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from panel_app.core.domain.dates import format_uk
from panel_app.core.domain.models import CaseRow
from panel_app.core.domain.schoolyears import year_group_label
from panel_app.gui.icons import RISK_LABELS, risk_icon
from panel_app.gui.qtcompat import emit

CASE_ID_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole
_RISK_RANK = {"red": 0, "amber": 1, "green": 2}
_SEN_LABELS = {"none": "None", "SEN support": "SEN support", "EHCP": "EHCP"}

AnyIndex = QModelIndex | QPersistentModelIndex


class Column(NamedTuple):
    attr: str
    header: str
    sort_key: str  # CaseFilter.sort value


COLUMNS = (
    Column("case_ref", "Case ref", "ref"),
    Column("name", "Name", "name"),
    Column("upn", "UPN", "upn"),
    Column("year_group", "Year", "year"),
    Column("school", "School", "school"),
    Column("risk", "Risk", "risk"),
    Column("status", "Status", "status"),
    Column("sen_status", "SEN", "sen"),
    Column("opened_on", "Opened", "opened"),
    Column("updated_at", "Updated", "updated"),
)
_ATTRS = tuple(c.attr for c in COLUMNS)
RISK_COLUMN = _ATTRS.index("risk")


def uk_date(iso: str) -> str:
    """'2026-11-22' (or a full ISO timestamp, shown in local time) as '22/11/2026'."""
    if not iso:
        return ""
    try:
        if len(iso) <= 10:
            return format_uk(date.fromisoformat(iso))
        moment = datetime.fromisoformat(iso)
        if moment.tzinfo is not None:
            moment = moment.astimezone()
        return format_uk(moment.date())
    except ValueError:
        return iso


def display_value(row: CaseRow, attr: str) -> str:
    if attr == "year_group":
        return "" if row.year_group is None else year_group_label(row.year_group)
    if attr == "risk":
        return RISK_LABELS.get(row.risk, row.risk)
    if attr == "status":
        return row.status.capitalize()
    if attr == "sen_status":
        return _SEN_LABELS.get(row.sen_status, row.sen_status)
    if attr in ("opened_on", "updated_at"):
        return uk_date(getattr(row, attr))
    return str(getattr(row, attr))


def sort_value(row: CaseRow, attr: str) -> Any:
    """The raw value this column sorts on (what the SQL ORDER BY uses)."""
    if attr == "year_group":
        return -1 if row.year_group is None else row.year_group
    if attr == "risk":
        return _RISK_RANK.get(row.risk, 3)
    if attr == "name":
        last = row.name.rsplit(" ", 1)[-1]
        return f"{last.casefold()} {row.name.casefold()}"
    return getattr(row, attr)


class CaseTableModel(QAbstractTableModel):
    more_wanted = Signal(int)  # offset of the next page to load

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[CaseRow] = []
        self.total = 0  # rows matching the filter, loaded or not
        self._fetching = False

    # -- content ---------------------------------------------------------------------------
    def set_rows(self, rows: list[CaseRow], total: int | None = None) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.total = len(self._rows) if total is None else max(total, len(self._rows))
        self._fetching = False
        self.endResetModel()

    def append_rows(self, rows: list[CaseRow]) -> None:
        """The next page arrived."""
        self._fetching = False
        if not rows:
            self.total = len(self._rows)
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self._rows.extend(rows)
        self.endInsertRows()

    def fetch_failed(self) -> None:
        self._fetching = False

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._fetching and len(self._rows) < self.total

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._fetching = True
            emit(self.more_wanted, len(self._rows))

    def clear(self) -> None:
        """Forget every row (on lock: no pupil data may stay in memory for the view)."""
        self.set_rows([])

    def row_at(self, row: int) -> CaseRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of_case(self, case_id: str) -> int:
        for i, r in enumerate(self._rows):
            if r.id == case_id:
                return i
        return -1

    @staticmethod
    def column_of(sort_key: str) -> int:
        for i, c in enumerate(COLUMNS):
            if c.sort_key == sort_key:
                return i
        return -1

    # -- Qt model API ----------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        if not (0 <= r < len(self._rows) and 0 <= c < len(COLUMNS)):
            return None
        row = self._rows[r]
        attr = _ATTRS[c]
        if role == Qt.ItemDataRole.DisplayRole:
            return display_value(row, attr)
        if role == SORT_ROLE:
            return sort_value(row, attr)
        if role == CASE_ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.DecorationRole and c == RISK_COLUMN:
            return risk_icon(row.risk)
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            if c == RISK_COLUMN:
                return f"Risk rating: {display_value(row, attr)}"
            return display_value(row, attr) if role == Qt.ItemDataRole.AccessibleTextRole else None
        if role == Qt.ItemDataRole.TextAlignmentRole and attr == "year_group":
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return COLUMNS[section].header
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"Sort by {COLUMNS[section].header.lower()} (click again to reverse)"
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
