"""Bundles section: this installation's identity and school, the directory of contact
cards (import with the fingerprint confirmation, export of our card), the export of a
bundle (recipients, scope, file, size and its warning), history, models and locking."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from PySide6.QtCore import Qt

from panel_app.gui.bundle_ui import spaced_fingerprint
from panel_app.gui.dialogs.bundle_export import ExportBundleDialog
from panel_app.gui.dialogs.card_import import CardImportDialog
from panel_app.gui.views.bundles_history import HistoryPanel
from tests.gui.bundles_support import Pair, make_pair, on_worker, open_bundles
from tests.gui.conftest import WAIT_MS


@pytest.fixture
def strangers(_template_db: Path, tmp_path: Path, no_keyring: Any, clock: Any) -> Any:
    """Two installations that have not exchanged cards yet."""
    p = make_pair(_template_db, tmp_path, no_keyring, clock, introduced=False)
    yield p
    p.close_a()
    p.b.session.lock()


def test_identity_shows_the_fingerprint_and_sets_the_school(qtbot: Any, host: Any, ctx: Any,
                                                            strangers: Pair) -> None:
    _window, view = open_bundles(qtbot, host, ctx, strangers)
    identity = view.state.identity
    panel = view.identity
    assert identity.seat == "panel" and panel.school.currentText() == "Panel (clerk's) seat"
    assert panel.who.text() == f"This installation: {identity.label}."
    groups = identity.fingerprint.split("-")
    assert panel.fingerprint.text() == "  ".join(groups) and len(groups) == 5
    assert panel.fingerprint.accessibleName().startswith(f"Fingerprint {' '.join(groups[0])},")
    panel.school.setCurrentIndex(panel.school.findText("Oakfield Academy"))
    with qtbot.waitSignal(view.loaded, timeout=WAIT_MS):
        panel.set_button.click()
    assert "now belongs to Oakfield Academy" in view.status_text.text()
    assert "Oakfield Academy" in panel.who.text()
    assert on_worker(qtbot, host, lambda s: s.bundles.own_seat())[0] == "school"


def test_card_import_requires_the_fingerprint_confirmation(qtbot: Any, host: Any, ctx: Any,
                                                           strangers: Pair) -> None:
    card = strangers.folder / "riverside.panelcard"
    strangers.b.b.export_card(card)
    b_fp = strangers.b.b.identity().fingerprint
    _window, view = open_bundles(qtbot, host, ctx, strangers)
    directory = view.directory
    assert directory.model.rowCount() == 0
    directory.choose_open = lambda *_a: str(card)
    directory.import_card_button.click()
    qtbot.waitUntil(lambda: directory.dialog is not None and directory.dialog.check is not None,
                    timeout=WAIT_MS)
    dialog = directory.dialog
    assert isinstance(dialog, CardImportDialog)
    assert dialog.fingerprint.text() == spaced_fingerprint(b_fp)  # to read out
    assert "Riverside School" in dialog.about.text()
    assert not dialog.import_button.isEnabled()
    dialog.import_card()  # without the confirmation: nothing happens
    assert not dialog.import_button.isEnabled() and dialog.isVisible()
    assert on_worker(qtbot, host, lambda s: s.bundles.directory()) == []

    dialog.confirm.setChecked(True)
    assert dialog.import_button.isEnabled()
    with qtbot.waitSignal(view.loaded, timeout=WAIT_MS):
        dialog.import_button.click()
    [partner] = directory.model.rows()
    assert (partner.fingerprint, partner.status) == (b_fp, "active")
    assert "Imported the card of" in view.status_text.text()
    fp_col = [c.header for c in directory.model.columns].index("Fingerprint")
    assert directory.model.index(0, fp_col).data() == spaced_fingerprint(b_fp)


def test_the_school_of_a_card_can_be_chosen(qtbot: Any, host: Any,
                                                            ctx: Any, strangers: Pair) -> None:
    card = strangers.folder / "riverside.panelcard"
    strangers.b.b.export_card(card)
    _window, view = open_bundles(qtbot, host, ctx, strangers)
    dialog = view.directory.show_card(card.read_bytes(), card.name)
    qtbot.waitUntil(lambda: dialog.check is not None, timeout=WAIT_MS)
    dialog.school.setCurrentIndex(dialog.school.findText("Panel (clerk's) seat"))
    qtbot.waitUntil(lambda: dialog.check is not None, timeout=WAIT_MS)
    assert dialog.check.seat == "panel" and "Panel (clerk's) seat" in dialog.about.text()
    dialog.reject()


def test_export_my_card(qtbot: Any, host: Any, ctx: Any, strangers: Pair) -> None:
    _window, view = open_bundles(qtbot, host, ctx, strangers)
    target = strangers.folder / "mine"
    captions: list[str] = []
    view.directory.choose_save = lambda _p, caption, *_a: captions.append(caption) or str(target)
    view.directory.export_card_button.click()
    qtbot.waitUntil(lambda: view.status.isVisible(), timeout=WAIT_MS)
    saved = target.with_suffix(".panelcard")
    assert saved.exists() and str(saved) in view.status_text.text()
    check = strangers.b.b.check_card(saved.read_bytes())
    assert check.fingerprint == view.state.identity.fingerprint
    own = view.directory.show_card(saved.read_bytes(), saved.name)  # refused, clearly
    qtbot.waitUntil(own.message.isVisible, timeout=WAIT_MS)
    assert "this installation's own card" in own.message.text()
    assert own.fingerprint.text() == "" and not own.confirm.isEnabled()
    own.reject()


def test_export_a_bundle_for_a_partner(qtbot: Any, host: Any, ctx: Any, pair: Pair,
                                       qtmodeltester: Any) -> None:
    assert pair.a is not None
    case = pair.a.session.create_case(
        {"first_name": "Cal", "last_name": "Dunn", "dob": "01/09/2012", "year_group": "Y9",
         "home_school_id": "RIV", "upn": ""}).case
    window, view = open_bundles(qtbot, host, ctx, pair)
    dialog = view.export_bundle()
    assert isinstance(dialog, ExportBundleDialog)
    assert dialog.recipients.count() == 1 and dialog.by_card.isChecked()
    dialog.export()
    assert "Tick at least one recipient" in dialog.message.text()
    dialog.recipients.item(0).setCheckState(Qt.CheckState.Checked)
    assert "encrypted for Riverside School" in dialog.for_whom.text()
    captions: list[str] = []
    target = pair.folder / "out.panelbundle"
    dialog.choose_path = lambda _p, caption, proposed, _f: captions.append(
        f"{caption}|{proposed}") or str(target)
    with qtbot.waitSignal(dialog.exported, timeout=WAIT_MS):
        dialog.export_button.click()
    assert captions[0].startswith("Save the bundle, encrypted for Riverside School")
    assert captions[0].endswith("-2026-11-22.panelbundle")
    assert dialog.outcome.text().startswith("Saved out.panelbundle (")
    assert " kB)" in dialog.outcome.text() or " bytes)" in dialog.outcome.text()
    assert "Warning" not in dialog.outcome.text()
    dialog.close_button.click()
    qtbot.waitUntil(lambda: view.history.model.rowCount() == 1, timeout=WAIT_MS)
    qtmodeltester.check(view.history.model)
    qtmodeltester.check(view.directory.model)
    assert "1 sent" in view.history.summary.text()
    preview = pair.b.b.open_bundle(target)
    assert case.case_ref in preview.new_cases
    # the passphrase choice is for one partner without a card, always a full bundle
    dialog = view.export_bundle()
    dialog.by_passphrase.setChecked(True)
    assert not dialog.since_last.isEnabled() and dialog.full.isChecked()
    assert "protected by the passphrase" in dialog.for_whom.text()
    dialog.passphrase.setText("one two three four")
    dialog.repeat.setText("one two three five")
    dialog.export()
    assert "not the same" in dialog.message.text()
    dialog.reject()
    window.close()


def test_a_large_bundle_warns(qtbot: Any, host: Any, ctx: Any, pair: Pair) -> None:
    _window, view = open_bundles(qtbot, host, ctx, pair)
    dialog = view.export_bundle()
    warning = "The bundle is 12.5 MB, more than many mail systems accept (10 MB): ..."
    result = SimpleNamespace(path=pair.folder / "big.panelbundle", size=12_500_000, sequence=4,
                             scope="full", counts={"records": {"case": 3}, "documents": 9},
                             recipients=["Riverside School"], warning=warning)
    dialog._done(result)
    assert "(12.5 MB)" in dialog.outcome.text() and f"Warning: {warning}" in dialog.outcome.text()
    assert view.status_headline.text() == "The bundle is large"
    dialog.reject()


def test_history_per_partner_newest_first(qtbot: Any, qtmodeltester: Any) -> None:
    panel = HistoryPanel()
    qtbot.addWidget(panel)
    history = [
        {"direction": "sent", "bundle_id": "x1", "sequence": 1, "at": "2026-11-20T10:00:00",
         "scope": "full", "partners": ["Oakfield", "Riverside"], "size": 2048,
         "counts": {"records": {"case": 2, "pupil": 2}, "documents": 1}},
        {"direction": "received", "bundle_id": "y1", "sequence": 7,
         "at": "2026-11-21T09:00:00", "scope": "incremental", "partners": ["Riverside"],
         "size": None, "counts": {"new_records": 1, "changed_fields": 3, "conflicts": 1}},
        {"direction": "sent", "bundle_id": "x2", "sequence": 2, "at": "2026-11-22T08:00:00",
         "scope": "incremental", "partners": ["Oakfield"], "size": 12_000_000,
         "counts": {"records": {"case": 1}}},
    ]
    panel.show_history(history)
    qtmodeltester.check(panel.model)
    column = [c.header for c in panel.model.columns]
    when = [panel.proxy.index(r, 0).data() for r in range(panel.proxy.rowCount())]
    assert when == ["22/11/2026 08:00", "21/11/2026 09:00", "20/11/2026 10:00"]
    assert panel.proxy.index(1, column.index("Direction")).data() == "Received"
    assert panel.proxy.index(1, column.index("Contents")).data() == \
        "1 new record, 3 changed fields, 1 conflict"
    assert panel.proxy.index(0, column.index("Size")).data() == "12.0 MB"
    assert [panel.partner.itemText(i) for i in range(panel.partner.count())] == [
        "All partners", "Oakfield", "Riverside"]
    panel.partner.setCurrentIndex(2)
    assert panel.model.rowCount() == 2
    assert panel.summary.text() == ("With Riverside: 1 sent (the last on 20/11/2026 10:00, "
                                    "number 1); 1 received (the last on 21/11/2026 09:00, "
                                    "number 7).")


def test_lock_clears_the_view_and_closes_dialogs(qtbot: Any, host: Any, ctx: Any,
                                                 pair: Pair) -> None:
    window, view = open_bundles(qtbot, host, ctx, pair)
    dialog = view.export_bundle()
    assert dialog is not None and view.directory.model.rowCount() == 1
    window.lock()
    assert view.dialog is None and not dialog.isVisible()
    assert view.directory.model.rowCount() == 0 and view.identity.fingerprint.text() == ""
    assert view.state is None
    window.unlock_dialog.close()


def test_shortcuts_open_export_and_import(qtbot: Any, host: Any, ctx: Any,
                                          pair: Pair) -> None:
    window, view = open_bundles(qtbot, host, ctx, pair)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)
    assert "(Ctrl+E)" in view.export_button.toolTip()
    assert "(Ctrl+I)" in view.import_button.toolTip()
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert isinstance(view.dialog, ExportBundleDialog)
    view.dialog.reject()
    qtbot.waitUntil(lambda: view.dialog is None, timeout=WAIT_MS)
    asked: list[str] = []
    view.choose_open = lambda _p, caption, *_a: asked.append(caption) or ""
    qtbot.keyClick(window, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    assert asked == ["Import a bundle from a partner"]
    window.show_section("Cases")  # elsewhere, the keys do nothing here
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert view.dialog is None
