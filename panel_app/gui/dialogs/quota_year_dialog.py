"""Set (or change) a quota and budget year: places purchased, the cost of a place in
pounds, the envelope (default: funded places x cost, else places x cost) and the formula
that shares the places among member schools (equal shares, by roll, or by roll and FSM
with weights). ``session.quotas.set_year`` checks the figures (a negative cost, figures
that do not add up: messages under the fields, nothing stored)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from panel_app.core.domain.calendar import year_label
from panel_app.core.domain.quotas import FORMULA_LABELS, Formula, QuotaYear, format_gbp, parse_money
from panel_app.gui.dialogs.proposal_steps import Job
from panel_app.gui.dialogs.submit_dialog import SubmitDialog
from panel_app.gui.proposal_bits import capital
from panel_app.gui.worker import SessionHost

OFFERED = (Formula.EQUAL.value, Formula.ROLL.value, Formula.ROLL_FSM.value)


def pounds_text(pence: int) -> str:
    """63_000_000 -> '630,000' (as typed into a field in pounds)."""
    return format_gbp(pence).lstrip("£")


class QuotaYearDialog(SubmitDialog):
    def __init__(self, host: SessionHost, years: Mapping[int, QuotaYear], year: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(host, "Set the quota year", parent)
        self.years = dict(years)
        self.resize(560, 440)
        self.year = QComboBox()
        for number in sorted({*self.years, year - 1, year, year + 1}):
            set_ = " (set)" if number in self.years else ""
            self.year.addItem(f"{year_label(number)}{set_}", number)
        self.year.setCurrentIndex(max(self.year.findData(year), 0))
        self.places = QSpinBox()
        self.places.setRange(0, 100_000)
        self.cost = QLineEdit()
        self.cost.setPlaceholderText("17,500")
        self.funded = QSpinBox()
        self.funded.setRange(0, 100_000)
        self.funded.setSpecialValueText("Not used")
        self.envelope = QLineEdit()
        self.envelope.setPlaceholderText("Funded places (else places) × cost")
        self.formula = QComboBox()
        self.roll_weight = QDoubleSpinBox()
        self.fsm_weight = QDoubleSpinBox()
        for spin in (self.roll_weight, self.fsm_weight):
            spin.setRange(0.0, 100.0)
            spin.setDecimals(2)
            spin.setSingleStep(0.1)
        self.roll_weight.setValue(1.0)
        self.notes = QLineEdit()
        self.sums = QLabel()
        self.sums.setWordWrap(True)
        self.sums.setProperty("role", "muted")
        rows = self.rows
        rows.add("year", "&Year:", self.year, "School year")
        rows.add("places", "&Places purchased:", self.places)
        rows.add("cost_per_place", "&Cost per place (£):", self.cost,
                 "Cost per place in pounds a year")
        rows.add("funded_places", "F&unded places:", self.funded)
        rows.add("envelope", "&Envelope (£):", self.envelope, "Envelope in pounds a year")
        rows.add("formula", "F&ormula:", self.formula, "Allocation formula")
        rows.add("weights", "&Roll weight:", self.roll_weight)
        rows.add("fsm_weight", "FS&M weight:", self.fsm_weight, "FSM weight")
        rows.add("notes", "&Notes:", self.notes)
        self.form.addRow("", self.sums)
        self.save_button.setText("Set quota")
        self.year.currentIndexChanged.connect(lambda _i: self._year_changed())
        self.formula.currentIndexChanged.connect(lambda _i: self._formula_changed())
        for line in (self.cost, self.envelope):
            line.textChanged.connect(lambda _t: self.update_sums())
        for count in (self.places, self.funded):
            count.valueChanged.connect(lambda _v: self.update_sums())
        self._year_changed()

    def _year_changed(self) -> None:
        qy = self.years.get(int(self.year.currentData()))
        self.formula.blockSignals(True)
        self.formula.clear()
        offered = list(OFFERED) + ([Formula.MANUAL.value] if qy is not None
                                   and qy.formula == Formula.MANUAL.value else [])
        for value in offered:
            text = capital(FORMULA_LABELS[value])
            if value == Formula.MANUAL.value:
                text += " (keep this year's allocations)"
            self.formula.addItem(text, value)
        self.formula.blockSignals(False)
        if qy is not None:
            self.places.setValue(qy.places)
            self.cost.setText(pounds_text(qy.cost_per_place))
            self.funded.setValue(qy.funded_places or 0)
            self.envelope.setText(pounds_text(qy.envelope))
            self.formula.setCurrentIndex(max(self.formula.findData(qy.formula), 0))
            self.roll_weight.setValue(qy.roll_weight)
            self.fsm_weight.setValue(qy.fsm_weight)
            self.notes.setText(qy.notes)
        self._formula_changed()
        self.update_sums()

    def _formula_changed(self) -> None:
        weighted = self.formula.currentData() == Formula.ROLL_FSM.value
        for name in ("weights", "fsm_weight"):
            self.form.setRowVisible(self.rows.labels[name], weighted)

    def update_sums(self) -> str:
        """The money the figures give, as the core will count it."""
        try:
            cost = parse_money(self.cost.text()) if self.cost.text().strip() else None
            env = parse_money(self.envelope.text()) if self.envelope.text().strip() else None
        except ValueError:
            cost = env = None
        text = ""
        if cost is not None:
            places = self.places.value()
            if env is None:
                env = (self.funded.value() or places) * cost
            committed = places * cost
            text = (f"Envelope {format_gbp(env)}; {places} places cost "
                    f"{format_gbp(committed)}; {format_gbp(env - committed)} left for other "
                    "programmes (before any carry-over from last year and charges).")
            if committed > env:
                text = "⚠ " + text + " The places cost more than the envelope."
        self.sums.setText(text)
        return text

    def job(self) -> Job:
        year = int(self.year.currentData())
        places, cost = self.places.value(), self.cost.text().strip()
        envelope = self.envelope.text().strip() or None
        funded = self.funded.value() or None
        formula = str(self.formula.currentData())
        roll, fsm, notes = self.roll_weight.value(), self.fsm_weight.value(), \
            self.notes.text().strip()
        if formula == Formula.ROLL.value:
            roll, fsm = 1.0, 0.0
        qy = self.years.get(year)
        manual: dict[str, Any] | None = dict(qy.allocations) if (
            qy is not None and formula == Formula.MANUAL.value) else None
        if not cost:
            self.show_error("cost_per_place", "Give the yearly cost of one place in pounds "
                            "(for example 17,500).")
            return None
        return lambda s: s.quotas.set_year(
            year, places=places, cost_per_place=cost, envelope=envelope, funded_places=funded,
            formula=formula, roll_weight=roll, fsm_weight=fsm, allocations=manual, notes=notes)
