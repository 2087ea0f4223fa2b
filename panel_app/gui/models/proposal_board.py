"""The proposals board as a grouped list: one group per lifecycle state (draft ...
closed) with its count, the proposals of that state under it.

The core counts and sorts in SQL and sends at most ``page`` rows per state
(``BoardFilter.limit_per_state``); when a group is scrolled to its end Qt calls
``fetchMore`` on it and the model asks (signal ``more_wanted``) for the next rows of that
state only. ``data`` does no I/O.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont

from panel_app.core.domain.meetings import OUTCOME_LABELS, Outcome
from panel_app.core.domain.proposals import BOARD_ORDER, STATE_LABELS, Board, BoardRow
from panel_app.gui.models.case_table import uk_date
from panel_app.gui.qtcompat import emit

AnyIndex = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole
ID_ROLE = Qt.ItemDataRole.UserRole + 1
STATE_ROLE = Qt.ItemDataRole.UserRole + 2
_GROUP = 0  # internalId of a group row; a proposal row's is its group's number + 1


def state_title(state: str) -> str:
    label = STATE_LABELS.get(state, state)
    return label[:1].upper() + label[1:]


def decision_text(outcome: str) -> str:
    if not outcome:
        return ""
    try:
        return OUTCOME_LABELS[Outcome(outcome)]
    except ValueError:
        return outcome


class Column(NamedTuple):
    attr: str
    header: str
    tip: str = ""  # the header's tool tip, when the short header needs one


COLUMNS = (
    Column("case_ref", "Case"),
    Column("kind_label", "Kind"),
    Column("title", "Title"),
    Column("school", "From", "Proposed by"),
    Column("receiving_school", "To", "Receiving school"),
    Column("decision_outcome", "Decision"),
    Column("submitted_on", "Submitted"),
)
SHORT_KINDS = {"managed-move": "Managed move", "ap-place": "AP/PRU place",
               "rescind-px": "Rescind a PX", "challenge-px": "Challenge a PX",
               "fair-access": "Fair access", "other": "Other"}
BRIEF_OUTCOMES = {"approved_with_conditions": "With conditions",
                  "more_evidence": "More evidence"}


def cell_text(row: BoardRow, attr: str) -> str:
    if attr == "kind_label":
        return SHORT_KINDS.get(row.kind, row.kind_label)
    if attr == "submitted_on":
        return uk_date(row.submitted_on)
    if attr == "decision_outcome":
        return BRIEF_OUTCOMES.get(row.decision_outcome) or decision_text(row.decision_outcome)
    return str(getattr(row, attr))


class BoardModel(QAbstractItemModel):
    more_wanted = Signal(str, int)  # state, rows of it already loaded

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.states: list[str] = list(BOARD_ORDER)
        self.rows: dict[str, list[BoardRow]] = {s: [] for s in self.states}
        self.counts: dict[str, int] = {s: 0 for s in self.states}
        self.total = 0
        self._fetching: set[str] = set()
        self._bold = QFont()
        self._bold.setBold(True)

    # -- content ---------------------------------------------------------------------------
    def set_board(self, board: Board) -> None:
        self.beginResetModel()
        self.rows = {s: list(board.columns.get(s, [])) for s in self.states}
        self.counts = {s: int(board.counts.get(s, 0)) for s in self.states}
        self.total = board.total
        self._fetching.clear()
        self.endResetModel()

    def append_rows(self, state: str, rows: list[BoardRow]) -> None:
        """More rows of ``state`` arrived (those after the ones already loaded)."""
        self._fetching.discard(state)
        if state not in self.rows:
            return
        known = {r.id for r in self.rows[state]}
        new = [r for r in rows if r.id not in known]
        if not new:
            self.counts[state] = len(self.rows[state])  # nothing more to come
            return
        group = self.group_index(state)
        first = len(self.rows[state])
        self.beginInsertRows(group, first, first + len(new) - 1)
        self.rows[state].extend(new)
        self.endInsertRows()
        emit(self.dataChanged, group, group)  # the group's "shown" count

    def fetch_failed(self, state: str) -> None:
        self._fetching.discard(state)

    def clear(self) -> None:
        self.set_board(Board({}, {}, 0))

    def group_index(self, state: str) -> QModelIndex:
        return self.index(self.states.index(state), 0)

    def row_at(self, index: AnyIndex) -> BoardRow | None:
        if not index.isValid() or index.internalId() == _GROUP:
            return None
        state = self.states[index.internalId() - 1]
        rows = self.rows[state]
        return rows[index.row()] if 0 <= index.row() < len(rows) else None

    def index_of(self, proposal_id: str) -> QModelIndex:
        for g, state in enumerate(self.states):
            for r, row in enumerate(self.rows[state]):
                if row.id == proposal_id:
                    return self.createIndex(r, 0, g + 1)
        return QModelIndex()

    def group_text(self, state: str) -> str:
        shown, count = len(self.rows[state]), self.counts[state]
        text = f"{state_title(state)} — {count}"
        if shown < count:
            text += f" ({shown:,} shown, scroll for more)"
        return text

    # -- Qt model API ----------------------------------------------------------------------
    def index(self, row: int, column: int, parent: AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        if column < 0 or column >= len(COLUMNS) or row < 0:
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, _GROUP) if row < len(self.states) else (
                QModelIndex())
        if parent.internalId() != _GROUP or parent.column() != 0:
            return QModelIndex()
        state = self.states[parent.row()]
        if row >= len(self.rows[state]):
            return QModelIndex()
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, index: AnyIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid() or index.internalId() == _GROUP:
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, 0, _GROUP)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self.states)
        if parent.internalId() == _GROUP and parent.column() == 0:
            return len(self.rows[self.states[parent.row()]])
        return 0

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def hasChildren(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        if not parent.isValid():
            return True
        if parent.internalId() == _GROUP and parent.column() == 0:
            return self.counts[self.states[parent.row()]] > 0
        return False

    def canFetchMore(self, parent: AnyIndex) -> bool:
        if not parent.isValid() or parent.internalId() != _GROUP or parent.column() != 0:
            return False
        state = self.states[parent.row()]
        return state not in self._fetching and len(self.rows[state]) < self.counts[state]

    def fetchMore(self, parent: AnyIndex) -> None:
        if self.canFetchMore(parent):
            state = self.states[parent.row()]
            self._fetching.add(state)
            emit(self.more_wanted, state, len(self.rows[state]))

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.column() < len(COLUMNS):
            return None
        if index.internalId() == _GROUP:
            if not 0 <= index.row() < len(self.states):
                return None
            state = self.states[index.row()]
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
                return self.group_text(state) if index.column() == 0 else ""
            if role == Qt.ItemDataRole.FontRole:
                return self._bold
            if role == SORT_ROLE:
                return index.row()
            if role == STATE_ROLE:
                return state
            return None
        row = self.row_at(index)
        if row is None:
            return None
        attr = COLUMNS[index.column()].attr
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return cell_text(row, attr)
        if role == Qt.ItemDataRole.ToolTipRole:
            if attr == "kind_label":
                return row.kind_label[:1].upper() + row.kind_label[1:]
            return cell_text(row, attr) or None
        if role == SORT_ROLE:
            return getattr(row, attr)
        if role == ID_ROLE:
            return row.id
        if role == STATE_ROLE:
            return row.state
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS)
                and role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole)):
            return COLUMNS[section].header
        if (orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS)
                and role == Qt.ItemDataRole.ToolTipRole):
            return COLUMNS[section].tip or None
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
