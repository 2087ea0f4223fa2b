"""Meeting mode's two forms: the decision on the item shown, and its actions.

Both only hold what is typed; ``MeetingModeWindow`` saves through the worker. Every
input has a label with a mnemonic; the outcomes are chosen with Alt+1 to Alt+5 (or the
arrow keys once Ctrl+D has put the focus on them).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from panel_app.core.domain.dates import format_uk
from panel_app.core.domain.meetings import OUTCOME_LABELS, Action, Decision, Method, Outcome
from panel_app.gui.models.meetings import RawSortProxy, actions_model
from panel_app.gui.qtcompat import emit
from panel_app.gui.theme import message_label, set_message
from panel_app.gui.worker import SessionHost, error_text

OUTCOMES = [o.value for o in Outcome]


def readonly_table(model: Any, name: str, stretch: int | None = None,
                   sort_descending: bool | None = None) -> QTableView:
    """A table of whole rows to pick from (no editing, Tab leaves it): the Meetings
    section's tables all look and behave alike. ``stretch`` names the column that takes
    the spare width (else the last); ``sort_descending`` turns on sorting by column 0."""
    table = QTableView()
    table.setModel(model)
    table.setAccessibleName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setTabKeyNavigation(False)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    if stretch is None:
        header.setStretchLastSection(True)
    else:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    if sort_descending is not None:
        table.setSortingEnabled(True)
        table.sortByColumn(0, Qt.SortOrder.DescendingOrder if sort_descending
                           else Qt.SortOrder.AscendingOrder)
    return table


def _text_box(lines: int = 3) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setTabChangesFocus(True)
    box.setFixedHeight(box.fontMetrics().lineSpacing() * lines + 14)
    return box


class DecisionForm(QGroupBox):
    """Outcome, how it was reached, conditions, rationale, dissent, review date."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Decision (Ctrl+D)", parent)
        self.setAccessibleName("Decision")
        self._filling = False
        layout = QVBoxLayout(self)
        grid = QGridLayout()
        self.outcome_group = QButtonGroup(self)
        self.outcomes: dict[str, QRadioButton] = {}
        for n, value in enumerate(OUTCOMES):
            button = QRadioButton(f"&{n + 1} {OUTCOME_LABELS[Outcome(value)]}")
            button.setAccessibleName(OUTCOME_LABELS[Outcome(value)])
            self.outcome_group.addButton(button, n)
            self.outcomes[value] = button
            grid.addWidget(button, n % 3, n // 3)
        layout.addLayout(grid)

        how = QHBoxLayout()
        self.method_group = QButtonGroup(self)
        self.consensus = QRadioButton("By &consensus")
        self.vote = QRadioButton("By vo&te:")
        self.method_group.addButton(self.consensus)
        self.method_group.addButton(self.vote)
        self.consensus.setChecked(True)
        how.addWidget(self.consensus)
        how.addWidget(self.vote)
        self.votes: list[QSpinBox] = []
        for text, name in (("&For", "Votes for"), ("A&gainst", "Votes against"),
                           ("A&bstaining", "Abstentions")):
            label = QLabel(text)
            spin = QSpinBox()
            spin.setRange(0, 99)
            spin.setAccessibleName(name)
            label.setBuddy(spin)
            how.addWidget(label)
            how.addWidget(spin)
            self.votes.append(spin)
        how.addStretch(1)
        layout.addLayout(how)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.conditions = _text_box(2)
        self.rationale = _text_box(3)
        self.dissent = _text_box(2)
        self.review = QLineEdit()
        self.review.setPlaceholderText("dd/mm/yyyy (optional)")
        for text, widget, name in (("Co&nditions:", self.conditions, "Conditions"),
                                   ("&Rationale:", self.rationale, "Rationale"),
                                   ("D&issent:", self.dissent, "Dissent"),
                                   ("Re&view on:", self.review, "Review date")):
            widget.setAccessibleName(name)
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, widget)
        layout.addLayout(form)
        self.status = message_label()
        layout.addWidget(self.status)

        self.outcome_group.idToggled.connect(self._changed)
        self.method_group.buttonToggled.connect(self._changed)
        for spin in self.votes:
            spin.valueChanged.connect(self._changed)
        for box in (self.conditions, self.rationale, self.dissent):
            box.textChanged.connect(self._changed)
        self.review.textEdited.connect(self._changed)
        self._update_enabled()

    # -- state -----------------------------------------------------------------------------
    def outcome(self) -> str | None:
        checked = self.outcome_group.checkedId()
        return OUTCOMES[checked] if checked >= 0 else None

    def values(self) -> dict[str, Any]:
        """What is typed, as ``session.meetings.decide`` keywords (plus ``outcome``)."""
        vote = self.vote.isChecked()
        return {
            "outcome": self.outcome(),
            "method": Method.VOTE.value if vote else Method.CONSENSUS.value,
            "votes": tuple(s.value() for s in self.votes) if vote else None,
            "conditions": self.conditions.toPlainText(),
            "rationale": self.rationale.toPlainText(),
            "dissent": self.dissent.toPlainText(),
            "review_on": self.review.text().strip() or None,
        }

    def not_ready(self) -> str:
        """Why what is typed cannot be saved yet ('' when it can be)."""
        v = self.values()
        if not v["outcome"]:
            return "Choose the decision (Alt+1 to Alt+5) to save it."
        if v["outcome"] == Outcome.APPROVED_WITH_CONDITIONS.value and not v["conditions"].strip():
            return "Type the conditions to save this decision."
        if v["votes"] is not None and not any(v["votes"]):
            return "Enter the votes to save this decision."
        return ""

    def set_values(self, values: dict[str, Any] | None) -> None:
        """Fill from ``values()`` (a draft) or clear with None; emits nothing."""
        v = values or {}
        self._filling = True
        try:
            self.outcome_group.setExclusive(False)
            for key, button in self.outcomes.items():
                button.setChecked(key == v.get("outcome"))
            self.outcome_group.setExclusive(True)
            vote = v.get("method") == Method.VOTE.value
            (self.vote if vote else self.consensus).setChecked(True)
            counts = v.get("votes") or (0, 0, 0)
            for spin, count in zip(self.votes, counts, strict=True):
                spin.setValue(int(count))
            self.conditions.setPlainText(v.get("conditions") or "")
            self.rationale.setPlainText(v.get("rationale") or "")
            self.dissent.setPlainText(v.get("dissent") or "")
            self.review.setText(v.get("review_on") or "")
        finally:
            self._filling = False
        self._update_enabled()

    def set_decision(self, decision: Decision | None) -> None:
        if decision is None:
            self.set_values(None)
            return
        vote = decision.method == Method.VOTE.value
        self.set_values({
            "outcome": decision.outcome, "method": decision.method,
            "votes": (decision.votes_for, decision.votes_against, decision.votes_abstain)
            if vote else None,
            "conditions": decision.conditions, "rationale": decision.rationale,
            "dissent": decision.dissent,
            "review_on": format_uk(decision.review_on) if decision.review_on else None,
        })

    def tab_order(self) -> list[QWidget]:
        return [*self.outcomes.values(), self.consensus, self.vote, *self.votes,
                self.conditions, self.rationale, self.dissent, self.review]

    def focus_outcome(self) -> None:
        button = self.outcome_group.checkedButton() or self.outcomes[OUTCOMES[0]]
        button.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _changed(self, *_args: Any) -> None:
        self._update_enabled()
        if not self._filling:
            emit(self.edited)

    def _update_enabled(self) -> None:
        for button in self.outcomes.values():  # the choice reads in bold, not only a dot
            font = button.font()
            font.setBold(button.isChecked())
            button.setFont(font)
        for spin in self.votes:
            spin.setEnabled(self.vote.isChecked())
        self.conditions.setEnabled(self.outcome() == Outcome.APPROVED_WITH_CONDITIONS.value
                                   or bool(self.conditions.toPlainText()))


class ActionsPanel(QGroupBox):
    """The actions agreed on the item shown, and a line to add one (saved at once)."""

    added_action = Signal()  # an action was stored: ``all_actions`` has it

    def __init__(self, host: SessionHost, parent: QWidget | None = None) -> None:
        super().__init__("Actions (Ctrl+Shift+A)", parent)
        self._host = host
        self.meeting_id = ""
        self.item_id = ""
        self.all_actions: list[Action] = []
        self._default_due = date.min
        self.setAccessibleName("Actions on this item")
        layout = QVBoxLayout(self)
        self.model = actions_model(self)
        self.proxy = RawSortProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = readonly_table(self.proxy, "Actions agreed on this item", 2)
        for column in (4, 5, 6):  # meeting, item, done on: the same for every row here
            self.table.setColumnHidden(column, True)
        self.table.setMinimumHeight(self.fontMetrics().lineSpacing() * 5)
        layout.addWidget(self.table, 1)

        form = QGridLayout()
        self.what = QLineEdit()
        self.what.setPlaceholderText("What is to be done")
        self.owner = QComboBox()
        self.owner.setEditable(True)
        self.owner.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        owner_line = self.owner.lineEdit()
        assert owner_line is not None
        owner_line.setPlaceholderText("Who (a name)")
        self.due = QLineEdit()
        self.due.setPlaceholderText("dd/mm/yyyy")
        self.due.setMaximumWidth(self.fontMetrics().averageCharWidth() * 14)
        for col, (text, widget, name) in enumerate((("&What:", self.what, "Action: what"),
                                                    ("&Owner:", self.owner, "Action owner"),
                                                    ("D&ue:", self.due, "Action due date"))):
            widget.setAccessibleName(name)
            label = QLabel(text)
            label.setBuddy(widget)
            form.addWidget(label, 0, col)
            form.addWidget(widget, 1, col)
        form.setColumnStretch(0, 3)
        form.setColumnStretch(1, 2)
        self.add_button = QPushButton("Add action")
        self.add_button.setToolTip("Add the action (Enter in any of its boxes)")
        self.add_button.setAutoDefault(False)
        form.addWidget(self.add_button, 1, 3)
        layout.addLayout(form)
        self.message = message_label()
        layout.addWidget(self.message)
        self.add_button.clicked.connect(self.add)
        for line in (self.what, owner_line, self.due):
            line.returnPressed.connect(self.add)

    def set_people(self, names: list[str]) -> None:
        text = self.owner.currentText()
        self.owner.clear()
        self.owner.addItems(names)
        self.owner.setCurrentText(text)

    def values(self) -> dict[str, Any]:
        return {"text": self.what.text(), "owner": self.owner.currentText().strip() or None,
                "due_on": self.due.text().strip() or None}

    def show_for(self, meeting_id: str, item_id: str, actions: list[Action],
                 default_due: date) -> None:
        self.meeting_id, self.item_id, self.all_actions = meeting_id, item_id, list(actions)
        self._default_due = default_due
        self.model.set_rows([a for a in actions if a.item_id == item_id])
        if not self.due.text():
            self.due.setText(format_uk(default_due))

    def add(self) -> None:
        if not self.item_id or not self.isEnabled():
            return
        values = self.values()
        if not values["text"].strip():
            set_message(self.message, "Say what the action is.")
            self.focus_new()
            return
        meeting_id, item_id = self.meeting_id, self.item_id

        def add(s: Any) -> list[Action]:
            s.meetings.add_action(meeting_id, values["text"], owner=values["owner"],
                                  due_on=values["due_on"], item=item_id)
            return list(s.meetings.actions(meeting=meeting_id))

        def done(actions: list[Action]) -> None:
            self.show_for(meeting_id, item_id, actions, self._default_due)
            set_message(self.message, "Action added.", "ok")
            self.what.clear()
            self.owner.setCurrentText("")
            self.focus_new()
            emit(self.added_action)

        self._host.run(add, success=done,
                       failure=lambda e: set_message(self.message, error_text(e)), parent=self)

    def focus_new(self) -> None:
        self.what.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.what.selectAll()
