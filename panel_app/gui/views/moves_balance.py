"""The Balance and rates tab: the send/receive balance per school (this year and all
time: partnerships watch the give and take) and the outcome rates of moves with their
numerator and denominator, overall or for the moves one school received."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from panel_app.core.domain.wording import plural
from panel_app.gui.models.records import RecordColumn, RecordTableModel
from panel_app.gui.proposal_bits import capital, compact
from panel_app.gui.qtcompat import emit
from panel_app.gui.views.meeting_forms import readonly_table
from panel_app.gui.worker import SessionHost, error_text


def _signed(n: int) -> str:
    return f"+{n}" if n > 0 else ("−" + str(-n) if n < 0 else "0")


BALANCE_COLUMNS = (
    RecordColumn("School", lambda b: b["name"]),
    RecordColumn("Sent this year", lambda b: str(b["this_year"]["sent"]),
                 lambda b: b["this_year"]["sent"]),
    RecordColumn("Received this year", lambda b: str(b["this_year"]["received"]),
                 lambda b: b["this_year"]["received"]),
    RecordColumn("Net this year", lambda b: _signed(b["this_year"]["net"]),
                 lambda b: b["this_year"]["net"]),
    RecordColumn("Sent, all time", lambda b: str(b["all_time"]["sent"]),
                 lambda b: b["all_time"]["sent"]),
    RecordColumn("Received, all time", lambda b: str(b["all_time"]["received"]),
                 lambda b: b["all_time"]["received"]),
    RecordColumn("Net, all time", lambda b: _signed(b["all_time"]["net"]),
                 lambda b: b["all_time"]["net"]),
)
RATE_COLUMNS = (
    RecordColumn("Outcome", lambda r: capital(r["label"])),
    RecordColumn("Moves", lambda r: str(r["numerator"]), lambda r: r["numerator"]),
    RecordColumn("Of moves ended", lambda r: str(r["denominator"]), lambda r: r["denominator"]),
    RecordColumn("Rate", lambda r: r["text"], lambda r: r["percent"] or 0.0),
)


def rate_rows(stats: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = [dict(v) for v in stats["rates"].values()]
    rows.append({**stats["moved_again"], "label": "moved again or to AP"})
    return rows


class BalancePage(QWidget):
    loaded = Signal()
    message = Signal(str, str)

    def __init__(self, host: SessionHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._host = host
        self._seq = 0
        self.report: dict[str, Any] | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        self.balance_title = QLabel("Send and receive balance")
        layout.addWidget(self.balance_title)
        self.balance_model = RecordTableModel(BALANCE_COLUMNS, self)
        self.balance = compact(readonly_table(
            self.balance_model, "Send and receive balance by school", stretch=0))
        layout.addWidget(self.balance, 3)
        note = QLabel("Net = received − sent: a positive number means the school took in more "
                      "pupils than it sent.")
        note.setWordWrap(True)
        note.setProperty("role", "muted")
        layout.addWidget(note)
        row = QHBoxLayout()
        self.rates_for = QComboBox()
        self.rates_for.setAccessibleName("Outcome rates for")
        self.rates_for.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        label = QLabel("Rates f&or:")
        label.setBuddy(self.rates_for)
        row.addWidget(label)
        row.addWidget(self.rates_for)
        self.totals = QLabel()
        self.totals.setWordWrap(True)
        row.addWidget(self.totals, 1)
        layout.addLayout(row)
        self.rates_model = RecordTableModel(RATE_COLUMNS, self)
        self.rates = compact(readonly_table(self.rates_model, "Outcome rates of moves",
                                            stretch=0))
        layout.addWidget(self.rates, 2)
        self.rates_for.currentIndexChanged.connect(lambda _i: self._show_rates())

    def refresh(self) -> None:
        self._seq += 1
        seq = self._seq

        def done(report: dict[str, Any]) -> None:
            if seq == self._seq:
                self.show_report(report)

        self._host.run(lambda s: s.moves.report(), success=done,
                       failure=lambda e: emit(self.message, error_text(e), "error"),
                       parent=self)

    def show_report(self, report: dict[str, Any]) -> None:
        self.report = report
        year = int(report["year"])
        self.balance_title.setText(f"Send and receive balance: this year ({year}/"
                                   f"{(year + 1) % 100:02d}) and all time")
        self.balance_model.set_rows(report["balance"])
        keep = self.rates_for.currentData()
        self.rates_for.blockSignals(True)
        self.rates_for.clear()
        self.rates_for.addItem("All moves", None)
        for name in sorted(report["by_receiving_school"]):
            self.rates_for.addItem(f"Moves received by {name}", name)
        self.rates_for.setCurrentIndex(max(self.rates_for.findData(keep), 0))
        self.rates_for.blockSignals(False)
        self._show_rates()
        emit(self.loaded)

    def _show_rates(self) -> None:
        if self.report is None:
            return
        name = self.rates_for.currentData()
        stats = self.report["overall"] if name is None else self.report[
            "by_receiving_school"][name]
        self.rates_model.set_rows(rate_rows(stats))
        self.totals.setText(f"{plural(stats['total'], 'move')}: {stats['running']} running, "
                            f"{stats['planned']} planned, {stats['ended']} ended (the rates "
                            "count the ended ones).")

    def clear(self) -> None:
        self._seq += 1
        self.report = None
        self.balance_model.clear()
        self.rates_model.clear()
        self.rates_for.clear()
        self.totals.setText("")
