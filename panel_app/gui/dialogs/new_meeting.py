"""Add a panel meeting, or a series of them (fortnightly by default, skipping school
holidays, the venue rotating among member schools), through ``session.meetings``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QSpinBox, QWidget

from panel_app.core.domain.dates import format_uk
from panel_app.gui.dialogs.submit_dialog import SubmitDialog
from panel_app.gui.worker import SessionHost


class NewMeetingDialog(SubmitDialog):
    def __init__(self, host: SessionHost, schools: list[tuple[str, str]], today: Any,
                 parent: QWidget | None = None) -> None:
        super().__init__(host, "New meeting", parent)
        self.resize(520, 420)
        self.date = QLineEdit(format_uk(today))
        self.date.setPlaceholderText("dd/mm/yyyy")
        self.time = QLineEdit()
        self.time.setPlaceholderText("the partnership's usual time, e.g. 09:30")
        self.venue = QComboBox()
        self.venue.addItem("Next school in the rotation", None)
        for school_id, name in schools:
            self.venue.addItem(name, school_id)
        self.chair = QLineEdit()
        self.chair.setPlaceholderText("a name from the people list (optional)")
        self.clerk = QLineEdit()
        self.clerk.setPlaceholderText("a name from the people list (optional)")
        self.count = QSpinBox()
        self.count.setRange(1, 60)
        self.count.setToolTip("More than one adds a series; each date that is not a school "
                              "day is skipped and listed")
        self.every = QSpinBox()
        self.every.setRange(7, 56)
        self.every.setValue(14)
        self.every.setSuffix(" days")
        self.holiday = QCheckBox("Allow a date in a school &holiday")
        self.holiday.setAccessibleName("Allow a date in a school holiday")
        self.rows.add("date", "&Date:", self.date, "Meeting date")
        self.rows.add("time", "&Time:", self.time, "Start time")
        self.rows.add("venue", "&Venue:", self.venue)
        self.rows.add("chair", "C&hair:", self.chair)
        self.rows.add("clerk", "C&lerk:", self.clerk)
        self.rows.add("count", "&Number of meetings:", self.count)
        self.rows.add("every_days", "&Every:", self.every, "Days between meetings")
        self.body.addWidget(self.holiday)
        self.date.setFocus()

    def job(self) -> Callable[[Any], Any] | None:
        on = self.date.text().strip()
        if not on:
            self.show_error("date", "Give the meeting date (dd/mm/yyyy).")
            return None
        venue_id = self.venue.currentData()
        options = {
            "time": self.time.text().strip() or None,
            "venue": self.venue.currentText() if venue_id else None,
            "chair": self.chair.text().strip() or None,
            "clerk": self.clerk.text().strip() or None,
            "allow_holiday": self.holiday.isChecked(),
        }
        count, every = self.count.value(), self.every.value()
        if count == 1:
            return lambda s: s.meetings.add_meeting(on, **options)
        return lambda s: s.meetings.add_series(on, count=count, every_days=every, **options)
