"""Bundles section: importing a partner's bundle with its preview (accept and cancel),
and the refusals: tampered, replayed (with the explicit re-apply), missing an earlier
bundle, revoked sender. A refused or cancelled import leaves the database unchanged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from panel_app.gui.dialogs.bundle_passphrase import BundlePassphraseDialog
from panel_app.gui.dialogs.bundle_preview import ImportPreviewDialog
from tests.gui.bundles_support import (
    Pair,
    a_dump,
    import_file,
    on_worker,
    open_bundles,
)
from tests.gui.conftest import WAIT_MS


def test_import_shows_a_preview_and_accept_applies_it(qtbot: Any, host: Any, ctx: Any,
                                                      pair: Pair, qtmodeltester: Any) -> None:
    case = pair.b_case("Ann", "Lee", 1)
    pair.b.session.add_note(case.id, "first note")
    bundle = pair.b_bundle("b1")
    window, view = open_bundles(qtbot, host, ctx, pair)
    assert window.cases.model.row_of_case(case.id) < 0

    import_file(qtbot, view, bundle)
    dialog = view.dialog
    assert isinstance(dialog, ImportPreviewDialog)
    assert dialog.windowTitle() == "Import b1.panelbundle"
    new = [(r.kind, r.record) for r in dialog.rows["new"]]
    assert ("Case", case.case_ref) in new and ("Note", "first note") not in new
    assert new[0] == ("Case", case.case_ref)  # cases first
    assert dialog.tabs.tabText(0) == f"New records ({len(new)})"
    assert dialog.summary.text() == \
        "From Riverside School (Test Clerk): 1 new case and 2 other new records."
    for model in dialog.models.values():
        qtmodeltester.check(model)

    with qtbot.waitSignal(window.cases.loaded, timeout=WAIT_MS):
        dialog.accept_button.click()
    assert window.cases.model.row_of_case(case.id) >= 0  # in the case list
    assert view.dialog is None
    assert view.status_text.text() == \
        "Imported. From Riverside School (Test Clerk): 1 new case and 2 other new records."
    qtbot.waitUntil(lambda: view.history.model.rowCount() == 1, timeout=WAIT_MS)
    [row] = view.history.model.rows()
    assert row["direction"] == "received" and row["sequence"] == 1
    got = on_worker(qtbot, host, lambda s: s.get_case(case.id))
    assert [n.text for n in got.notes] == ["first note"]


def test_changed_fields_show_old_and_new_and_cancel_changes_nothing(
        qtbot: Any, host: Any, ctx: Any, pair: Pair) -> None:
    case = pair.b_case("Ann", "Lee", 1)
    assert pair.a is not None
    pair.a.b.apply(pair.a.b.open_bundle(pair.b_bundle("b1")))
    pair.b.session.update_case(case.id, {"risk": "red"})
    bundle = pair.b_bundle("b2")
    _window, view = open_bundles(qtbot, host, ctx, pair)
    before = a_dump(qtbot, host)

    import_file(qtbot, view, bundle)
    dialog = view.dialog
    assert isinstance(dialog, ImportPreviewDialog)
    changed = [(r.record, r.field, r.old, r.new) for r in dialog.rows["changed"]]
    assert (case.case_ref, "Risk", "● Green", "▲ Red") in changed  # symbol and word
    model = dialog.models["changed"]
    new_col = [c.header for c in model.columns].index("New value")
    assert model.index(0, new_col).data().startswith("→ ")
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: view.dialog is None, timeout=WAIT_MS)
    assert "nothing was changed" in view.status_text.text()
    assert a_dump(qtbot, host) == before


def flip(path: Path, at: int) -> Path:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    out = path.with_name("tampered.panelbundle")
    out.write_bytes(bytes(data))
    return out


def test_a_tampered_bundle_is_refused_clearly_and_nothing_changes(
        qtbot: Any, host: Any, ctx: Any, pair: Pair) -> None:
    pair.b_case("Ann", "Lee", 1)
    good = pair.b_bundle("b1")
    tampered = flip(good, len(good.read_bytes()) // 2)
    _window, view = open_bundles(qtbot, host, ctx, pair)
    before = a_dump(qtbot, host)

    import_file(qtbot, view, tampered)
    assert view.dialog is None  # no preview
    assert view.refusal == "tampered"
    assert view.status_headline.text() == \
        "The bundle was changed or damaged: refused (tampered.panelbundle)"
    assert "Nothing was changed" in view.status_text.text()
    assert view.status_icon.isVisible() and not view.reapply_button.isVisible()
    assert a_dump(qtbot, host) == before


def test_a_replay_is_refused_unless_reapplied_explicitly(qtbot: Any, host: Any, ctx: Any,
                                                         pair: Pair) -> None:
    case = pair.b_case("Ann", "Lee", 1)
    older = pair.b_bundle("b1", since_last=False)
    pair.b.session.update_case(case.id, {"lead": "Ms Khan"})
    newer = pair.b_bundle("b2", since_last=False)
    assert pair.a is not None
    pair.a.b.apply(pair.a.b.open_bundle(newer))
    _window, view = open_bundles(qtbot, host, ctx, pair)
    before = a_dump(qtbot, host)

    import_file(qtbot, view, older)
    assert view.refusal == "replay" and view.dialog is None
    assert "replay" in view.status_headline.text()
    assert "Re-apply" in view.status_text.text() and "--reapply" not in view.status_text.text()
    assert view.reapply_button.isVisible()
    assert a_dump(qtbot, host) == before

    asked: list[str] = []
    view.confirm = lambda _p, title, _t: asked.append(title) or False
    view.reapply_button.click()
    assert asked == ["Re-apply an older bundle"] and view.dialog is None  # said no

    view.confirm = lambda *_a: True
    view.reapply_button.click()
    qtbot.waitUntil(lambda: isinstance(view.dialog, ImportPreviewDialog), timeout=WAIT_MS)
    dialog = view.dialog
    assert dialog.preview.reapply and "Re-applied on your request" in " ".join(
        w.text() for w in dialog.findChildren(type(view.status_text)))
    with qtbot.waitSignal(dialog.applied, timeout=WAIT_MS):
        dialog.accept_button.click()
    history = on_worker(qtbot, host, lambda s: s.bundles.history())
    assert sorted(h["sequence"] for h in history if h["direction"] == "received") == [1, 2]
    # the newer value stands: re-applying an older bundle loses nothing
    assert on_worker(qtbot, host, lambda s: s.get_case(case.id)).lead == "Ms Khan"


def test_the_same_bundle_again_says_so_and_changes_nothing(qtbot: Any, host: Any, ctx: Any,
                                                          pair: Pair) -> None:
    pair.b_case("Ann", "Lee", 1)
    bundle = pair.b_bundle("b1")
    assert pair.a is not None
    pair.a.b.apply(pair.a.b.open_bundle(bundle))
    _window, view = open_bundles(qtbot, host, ctx, pair)
    import_file(qtbot, view, bundle)
    dialog = view.dialog
    assert isinstance(dialog, ImportPreviewDialog)
    assert "already imported" in dialog.summary.text()
    assert not dialog.accept_button.isVisible() and dialog.cancel_button.text() == "Close"
    dialog.cancel_button.click()


def test_a_missing_earlier_bundle_is_named(qtbot: Any, host: Any, ctx: Any,
                                           pair: Pair) -> None:
    case = pair.b_case("Ann", "Lee", 1)
    pair.b_bundle("b1")  # never reaches A
    pair.b.session.update_case(case.id, {"risk": "red"})
    second = pair.b_bundle("b2")
    _window, view = open_bundles(qtbot, host, ctx, pair)
    import_file(qtbot, view, second)
    assert view.refusal == "missing"
    assert view.status_headline.text().startswith("An earlier bundle is missing")
    assert "bundle number 1" in view.status_text.text()
    assert "(made 22/11/2026)" in view.status_text.text()  # UK dates
    assert not view.reapply_button.isVisible()


def test_a_bundle_from_a_revoked_card_is_refused(qtbot: Any, host: Any, ctx: Any,
                                                 pair: Pair) -> None:
    pair.b_case("Ann", "Lee", 1)
    bundle = pair.b_bundle("b1")
    _window, view = open_bundles(qtbot, host, ctx, pair)
    directory = view.directory
    assert directory.model.rowCount() == 1
    directory.table.selectRow(0)
    asked: list[str] = []
    directory.confirm = lambda _p, _title, text: asked.append(text) or True
    with qtbot.waitSignal(view.loaded, timeout=WAIT_MS):
        directory.revoke_button.click()
    assert "cannot be undone" in asked[0]
    [partner] = directory.model.rows()
    assert partner.status == "revoked"
    status_col = [c.header for c in directory.model.columns].index("Status")
    assert directory.model.index(0, status_col).data() == "Revoked"
    assert not directory.model.index(0, status_col).data(1).isNull()  # an icon too
    import_file(qtbot, view, bundle)
    assert view.refusal == "unknown_sender"
    assert "revoked" in view.status_text.text()


@pytest.mark.slow  # age's scrypt takes about 1.5 s each way
def test_a_passphrase_bundle_asks_for_its_passphrase(qtbot: Any, host: Any, ctx: Any,
                                                     pair: Pair) -> None:
    case = pair.b_case("Ann", "Lee", 1)
    path = pair.folder / "pp.panelbundle"
    pair.b.b.export_bundle(["panel"], path, passphrase="correct horse battery staple")
    _window, view = open_bundles(qtbot, host, ctx, pair)
    import_file(qtbot, view, path)
    ask = view.dialog
    assert isinstance(ask, BundlePassphraseDialog)
    ask.open_button.click()  # empty: asked again
    assert ask.isVisible() and "Type the passphrase" in ask.message.text()
    ask.field.setText("correct horse battery staple")
    ask.open_button.click()
    qtbot.waitUntil(lambda: isinstance(view.dialog, ImportPreviewDialog), timeout=4 * WAIT_MS)
    assert ("Case", case.case_ref) in [(r.kind, r.record) for r in view.dialog.rows["new"]]
    view.dialog.cancel_button.click()
