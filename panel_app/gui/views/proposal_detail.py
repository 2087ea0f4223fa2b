"""One proposal in detail, beside the board: what is asked, the ladder verdict stored at
submission (icon and words; an override is marked with who agreed it and why), the
decision, quota warnings (AP place) or whose turn it is (fair access), its history, and
buttons for only the lifecycle steps the table allows now (``events`` from the core)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from panel_app.core.domain.proposals import APPROVING, CLOSE_LABELS, EVENT_LABELS, STATE_LABELS
from panel_app.core.domain.schoolyears import year_group_label
from panel_app.core.domain.wording import plural
from panel_app.gui.dialogs.case_attachments import _fit_columns, _table
from panel_app.gui.models.proposal_board import decision_text
from panel_app.gui.models.records import RecordColumn, RecordTableModel
from panel_app.gui.proposal_bits import VerdictView, capital, iso_to_uk, issue_lines
from panel_app.gui.theme import heading


def step_text(e: Mapping[str, Any]) -> str:
    """'Submit → submitted: Ladder check: met' (the step, the state it led to, the note)."""
    text = capital(EVENT_LABELS.get(e["event"], e["event"]))
    if e["to_state"] and e["to_state"] != e["from_state"]:
        text += f" → {STATE_LABELS.get(e['to_state'], e['to_state'])}"
    return text + (f": {e['note']}" if e.get("note") else "")


HISTORY_COLUMNS = (
    RecordColumn("When", lambda e: iso_to_uk(e["at"]), lambda e: e["at"]),
    RecordColumn("By", lambda e: e["by"]),
    RecordColumn("What", step_text),
)
# action: (button text, tooltip, the events that offer it)
ACTIONS = {
    "edit": ("&Edit…", "Change what is asked", ()),
    "submit": ("S&ubmit…", "Submit to the panel: runs the ladder check", ("submit", "resubmit")),
    "decide": ("Record &decision…", "Record the panel's decision", ("decide", "revise")),
    "move": ("Record &move…", "Record the approved move; the proposal becomes active", ()),
    "start": ("S&tart…", "The approved move or placement has begun", ("start",)),
    "review": ("O&pen review…", "Review the move or placement", ("review",)),
    "continue": ("&Continue…", "Carry on after the review", ("continue",)),
    "close": ("Clo&se…", "Close with an outcome", ("close",)),
    "withdraw": ("&Withdraw…", "Withdraw the proposal (it closes as withdrawn)", ("withdraw",)),
}
FIELDS = (("case", "Case"), ("kind", "Kind"), ("state", "State"), ("school", "Proposed by"),
          ("receiving", "Receiving school"), ("asked", "Asked for"),
          ("submitted", "Submitted"), ("ladder", "Ladder check"), ("decision", "Decision"),
          ("conditions", "Conditions"), ("review", "Review on"),
          ("over_quota", "Over quota"), ("closed", "Closed"), ("linked", "Recorded"))


def offered(detail: Mapping[str, Any]) -> list[str]:
    """The buttons to show for ``detail``: only steps its lifecycle allows now."""
    events = set(detail.get("events") or [])
    out = [] if detail.get("state") == "closed" else ["edit"]
    for action, (_text, _tip, needs) in ACTIONS.items():
        if needs and events & set(needs):
            out.append(action)
    if (detail.get("kind") == "managed-move" and detail.get("state") == "decided"
            and detail.get("decision_outcome") in APPROVING and not detail.get("moves")):
        out.append("move")
    return [a for a in ACTIONS if a in out]


def _asked(d: Mapping[str, Any]) -> str:
    parts = []
    if d.get("requested_start"):
        parts.append(f"from {iso_to_uk(d['requested_start'])}")
    if d.get("requested_weeks"):
        parts.append(f"for {d['requested_weeks']} school weeks")
    return ", ".join(parts) or "—"


class ProposalDetail(QWidget):
    requested = Signal(str)  # an action of ACTIONS

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.detail: dict[str, Any] | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.heading = heading("Choose a proposal", 1.1, self)
        outer.addWidget(self.heading)
        self.buttons: dict[str, QPushButton] = {}
        self.grid = QGridLayout()
        for action, (text, tip, _needs) in ACTIONS.items():
            button = QPushButton(text)
            button.setToolTip(f"{tip} (Alt+{text[text.index('&') + 1].upper()})")
            button.setVisible(False)
            button.clicked.connect(lambda _c=False, a=action: self._request(a))
            self.buttons[action] = button
        outer.addLayout(self.grid)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        body = QWidget()
        box = QVBoxLayout(body)
        box.setContentsMargins(0, 0, 4, 0)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form = form
        self.values: dict[str, QLabel] = {}
        self.verdict = VerdictView()
        for key, label in FIELDS:
            if key == "ladder":
                form.addRow(f"{label}:", self.verdict)
                continue
            value = QLabel()
            value.setWordWrap(True)
            self.values[key] = value
            form.addRow(f"{label}:", value)
        box.addLayout(form)
        self.warnings = QLabel()
        self.warnings.setWordWrap(True)
        self.warnings.setProperty("role", "warning")
        box.addWidget(self.warnings)
        self.turn = QLabel()
        self.turn.setWordWrap(True)
        box.addWidget(self.turn)
        box.addWidget(QLabel("History:"))
        self.history_model = RecordTableModel(HISTORY_COLUMNS, self)
        self.history = _table(self.history_model, "Proposal history")
        self.history.setWordWrap(True)
        self.history.setMinimumHeight(6 * self.fontMetrics().height())
        box.addWidget(self.history, 1)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        self.clear()

    def _request(self, action: str) -> None:
        from panel_app.gui.qtcompat import emit

        if self.detail is not None:
            emit(self.requested, action)

    def show_detail(self, d: dict[str, Any]) -> None:
        self.detail = d
        self.heading.setText(f"{capital(str(d.get('kind_label', '')))} · {d.get('case_ref')}"
                             + (f": {d['title']}" if d.get("title") else ""))
        self.heading.setAccessibleName(self.heading.text())
        v = self.values
        year = d.get("year_group")
        v["case"].setText(str(d.get("case_ref", "")) + (
            f" ({year_group_label(int(year))})" if year is not None else ""))
        v["kind"].setText(capital(str(d.get("kind_label", ""))))
        v["state"].setText(capital(str(d.get("state_label", ""))))
        v["school"].setText(str(d.get("school", "")))
        v["receiving"].setText(str(d.get("receiving_school") or "—"))
        v["asked"].setText(_asked(d))
        v["submitted"].setText(
            f"{iso_to_uk(d['submitted_on'])} by {d.get('submitted_by') or 'unknown'}"
            if d.get("submitted_on") else "Not yet")
        if d.get("ladder_check"):
            self.verdict.show_check(d["ladder_check"])
        elif d.get("kind") in ("managed-move", "ap-place"):
            self.verdict.show_verdict("", "Checked when it is submitted")
        else:
            self.verdict.show_verdict("", "Not needed for this kind of proposal")
        decision = decision_text(str(d.get("decision_outcome") or ""))
        v["decision"].setText(f"{decision} on {iso_to_uk(d.get('decided_on'))}"
                              if decision else "Not decided")
        v["conditions"].setText(str(d.get("decision_conditions") or "—"))
        v["review"].setText(iso_to_uk(d.get("review_on")) or "—")
        over = str(d.get("over_quota_by") or "")
        v["over_quota"].setText(f"⚠ Approved over quota by {over}. {d.get('over_quota_note', '')}"
                                if over else "—")
        close = str(d.get("close_outcome") or "")
        v["closed"].setText(f"{capital(CLOSE_LABELS.get(close, close))} on "
                            f"{iso_to_uk(d.get('closed_on'))}" if close else "—")
        linked = []
        if d.get("moves"):
            linked.append(plural(len(d['moves']), 'move'))
        if d.get("placements"):
            linked.append(plural(len(d['placements']), 'placement'))
        running = d.get("kind") in ("managed-move", "ap-place")
        v["linked"].setText(", ".join(linked) or ("No move or placement yet" if running else ""))
        moving = d.get("kind") in ("managed-move", "fair-access")
        for key in ("conditions", "over_quota", "closed", "linked", "receiving"):
            text = v[key].text()
            self.form.setRowVisible(v[key], (bool(text) and text != "—")
                                    or (key == "receiving" and moving))
        warnings = d.get("quota_warnings") or []
        self.warnings.setText(("Quota check before approving:\n" + issue_lines(warnings))
                              if warnings else "")
        self.warnings.setVisible(bool(warnings))
        self.turn.setText(self._turn_text(d))
        self.turn.setVisible(bool(self.turn.text()))
        self.history_model.set_rows(list(d.get("history") or []))
        _fit_columns(self.history)
        self.history.resizeRowsToContents()
        self._place_buttons(offered(d))
        self.buttons["decide"].setText("Change &decision…" if "revise" in d.get("events", [])
                                       else "Record &decision…")
        self.buttons["submit"].setText("S&ubmit again…" if "resubmit" in d.get("events", [])
                                       else "S&ubmit…")
        self.setEnabled(True)

    def _place_buttons(self, shown: list[str]) -> None:
        """The buttons offered, in order, three to a row (no gaps for the others)."""
        for button in self.buttons.values():
            self.grid.removeWidget(button)
            button.setVisible(False)
        for i, action in enumerate(shown):
            self.grid.addWidget(self.buttons[action], i // 3, i % 3)
            self.buttons[action].setVisible(True)

    @staticmethod
    def _turn_text(d: Mapping[str, Any]) -> str:
        turn = d.get("rotation") or []
        if not turn:
            return ""
        rows = [f"{t['position']}. {t['name']}: {t['admitted']} admitted"
                + (f" ({t['lac']} looked after, {t['ehcp']} EHCP)"
                   if t.get("lac") or t.get("ehcp") else "") for t in turn]
        return "Whose turn is it?\n" + "\n".join(rows)

    def clear(self) -> None:
        """Nothing chosen (and on lock: no pupil detail stays)."""
        self.detail = None
        self.heading.setText("Choose a proposal on the board")
        self.heading.setAccessibleName(self.heading.text())
        for value in self.values.values():
            value.setText("")
        self.verdict.clear()
        self.warnings.setVisible(False)
        self.turn.setVisible(False)
        self.history_model.clear()
        self._place_buttons([])
