"""Two steps of a running move: a review held, and the end with its outcome (returned
to the home school, converted to a permanent admission, broke down early with the date
and reason, moved to AP), which closes the proposal the move came from."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QWidget

from panel_app.core.domain.dates import format_uk
from panel_app.core.domain.moves import MOVE_OUTCOME_LABELS, MoveOutcome
from panel_app.gui.dialogs.evidence_dialog import date_edit
from panel_app.gui.dialogs.proposal_steps import Job
from panel_app.gui.dialogs.submit_dialog import SubmitDialog
from panel_app.gui.proposal_bits import capital, iso_to_uk
from panel_app.gui.worker import SessionHost


def move_title(m: Mapping[str, Any]) -> str:
    return (f"{m.get('case_ref', '')}: {m.get('home_school', '')} to "
            f"{m.get('receiving_school', '')} from {iso_to_uk(m.get('start'))}")


class _MoveStep(SubmitDialog):
    def __init__(self, host: SessionHost, title: str, move: Mapping[str, Any],
                 parent: QWidget | None = None) -> None:
        super().__init__(host, title, parent)
        self.record = dict(move)
        self.mid = str(move["id"])
        about = QLabel(move_title(move))
        about.setWordWrap(True)
        about.setProperty("role", "muted")
        self.body.insertWidget(0, about)
        self.resize(520, 260)


class EndMoveDialog(_MoveStep):
    def __init__(self, host: SessionHost, move: Mapping[str, Any], today: date,
                 parent: QWidget | None = None) -> None:
        super().__init__(host, "End the move", move, parent)
        self.outcome = QComboBox()
        for value in MoveOutcome:
            self.outcome.addItem(capital(MOVE_OUTCOME_LABELS[value.value]), value.value)
        self.on = date_edit()
        self.on.setText(format_uk(today))
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("For example behaviour, or belonging")
        self.reentry = date_edit()
        self.rows.add("outcome", "&Outcome:", self.outcome)
        self.rows.add("ended_on", "&Ended on:", self.on)
        self.rows.add("breakdown_reason", "Why it &broke down:", self.reason)
        self.rows.add("reentry_meeting_on", "Re-entry &meeting on:", self.reentry)
        self.save_button.setText("End move")
        self.outcome.currentIndexChanged.connect(lambda _i: self._outcome_changed())
        self._outcome_changed()

    def _outcome_changed(self) -> None:
        self.form.setRowVisible(self.rows.labels["breakdown_reason"],
                                self.outcome.currentData() == MoveOutcome.BROKE_DOWN.value)

    def job(self) -> Job:
        outcome = str(self.outcome.currentData())
        on, reentry = self.on.text().strip(), self.reentry.text().strip()
        reason = self.reason.text().strip() if outcome == MoveOutcome.BROKE_DOWN.value else ""
        if outcome == MoveOutcome.BROKE_DOWN.value and not reason:
            self.show_error("breakdown_reason", "Say why the move broke down.")
            return None
        mid = self.mid
        return lambda s: s.moves.end(mid, outcome=outcome, on=on or None, reason=reason,
                                     reentry_meeting_on=reentry or None)


class MoveReviewDialog(_MoveStep):
    def __init__(self, host: SessionHost, move: Mapping[str, Any], today: date,
                 parent: QWidget | None = None) -> None:
        super().__init__(host, "Record a review held", move, parent)
        self.on = date_edit()
        self.on.setText(format_uk(today))
        self.rows.add("reviewed_on", "Review held &on:", self.on)
        self.save_button.setText("Record review")

    def job(self) -> Job:
        mid, on = self.mid, self.on.text().strip()
        return lambda s: s.moves.record_review(mid, on or None)
