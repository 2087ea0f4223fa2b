"""The audit viewer (Settings > Audit trail): entries filtered by case, person, action and
date; the chain's state in words with an icon; a tampered entry named; a case's history
exported with a save dialog that says the CSV is not encrypted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from panel_app.gui.dialogs.privacy_dialog import AUDIT_TAB
from panel_app.gui.views.privacy_audit import EXPORT_TITLE, AuditRows, when_text
from tests.gui.conftest import WAIT_MS, make_window
from tests.gui.privacy_support import on_worker, prepare, rows
from tests.gui.test_accessibility import problems_in


def open_viewer(qtbot: Any, window: Any) -> Any:
    window.show_section("Settings")
    dialog = window.settings.open_privacy(AUDIT_TAB)
    # (the results arrive through the event loop, so waiting after the call is safe)
    with qtbot.waitSignals([dialog.audit.loaded, dialog.retention.loaded], timeout=WAIT_MS):
        pass
    return dialog.audit


def refilter(qtbot: Any, viewer: Any, **values: str) -> None:
    for name, text in values.items():
        getattr(viewer, name).setText(text)
    with qtbot.waitSignal(viewer.loaded, timeout=WAIT_MS):
        viewer.filter_button.click()


def test_lists_entries_and_filters_them(qtbot: Any, host: Any, ctx: Any, db_path: Path,
                                        no_keyring: Any, clock: Any, tmp_path: Path) -> None:
    refs = prepare(db_path, no_keyring, clock)
    window = make_window(qtbot, host, ctx, db_path)
    assert not window.audit_state.isVisible()
    viewer = open_viewer(qtbot, window)
    assert "intact" in viewer.chain_status.text() and viewer.chain_status.text()[0] == "✔"
    assert not viewer.chain_icon.pixmap().isNull()
    everything = viewer.model.rowCount()
    assert everything > 5 and "unlock" in rows(viewer.model, 3)
    assert when_text(viewer.model.record(0).at)[2] == "/"  # dd/mm/yyyy HH:MM

    refilter(qtbot, viewer, case=refs["old"])
    about_case = viewer.model.rowCount()
    assert 0 < about_case < everything
    assert "unlock" not in rows(viewer.model, 3)
    # the record is named by its case's reference, as in the case list (no names)
    records = rows(viewer.model, 4)
    assert refs["old"] in records and f"{refs['old']} · pupil record" in records
    assert all(r.startswith(refs["old"]) for r in records)

    refilter(qtbot, viewer, case="", person="Nobody at all")
    assert viewer.model.rowCount() == 0
    viewer.person.clear()
    with qtbot.waitSignal(viewer.loaded, timeout=WAIT_MS):
        viewer.action.setCurrentIndex(viewer.action.findData("session"))
    assert set(rows(viewer.model, 3)) <= {"unlock", "lock"} and viewer.model.rowCount()
    refilter(qtbot, viewer, since="31/02/2026")
    assert "dd/mm/yyyy" in viewer.message.text()

    # export a case's history: the save dialog says the file is not encrypted
    asked: list[str] = []
    out = tmp_path / "history.csv"
    viewer.choose_file = lambda _p, name: asked.append(name) or out
    viewer.case.setText(refs["old"])
    with qtbot.waitSignal(viewer.exported, timeout=WAIT_MS):
        viewer.export_button.click()
    assert "NOT encrypted" in EXPORT_TITLE and asked == [f"audit-{refs['old']}.csv"]
    assert out.read_text().startswith("seq,at,actor,action")
    assert "not encrypted" in viewer.message.text()
    entries = on_worker(qtbot, host, lambda s: s.privacy.audit_entries(action="export"))
    assert entries[0].action == "audit_exported"


def test_a_tampered_entry_is_named(qtbot: Any, host: Any, ctx: Any, db_path: Path,
                                   no_keyring: Any, clock: Any) -> None:
    seq = prepare(db_path, no_keyring, clock, tamper=True)["seq"]
    window = make_window(qtbot, host, ctx, db_path)
    assert window.audit_state.isVisible() and "broken" in window.audit_state.text()
    assert f"audit entry {seq} " in window.audit_state.accessibleName()
    viewer = open_viewer(qtbot, window)
    assert window.settings.audit_warning.isVisible()
    text = viewer.chain_status.text()
    assert text.startswith("⚠") and f"BROKEN at entry {seq}" in text
    assert "Someone Else" in text
    broken = [r for r in range(viewer.model.rowCount())
              if viewer.model.index(r, 0).data() == f"⚠ {seq} (broken)"]
    assert len(broken) == 1
    assert viewer.model.index(broken[0], 2).data() == "Someone Else"
    assert viewer.model.index(broken[0], 0).data(1) is not None  # the icon


def test_accessibility_and_model(qtbot: Any, host: Any, ctx: Any, db_path: Path,
                                 no_keyring: Any, clock: Any, qtmodeltester: Any) -> None:
    prepare(db_path, no_keyring, clock)
    window = make_window(qtbot, host, ctx, db_path)
    viewer = open_viewer(qtbot, window)
    dialog = viewer.window()
    found = [f"[window] {p}" for p in problems_in(window)]
    found += [f"[audit] {p}" for p in problems_in(dialog)]
    dialog.show_tab(1)
    found += [f"[retention] {p}" for p in problems_in(dialog)]
    assert found == []
    qtmodeltester.check(viewer.model)
    qtmodeltester.check(dialog.retention.model)
    empty = AuditRows()
    qtmodeltester.check(empty)
    # locking closes the dialog and drops what it showed
    window.lock()
    assert not dialog.isVisible() and viewer.model.rowCount() == 0
    assert dialog.retention.model.rowCount() == 0


def test_record_column_names_the_case_and_falls_back_after_a_purge(
        qtbot: Any, host: Any, ctx: Any, db_path: Path, no_keyring: Any, clock: Any) -> None:
    refs = prepare(db_path, no_keyring, clock)
    window = make_window(qtbot, host, ctx, db_path)
    old = on_worker(qtbot, host, lambda s: s.get_case(refs["old"]))
    on_worker(qtbot, host, lambda s: s.add_note(refs["new"], "Seen by the EP"))
    viewer = open_viewer(qtbot, window)
    records = rows(viewer.model, 4)
    assert refs["old"] in records and refs["new"] in records
    assert f"{refs['new']} · note" in records  # a record hanging off the case
    assert f"{refs['old']} · pupil record" in records
    schools = [r for r in records if r.startswith("school ")]  # no case: kind and short id
    assert schools and all(len(r) == len("school ") + 8 for r in schools)
    tips = [viewer.model.index(r, 4).data(3) for r in range(viewer.model.rowCount())]
    assert any(t and t.startswith("note ") and len(t) > 30 for t in tips)  # the full id

    # purge the old case: its entries fall back to kind and short id (no reference left)
    on_worker(qtbot, host, lambda s: s.privacy.purge(s.privacy.plan_purge()))
    refilter(qtbot, viewer, case=old.id)  # the filter by case still finds its history
    records = rows(viewer.model, 4)
    assert records and not any(refs["old"] in r for r in records)
    assert f"case {old.id[:8]}" in records and f"pupil record {old.pupil_id[:8]}" in records
    purge_row = rows(viewer.model, 3).index("purge")
    detail = viewer.model.index(purge_row, 6).data()
    assert detail.startswith("Rule: Closed case kept after closure;") and "records" in detail
    refilter(qtbot, viewer, case=refs["new"])
    assert set(rows(viewer.model, 4)) <= {refs["new"], f"{refs['new']} · pupil record",
                                         f"{refs['new']} · note"}
