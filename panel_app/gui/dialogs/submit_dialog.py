"""A small base for dialogs that send one change to the worker and stay open, showing
the core's messages under the fields, when it is refused.

``FormRows`` builds labelled rows (label with a mnemonic, buddy set, accessible name from
the label) each with an inline message line. ``SubmitDialog`` adds the message banner,
the Save and Cancel buttons and the worker round trip: subclasses give ``job()``, a
callable run as ``job(session)``; the dialog emits ``succeeded(result)`` and closes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from panel_app.core.domain.issues import Issue
from panel_app.core.errors import ValidationError
from panel_app.gui.qtcompat import emit
from panel_app.gui.theme import heading, message_label, set_message
from panel_app.gui.worker import SessionHost, error_text


def plain(text: str) -> str:
    """'&Started on:' -> 'Started on'."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip(":").strip()


class FormRows:
    """Rows of a QFormLayout, each with a message line under its editor."""

    def __init__(self, form: QFormLayout) -> None:
        self.form = form
        self.widgets: dict[str, QWidget] = {}
        self.messages: dict[str, QLabel] = {}
        self.labels: dict[str, QLabel] = {}

    def add(self, name: str, label_text: str, widget: QWidget,
            accessible: str | None = None) -> QWidget:
        label = QLabel(label_text)
        label.setBuddy(widget)
        widget.setAccessibleName(accessible or plain(label_text))
        message = message_label()
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(widget)
        column.addWidget(message)
        box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.form.addRow(label, box)
        self.widgets[name], self.messages[name], self.labels[name] = widget, message, label
        return widget

    def show_issues(self, issues: Iterable[Issue]) -> list[Issue]:
        """Put each issue under its field; return those that have no field here."""
        self.clear()
        rest: list[Issue] = []
        found: dict[str, list[Issue]] = {}
        for issue in issues:
            if issue.field in self.messages:
                found.setdefault(issue.field, []).append(issue)
            else:
                rest.append(issue)
        for name, listed in found.items():
            severity = "error" if any(i.severity == "error" for i in listed) else "warning"
            text = " ".join(i.message for i in listed)
            set_message(self.messages[name], text, severity)
            self.widgets[name].setAccessibleDescription(text)
        return rest

    def clear(self) -> None:
        for name, message in self.messages.items():
            set_message(message, "")
            self.widgets[name].setAccessibleDescription("")

    def first_with_message(self) -> QWidget | None:
        return next((self.widgets[n] for n, m in self.messages.items() if m.text()), None)


class SubmitDialog(QDialog):
    succeeded = Signal(object)  # the job's result (``QDialog.done`` is another thing)

    def __init__(self, host: SessionHost, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._host = host
        self.result_value: Any = None
        self.busy = False
        self._ordered = False
        self.setWindowTitle(title)
        self.layout_ = QVBoxLayout(self)
        self.title = heading(title, 1.15, self)
        self.layout_.addWidget(self.title)
        self.banner = message_label()
        self.layout_.addWidget(self.banner)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.rows = FormRows(self.form)
        self.body = QVBoxLayout()
        self.body.addLayout(self.form)
        self.layout_.addLayout(self.body)
        self.layout_.addStretch(1)  # spare height goes below the fields, not between them
        self.buttons = QWidget()
        row = QHBoxLayout(self.buttons)
        row.setContentsMargins(0, 0, 0, 0)
        row.addStretch(1)
        self.save_button = QPushButton("Save")
        self.save_button.setDefault(True)
        self.save_button.setToolTip("Save (Enter)")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Close without saving (Esc)")
        row.addWidget(self.save_button)
        row.addWidget(self.cancel_button)
        self.layout_.addWidget(self.buttons)
        self.save_button.clicked.connect(self.submit)
        self.cancel_button.clicked.connect(self.reject)

    def showEvent(self, event: QShowEvent) -> None:
        """The buttons were made first; put them last in the Tab order, after the fields."""
        if not self._ordered:
            self._ordered = True
            chain: list[QWidget] = []
            widget = self.nextInFocusChain()
            while widget is not None and widget is not self and len(chain) < 500:
                chain.append(widget)
                widget = widget.nextInFocusChain()
            fields = [w for w in chain if w not in (self.save_button, self.cancel_button)
                      and self.isAncestorOf(w) and w.focusPolicy() != Qt.FocusPolicy.NoFocus]
            if fields:
                QWidget.setTabOrder(fields[-1], self.save_button)
                QWidget.setTabOrder(self.save_button, self.cancel_button)
        super().showEvent(event)

    def job(self) -> Callable[[Any], Any] | None:
        """The change to run on the worker, or None (with messages shown) if the input
        is not complete enough to send."""
        raise TypeError(f"{type(self).__name__} must define job()")

    def submit(self) -> None:
        if self.busy:
            return
        set_message(self.banner, "")
        self.rows.clear()
        fn = self.job()
        if fn is None:
            return
        self.busy = True
        self.buttons.setEnabled(False)
        self._host.run(fn, success=self._succeeded, failure=self._failed, parent=self)

    def _succeeded(self, result: Any) -> None:
        self.busy = False
        self.buttons.setEnabled(True)
        self.result_value = result
        emit(self.succeeded, result)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self.buttons.setEnabled(True)
        if isinstance(exc, ValidationError):
            rest = self.rows.show_issues(exc.issues)
            errors = [i.message for i in rest if i.severity == "error"]
            if errors:
                set_message(self.banner, " ".join(errors))
            elif not rest:
                set_message(self.banner, "Correct the fields marked below, then save.")
            widget = self.rows.first_with_message()
            if widget is not None:
                widget.setFocus()
            return
        set_message(self.banner, error_text(exc))

    def show_error(self, name: str, text: str) -> None:
        """A message under field ``name`` found before sending (e.g. a required field)."""
        message = self.rows.messages[name]
        set_message(message, text)
        self.rows.widgets[name].setAccessibleDescription(text)
        self.rows.widgets[name].setFocus()
