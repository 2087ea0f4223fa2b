"""Small pieces shared by the Proposals & moves and Quotas screens: the ladder verdict
shown with icon and words, school pickers, dates and money as people write them, and
the text of warnings (a symbol and words, never colour alone)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from panel_app.core.domain.dates import format_uk
from panel_app.core.domain.issues import Issue
from panel_app.core.domain.models import School
from panel_app.gui.ladder_icons import status_icon, status_word


def iso_to_uk(value: str | date | None) -> str:
    """'2026-11-22' or a date -> '22/11/2026'; '' for nothing."""
    if not value:
        return ""
    if isinstance(value, date):
        return format_uk(value)
    try:
        return format_uk(date.fromisoformat(str(value)[:10]))
    except ValueError:
        return str(value)


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def school_combo(name: str, schools: Sequence[School], none_text: str | None = None,
                 current: str | None = None) -> QComboBox:
    """A combo of member schools (data: the school id); ``none_text`` adds a first item
    whose data is None."""
    combo = QComboBox()
    combo.setAccessibleName(name)
    fill_schools(combo, schools, none_text, current)
    return combo


def fill_schools(combo: QComboBox, schools: Sequence[School], none_text: str | None = None,
                 current: str | None = None) -> None:
    keep = current if current is not None else combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    if none_text is not None:
        combo.addItem(none_text, None)
    for s in schools:
        combo.addItem(s.name, s.id)
    combo.setCurrentIndex(max(combo.findData(keep), 0))
    combo.blockSignals(False)


def compact(table: QTableView) -> QTableView:
    """One line of text a row (the tables here hold short values)."""
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
    return table


def issue_lines(issues: Iterable[Issue | Mapping[str, Any]]) -> str:
    """Warnings as lines of '⚠ message'."""
    out = []
    for issue in issues:
        message = issue["message"] if isinstance(issue, Mapping) else issue.message
        out.append(f"⚠ {message}")
    return "\n".join(out)


def verdict_words(check: Mapping[str, Any] | None) -> str:
    """The stored ladder check of a proposal in words: 'Met', 'Partly met — OVERRIDDEN
    by …: reason', 'No ladder check stored'."""
    if not check:
        return "No ladder check stored"
    if check.get("missing"):
        return "The stored ladder check could not be read"
    text = status_word(str(check.get("verdict", "")))
    override = check.get("override")
    if check.get("overridden") and override:
        text += (f" — OVERRIDDEN by {override.get('by', '')} on "
                 f"{iso_to_uk(override.get('at'))}: {override.get('reason', '')}")
    return text


class VerdictView(QWidget):
    """A ladder verdict: the status icon (its own shape for each status), the words, and
    what is still missing underneath."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        self.icon = QLabel()
        self.text = QLabel()
        self.text.setWordWrap(True)
        row.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.text, 1)
        box.addLayout(row)
        self.gaps = QLabel()
        self.gaps.setWordWrap(True)
        self.gaps.setProperty("role", "muted")
        box.addWidget(self.gaps)
        self.verdict = ""
        self.overridden = False

    def show_verdict(self, verdict: str, words: str, gaps: Sequence[str] = (),
                     overridden: bool = False) -> None:
        self.verdict = verdict
        self.overridden = overridden
        size = self.fontMetrics().height() + 2
        icon = status_icon(verdict) if verdict else None
        self.icon.setPixmap(icon.pixmap(size, size) if icon is not None
                            and not icon.isNull() else _empty())
        self.icon.setVisible(icon is not None and not icon.isNull())
        self.text.setText(("⚠ " if overridden else "") + words)
        self.setAccessibleName(f"Ladder verdict: {words}")
        self.gaps.setText("Still missing: " + " ".join(gaps) if gaps else "")
        self.gaps.setVisible(bool(gaps))

    def show_check(self, check: Mapping[str, Any] | None) -> None:
        """A stored check as ``proposals.detail`` gives it."""
        if not check or check.get("missing"):
            self.show_verdict("", verdict_words(check))
            return
        self.show_verdict(str(check.get("verdict", "")), verdict_words(check),
                          list(check.get("gaps") or []), bool(check.get("overridden")))

    def clear(self) -> None:
        self.show_verdict("", "")


def _empty() -> Any:
    from PySide6.QtGui import QPixmap

    return QPixmap()
