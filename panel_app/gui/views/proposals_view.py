"""The Proposals & moves section: the proposals board (by lifecycle state, filtered by
school and kind, with the chosen proposal's detail and its allowed steps), the moves
between schools (due ones flagged) and the send/receive balance with outcome rates.

Data are fetched on the worker when the section is first shown after an unlock, one tab
at a time; a change made on one tab marks the others to fetch again when shown.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from panel_app.core.domain.models import School
from panel_app.gui.context import AppContext
from panel_app.gui.qtcompat import emit
from panel_app.gui.theme import heading, message_label, set_message
from panel_app.gui.views.moves_balance import BalancePage
from panel_app.gui.views.moves_page import MovesPage
from panel_app.gui.views.proposal_board import BoardPage
from panel_app.gui.worker import SessionHost, error_text


class ProposalsView(QWidget):
    changed = Signal()  # proposals, moves or placements changed here (quotas may follow)

    def __init__(self, host: SessionHost, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._host = host
        self._seq = 0
        self._stale: set[int] = set()
        self.context_ready = False
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Proposals & moves", parent=self))
        self.message = message_label()
        layout.addWidget(self.message)
        self.board = BoardPage(host, ctx)
        self.moves = MovesPage(host, ctx)
        self.balance = BalancePage(host)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Proposals and moves pages")
        self.tabs.addTab(self.board, "&Board")
        self.tabs.addTab(self.moves, "Mo&ves")
        self.tabs.addTab(self.balance, "Balance and &rates")
        layout.addWidget(self.tabs, 1)
        self.pages = (self.board, self.moves, self.balance)
        for page in self.pages:
            page.message.connect(self.show_message)
        self.board.changed.connect(lambda _s: self._changed(0))
        self.moves.changed.connect(lambda _s: self._changed(1))
        self.tabs.currentChanged.connect(lambda _i: self._fetch_current())

    # -- loading ---------------------------------------------------------------------------
    def load(self) -> None:
        """After an unlock: fetch now if shown, else when first shown."""
        self.context_ready = False
        self._stale = {0, 1, 2}
        if self.isVisible():
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self._fetch_current()

    def refresh(self) -> None:
        """Schools and labels, then the current tab's data."""
        self._seq += 1
        seq = self._seq

        def done(result: tuple[list[School], dict[str, str]]) -> None:
            if seq != self._seq:
                return
            schools, labels = result
            members = [s for s in schools if s.member]
            self.board.set_context(members, labels)
            self.moves.set_context(members, labels)
            self.context_ready = True
            self._stale = {0, 1, 2}
            self._fetch_current()

        self._host.run(lambda s: (s.list_schools(), s.moves.labels()), success=done,
                       failure=lambda e: self.show_message(error_text(e), "error"), parent=self)

    def _fetch_current(self) -> None:
        if not self.context_ready:
            if self.isVisible() and self._host.is_open:
                self.refresh()
            return
        index = self.tabs.currentIndex()
        if index in self._stale:
            self._stale.discard(index)
            self.pages[index].refresh()

    def _changed(self, source: int) -> None:
        self._stale |= {0, 1, 2} - {source}
        emit(self.changed)

    def mark_stale(self) -> None:
        """Data shown here changed elsewhere: fetch again when next shown."""
        self._stale = {0, 1, 2}
        if self.isVisible():
            self._fetch_current()

    def show_message(self, text: str, role: str = "info") -> None:
        set_message(self.message, text, role)

    # -- locking ---------------------------------------------------------------------------
    def close_dialogs(self) -> None:
        self.board.close_dialogs()
        self.moves.close_dialogs()

    def clear(self) -> None:
        """On lock: drop every detail shown and close the dialogs."""
        self._seq += 1
        self.context_ready = False
        self._stale = {0, 1, 2}
        for page in self.pages:
            page.clear()
        set_message(self.message, "")


def make_proposals_view(host: SessionHost, window: Any) -> ProposalsView:
    """The factory for ``SECTION_VIEWS["Proposals & moves"]``."""
    return ProposalsView(host, window.ctx, window)
