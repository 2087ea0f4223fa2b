"""The ladder strip: one button per step of the ladder, in order, each showing the step's
status as an icon *and* a word, with the reasons in its tooltip (and in its accessible
description, for screen readers). Activating a step asks for its details."""

from __future__ import annotations

import html
import textwrap

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QTreeView,
    QWidget,
)

from panel_app.core.rules.ladder import LadderCheck, StepResult
from panel_app.gui.ladder_icons import status_icon, status_word, step_status
from panel_app.gui.qtcompat import emit

NAME_WIDTH = 24  # characters per line of a step's name


def step_tooltip(step: StepResult, check: LadderCheck) -> str:
    """Rich text: the step and its status, then each reason marked ✔ or ✖."""
    status = step_status(step.status, step.needed)
    head = f"Step {step.number} · {step.name}: {status_word(status).lower()}"
    if not step.needed:
        head += f" (not needed for {check.action_label})"
    rows = "".join(f"<li>{'✔' if r.ok else '✖'} {html.escape(r.message)}</li>"
                   for r in step.all_reasons())
    return f"<b>{html.escape(head)}</b>" + (f"<ul>{rows}</ul>" if rows else "")


def step_description(step: StepResult) -> str:
    """Plain text of the reasons (the accessible description)."""
    return " ".join(("Counts: " if r.ok else "Still needed: ") + r.message
                    for r in step.all_reasons())


class StepButton(QToolButton):
    def __init__(self, step: StepResult, check: LadderCheck,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.number = step.number
        self.status = step_status(step.status, step.needed)
        word = status_word(self.status)
        if not step.needed:
            word = "Not needed"
        name = textwrap.fill(f"{step.number}. {step.name}", NAME_WIDTH)
        self.setText(f"{word}\n{name}")
        self.setIcon(status_icon(self.status))
        size = self.fontMetrics().height() * 2
        self.setIconSize(QSize(size, size))
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setCheckable(True)
        self.setAutoRaise(False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setToolTip(step_tooltip(step, check))
        needed = "" if step.needed else f", not needed for {check.action_label}"
        self.setAccessibleName(f"Step {step.number}, {step.name}: "
                               f"{status_word(step.status).lower()}{needed}")
        self.setAccessibleDescription(step_description(step))


class LadderStrip(QWidget):
    """The steps of a check side by side; ``step_activated(number)`` on a click."""

    step_activated = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.buttons: list[StepButton] = []
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 0, 0)
        self.empty = QLabel("No ladder to show.")
        self.empty.setProperty("role", "muted")
        self.empty.setWordWrap(True)
        self._row.addWidget(self.empty, 1)

    def set_check(self, check: LadderCheck | None, empty_text: str = "") -> None:
        selected = self.selected()
        for button in self.buttons:
            button.deleteLater()
        self.buttons = []
        while self._row.count() > 1:  # the "empty" label stays first
            item = self._row.takeAt(1)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        steps = check.steps if check is not None else []
        self.empty.setText(empty_text or "No ladder to show.")
        self.empty.setVisible(not steps)
        for i, step in enumerate(steps):
            if i:
                arrow = QLabel("→")
                arrow.setAccessibleName("then")
                self._row.addWidget(arrow)
            assert check is not None
            button = StepButton(step, check, self)
            button.setChecked(step.number == selected)
            button.clicked.connect(lambda _c=False, n=step.number: self._activated(n))
            self._row.addWidget(button, 1)
            self.buttons.append(button)

    def selected(self) -> int:
        return next((b.number for b in self.buttons if b.isChecked()), 0)

    def select(self, number: int) -> None:
        for button in self.buttons:
            button.setChecked(button.number == number)

    def _activated(self, number: int) -> None:
        self.select(number)
        emit(self.step_activated, number)

    def button(self, number: int) -> StepButton | None:
        return next((b for b in self.buttons if b.number == number), None)


class WrappingDelegate(QStyledItemDelegate):
    """Column 0 of a tree wraps long text (the reasons) to the column's width: QTreeView
    elides instead, whatever its word-wrap setting, because it sizes rows without the
    width. Connect the header's ``sectionResized`` to ``scheduleDelayedItemsLayout``."""

    def __init__(self, view: QTreeView) -> None:
        super().__init__(view)
        self._view = view

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        if index.column() != 0:
            return size
        depth, parent = 1, index.parent()
        while parent.isValid():
            depth, parent = depth + 1, parent.parent()
        width = (self._view.columnWidth(0) - self._view.indentation() * depth
                 - option.decorationSize.width() - 12)
        text = str(index.data() or "")
        rect = option.fontMetrics.boundingRect(QRect(0, 0, max(width, 40), 100_000),
                                               Qt.TextFlag.TextWordWrap, text)
        return QSize(size.width(), max(size.height(), rect.height() + 6))
