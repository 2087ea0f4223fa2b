"""Every view and dialog: focusable widgets have accessible names, inputs have labels
with mnemonics, mnemonics do not clash, and the tab order follows the form."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTabWidget,
    QWidget,
)

from panel_app.gui.dialogs.case_form import CaseFormDialog
from panel_app.gui.dialogs.first_run import FirstRunDialog
from panel_app.gui.dialogs.new_partnership import NewPartnershipDialog
from panel_app.gui.dialogs.passphrase import ChangePassphraseDialog
from panel_app.gui.dialogs.recovery_key import RecoveryKeyDialog
from panel_app.gui.dialogs.unlock import UnlockDialog
from panel_app.gui.views.main_window import SECTIONS
from tests.gui.conftest import WAIT_MS

_MNEMONIC = re.compile(r"&([^&\s])")
_INPUTS = (QLineEdit, QComboBox, QAbstractSpinBox, QPlainTextEdit)


def accessible_name(widget: QWidget) -> str:
    iface = QAccessible.queryAccessibleInterface(widget)
    name = iface.text(QAccessible.Text.Name) if iface is not None else ""
    return (widget.accessibleName() or name or "").strip()


def focusable(top: QWidget) -> Iterator[QWidget]:
    for widget in [top, *top.findChildren(QWidget)]:
        if (widget.isVisible() and widget.focusPolicy() != Qt.FocusPolicy.NoFocus
                and widget.focusProxy() is None and widget.window() is top.window()):
            yield widget


def describe(widget: QWidget) -> str:
    text = widget.text() if isinstance(widget, QAbstractButton | QLabel) else ""
    return f"{type(widget).__name__}({widget.objectName() or text!r})"


def problems_in(top: QWidget) -> list[str]:
    """What a screen-reader or keyboard user would trip over in what is shown now."""
    found: list[str] = []
    shown = [w for w in [top, *top.findChildren(QWidget)]
             if w.isVisible() and w.window() is top.window()]
    for widget in focusable(top):
        if not accessible_name(widget):
            found.append(f"{describe(widget)} has no accessible name")
    buddies = {id(label.buddy()): label for label in top.findChildren(QLabel)
               if label.buddy() is not None}
    for widget in shown:
        if isinstance(widget, _INPUTS) and widget.focusProxy() is None:
            if isinstance(widget, QLineEdit) and isinstance(widget.parent(),
                                                            QComboBox | QAbstractSpinBox):
                continue
            label = buddies.get(id(widget))
            if label is None:
                found.append(f"{describe(widget)} ({accessible_name(widget)}) has no label "
                             "buddy")
            elif not _MNEMONIC.search(label.text()):
                found.append(f"label {label.text()!r} has no mnemonic")
    keys: list[str] = []
    for widget in shown:
        if (isinstance(widget, QLabel) and widget.buddy() is not None) or isinstance(
                widget, QAbstractButton | QGroupBox):
            text = widget.title() if isinstance(widget, QGroupBox) else widget.text()
            keys += [m.lower() for m in _MNEMONIC.findall(text)]
    menubar = getattr(top, "menuBar", None)
    if callable(menubar):
        keys += [m.lower() for a in top.menuBar().actions()
                 for m in _MNEMONIC.findall(a.text())]
    clashes = [k for k, n in Counter(keys).items() if n > 1]
    if clashes:
        found.append(f"mnemonics used twice: {sorted(clashes)}")
    return found


def check_tabs(tabs: QTabWidget, qtbot: Any) -> list[str]:
    found = []
    for i in range(tabs.count()):
        if tabs.isTabEnabled(i):
            tabs.setCurrentIndex(i)
            qtbot.wait(1)
            found += [f"[{tabs.tabText(i)}] {p}" for p in problems_in(tabs.window())]
    return found


def test_main_window_pages(qtbot: Any, demo_window: Any) -> None:
    found: list[str] = []
    for name in SECTIONS:
        demo_window.show_section(name)
        qtbot.wait(1)
        found += [f"[{name}] {p}" for p in problems_in(demo_window)]
    demo_window.lock()
    found += [f"[locked] {p}" for p in problems_in(demo_window)]
    assert found == []


def test_case_form(qtbot: Any, demo_window: Any) -> None:
    demo_window.cases.table.selectRow(0)
    form = demo_window.open_case(demo_window.cases.selected_case_id())
    qtbot.waitUntil(lambda: form.tabs.isEnabled() and form.case_id is not None
                    and form.tabs.isTabEnabled(form.notes_index), timeout=WAIT_MS)
    assert check_tabs(form.tabs, qtbot) == []
    form.force_close()


def test_case_form_tab_order_follows_the_fields(qtbot: Any, window: Any) -> None:
    form: CaseFormDialog = window.open_case(None)
    qtbot.waitUntil(form.tabs.isEnabled, timeout=WAIT_MS)
    order = ["first_name", "last_name", "dob", "upn", "gender", "year_group",
             "home_school_id", "sen_status", "primary_need", "social_care", "fsm"]
    widget = form.fields[order[0]].widget
    for name in order[1:]:
        widget = widget.nextInFocusChain()
        while (not widget.focusPolicy() & Qt.FocusPolicy.TabFocus or widget.focusProxy()
               or not widget.isVisible()):
            widget = widget.nextInFocusChain()
        assert widget is form.fields[name].widget, f"Tab after {name} goes elsewhere"
    form.force_close()


def test_unlock_dialog_both_pages(qtbot: Any, host: Any, ctx: Any, demo_path: Path) -> None:
    dialog = UnlockDialog(demo_path, host, ctx)
    qtbot.addWidget(dialog)
    dialog.start()
    qtbot.waitUntil(lambda: dialog.isVisible() and dialog.hint.isVisible(), timeout=WAIT_MS)
    found = problems_in(dialog)
    dialog.show_recovery_page()
    found += problems_in(dialog)
    assert found == []


@pytest.mark.parametrize("kind", ["first_run", "new", "recovery", "passphrase"])
def test_dialogs(qtbot: Any, host: Any, ctx: Any, kind: str) -> None:
    dialog: QWidget
    if kind == "first_run":
        dialog = FirstRunDialog(ctx)
    elif kind == "new":
        dialog = NewPartnershipDialog(host, ctx)
    elif kind == "recovery":
        dialog = RecoveryKeyDialog("ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345-6789", "Test")
    else:
        dialog = ChangePassphraseDialog(host, ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    found = problems_in(dialog)
    if kind == "first_run":
        dialog.open_existing(Path("/home/x/OneDrive/p.panel"))
        found += problems_in(dialog)
    assert found == []


def test_the_checker_catches_an_unnamed_icon_button(qtbot: Any) -> None:
    from PySide6.QtWidgets import QToolButton, QVBoxLayout

    top = QWidget()
    qtbot.addWidget(top)
    QVBoxLayout(top).addWidget(QToolButton())
    top.show()
    assert any("no accessible name" in p for p in problems_in(top))


def test_font_follows_the_system(demo_window: Any) -> None:
    base = QApplication.font().pointSizeF()
    assert demo_window.cases.search.font().pointSizeF() == base
