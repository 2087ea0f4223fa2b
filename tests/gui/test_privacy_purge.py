"""Retention in Settings: the policy with its reasons, the cases due for review, and a
purge whose confirmation names the case and stays disabled until PURGE is typed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from panel_app.core.errors import NotFoundError
from panel_app.gui.dialogs.privacy_dialog import RETENTION_TAB
from panel_app.gui.dialogs.purge_confirm import PurgeConfirmDialog
from tests.gui.conftest import WAIT_MS, make_window
from tests.gui.privacy_support import OLD, on_worker, prepare
from tests.gui.test_accessibility import problems_in


def test_purge_needs_purge_typed_then_removes_the_case(qtbot: Any, host: Any, ctx: Any,
                                                        db_path: Path, no_keyring: Any,
                                                        clock: Any) -> None:
    refs = prepare(db_path, no_keyring, clock)
    window = make_window(qtbot, host, ctx, db_path)
    window.show_section("Settings")
    dialog = window.settings.open_privacy(RETENTION_TAB)
    panel = dialog.retention
    with qtbot.waitSignal(panel.loaded, timeout=WAIT_MS):
        pass
    assert dialog.tabs.currentWidget() is panel
    # the policy, each rule with its reason
    assert len(panel.rule_labels) == 3
    assert all("Why:" in label.text() for label in panel.rule_labels)
    assert "Limitation Act" in panel.rule_labels[0].text()
    # the review list: only the case closed in 2018
    assert [i.case_ref for i in panel.items] == [refs["old"]]
    assert panel.model.index(0, 0).data().startswith("⚠ ")
    assert panel.model.index(0, 2).data() == " ".join(OLD)

    panel.purge_selected_button.click()
    qtbot.waitUntil(lambda: panel.dialog is not None and panel.dialog.isVisible(),
                    timeout=WAIT_MS)
    confirm = panel.dialog
    assert isinstance(confirm, PurgeConfirmDialog)
    text = confirm.lines.toPlainText()
    assert refs["old"] in text and "Will remove" in text and refs["new"] not in text
    assert problems_in(confirm) == []
    assert not confirm.purge_button.isEnabled()
    qtbot.keyClicks(confirm.confirm_edit, "purge")  # wrong case
    assert not confirm.purge_button.isEnabled()
    confirm.accept()  # refused without the word
    assert confirm.isVisible()
    confirm.confirm_edit.clear()
    qtbot.keyClicks(confirm.confirm_edit, "PURG")
    assert not confirm.purge_button.isEnabled()
    qtbot.keyClicks(confirm.confirm_edit, "E")
    assert confirm.purge_button.isEnabled()
    with qtbot.waitSignal(panel.purged, timeout=WAIT_MS):
        qtbot.mouseClick(confirm.purge_button, Qt.MouseButton.LeftButton)
    qtbot.waitSignal(panel.loaded, timeout=WAIT_MS).wait()
    assert panel.items == [] and panel.model.rowCount() == 0
    assert "Removed" in panel.message.text()
    assert not panel.purge_all_button.isEnabled()
    # through the facade: the case is gone, the other one stays, a tombstone is audited
    assert isinstance(on_worker(qtbot, host, lambda s: s.get_case(refs["old"])),
                      NotFoundError)
    assert on_worker(qtbot, host, lambda s: s.get_case(refs["new"])).case_ref == refs["new"]
    purges = on_worker(qtbot, host, lambda s: s.privacy.audit_entries(action="purge"))
    assert [e.action for e in purges] == ["purge"]


def test_cancel_keeps_the_case(qtbot: Any, host: Any, ctx: Any, db_path: Path,
                               no_keyring: Any, clock: Any) -> None:
    refs = prepare(db_path, no_keyring, clock)
    window = make_window(qtbot, host, ctx, db_path)
    window.show_section("Settings")
    panel = window.settings.open_privacy(RETENTION_TAB).retention
    with qtbot.waitSignal(panel.loaded, timeout=WAIT_MS):
        pass
    panel.purge_all_button.click()
    qtbot.waitUntil(lambda: panel.dialog is not None, timeout=WAIT_MS)
    panel.dialog.cancel_button.click()
    qtbot.wait(50)
    assert panel.dialog is None
    assert on_worker(qtbot, host, lambda s: s.get_case(refs["old"])).case_ref == refs["old"]
