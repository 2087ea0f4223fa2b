"""Bundles section: every tab, dialog and state passes the accessibility walk of
test_accessibility.py (accessible names, label buddies with mnemonics, no clashes)."""

from __future__ import annotations

from typing import Any

from panel_app.gui.dialogs.bundle_passphrase import BundlePassphraseDialog
from panel_app.gui.dialogs.bundle_preview import ImportPreviewDialog
from tests.gui.bundles_support import Pair, import_file, open_bundles, tick
from tests.gui.conftest import WAIT_MS
from tests.gui.test_accessibility import check_tabs, problems_in


def test_bundles_view_dialogs_and_states(qtbot: Any, host: Any, ctx: Any, pair: Pair,
                                         clock: Any) -> None:
    case = pair.b_case("Ann", "Lee", 1)
    assert pair.a is not None
    pair.a.b.apply(pair.a.b.open_bundle(pair.b_bundle("b1")))
    tick(pair, clock)
    pair.a.session.update_case(case.id, {"summary": "Panel's summary"})
    pair.b.session.update_case(case.id, {"summary": "Riverside's", "risk": "red"})
    pair.b_case("Bea", "Cole", 2)
    bundle = pair.b_bundle("b2")
    card = pair.folder / "b.panelcard"
    pair.b.b.export_card(card)
    window, view = open_bundles(qtbot, host, ctx, pair)
    found: list[str] = []

    export = view.export_bundle()
    qtbot.waitUntil(export.isVisible, timeout=WAIT_MS)
    found += [f"[export] {p}" for p in problems_in(export)]
    export.by_passphrase.setChecked(True)
    found += [f"[export, passphrase] {p}" for p in problems_in(export)]
    export.reject()
    qtbot.waitUntil(lambda: view.dialog is None, timeout=WAIT_MS)

    ask = BundlePassphraseDialog("x.panelbundle", view)
    ask.show()
    found += [f"[passphrase] {p}" for p in problems_in(ask)]
    ask.reject()

    card_dialog = view.directory.show_card(card.read_bytes(), card.name)
    qtbot.waitUntil(lambda: card_dialog.check is not None, timeout=WAIT_MS)
    found += [f"[card] {p}" for p in problems_in(card_dialog)]
    card_dialog.reject()

    import_file(qtbot, view, bundle)
    preview = view.dialog
    assert isinstance(preview, ImportPreviewDialog)
    found += [f"[preview] {p}" for p in check_tabs(preview.tabs, qtbot)]
    with qtbot.waitSignal(view.loaded, timeout=WAIT_MS):
        preview.accept_button.click()

    view.show_status("Older bundle.", "error", "An older bundle: refused as a replay")
    view.reapply_button.show()
    found += [f"[view] {p}" for p in check_tabs(view.tabs, qtbot)]
    view.tabs.setCurrentIndex(view.conflicts_index)
    view.conflicts.value_buttons.hide()  # the choices for a deleted-or-kept record
    view.conflicts.delete_buttons.show()
    found += [f"[conflicts, deletion] {p}" for p in problems_in(window)]
    assert found == []
