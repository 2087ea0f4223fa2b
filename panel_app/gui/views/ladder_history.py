"""The Ladder section's version history: every saved version of the ladder with its
note, and the selected version's ladder in plain words (what a recorded check used)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from panel_app.core.domain.ladder import Ladder
from panel_app.core.services.ladders import LadderVersion
from panel_app.gui.dialogs.case_attachments import _fit_columns, _table, when
from panel_app.gui.models.ladder_rows import unlocks_text
from panel_app.gui.models.records import RecordColumn, RecordTableModel

VERSION_COLUMNS = (
    RecordColumn("Version", lambda v: str(v.number), lambda v: v.number),
    RecordColumn("Saved", lambda v: when(v.created_at), lambda v: v.created_at.isoformat()),
    RecordColumn("By", lambda v: v.created_by),
    RecordColumn("Steps", lambda v: str(len(v.ladder.steps)), lambda v: len(v.ladder.steps)),
    RecordColumn("Note", lambda v: v.note),
)


def ladder_text(ladder: Ladder) -> str:
    """The whole ladder in plain words."""
    lines = [ladder.name]
    if ladder.description:
        lines.append(ladder.description)
    for number, step in enumerate(ladder.steps, start=1):
        unlocks = f" — unlocks a request for: {unlocks_text(step)}" if step.unlocks else ""
        lines += ["", f"Step {number}. {step.name}{unlocks}"]
        if step.min_optional:
            lines.append(f"  at least {step.min_optional} of the optional items")
        for item in step.items:
            needs = item.requirement_text()
            lines.append(f"  • {item.label}" + (f": {needs}" if needs else ""))
    return "\n".join(lines)


class HistoryPage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        box = QVBoxLayout(self)
        intro = QLabel("Each change to the ladder is kept as a version; a recorded check "
                       "names the version it was checked against.")
        intro.setWordWrap(True)
        box.addWidget(intro)
        self.model = RecordTableModel(VERSION_COLUMNS, self)
        self.table = _table(self.model, "Ladder versions")
        box.addWidget(self.table, 1)
        self.as_was = QPlainTextEdit()
        self.as_was.setReadOnly(True)
        self.as_was.setAccessibleName("Ladder as it was in the selected version")
        label = QLabel("Ladder as it &was:")
        label.setBuddy(self.as_was)
        box.addWidget(label)
        box.addWidget(self.as_was, 1)
        self.table.selectionModel().currentRowChanged.connect(
            lambda current, _p: self._show_version(current.row()))

    def show_history(self, versions: Sequence[LadderVersion]) -> None:
        """``versions`` newest first; the newest is selected."""
        self.model.set_rows(list(versions))
        _fit_columns(self.table)
        if versions:
            self.table.selectRow(0)
        self._show_version(0)

    def clear(self) -> None:
        self.model.clear()
        self.as_was.clear()

    def _show_version(self, row: int) -> None:
        version = self.model.record(row)
        self.as_was.setPlainText(ladder_text(version.ladder) if version else "")
