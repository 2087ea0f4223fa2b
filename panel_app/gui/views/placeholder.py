"""Pages for sections that a later version fills: they say what will come, and show
no sample data."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from panel_app.gui.theme import heading

PLANNED = {
    "Ladder": "Define the partnership's intervention ladder (for example Lincolnshire's "
              "Pastoral Support Plan, outreach and AP steps) and check each case's evidence "
              "against it before escalation.",
    "Proposals & moves": "Requests for AP or PRU places and managed moves between member "
                         "schools: admission and review meetings, dual registration and "
                         "outcomes.",
    "Quotas": "Each school's PRU place quota and the partnership budget: places used, "
              "places left and what going over costs.",
    "Meetings": "Panel meeting agendas, attendance, decisions and actions with owners, and "
                "minutes that show pupils by case reference only.",
    "Bundles": "Encrypted bundles that send a case only to the schools party to it, and "
               "merge the changes they send back.",
}


class PlaceholderPage(QWidget):
    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(title, parent=self))
        text = QLabel(PLANNED.get(title, ""))
        text.setWordWrap(True)
        text.setMaximumWidth(640)
        layout.addWidget(text)
        later = QLabel("This section is coming in a later version.")
        later.setProperty("role", "muted")
        layout.addWidget(later)
        layout.addStretch(1)
        layout.setAlignment(Qt.AlignmentFlag.AlignTop)
