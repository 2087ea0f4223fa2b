"""The Reports section: exclusions, moves or outcomes for a year (and one school or all),
from ``session.reports`` on the worker. Every rate is shown as "numerator of denominator
(percent)". For exclusions, a trend line per school across the terms of this year and the
last (suspensions or permanent exclusions per 1,000 on roll) and bars per term for the
schools together sum it up; for moves and outcomes, bars per school. The table is the
charts' text alternative. CSV and PDF exports go through save dialogs that say the file
is not encrypted."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from panel_app.core.domain.calendar import year_label
from panel_app.core.domain.dates import academic_year_start, format_uk
from panel_app.core.reports import statistics as stats
from panel_app.core.reports import trends
from panel_app.gui.models.records import RecordColumn, RecordTableModel
from panel_app.gui.qtcompat import emit
from panel_app.gui.report_chart import CountBar, CountChart
from panel_app.gui.theme import heading, message_label, set_message
from panel_app.gui.trend_chart import TrendChart, TrendLine
from panel_app.gui.views.meeting_forms import readonly_table
from panel_app.gui.worker import SessionHost, error_text

REPORTS = (("Exclusions", stats.EXCLUSIONS), ("Moves", stats.MOVES),
           ("Outcomes", stats.OUTCOMES))
YEARS_SHOWN = 5
NOT_ENCRYPTED = "Exported files are NOT encrypted: keep them somewhere secure."


def term_text(term: str) -> str:
    return "Whole year" if term == stats.YEAR_ROW else term.capitalize()


def _rate(rate: Any) -> str:
    return "—" if rate is None else rate.text


def _n(value: Any) -> str:
    return "—" if value is None else stats._num(value)


EXCLUSION_COLUMNS = (
    RecordColumn("School", lambda r: r.school),
    RecordColumn("Term", lambda r: term_text(r.term)),
    RecordColumn("Roll", lambda r: _n(r.roll)),
    RecordColumn("Suspensions (of roll)", lambda r: r.suspension_rate.text),
    RecordColumn("Days", lambda r: _n(r.suspension_days)),
    RecordColumn("Pupils suspended (of roll)", lambda r: _rate(r.pupils_suspended_rate)),
    RecordColumn("Permanent exclusions (of roll)", lambda r: r.px_rate.text),
    RecordColumn("PX rescinded", lambda r: str(r.px_rescinded),
                 header_tip="Permanent exclusions (PX) rescinded (withdrawn) in the period"),
    RecordColumn("Attendance", lambda r: "—" if r.attendance_pct is None
                 else f"{r.attendance_pct:g}%"),
)
MOVES_COLUMNS = (
    RecordColumn("School", lambda r: r.school),
    RecordColumn("Term", lambda r: term_text(r.term)),
    RecordColumn("Sent", lambda r: str(r.sent)),
    RecordColumn("Received", lambda r: str(r.received)),
    RecordColumn("Net", lambda r: f"{r.net:+d}"),
    RecordColumn("Received and ended", lambda r: str(r.stats.ended)),
    RecordColumn("Converted (of ended)", lambda r: r.converted.text),
)
PLACEMENT_COLUMNS = (
    RecordColumn("School", lambda r: r.school),
    RecordColumn("AP placements started", lambda r: str(r.started)),
    RecordColumn("Running", lambda r: str(r.running)),
    RecordColumn("Ended", lambda r: str(r.ended)),
    RecordColumn("Reintegrated (of ended)", lambda r: r.reintegration.text),
    RecordColumn("Sustained two terms (of reintegrated)", lambda r: r.sustained.text),
)
MEASURE_COLUMNS = (
    RecordColumn("Measure", lambda r: r[0]),
    RecordColumn("School", lambda r: r[1]),
    RecordColumn("What", lambda r: r[2]),
    RecordColumn("Figure", lambda r: r[3].text),
)


def chart_bars(report: Any, school: str, trend: trends.ExclusionTrend | None = None,
               measure: str = trends.SUSPENSIONS) -> tuple[str, list[CountBar]]:
    """The bar chart of a report: suspensions or PX per term (the terms of the trend), or
    per school moves and placements."""
    where = school or stats.ALL_SCHOOLS.lower()
    if isinstance(report, stats.ExclusionsReport):
        what = trends.MEASURES[measure]
        if trend is None:
            return f"{what} per term, {where}", []
        return (f"{what} per term, {where}",
                [CountBar(label, p.count(measure), p.brief(measure))
                 for label, p in zip(trend.labels, trend.total.points, strict=True)])
    if isinstance(report, stats.MovesReport):
        return (f"Moves received per school, {report.label}",
                [CountBar(r.school, r.received, f"{r.received} received, {r.sent} sent")
                 for r in report.rows if r.term == stats.YEAR_ROW
                 and r.school != stats.ALL_SCHOOLS])
    return (f"AP placements started per school, {report.label}",
            [CountBar(r.school, r.started, f"{r.started} started; reintegrated "
                      f"{r.reintegration.text}")
             for r in report.placements if r.school != stats.ALL_SCHOOLS])


def trend_lines(trend: trends.ExclusionTrend, measure: str) -> list[TrendLine]:
    """One line per school: its rate per 1,000 on roll in each term, and in words."""
    return [TrendLine(s.school, [p.rate(measure) for p in s.points],
                      [p.text(measure) for p in s.points]) for s in trend.schools]


def measure_rows(report: stats.OutcomesReport) -> list[tuple[str, str, str, Any]]:
    rows = [("Ladder reach", school, f"Step {s.number}: {s.name}", s.reached)
            for school, steps in report.reach.items() for s in steps]
    for q in report.quota:
        rows += [("Quota", q.school, "Places in use of allocated", q.in_use),
                 ("Quota", q.school, "Place-weeks used of allowed", q.place_weeks)]
    return rows


class ReportModel(RecordTableModel):
    """The figures of one report; its columns change with the report."""

    def set_columns(self, columns: Sequence[RecordColumn], rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._columns = list(columns)
        self._rows = list(rows)
        self.endResetModel()


class ReportsView(QWidget):
    loaded = Signal()  # a report is shown (tests wait on this)
    exported = Signal(object)  # the PlaintextFile written

    def __init__(self, host: SessionHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._host = host
        self._seq = 0
        self.report: Any = None
        self.trend: trends.ExclusionTrend | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Reports", parent=self))
        controls = QHBoxLayout()
        self.kind = QComboBox()
        self.kind.setAccessibleName("Report")
        for text, value in REPORTS:
            self.kind.addItem(text, value)
        self.year = QComboBox()
        self.year.setAccessibleName("School year")
        self.school = QComboBox()
        self.school.setAccessibleName("School filter")
        self.school.addItem("All schools", None)
        for text, widget in (("&Report:", self.kind), ("Y&ear:", self.year),
                             ("Sch&ool:", self.school)):
            label = QLabel(text)
            label.setBuddy(widget)
            controls.addWidget(label)
            controls.addWidget(widget)
        controls.addStretch(1)
        self.csv_button = QPushButton("Export &CSV…")
        self.pdf_button = QPushButton("Export &PDF…")
        for b in (self.csv_button, self.pdf_button):
            b.setToolTip(NOT_ENCRYPTED)
            controls.addWidget(b)
        layout.addLayout(controls)
        self.note = QLabel("")
        self.note.setAccessibleName("Report date")
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self.message = message_label()
        layout.addWidget(self.message)

        self.model = ReportModel(EXCLUSION_COLUMNS, self)
        self.table = readonly_table(self.model, "Report figures")
        self.measures = RecordTableModel(MEASURE_COLUMNS, self)
        self.measures_table = readonly_table(self.measures, "Ladder reach and quota use")
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.table)
        splitter.addWidget(self.measures_table)
        splitter.addWidget(self._charts())
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(2, 3)
        layout.addWidget(splitter, 1)
        self.measures_table.setVisible(False)

        self.ask_save_path = self._ask_save_path  # tests replace it
        for combo in (self.kind, self.year, self.school):
            combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.measure.currentIndexChanged.connect(lambda _i: self._draw_charts())
        self.csv_button.clicked.connect(lambda: self.export("csv"))
        self.pdf_button.clicked.connect(lambda: self.export("pdf"))
        self._set_enabled(False)

    def _charts(self) -> QWidget:
        """The trend lines beside the bars, with the measure they show."""
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.measure = QComboBox()
        self.measure.setAccessibleName("Chart measure")
        for value, text in trends.MEASURES.items():
            self.measure.addItem(text, value)
        self.measure_label = QLabel("Char&t:")
        self.measure_label.setBuddy(self.measure)
        row.addWidget(self.measure_label)
        row.addWidget(self.measure)
        row.addStretch(1)
        layout.addLayout(row)
        charts = QHBoxLayout()
        self.trend_chart = TrendChart("Trend chart: each school, term by term", self)
        self.chart = CountChart("Bar chart", self)
        charts.addWidget(self.trend_chart, 5)
        charts.addWidget(self.chart, 4)
        layout.addLayout(charts, 1)
        return box

    # -- loading ---------------------------------------------------------------------------
    def load(self) -> None:
        """After unlocking: the schools and this year, then the report."""
        self._host.run(lambda s: (s.list_schools(), academic_year_start(s.clock.today())),
                       success=self._got_choices, failure=self._failed, parent=self)

    def _got_choices(self, found: tuple[list[Any], int]) -> None:
        schools, this_year = found
        for combo in (self.year, self.school):
            combo.blockSignals(True)
        year, school = self.year.currentData(), self.school.currentData()
        self.year.clear()
        for y in range(this_year, this_year - YEARS_SHOWN, -1):
            self.year.addItem(year_label(y), y)
        self.year.setCurrentIndex(max(0, self.year.findData(year)))
        self.school.clear()
        self.school.addItem("All schools", None)
        for s in schools:
            if s.member:
                self.school.addItem(s.name, s.name)
        self.school.setCurrentIndex(max(0, self.school.findData(school)))
        for combo in (self.year, self.school):
            combo.blockSignals(False)
        self.refresh()

    def choice(self) -> tuple[str, int | None, str | None]:
        return self.kind.currentData(), self.year.currentData(), self.school.currentData()

    def refresh(self) -> None:
        if self.year.count() == 0:
            return
        self._seq += 1
        seq = self._seq
        kind, year, school = self.choice()

        def done(found: Any) -> None:
            if seq == self._seq:
                self._show(found)

        def job(s: Any) -> tuple[Any, Any]:
            trend = (s.reports.exclusion_trend(year=year, school=school)
                     if kind == stats.EXCLUSIONS else None)
            return s.reports.report(kind, year=year, school=school), trend

        self._host.run(job, success=done, failure=self._failed, parent=self)

    def _show(self, found: tuple[Any, trends.ExclusionTrend | None]) -> None:
        report, self.trend = found
        self.report = report
        set_message(self.message, "")
        if isinstance(report, stats.ExclusionsReport):
            self.model.set_columns(EXCLUSION_COLUMNS, [*report.rows, *report.totals])
        elif isinstance(report, stats.MovesReport):
            self.model.set_columns(MOVES_COLUMNS, report.rows)
        else:
            self.model.set_columns(PLACEMENT_COLUMNS, report.placements)
        outcomes = isinstance(report, stats.OutcomesReport)
        self.measures.set_rows(measure_rows(report) if outcomes else [])
        self.measures_table.setVisible(outcomes)
        note = f"{report.label}: figures on {format_uk(report.on)}."
        if outcomes and report.quota_note:
            note += " " + report.quota_note
        self.note.setText(note + " " + NOT_ENCRYPTED)
        self._draw_charts()
        self._set_enabled(True)
        emit(self.loaded)

    def _draw_charts(self) -> None:
        if self.report is None:
            return
        school = self.school.currentData() or ""
        measure = self.measure.currentData()
        trend = self.trend
        for w in (self.trend_chart, self.measure, self.measure_label):
            w.setVisible(trend is not None)
        self.chart.set_bars(*chart_bars(self.report, school, trend, measure))
        if trend is not None:
            where = school or stats.ALL_SCHOOLS.lower()
            self.trend_chart.set_lines(
                f"{trends.MEASURES[measure]} by school, term by term ({where})",
                "Per 1,000 pupils on roll", trend.labels,
                trend_lines(trend, measure), short_unit="Per 1,000")
        else:
            self.trend_chart.clear()

    def _failed(self, exc: BaseException) -> None:
        set_message(self.message, error_text(exc))

    def _set_enabled(self, on: bool) -> None:
        self.csv_button.setEnabled(on)
        self.pdf_button.setEnabled(on)

    # -- exports ---------------------------------------------------------------------------
    def _ask_save_path(self, caption: str, name: str, pattern: str) -> str:
        path, _f = QFileDialog.getSaveFileName(self, caption, str(Path.home() / name), pattern)
        return path

    def export(self, fmt: str) -> None:
        kind, year, school = self.choice()
        label = year_label(year).replace("/", "-") if year else ""
        name = f"{kind}-report-{label}.{fmt}"
        caption = (f"Save the {kind} report as {fmt.upper()} (the file is NOT encrypted: "
                   "keep it secure)")
        pattern = "CSV files (*.csv)" if fmt == "csv" else "PDF files (*.pdf)"
        path = self.ask_save_path(caption, name, pattern)
        if not path:
            return
        out = Path(path)
        if out.suffix.lower() != f".{fmt}":
            out = out.with_name(out.name + f".{fmt}")
        if fmt == "csv":
            def job(s: Any) -> Any:
                return s.reports.write_csv(kind, out, year=year, school=school)
        else:
            def job(s: Any) -> Any:
                return s.reports.write_pdf([kind], out, year=year, school=school)

        def done(written: Any) -> None:
            set_message(self.message, f"Saved {out}. The file is not encrypted: keep it "
                        "secure and delete it when it is no longer needed.", "warning")
            emit(self.exported, written)

        self._host.run(job, success=done, failure=self._failed, parent=self)

    def clear(self) -> None:
        """On lock: drop the figures and the school names."""
        self._seq += 1
        self.report = None
        self.trend = None
        self.model.clear()
        self.measures.clear()
        self.chart.clear()
        self.trend_chart.clear()
        self.note.setText("")
        set_message(self.message, "")
        self._set_enabled(False)
