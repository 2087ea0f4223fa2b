"""The exchange history: bundles sent and received, per partner, newest first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from panel_app.core.domain.wording import bundle_contents
from panel_app.gui.bundle_ui import human_size, table_view, uk_datetime
from panel_app.gui.models.bundle_table import BundleTableModel, Col, sorted_proxy

ALL = ""


HISTORY_COLUMNS = [
    Col("When", lambda h: uk_datetime(str(h["at"])), raw=lambda h: str(h["at"]), width=17),
    Col("Direction", lambda h: "Sent" if h["direction"] == "sent" else "Received",
        icon=lambda h: "sent" if h["direction"] == "sent" else "received", width=13),
    Col("Partner", lambda h: ", ".join(h["partners"]), width=38),
    Col("Number", lambda h: str(h["sequence"]), raw=lambda h: int(h["sequence"]), width=7,
        tip=lambda h: f"Bundle number {h['sequence']} of its sender"),
    Col("Scope", lambda h: "Full" if h["scope"] == "full" else "Changes only", width=12),
    Col("Size", lambda h: human_size(h.get("size")) or "—", raw=lambda h: h.get("size") or 0,
        tip=lambda h: "" if h.get("size") else "Received bundles are not kept", width=9),
    Col("Contents", bundle_contents),
]


def summary(rows: Sequence[dict[str, Any]], partner: str) -> str:
    if not rows:
        return "No bundles exchanged yet." if not partner else \
            f"No bundles exchanged with {partner} yet."
    sent = [h for h in rows if h["direction"] == "sent"]
    got = [h for h in rows if h["direction"] == "received"]
    parts = []
    for items, verb in ((sent, "sent"), (got, "received")):
        if items:
            last = max(items, key=lambda h: str(h["at"]))
            parts.append(f"{len(items)} {verb} (the last on {uk_datetime(str(last['at']))}, "
                         f"number {last['sequence']})")
        else:
            parts.append(f"none {verb}")
    who = f"With {partner}" if partner else "In all"
    return f"{who}: {'; '.join(parts)}."


class HistoryPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._all: list[dict[str, Any]] = []
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.partner = QComboBox()
        self.partner.setAccessibleName("History of partner")
        self.partner.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        label = QLabel("&Partner:")
        label.setBuddy(self.partner)
        row.addWidget(label)
        row.addWidget(self.partner)
        row.addStretch(1)
        layout.addLayout(row)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.model = BundleTableModel(HISTORY_COLUMNS, self)
        self.proxy = sorted_proxy(self.model)
        self.table = table_view(self.proxy, "Bundles sent and received")
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.DescendingOrder)
        layout.addWidget(self.table, 1)
        self.partner.currentIndexChanged.connect(lambda _i: self._filter())
        self.clear()

    def show_history(self, history: Sequence[dict[str, Any]]) -> None:
        self._all = list(history)
        current = self.partner.currentData()
        names = sorted({p for h in self._all for p in h["partners"]}, key=str.casefold)
        self.partner.blockSignals(True)
        self.partner.clear()
        self.partner.addItem("All partners", ALL)
        for name in names:
            self.partner.addItem(name, name)
        self.partner.setCurrentIndex(max(self.partner.findData(current), 0))
        self.partner.blockSignals(False)
        self._filter()

    def _filter(self) -> None:
        partner = self.partner.currentData() or ALL
        rows = [h for h in self._all if not partner or partner in h["partners"]]
        self.model.set_rows(rows)
        self.summary.setText(summary(rows, partner))

    def clear(self) -> None:
        self._all = []
        self.partner.blockSignals(True)
        self.partner.clear()
        self.partner.addItem("All partners", ALL)
        self.partner.blockSignals(False)
        self.model.clear()
        self.summary.setText("")
