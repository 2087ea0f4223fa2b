"""Bundles section: a conflicting edit arrives, is listed with both values, who and when,
and is resolved from the conflicts queue (take theirs, a new value, keep a record that
was deleted here); the resolution is stored and travels back to the partner."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from panel_app.gui.dialogs.bundle_preview import ImportPreviewDialog
from tests.gui.bundles_support import Pair, import_file, on_worker, open_bundles, tick
from tests.gui.conftest import WAIT_MS


def import_and_accept(qtbot: Any, view: Any, path: Path) -> ImportPreviewDialog:
    import_file(qtbot, view, path)
    dialog = view.dialog
    assert isinstance(dialog, ImportPreviewDialog)
    with qtbot.waitSignal(view.loaded, timeout=WAIT_MS):
        dialog.accept_button.click()
    return dialog


def test_conflict_is_listed_and_resolved_from_the_queue(qtbot: Any, host: Any, ctx: Any,
                                                        pair: Pair, clock: Any,
                                                        qtmodeltester: Any) -> None:
    case = pair.b_case("Ann", "Lee", 1)
    assert pair.a is not None
    pair.a.b.apply(pair.a.b.open_bundle(pair.b_bundle("b1")))
    tick(pair, clock)
    pair.a.session.update_case(case.id, {"summary": "Panel's summary"})
    pair.b.session.update_case(case.id, {"summary": "Riverside's summary", "risk": "red"})
    bundle = pair.b_bundle("b2")
    window, view = open_bundles(qtbot, host, ctx, pair)
    panel = view.conflicts
    assert panel.model.rowCount() == 0 and panel.count.text() == "No conflicts to resolve."

    import_file(qtbot, view, bundle)
    dialog = view.dialog
    assert isinstance(dialog, ImportPreviewDialog)
    [row] = dialog.rows["conflicts"]
    assert (row.record, row.field, row.old, row.new) == (
        case.case_ref, "Summary", "Panel's summary", "Riverside's summary")
    assert row.old_by.startswith("this installation, ") and "Riverside School" in row.new_by
    assert dialog.tabs.tabText(2) == "Conflicts (1)"
    assert "resolve them in the Conflicts tab" in dialog.summary.text()
    with qtbot.waitSignal(view.loaded, timeout=WAIT_MS):
        dialog.accept_button.click()
    assert "Resolve the conflicts" in view.status_text.text()
    assert view.tabs.tabText(view.conflicts_index) == "Conflicts (1 to resolve)"

    view.tabs.setCurrentIndex(view.conflicts_index)
    assert panel.model.rowCount() == 1
    qtmodeltester.check(panel.model)
    assert panel.selected() is not None  # the first one is selected
    assert panel.mine.text().startswith("Panel's summary — this installation, ")
    assert panel.theirs.text().startswith("Riverside's summary — Riverside School")
    assert "/2026 " in panel.theirs.text()  # when, as dd/mm/yyyy hh:mm
    assert panel.value_buttons.isVisible() and not panel.delete_buttons.isVisible()

    with qtbot.waitSignal(view.loaded, timeout=WAIT_MS):
        panel.theirs_button.click()
    assert panel.model.rowCount() == 0
    assert view.tabs.tabText(view.conflicts_index) == "Conflicts"
    assert "took the partner's value" in view.status_text.text()
    stored = on_worker(qtbot, host, lambda s: (s.bundles.conflicts(include_resolved=True),
                                               s.get_case(case.id)))
    [c], record = stored
    assert (c.status, c.resolution) == ("resolved", "theirs")
    assert (record.summary, record.risk) == ("Riverside's summary", "red")
    panel.show_resolved.setChecked(True)
    assert panel.model.rowCount() == 1 and "Resolved: took the partner's value" in \
        panel.what.text()
    assert not panel.mine_button.isEnabled()

    # The resolution travels: B gets it in A's next bundle and ends with the same value.
    out = pair.folder / "a2.panelbundle"
    on_worker(qtbot, host, lambda s: s.bundles.export_bundle(["RIV"], out, since_last=True))
    pair.b.b.apply(pair.b.b.open_bundle(out))
    assert pair.b.b.conflicts() == []
    assert pair.b.session.get_case(case.id).summary == "Riverside's summary"
    window.close()


def test_a_new_value_is_checked_and_stored(qtbot: Any, host: Any, ctx: Any, pair: Pair,
                                           clock: Any) -> None:
    case = pair.b_case("Ann", "Lee", 1)
    assert pair.a is not None
    pair.a.b.apply(pair.a.b.open_bundle(pair.b_bundle("b1")))
    tick(pair, clock)
    pair.a.session.update_case(case.id, {"attendance_pct": "80"})
    pair.b.session.update_case(case.id, {"attendance_pct": "85"})
    bundle = pair.b_bundle("b2")
    _window, view = open_bundles(qtbot, host, ctx, pair)
    import_and_accept(qtbot, view, bundle)
    view.tabs.setCurrentIndex(view.conflicts_index)
    panel = view.conflicts
    assert panel.model.rowCount() == 1
    panel.value.setText("not a number")
    panel.value_button.click()
    qtbot.waitUntil(lambda: panel.feedback.isVisible() and "Saving" not in
                    panel.feedback.text(), timeout=WAIT_MS)
    assert panel.model.rowCount() == 1  # refused, still open
    panel.value.setText("82.5")
    with qtbot.waitSignal(view.loaded, timeout=WAIT_MS):
        panel.value_button.click()
    assert panel.model.rowCount() == 0
    assert on_worker(qtbot, host, lambda s: s.get_case(case.id)).attendance_pct == 82.5


def test_a_record_deleted_here_and_edited_there_can_be_kept(qtbot: Any, host: Any, ctx: Any,
                                                            pair: Pair, clock: Any) -> None:
    case = pair.b_case("Ann", "Lee", 1)
    pair.b.session.add_note(case.id, "draft")
    note_id = pair.b.session.get_case(case.id).notes[0].id
    a = pair.a
    assert a is not None
    a.b.apply(a.b.open_bundle(pair.b_bundle("b1")))
    tick(pair, clock)
    with a.session._write():
        a.session.repo.delete("case_note", note_id)
    with pair.b.session._write():
        pair.b.session.repo.update("case_note", note_id, {"text": "draft, corrected"})
    bundle = pair.b_bundle("b2")
    _window, view = open_bundles(qtbot, host, ctx, pair)
    import_and_accept(qtbot, view, bundle)
    view.tabs.setCurrentIndex(view.conflicts_index)
    panel = view.conflicts
    assert panel.model.rowCount() == 1
    assert panel.delete_buttons.isVisible() and not panel.value_buttons.isVisible()
    assert "deleted on one side and edited on the other" in panel.what.text()
    assert {panel.mine.text().split(" — ")[0], panel.theirs.text().split(" — ")[0]} == {
        "Deleted", "Kept or edited"}
    with qtbot.waitSignal(view.loaded, timeout=WAIT_MS):
        panel.keep_button.click()
    assert panel.model.rowCount() == 0
    notes = on_worker(qtbot, host, lambda s: s.get_case(case.id).notes)
    assert [n.text for n in notes] == ["draft, corrected"]
