"""Editing the retention policy (Settings > Retention and purge): each rule with its
default, reason and a spin box; Save goes through the worker, is recorded in the audit
trail, survives locking and unlocking, and the cases due for review follow; a value the
core refuses is shown under its rule and nothing is stored; Restore defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from panel_app.gui.dialogs.privacy_dialog import RETENTION_TAB
from tests.conftest import PASSPHRASE
from tests.gui.conftest import WAIT_MS, make_window
from tests.gui.privacy_support import on_worker, prepare
from tests.gui.test_accessibility import problems_in
from tests.gui.test_screenshot import ARTIFACTS


def open_retention(qtbot: Any, window: Any) -> Any:
    window.show_section("Settings")
    dialog = window.settings.open_privacy(RETENTION_TAB)
    with qtbot.waitSignal(dialog.retention.loaded, timeout=WAIT_MS):
        pass
    return dialog.retention


def relock(qtbot: Any, window: Any) -> None:
    """Lock the window, then unlock it with the passphrase: a new session on the file."""
    window.lock()
    qtbot.waitUntil(lambda: window.unlock_dialog is not None
                    and window.unlock_dialog.isVisible(), timeout=WAIT_MS)
    qtbot.keyClicks(window.unlock_dialog.passphrase, PASSPHRASE)
    with qtbot.waitSignal(window.cases.loaded, timeout=WAIT_MS):
        window.unlock_dialog.submit_passphrase()


def test_a_changed_rule_is_saved_audited_and_kept_after_unlocking(
        qtbot: Any, host: Any, ctx: Any, db_path: Path, no_keyring: Any, clock: Any) -> None:
    refs = prepare(db_path, no_keyring, clock)  # one case closed on 20/07/2018
    window = make_window(qtbot, host, ctx, db_path)
    panel = open_retention(qtbot, window)
    editor = panel.policy
    spins = editor.spins
    assert [spins[k].value() for k in ("closed_case_years", "max_age",
                                      "inactive_open_years")] == [6, 25, 3]
    assert (spins["closed_case_years"].minimum(), spins["closed_case_years"].maximum()) == (0,
                                                                                            40)
    assert spins["max_age"].maximum() == 40 and spins["inactive_open_years"].maximum() == 20
    assert "Limitation Act" in panel.rule_labels[0].text()
    assert [i.case_ref for i in panel.items] == [refs["old"]]
    assert problems_in(panel.window()) == []

    # 10 years after closure: the case closed in 2018 is no longer due
    spins["closed_case_years"].setFocus()
    spins["closed_case_years"].selectAll()
    qtbot.keyClicks(spins["closed_case_years"], "10")
    assert spins["closed_case_years"].value() == 10
    with qtbot.waitSignal(panel.loaded, timeout=WAIT_MS):
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert "Saved" in editor.message.text()
    assert panel.items == [] and panel.model.rowCount() == 0
    assert "No case is due" in panel.summary.text()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    panel.window().resize(1000, 760)
    qtbot.wait(20)
    assert panel.window().grab().save(str(ARTIFACTS / "retention-policy-editor.png"))
    entry = on_worker(qtbot, host, lambda s: s.privacy.audit_entries(
        action="retention_policy_set"))[0]
    assert entry.fields == ("closed_case_years",)
    assert entry.detail == {"closed_case_years": [6, 10]}

    # a new session on the file: the value persists, and so does the list
    relock(qtbot, window)
    panel = open_retention(qtbot, window)
    assert panel.policy.spins["closed_case_years"].value() == 10
    assert panel.items == []

    # Restore defaults fills the boxes; saving brings the case back into the list
    panel.policy.defaults_button.click()
    assert panel.policy.spins["closed_case_years"].value() == 6
    assert "save the policy" in panel.policy.message.text()
    with qtbot.waitSignal(panel.loaded, timeout=WAIT_MS):
        panel.policy.save_button.click()
    assert [i.case_ref for i in panel.items] == [refs["old"]]
    policy = on_worker(qtbot, host, lambda s: s.privacy.retention_policy())
    assert policy.closed_case_years == 6


def test_a_refused_value_is_explained_and_nothing_is_stored(
        qtbot: Any, host: Any, ctx: Any, db_path: Path, no_keyring: Any, clock: Any) -> None:
    refs = prepare(db_path, no_keyring, clock)
    window = make_window(qtbot, host, ctx, db_path)
    panel = open_retention(qtbot, window)
    editor = panel.policy
    editor.spins["closed_case_years"].setValue(1)  # allowed, but not saved: another is bad
    editor.spins["max_age"].setValue(3)  # below the core's 18
    editor.save_button.click()
    qtbot.waitUntil(lambda: editor.errors["max_age"].isVisible(), timeout=WAIT_MS)
    assert "18 to 40" in editor.errors["max_age"].text()
    assert not editor.errors["closed_case_years"].isVisible()
    assert "Nothing was saved" in editor.message.text()
    assert editor.spins["max_age"].hasFocus()
    policy = on_worker(qtbot, host, lambda s: s.privacy.retention_policy())
    assert (policy.closed_case_years, policy.max_age) == (6, 25)
    assert on_worker(qtbot, host, lambda s: s.privacy.audit_entries(
        action="retention_policy_set")) == []
    assert [i.case_ref for i in panel.items] == [refs["old"]]
    # 0 turns a rule off ("off" in the box) and is accepted; Return in the box saves
    editor.spins["max_age"].setValue(0)
    assert editor.spins["max_age"].text() == "off"
    with qtbot.waitSignal(panel.loaded, timeout=WAIT_MS):
        qtbot.keyClick(editor.spins["max_age"], Qt.Key.Key_Return)
    assert panel.window().isVisible()  # Return did not close the Privacy window
    assert not editor.errors["max_age"].isVisible()
    assert on_worker(qtbot, host, lambda s: s.privacy.retention_policy()).max_age == 0
