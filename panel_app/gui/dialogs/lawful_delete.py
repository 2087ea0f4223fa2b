"""Lawful deletion of one record from where it is shown (an exclusion or attendance
record, a note, a document, a ladder evidence record): the deletion is planned on the
worker, the purge confirmation names what will go and what stays on the case and asks for
the reason, then the record is purged (``session.privacy.purge``) and the caller shows the
rest. Each list gets the same button (``lawful_button``, Alt+L) and the same "select a
record first" handling (``LawfulDeletion.start_selected``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QLabel, QPushButton, QTableView, QWidget

from panel_app.core.services.privacy import PurgePlan, PurgeResult
from panel_app.gui.dialogs.purge_confirm import PurgeConfirmDialog
from panel_app.gui.theme import set_message
from panel_app.gui.worker import SessionHost, error_text


def lawful_button(tooltip: str) -> QPushButton:
    """The "Delete lawfully…" button of a list (Alt+L on every tab that has one)."""
    button = QPushButton("Delete &lawfully…")
    button.setToolTip(tooltip)
    return button


def selected_row(table: QTableView) -> Any:
    """The row object selected in ``table`` (a ``RecordTableModel``'s), or None: the
    current row counts only while it is selected, so nothing is deleted by accident."""
    index = table.currentIndex()
    if not (index.isValid() and table.selectionModel().isSelected(index)):
        return None
    return table.model().record(index.row())  # type: ignore[attr-defined]


class LawfulDeletion:
    """One per list that offers "Delete lawfully…"; ``dialog`` is the confirmation open
    now (tests reach it there)."""

    def __init__(self, host: SessionHost, owner: QWidget, message: QLabel,
                 done: Callable[[PurgeResult], None]) -> None:
        self._host = host
        self._owner = owner
        self._message = message
        self._done = done
        self.dialog: PurgeConfirmDialog | None = None

    def start(self, record: str) -> None:
        """Plan the deletion of ``record`` (``KIND:ID``) and ask for confirmation."""
        set_message(self._message, "")
        self._host.run(lambda s: s.privacy.plan_deletion(record, reason=None),
                       success=self._confirm, failure=self._failed, parent=self._owner)

    def start_selected(self, table: QTableView, kind: str, prompt: str,
                       record_id: Callable[[Any], str] = lambda row: str(row.id)) -> bool:
        """Plan the deletion of the record selected in ``table`` (``kind:ID``); with none
        selected, say ``prompt`` and put the focus on the list."""
        row = selected_row(table)
        if row is None:
            set_message(self._message, prompt)
            table.setFocus()
            return False
        self.start(f"{kind}:{record_id(row)}")
        return True

    def _confirm(self, plan: PurgePlan) -> None:
        dialog = PurgeConfirmDialog(plan, self._owner)
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._apply(dialog.plan, dialog.remove_backups()))
        dialog.finished.connect(lambda _r: self._closed(dialog))
        dialog.open()

    def _closed(self, dialog: PurgeConfirmDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def _apply(self, plan: PurgePlan, remove_backups: bool) -> None:
        set_message(self._message, "Deleting… the database file is being rewritten.",
                    "muted")

        def applied(result: PurgeResult) -> None:
            set_message(self._message, result.message, "ok")
            self._done(result)

        self._host.run(lambda s: s.privacy.purge(plan, remove_backups=remove_backups),
                       success=applied, failure=self._failed, parent=self._owner)

    def _failed(self, exc: BaseException) -> None:
        set_message(self._message, error_text(exc))

    def close(self) -> None:
        """The list is closing or locking: no confirmation stays open with pupil data."""
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.reject()
