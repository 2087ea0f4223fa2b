"""A tree model over one ladder check: steps, then their items, then the reasons.

The rows are prepared once from the ``LadderCheck`` (``CheckNode``); the model only maps
them to roles. Column 0 is what the row is about (with the status icon), column 1 the
status in words, so a status is never shown by its icon or colour alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt

from panel_app.core.rules.ladder import LadderCheck, Reason, StepResult
from panel_app.gui.ladder_icons import status_icon, status_word, step_status

AnyIndex = QModelIndex | QPersistentModelIndex
NODE_ROLE = Qt.ItemDataRole.UserRole + 1
HEADERS = ("Step, item or reason", "Status")
REASON_OK, REASON_GAP = "Counts", "Still needed"


@dataclass
class CheckNode:
    text: str
    status: str  # a status for the icon: met, partly_met, missing, not_needed
    status_label: str
    tooltip: str = ""
    kind: str = "step"  # step, item or reason
    number: int = 0  # the step's number (for a step) or the row's place
    children: list[CheckNode] = field(default_factory=list)
    parent: CheckNode | None = None
    row: int = 0
    node_id: int = 0


def _reason_node(reason: Reason) -> CheckNode:
    status = "met" if reason.ok else "missing"
    word = REASON_OK if reason.ok else REASON_GAP
    return CheckNode(reason.message, status, word, reason.message, "reason")


def step_nodes(check: LadderCheck | None) -> list[CheckNode]:
    """The tree's top-level rows for ``check`` (none without a check)."""
    if check is None:
        return []
    out = []
    for step in check.steps:
        out.append(_step_node(step, check))
    return out


def _step_node(step: StepResult, check: LadderCheck) -> CheckNode:
    status = step_status(step.status, step.needed)
    label = status_word(status)
    if not step.needed:
        label = f"Not needed for {check.action_label}"
    node = CheckNode(f"Step {step.number} · {step.name}", status, label,
                     "\n".join(r.message for r in step.all_reasons()), "step", step.number)
    node.children += [_reason_node(r) for r in step.reasons]
    for item in step.items:
        text = item.label if item.required else f"{item.label} (optional)"
        child = CheckNode(text, item.status, status_word(item.status),
                          "\n".join(r.message for r in item.reasons), "item", step.number)
        child.children = [_reason_node(r) for r in item.reasons]
        node.children.append(child)
    return node


class CheckTreeModel(QAbstractItemModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._roots: list[CheckNode] = []
        self._nodes: list[CheckNode] = []  # by node_id (the index's internal id)

    def set_check(self, check: LadderCheck | None) -> None:
        self.set_nodes(step_nodes(check))

    def set_nodes(self, roots: list[CheckNode]) -> None:
        self.beginResetModel()
        self._roots = roots
        self._nodes = []

        def number(nodes: list[CheckNode], parent: CheckNode | None) -> None:
            for row, node in enumerate(nodes):
                node.parent, node.row, node.node_id = parent, row, len(self._nodes)
                self._nodes.append(node)
                number(node.children, node)

        number(roots, None)
        self.endResetModel()

    def clear(self) -> None:
        self.set_nodes([])

    def node(self, index: AnyIndex) -> CheckNode | None:
        if not index.isValid():
            return None
        node_id = index.internalId()
        return self._nodes[node_id] if 0 <= node_id < len(self._nodes) else None

    def _children(self, parent: AnyIndex) -> list[CheckNode]:
        if not parent.isValid():
            return self._roots
        node = self.node(parent)
        return node.children if node is not None and parent.column() == 0 else []

    def step_index(self, number: int) -> QModelIndex:
        for row, node in enumerate(self._roots):
            if node.number == number:
                return self.index(row, 0)
        return QModelIndex()

    # -- QAbstractItemModel ------------------------------------------------------------------
    def index(self, row: int, column: int, parent: AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        children = self._children(parent)
        if not (0 <= row < len(children) and 0 <= column < len(HEADERS)):
            return QModelIndex()
        return self.createIndex(row, column, children[row].node_id)

    def parent(self, index: AnyIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        node = self.node(index)
        if node is None or node.parent is None:
            return QModelIndex()
        return self.createIndex(node.parent.row, 0, node.parent.node_id)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return len(self._children(parent))

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return len(HEADERS)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        node = self.node(index)
        if node is None:
            return None
        column = index.column()
        text = node.text if column == 0 else node.status_label
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return text
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return status_icon(node.status)
        if role == Qt.ItemDataRole.ToolTipRole:
            return node.tooltip or None
        if role == Qt.ItemDataRole.UserRole:
            return node.number if column == 0 else node.status
        if role == NODE_ROLE:
            return node
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and 0 <= section < len(HEADERS)
                and role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole)):
            return HEADERS[section]
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
