"""The Quotas section: the quota and budget year as a dashboard. Money (envelope, the
deduction carried from last year, committed, charges, left for other programmes), usage
(places in use, place-weeks, the forecast to the year end), warnings, per school the
places allocated / in use / remaining as a table and a bar chart, and places in use
over the year as a line chart. Every figure comes from ``session.quotas.report`` on the
worker; the charts are drawn with QPainter and summed up in words beside them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from panel_app.core.domain.calendar import year_label
from panel_app.core.domain.dates import academic_year_start, format_uk
from panel_app.core.domain.quotas import QuotaYear, format_gbp
from panel_app.core.rules.quotas import QuotaReport, SchoolQuota
from panel_app.gui.charts import Bar, BarChart, LineChart
from panel_app.gui.context import AppContext
from panel_app.gui.dialogs.quota_year_dialog import QuotaYearDialog
from panel_app.gui.models.records import RecordColumn, RecordTableModel
from panel_app.gui.proposal_bits import compact, issue_lines
from panel_app.gui.qtcompat import emit
from panel_app.gui.theme import heading, message_label, set_message
from panel_app.gui.views.meeting_forms import readonly_table
from panel_app.gui.worker import SessionHost, error_text


def _n(value: float) -> str:
    return f"{value:,.1f}".rstrip("0").rstrip(".") if value % 1 else f"{int(value):,}"


SCHOOL_COLUMNS = (
    RecordColumn("School", lambda s: s.name),
    RecordColumn("Allocated", lambda s: str(s.allocated), lambda s: s.allocated),
    RecordColumn("In use", lambda s: (f"⚠ {s.in_use} (over)" if s.over else str(s.in_use)),
                 lambda s: s.in_use),
    RecordColumn("Remaining", lambda s: str(s.remaining), lambda s: s.remaining),
    RecordColumn("Peak", lambda s: str(s.peak), lambda s: s.peak),
    RecordColumn("Place-weeks used / allowed",
                 lambda s: f"{_n(s.place_weeks_used)} / {_n(s.place_weeks_allowed)}",
                 lambda s: s.place_weeks_used),
    RecordColumn("Forecast", lambda s: _n(s.forecast_place_weeks),
                 lambda s: s.forecast_place_weeks),
    RecordColumn("Charges", lambda s: format_gbp(s.charges) if s.charges else "—",
                 lambda s: s.charges),
)
FIGURES = (("envelope", "Envelope"), ("deduction", "Carried over from last year"),
           ("effective", "Envelope after carry-over"), ("committed", "Committed to places"),
           ("charges", "Charged to schools"), ("left", "Left for other programmes"))


@dataclass
class QuotaState:
    years: list[int]
    year: int
    quota: QuotaYear | None
    report: QuotaReport | None
    set_years: dict[int, QuotaYear]


def fetch(s: Any, year: int | None) -> QuotaState:
    years = s.quotas.years()
    number = year if year is not None else academic_year_start(s.clock.today())
    set_years = {y: s.quotas.year(y) for y in years}
    quota = set_years.get(number)
    return QuotaState(years, number, quota,
                      s.quotas.report(number) if quota is not None else None, set_years)


def money_texts(r: QuotaReport) -> dict[str, str]:
    d = r.deduction
    return {
        "envelope": format_gbp(r.envelope),
        "deduction": (f"−{format_gbp(r.deduction_amount)} ({year_label(d.from_year)})"
                      if d is not None and r.deduction_amount else "None"),
        "effective": format_gbp(r.effective_envelope),
        "committed": f"{format_gbp(r.committed)} ({r.year.places} × "
                     f"{format_gbp(r.year.cost_per_place)})",
        "charges": f"+{format_gbp(r.charges)}" if r.charges else "None",
        "left": format_gbp(r.left),
    }


def usage_text(r: QuotaReport) -> str:
    y = r.year
    text = (f"In use on {format_uk(r.on)}: {r.in_use} of {y.places} places (highest so far "
            f"{r.peak}). Place-weeks used {_n(r.place_weeks_used)} of "
            f"{_n(r.place_weeks_allowed)} allowed ({_n(r.weeks)} school weeks). Forecast to the "
            f"year end with the placements planned: {_n(r.forecast_place_weeks)} place-weeks, "
            f"{r.forecast_places:.1f} places on average")
    if r.forecast_deduction:
        text += (f"; {format_gbp(r.forecast_deduction)} would come off next year's envelope "
                 f"({_n(r.forecast_excess_place_weeks)} place-weeks over).")
    else:
        text += "; no deduction expected next year."
    return text


class QuotasView(QWidget):
    loaded = Signal()  # a year's figures (or "no quota") were shown

    def __init__(self, host: SessionHost, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._host = host
        self._ctx = ctx
        self._seq = 0
        self._stale = True
        self.state: QuotaState | None = None
        self.dialog: QDialog | None = None
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(heading("Quotas", parent=self))
        top.addStretch(1)
        self.year = QComboBox()
        self.year.setAccessibleName("School year")
        label = QLabel("Sch&ool year:")
        label.setBuddy(self.year)
        top.addWidget(label)
        top.addWidget(self.year)
        self.set_button = QPushButton("Set quota &year…")
        self.set_button.setToolTip("Places purchased, cost per place, envelope and the "
                                   "allocation formula (Ctrl+Shift+Y)")
        top.addWidget(self.set_button)
        layout.addLayout(top)
        self.message = message_label()
        layout.addWidget(self.message)
        self.empty = QLabel()
        self.empty.setWordWrap(True)
        layout.addWidget(self.empty)
        self.dashboard = self._dashboard()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroll.setWidget(self.dashboard)
        layout.addWidget(scroll, 1)
        self.year.currentIndexChanged.connect(lambda _i: self.refresh(self.year.currentData()))
        self.set_button.clicked.connect(self.set_year)
        shortcut = QShortcut(QKeySequence("Ctrl+Shift+Y"), self)
        shortcut.activated.connect(lambda: self.isVisible() and self.set_year())
        self.clear()

    def _dashboard(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.setContentsMargins(0, 0, 0, 0)
        grid = QGridLayout()
        self.figures: dict[str, QLabel] = {}
        for i, (key, caption) in enumerate(FIGURES):
            cap = QLabel(caption)
            cap.setProperty("role", "muted")
            value = QLabel()
            font = value.font()
            font.setBold(True)
            if font.pointSizeF() > 0:
                font.setPointSizeF(font.pointSizeF() * 1.15)
            value.setFont(font)
            grid.addWidget(cap, (i // 3) * 2, i % 3)
            grid.addWidget(value, (i // 3) * 2 + 1, i % 3)
            self.figures[key] = value
        box.addLayout(grid)
        self.usage = QLabel()
        self.usage.setWordWrap(True)
        box.addWidget(self.usage)
        self.warnings = QLabel()
        self.warnings.setWordWrap(True)
        self.warnings.setProperty("role", "warning")
        box.addWidget(self.warnings)
        self.model = RecordTableModel(SCHOOL_COLUMNS, self)
        self.table = compact(readonly_table(self.model, "Places by school"))
        box.addWidget(self.table)
        self.bars = BarChart("Chart: places allocated and in use by school")
        self.bars_text = self._summary_label()
        self.line = LineChart("Chart: places in use over the school year")
        self.line_text = self._summary_label()
        split = QSplitter()
        for chart, text in ((self.bars, self.bars_text), (self.line, self.line_text)):
            pane = QWidget()
            pane_box = QVBoxLayout(pane)
            pane_box.setContentsMargins(0, 0, 0, 0)
            pane_box.addWidget(chart, 1)
            pane_box.addWidget(text)
            split.addWidget(pane)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        split.setMinimumHeight(16 * self.fontMetrics().height())
        self.split = split
        box.addWidget(split, 1)
        return page

    @staticmethod
    def _summary_label() -> QLabel:
        label = QLabel()
        label.setWordWrap(True)
        label.setProperty("role", "muted")
        return label

    # -- loading ---------------------------------------------------------------------------
    def load(self) -> None:
        self._stale = True
        if self.isVisible():
            self.refresh()

    def mark_stale(self) -> None:
        self.load()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh(self, year: int | None = None) -> None:
        self._stale = False
        self._seq += 1
        seq = self._seq
        if year is None and self.state is not None:
            year = self.state.year

        def done(state: QuotaState) -> None:
            if seq == self._seq:
                self.show_state(state)

        self._host.run(lambda s: fetch(s, year), success=done,
                       failure=lambda e: set_message(self.message, error_text(e)), parent=self)

    def show_state(self, state: QuotaState) -> None:
        self.state = state
        self.year.blockSignals(True)
        self.year.clear()
        for number in sorted({*state.years, state.year}):
            self.year.addItem(year_label(number), number)
        self.year.setCurrentIndex(self.year.findData(state.year))
        self.year.blockSignals(False)
        self.set_button.setEnabled(True)
        r = state.report
        self.dashboard.setVisible(r is not None)
        label = year_label(state.year)
        self.empty.setText("" if r is not None else
                           f"No quota is set for {label}: use Set quota year… to record the "
                           "places purchased, the cost per place and the envelope.")
        self.empty.setVisible(r is None)
        if r is not None:
            self._show_report(r)
        emit(self.loaded)

    def _show_report(self, r: QuotaReport) -> None:
        for key, text in money_texts(r).items():
            self.figures[key].setText(text)
            self.figures[key].setAccessibleName(f"{dict(FIGURES)[key]}: {text}")
        self.usage.setText(usage_text(r))
        self.warnings.setText(issue_lines(r.warnings))
        self.warnings.setVisible(bool(r.warnings))
        self.model.set_rows(r.schools)
        rows = self.table.verticalHeader().defaultSectionSize() * len(r.schools)
        self.table.setFixedHeight(rows + self.table.horizontalHeader().sizeHint().height()
                                  + 2 * self.table.frameWidth() + 2)
        self.bars.set_bars([Bar(s.name, s.allocated, s.in_use) for s in r.schools])
        self.bars_text.setText(self.bars.summary())
        self.line.set_series(list(r.occupancy), r.year.places, r.on, r.year.label)
        self.line_text.setText(self.line.summary())

    def school_row(self, name: str) -> SchoolQuota | None:
        for row in range(self.model.rowCount()):
            record = self.model.record(row)
            if record.name == name:
                return record  # type: ignore[no-any-return]
        return None

    # -- setting the year ------------------------------------------------------------------
    def set_year(self) -> QDialog | None:
        if self.state is None or self.dialog is not None:
            return None
        dialog = QuotaYearDialog(self._host, self.state.set_years, self.state.year, self)
        self.dialog = dialog
        dialog.succeeded.connect(self._saved)
        dialog.finished.connect(lambda _r: self._closed(dialog))
        dialog.open()
        return dialog

    def _closed(self, dialog: QDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def _saved(self, saved: Any) -> None:
        warnings = [w.message for w in saved.warnings]
        set_message(self.message, "Quota set." + (" Check: " + " ".join(warnings)
                                                  if warnings else ""),
                    "warning" if warnings else "ok")
        year = self.dialog.year.currentData() if isinstance(self.dialog, QuotaYearDialog) \
            else None
        self.refresh(year)

    # -- locking ---------------------------------------------------------------------------
    def close_dialogs(self) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.blockSignals(True)
            dialog.reject()
            dialog.deleteLater()

    def clear(self) -> None:
        self._seq += 1
        self._stale = True
        self.state = None
        self.close_dialogs()
        self.year.clear()
        self.set_button.setEnabled(False)
        self.model.clear()
        self.bars.clear()
        self.line.clear()
        for label in (*self.figures.values(), self.usage, self.warnings, self.bars_text,
                      self.line_text, self.empty):
            label.setText("")
        self.dashboard.setVisible(False)
        set_message(self.message, "")


def make_quotas_view(host: SessionHost, window: Any) -> QuotasView:
    """The factory for ``SECTION_VIEWS["Quotas"]``: a change in Proposals & moves (a
    placement, a charge) makes the dashboard fetch again when next shown."""
    view = QuotasView(host, window.ctx, window)
    proposals = getattr(window, "pages", {}).get("Proposals & moves")
    if proposals is not None and hasattr(proposals, "changed"):
        proposals.changed.connect(view.mark_stale)
    return view
