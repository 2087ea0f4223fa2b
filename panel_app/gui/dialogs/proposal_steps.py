"""The lifecycle steps of a proposal, each a small dialog over one ``session.proposals``
call: submit (with the ladder verdict and, when it is not met, an override reason and
the person who agreed it), record the decision (warning when an AP place goes over the
quota and asking who approves it anyway), close with an outcome, and the plain steps
(start, open a review, continue after review, withdraw) with a note.

The core checks everything again and refuses with messages shown under the fields;
these dialogs only ask for what is missing before sending.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPlainTextEdit, QWidget

from panel_app.core.domain.dates import format_uk
from panel_app.core.domain.meetings import OUTCOME_LABELS, Outcome
from panel_app.core.domain.models import School
from panel_app.core.domain.proposals import (
    APPROVING,
    CLOSE_LABELS,
    DECISION_OUTCOMES,
    DECLINED,
    LADDER_ACTIONS,
    ProposalKind,
    close_outcomes,
)
from panel_app.core.domain.schoolyears import year_group_label
from panel_app.core.errors import ValidationError
from panel_app.core.rules.ladder import LadderCheck, Verdict
from panel_app.core.services.proposals import OVER_QUOTA_CODES
from panel_app.gui.dialogs.evidence_dialog import date_edit
from panel_app.gui.dialogs.submit_dialog import SubmitDialog
from panel_app.gui.ladder_icons import status_word
from panel_app.gui.proposal_bits import VerdictView, capital, issue_lines, school_combo
from panel_app.gui.worker import SessionHost

Job = Callable[[Any], Any] | None
NEEDS_OVERRIDE = (Verdict.PARTLY_MET.value, Verdict.MISSING.value)


def _text_box(lines: int = 3) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setTabChangesFocus(True)
    box.setFixedHeight(box.fontMetrics().lineSpacing() * lines + 14)
    return box


def _muted(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setProperty("role", "muted")
    return label


def proposal_heading(detail: Mapping[str, Any]) -> str:
    return f"{capital(str(detail.get('kind_label', '')))} · {detail.get('case_ref', '')}"


class _StepDialog(SubmitDialog):
    def __init__(self, host: SessionHost, title: str, detail: Mapping[str, Any],
                 parent: QWidget | None = None) -> None:
        super().__init__(host, title, parent)
        self.detail = dict(detail)
        self.pid = str(detail["id"])
        self.about = _muted(proposal_heading(detail) + (
            f": {detail['title']}" if detail.get("title") else ""))
        self.body.insertWidget(0, self.about)
        self.setMinimumWidth(560)
        self.resize(560, 300)


class SubmitProposalDialog(_StepDialog):
    """Submit (or submit again). A managed move or AP place shows its ladder verdict on
    the date given; when it is not met, both the override reason and the person who
    agreed it are required."""

    def __init__(self, host: SessionHost, detail: Mapping[str, Any], today: date,
                 parent: QWidget | None = None) -> None:
        again = "resubmit" in detail.get("events", [])
        super().__init__(host, "Submit the proposal again" if again else "Submit the proposal",
                         detail, parent)
        self.action = LADDER_ACTIONS.get(str(detail.get("kind")))
        self.needs_override = False
        self.check: LadderCheck | None = None
        self._seq = 0
        self.on = date_edit()
        self.on.setText(format_uk(today))
        self.verdict = VerdictView()
        self.reason = _text_box()
        self.by = QLineEdit()
        self.rows.add("submitted_on", "Submitted &on:", self.on)
        self.form.addRow("Ladder check:", self.verdict)
        self.rows.add("override_reason", "Override &reason:", self.reason)
        self.rows.add("override_by", "Agreed &by:", self.by, "Override agreed by")
        self.save_button.setText("S&ubmit")
        self.save_button.setToolTip("Submit the proposal to the panel (Enter)")
        self._show_override(False)
        self.on.editingFinished.connect(self.check_ladder)
        if self.action is None:
            self.verdict.show_verdict("", "Not needed: a "
                                      f"{detail.get('kind_label', 'proposal')} does not run "
                                      "the ladder check.")
        else:
            self.verdict.show_verdict("", "Checking the ladder…")
            self.check_ladder()

    def _show_override(self, on: bool) -> None:
        self.needs_override = on
        for name in ("override_reason", "override_by"):
            self.form.setRowVisible(self.rows.labels[name], on)

    def check_ladder(self) -> None:
        if self.action is None:
            return
        self._seq += 1
        seq, case_id, action, on = self._seq, str(self.detail["case_id"]), self.action, \
            self.on.text().strip()

        def job(s: Any) -> LadderCheck:
            check: LadderCheck = s.ladders.check(case_id, action, on or None)
            return check

        def done(check: LadderCheck) -> None:
            if seq == self._seq:
                self.show_check(check)

        self._host.run(job, success=done, failure=lambda _e: None, parent=self)

    def show_check(self, check: LadderCheck) -> None:
        self.check = check
        words = status_word(check.verdict)
        reasons = " ".join(r.message for r in check.reasons)
        if check.verdict == Verdict.UNAVAILABLE.value:
            words = f"Not available ({reasons}): it is submitted without a ladder verdict"
        elif reasons:
            words += f": {reasons}"
        self.verdict.show_verdict(check.verdict, words, [r.message for r in check.gaps()])
        self._show_override(check.verdict in NEEDS_OVERRIDE)
        self.adjustSize()

    def job(self) -> Job:
        on, reason, by = self.on.text().strip(), self.reason.toPlainText().strip(), \
            self.by.text().strip()
        if self.needs_override and not (reason and by):
            if not by:
                self.show_error("override_by", "Give the name of the person who agreed to "
                                "submit it without the ladder met.")
            if not reason:
                self.show_error("override_reason", "Say why it goes to the panel without the "
                                "ladder met.")
            return None
        if not self.needs_override:
            reason = by = ""
        pid = self.pid
        return lambda s: s.proposals.submit(pid, on=on or None, override_reason=reason,
                                            override_by=by)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationError) and any(
                i.code == "ladder_not_met" for i in exc.issues):
            self._show_override(True)
        super()._failed(exc)


class DecideDialog(_StepDialog):
    """Record the panel's decision: outcome, date, conditions, review date, the receiving
    or admitting school; for an AP place the quota warnings, and who approves it anyway
    when it goes over."""

    def __init__(self, host: SessionHost, detail: Mapping[str, Any], schools: Sequence[School],
                 today: date, parent: QWidget | None = None) -> None:
        super().__init__(host, "Record the decision", detail, parent)
        self.kind = str(detail.get("kind"))
        self.over: list[str] = []
        self.outcome = QComboBox()
        for value in DECISION_OUTCOMES:
            self.outcome.addItem(OUTCOME_LABELS[Outcome(value)], value)
        self.on = date_edit()
        self.on.setText(format_uk(today))
        self.conditions = _text_box()
        self.review = date_edit()
        self.rows.add("outcome", "&Decision:", self.outcome)
        self.rows.add("decided_on", "Decided &on:", self.on)
        self.rows.add("conditions", "&Conditions:", self.conditions)
        self.rows.add("review_on", "&Review on:", self.review)
        self.receiving: QComboBox | None = None
        if self.kind in (ProposalKind.MANAGED_MOVE.value, ProposalKind.FAIR_ACCESS.value):
            others = [s for s in schools if s.id != detail.get("school_id")]
            self.receiving = school_combo("", others, "Not named yet",
                                          detail.get("receiving_school_id"))
            text = ("&Admitting school:" if self.kind == ProposalKind.FAIR_ACCESS.value
                    else "Recei&ving school:")
            self.rows.add("receiving_school_id", text, self.receiving)
        self.turn = _muted(self._rotation_text(detail))
        self.turn.setVisible(bool(self.turn.text()))
        self.form.addRow("", self.turn)
        self.quota = QLabel("")
        self.quota.setWordWrap(True)
        self.quota.setProperty("role", "warning")
        self.quota.setVisible(False)
        self.form.addRow("", self.quota)
        self.over_by = QLineEdit()
        self.rows.add("over_quota_by", "Approved over quota &by:", self.over_by)
        self.note = QLineEdit()
        self.rows.add("note", "&Note:", self.note)
        self.save_button.setText("Record decision")
        self.outcome.currentIndexChanged.connect(lambda _i: self._outcome_changed())
        self.show_quota([dict(w) for w in detail.get("quota_warnings") or []])
        if self.kind == ProposalKind.AP_PLACE.value:
            pid = self.pid
            host.run(lambda s: s.proposals.quota_check(pid), success=self._quota_checked,
                     failure=lambda _e: None, parent=self)

    @staticmethod
    def _rotation_text(detail: Mapping[str, Any]) -> str:
        turn = detail.get("rotation") or []
        if not turn:
            return ""
        year = detail.get("year_group")
        parts = [f"{t['position']}. {t['name']} ({t['admitted']} admitted"
                 + (f", {t['lac']} looked after" if t.get("lac") else "")
                 + (f", {t['ehcp']} with an EHCP" if t.get("ehcp") else "") + ")"
                 for t in turn[:4]]
        where = f" for {year_group_label(int(year))}" if year is not None else ""
        return f"Whose turn{where}: " + "; ".join(parts) + "."

    def _quota_checked(self, issues: list[Any]) -> None:
        self.show_quota([i.to_dict() for i in issues])

    def show_quota(self, warnings: list[dict[str, Any]]) -> None:
        self.over = [w["code"] for w in warnings if w.get("code") in OVER_QUOTA_CODES]
        self.quota.setText(issue_lines(warnings))
        self.quota.setAccessibleName(self.quota.text())
        self.quota.setVisible(bool(warnings))
        self._outcome_changed()

    def _outcome_changed(self) -> None:
        approving = self.outcome.currentData() in APPROVING
        self.form.setRowVisible(self.rows.labels["over_quota_by"], approving and bool(self.over))
        self.form.setRowVisible(self.rows.labels["conditions"],
                                self.outcome.currentData() != DECLINED)

    def job(self) -> Job:
        outcome = str(self.outcome.currentData())
        name = self.over_by.text().strip()
        if outcome in APPROVING and self.over and not name:
            self.show_error("over_quota_by", "Approving this goes over the quota: give the "
                            "name of the person who approves it anyway.")
            return None
        pid, on, review = self.pid, self.on.text().strip(), self.review.text().strip()
        conditions, note = self.conditions.toPlainText().strip(), self.note.text().strip()
        to = self.receiving.currentData() if self.receiving is not None else None
        return lambda s: s.proposals.decide(pid, outcome, on=on or None, conditions=conditions,
                                            review_on=review or None, to=to,
                                            over_quota_by=name, note=note)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationError) and any(
                i.field == "over_quota_by" for i in exc.issues):
            self.over = self.over or ["over_quota_confirm"]
            self._outcome_changed()
        super()._failed(exc)


class CloseDialog(_StepDialog):
    """Close with the outcome the kind allows (a declined proposal closes as declined)."""

    def __init__(self, host: SessionHost, detail: Mapping[str, Any], today: date,
                 parent: QWidget | None = None) -> None:
        super().__init__(host, "Close the proposal", detail, parent)
        self.outcome = QComboBox()
        declined = (detail.get("state") == "decided"
                    and detail.get("decision_outcome") == DECLINED)
        for value in (DECLINED,) if declined else close_outcomes(str(detail.get("kind"))):
            self.outcome.addItem(capital(CLOSE_LABELS.get(value, value)), value)
        self.on = date_edit()
        self.on.setText(format_uk(today))
        self.note = _text_box(2)
        self.rows.add("close_outcome", "&Outcome:", self.outcome)
        self.rows.add("closed_on", "&Closed on:", self.on)
        self.rows.add("note", "&Note:", self.note)
        if detail.get("moves") or detail.get("placements"):
            self.form.addRow("", _muted("A move or placement still running ends with the "
                                        "same outcome on that date."))
        self.save_button.setText("Close proposal")

    def job(self) -> Job:
        pid, outcome = self.pid, str(self.outcome.currentData())
        on, note = self.on.text().strip(), self.note.toPlainText().strip()
        return lambda s: s.proposals.close(pid, outcome, on=on or None, note=note)


# event: (title, explanation, button, facade method)
PLAIN_STEPS = {
    "start": ("Start", "The approved move or placement has begun. Recording the move or "
              "placement for the proposal does this by itself.", "Start", "start"),
    "review": ("Open a review", "The move or placement is being reviewed.", "Open review",
               "review"),
    "continue": ("Continue after review", "The review found the arrangement should carry "
                 "on.", "Continue", "continue_after_review"),
    "withdraw": ("Withdraw the proposal", "The school no longer asks the panel for this; "
                 "it closes as withdrawn.", "Withdraw", "withdraw"),
}


class PlainStepDialog(_StepDialog):
    def __init__(self, host: SessionHost, detail: Mapping[str, Any], event: str,
                 parent: QWidget | None = None) -> None:
        title, explain, button, self.method = PLAIN_STEPS[event]
        super().__init__(host, title, detail, parent)
        self.step_event = event
        self.form.addRow("", _muted(explain))
        self.note = QLineEdit()
        self.rows.add("note", "&Note:", self.note)
        self.save_button.setText(button)

    def job(self) -> Job:
        pid, note, method = self.pid, self.note.text().strip(), self.method
        return lambda s: getattr(s.proposals, method)(pid, note=note)
