"""The Ladder section's Calendar tab: the terms and half terms of each school year (the
partnership's own dates, or the England default pattern), with CSV import and export."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from panel_app.core.domain.calendar import CSV_HELP, parse_terms_csv, year_label
from panel_app.core.domain.dates import academic_year_start, format_uk
from panel_app.core.errors import PanelError
from panel_app.gui.dialogs.case_attachments import _fit_columns, _table
from panel_app.gui.models.records import RecordColumn, RecordTableModel
from panel_app.gui.qtcompat import emit
from panel_app.gui.theme import message_label, set_message
from panel_app.gui.views.settings_view import ask
from panel_app.gui.worker import SessionHost, error_text


def _uk(iso: str | None) -> str:
    return format_uk(date.fromisoformat(iso)) if iso else ""


def _half_term(term: dict[str, Any]) -> str:
    if not term.get("half_term_start"):
        return "none"
    return f"{_uk(term['half_term_start'])} to {_uk(term['half_term_end'])}"


TERM_COLUMNS = (
    RecordColumn("Term", lambda t: str(t["name"]).capitalize()),
    RecordColumn("Starts", lambda t: _uk(t["start"]), lambda t: t["start"]),
    RecordColumn("Half term", _half_term, lambda t: t.get("half_term_start") or ""),
    RecordColumn("Ends", lambda t: _uk(t["end"]), lambda t: t["end"]),
    RecordColumn("School days", lambda t: str(t["school_days"]), lambda t: t["school_days"]),
    RecordColumn("Closed days", lambda t: ", ".join(_uk(c) for c in t["closures"]) or "none",
                 lambda t: len(t["closures"])),
)


def fetch_calendar(s: Any) -> dict[int, dict[str, Any]]:
    current = academic_year_start(s.clock.today())
    years = sorted(set(s.calendar.years_to_show()) | {current - 1, current, current + 1})
    return {y: s.calendar.year(y) for y in years}


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "it is not a UTF-8 text file"
        raise PanelError(f"Cannot read {path.name}: {reason}.") from None


def write_text(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise PanelError(f"Cannot write {path.name}: {exc.strerror}.") from None


class CalendarPage(QWidget):
    loaded = Signal()

    def __init__(self, host: SessionHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._host = host
        self.years: dict[int, dict[str, Any]] = {}
        self.confirm: Callable[[QWidget, str, str], bool] = ask
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.year = QComboBox()
        self.year.setAccessibleName("School year")
        label = QLabel("&School year:")
        label.setBuddy(self.year)
        top.addWidget(label)
        top.addWidget(self.year)
        self.source = QLabel()
        self.source.setWordWrap(True)
        top.addWidget(self.source, 1)
        layout.addLayout(top)
        self.model = RecordTableModel(TERM_COLUMNS, self)
        self.table = _table(self.model, "Terms of the school year")
        layout.addWidget(self.table, 1)
        help_text = QLabel("Durations in the ladder are counted in school weeks on these "
                           "dates. To import term dates: " + CSV_HELP)
        help_text.setWordWrap(True)
        help_text.setProperty("role", "muted")
        layout.addWidget(help_text)
        self.message = message_label()
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.import_button = QPushButton("&Import CSV…")
        self.import_button.setToolTip("Import term dates from a CSV file (replaces the years "
                                      "it covers)")
        self.export_button = QPushButton("E&xport CSV…")
        self.export_button.setToolTip("Save the term dates shown to a CSV file")
        self.reset_button = QPushButton("Reset year to &default")
        self.reset_button.setToolTip("Forget this year's entered dates and use the England "
                                     "default pattern")
        for button in (self.import_button, self.export_button, self.reset_button):
            buttons.addWidget(button)
        layout.addLayout(buttons)
        self.year.currentIndexChanged.connect(lambda _i: self._show_year())
        self.import_button.clicked.connect(self._browse_import)
        self.export_button.clicked.connect(self._browse_export)
        self.reset_button.clicked.connect(self.reset_year)

    def load(self, select: int | None = None) -> None:
        keep = select if select is not None else self.year.currentData()
        self._host.run(fetch_calendar, success=lambda years: self._loaded(years, keep),
                       failure=self._failed, parent=self)

    def _loaded(self, years: dict[int, dict[str, Any]], keep: int | None) -> None:
        self.years = years
        self.year.blockSignals(True)
        self.year.clear()
        for start, data in years.items():
            mark = "" if data["source"] == "stored" else " (default dates)"
            self.year.addItem(year_label(start) + mark, start)
        index = self.year.findData(keep)
        if index < 0:
            stored = [y for y, d in years.items() if d["source"] == "stored"]
            index = self.year.findData(stored[-1] if stored else list(years)[len(years) // 2])
        self.year.setCurrentIndex(max(index, 0))
        self.year.blockSignals(False)
        self._show_year()
        emit(self.loaded)

    def _show_year(self) -> None:
        data = self.years.get(self.year.currentData())
        if data is None:
            self.model.clear()
            self.source.setText("")
            return
        self.model.set_rows(data["terms"])
        _fit_columns(self.table)
        if data["source"] == "stored":
            text = f"Dates entered for this partnership: {data['school_days']} school days."
        else:
            text = (f"England default pattern (no dates entered): {data['school_days']} "
                    "school days. Import the real dates when you have them.")
        self.source.setText(text)
        self.source.setAccessibleName(text)
        self.reset_button.setEnabled(data["source"] == "stored")

    def clear(self) -> None:
        self.years = {}
        self.year.clear()
        self.model.clear()
        self.source.setText("")
        set_message(self.message, "")

    def _failed(self, exc: BaseException) -> None:
        set_message(self.message, error_text(exc))

    # -- import, export, reset ---------------------------------------------------------------
    def _browse_import(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Import term dates", str(Path.home()),
                                              "CSV files (*.csv);;All files (*)")
        if name:
            self.import_file(Path(name))

    def import_file(self, path: Path) -> None:
        def run(s: Any) -> tuple[int | None, bool]:
            text = read_text(path)
            changes = s.calendar.import_csv(text)
            terms, _issues = parse_terms_csv(text)
            return min((t.academic_year for t in terms), default=None), bool(changes)

        def done(result: tuple[int | None, bool]) -> None:
            year, changed = result
            set_message(self.message, f"Term dates imported from {path.name}." if changed
                        else "The file holds the dates already entered: nothing changed.",
                        "ok")
            self.load(year)

        self._host.run(run, success=done, failure=self._failed, parent=self)

    def _browse_export(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Export term dates",
                                              str(Path.home() / "term-dates.csv"),
                                              "CSV files (*.csv)")
        if name:
            self.export_file(Path(name))

    def export_file(self, path: Path) -> None:
        years = [self.year.currentData()] if self.year.currentData() is not None else None

        def run(s: Any) -> None:
            write_text(path, s.calendar.export_csv(years))

        self._host.run(run, success=lambda _r: set_message(
            self.message, f"Term dates saved to {path.name}.", "ok"), failure=self._failed,
            parent=self)

    def reset_year(self) -> None:
        start = self.year.currentData()
        if start is None or not self.confirm(
                self, "Reset the year", f"Forget the dates entered for {year_label(start)} and "
                                        "use the England default pattern?"):
            return

        def done(_changes: Any) -> None:
            set_message(self.message, f"{year_label(start)} uses the default dates again.",
                        "ok")
            self.load(start)

        self._host.run(lambda s: s.calendar.reset_year(start), success=done,
                       failure=self._failed, parent=self)
