"""The partnership directory: partners' contact cards with their school, fingerprint and
status; export this installation's card, import a partner's (new or replacement) card
with the fingerprint check, revoke a card."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from panel_app.core.domain.models import School
from panel_app.gui.bundle_ui import (
    CARD_STATUS,
    seat_text,
    spaced_fingerprint,
    table_view,
    uk_datetime,
    uk_day,
)
from panel_app.gui.dialogs.bundle_export import (
    CARD_FILTER,
    PathChooser,
    choose_open_path,
    choose_save_path,
    slug,
)
from panel_app.gui.dialogs.card_import import CardImportDialog
from panel_app.gui.models.bundle_table import ROW_ROLE, BundleTableModel, Col, sorted_proxy
from panel_app.gui.qtcompat import emit
from panel_app.gui.worker import SessionHost, error_text

MAX_CARD_BYTES = 1_000_000
Confirm = Callable[[QWidget, str, str], bool]

DIRECTORY_COLUMNS = [
    Col("Partner", lambda p: p.label, width=38),
    Col("Belongs to", lambda p: seat_text(p.seat, p.school_name), width=24),
    Col("Fingerprint", lambda p: spaced_fingerprint(p.fingerprint), width=30),
    Col("Status", lambda p: CARD_STATUS.get(p.status, (p.status.capitalize(), ""))[0],
        raw=lambda p: ("active", "replaced", "revoked").index(p.status)
        if p.status in ("active", "replaced", "revoked") else 9,
        icon=lambda p: CARD_STATUS.get(p.status, ("", "muted"))[1],
        tip=lambda p: f"{p.status.capitalize()} since {uk_datetime(p.status_at)}"
        if p.status_at else "", width=11),
    Col("Added", lambda p: uk_day(p.added_at), raw=lambda p: p.added_at),
]


def _read_card(path: Path) -> bytes:
    if path.stat().st_size > MAX_CARD_BYTES:
        raise OSError(f"{path.name} is too large to be a contact card")
    return path.read_bytes()


class DirectoryPanel(QGroupBox):
    changed = Signal(object)  # the core's Changes (or a Partner after an import)
    message = Signal(str, str)  # text, role

    def __init__(self, host: SessionHost, confirm: Confirm,
                 parent: QWidget | None = None) -> None:
        super().__init__("Partnership directory", parent)
        self._host = host
        self.confirm = confirm
        self.choose_save: PathChooser = choose_save_path
        self.choose_open: PathChooser = choose_open_path
        self.folder = Path.home()
        self.own_label = "my"
        self.schools: list[School] = []
        self.loaded = False  # partners are shown (False again once locked)
        self.dialog: CardImportDialog | None = None
        layout = QVBoxLayout(self)
        explain = QLabel("Each partner's contact card holds the keys that bundles are encrypted "
                         "to and signed with. Import a card only after checking its fingerprint "
                         "with the partner by phone.")
        explain.setWordWrap(True)
        layout.addWidget(explain)
        self.empty = QLabel("No partners yet. To start, export your card and send it to the "
                            "other schools and the panel clerk, then import the card each of "
                            "them sends back.")
        self.empty.setWordWrap(True)
        self.empty.setProperty("role", "muted")
        self.empty.setVisible(False)
        layout.addWidget(self.empty)
        self.model = BundleTableModel(DIRECTORY_COLUMNS, self)
        self.proxy = sorted_proxy(self.model)
        self.table = table_view(self.proxy, "Partner cards")
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.export_card_button = QPushButton("Export &my card…")
        self.export_card_button.setToolTip("Save this installation's contact card to a file "
                                           "to send to partners")
        self.import_card_button = QPushButton("Import a &card…")
        self.import_card_button.setToolTip("Add a partner, or replace a partner's card with "
                                           "their new one (the old card stops being trusted)")
        self.revoke_button = QPushButton("&Revoke card…")
        self.revoke_button.setToolTip("Stop trusting the selected card (a lost laptop, a "
                                      "partner leaving)")
        for button in (self.export_card_button, self.import_card_button, self.revoke_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.export_card_button.clicked.connect(self.export_card)
        self.import_card_button.clicked.connect(self.import_card)
        self.revoke_button.clicked.connect(self.revoke)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update())
        self._update()

    def show_partners(self, partners: Sequence[Any], schools: Sequence[School],
                      own_label: str) -> None:
        selected = self.selected()
        self.schools = list(schools)
        self.own_label = own_label
        self.loaded = True
        self.model.set_rows(partners)
        self.empty.setVisible(not partners)
        for column in range(self.model.columnCount() - 1):  # a few rows: fit the text
            self.table.resizeColumnToContents(column)
        if selected is not None:
            for row in range(self.proxy.rowCount()):
                partner = self.proxy.index(row, 0).data(ROW_ROLE)
                if partner.fingerprint == selected.fingerprint:
                    self.table.selectRow(row)
        self._update()

    def selected(self) -> Any:
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().isSelected(index):
            return None
        return index.data(ROW_ROLE)

    def _update(self) -> None:
        partner = self.selected()
        self.revoke_button.setEnabled(partner is not None and partner.status != "revoked")

    # -- my card ---------------------------------------------------------------------------
    def export_card(self) -> None:
        proposed = self.folder / f"card-{slug(self.own_label)}.panelcard"
        path = self.choose_save(self, "Save this installation's contact card", str(proposed),
                                CARD_FILTER)
        if not path or not self.loaded:  # cancelled, or locked meanwhile
            return
        out = Path(path)
        if not out.suffix:
            out = out.with_suffix(".panelcard")
        self.folder = out.parent

        def done(_data: bytes) -> None:
            emit(self.message, f"Saved your card to {out}. Send it to each partner, then "
                               "read your fingerprint to them over the phone.", "ok")

        self._host.run(lambda s: s.bundles.export_card(out), success=done,
                       failure=self._failed, parent=self)

    # -- partners' cards -------------------------------------------------------------------
    def import_card(self) -> None:
        path = self.choose_open(self, "Import a partner's contact card", str(self.folder),
                                CARD_FILTER)
        if not path or not self.loaded:  # cancelled, or locked meanwhile
            return
        source = Path(path)
        self.folder = source.parent
        self._host.call(lambda: _read_card(source),
                        success=lambda data: self._card_read(data, source.name),
                        failure=lambda e: emit(self.message, f"Cannot read {source.name}: "
                                               f"{getattr(e, 'strerror', None) or e}.", "error"),
                        parent=self)

    def _card_read(self, data: bytes, name: str) -> None:
        self.show_card(data, name)

    def show_card(self, data: bytes, name: str) -> CardImportDialog:
        dialog = CardImportDialog(self._host, data, name, self.schools, self)
        self.dialog = dialog
        dialog.imported.connect(self._imported)
        dialog.finished.connect(lambda _r: self._dialog_closed(dialog))
        dialog.open()
        return dialog

    def _imported(self, partner: Any) -> None:
        emit(self.message, f"Imported the card of {partner.label}. You can now send bundles "
                           "to them and import theirs.", "ok")
        emit(self.changed, partner)

    def _dialog_closed(self, dialog: CardImportDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def revoke(self) -> None:
        partner = self.selected()
        if partner is None:
            return
        if not self.confirm(self, "Revoke card",
                            f"Revoke the card of {partner.label} "
                            f"({spaced_fingerprint(partner.fingerprint)})? Bundles signed with it "
                            "will be refused and nothing more will be encrypted to it. This "
                            "cannot be undone: they will need to send you a new card."):
            return
        fp = partner.fingerprint

        def done(revoked: Any) -> None:
            emit(self.message, f"Revoked the card of {revoked.label}.", "ok")
            emit(self.changed, revoked)

        self._host.run(lambda s: s.bundles.revoke(fp), success=done, failure=self._failed,
                       parent=self)

    def _failed(self, exc: BaseException) -> None:
        emit(self.message, error_text(exc), "error")

    def close_dialogs(self) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.reject()

    def clear(self) -> None:
        self.close_dialogs()
        self.model.clear()
        self.schools = []
        self.loaded = False
        self._update()
