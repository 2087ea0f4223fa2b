"""The pupil import dialog: file, column mapping, preview with per-row errors, nothing
stored until "Import N rows", then the cases exist and the case list shows them; a DfE
Common Transfer File the same way (straight to its preview), and a broken one refused
with a plain message, storing nothing."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from panel_app.core.domain.models import CaseFilter
from panel_app.gui.dialogs.import_pupils import PREVIEW_PAGE, ImportPupilsDialog
from panel_app.gui.models.import_mapping import FIELD, MappingModel
from tests.core.imports_util import DATA as CTF_DATA
from tests.core.imports_util import stored, upn, write_csv
from tests.gui.conftest import WAIT_MS
from tests.gui.test_accessibility import problems_in

HEADERS = ["UPN", "Legal Surname", "Given", "DOB", "NC Year"]
CTF_SAMPLE = CTF_DATA / "sample.xml"  # three invented pupils from Oakfield (URN 100001)


def on_worker(qtbot: Any, host: Any, fn: Any) -> Any:
    with qtbot.waitCallback(timeout=WAIT_MS) as cb:
        host.run(fn, success=cb, failure=cb)
    assert not isinstance(cb.args[0], BaseException), cb.args[0]
    return cb.args[0]


def small_export(tmp_path: Path) -> Path:
    rows = [[upn(1), "Ashworth", "Amy", "12/03/2013", "8"],
            [upn(2), "Begum", "Bilal", "31/02/2013", "8"],  # no such date
            [upn(3), "Nowak", "Cara", "05/09/2012", "9"]]
    return write_csv(tmp_path / "sims.csv", HEADERS, rows)


def open_dialog(qtbot: Any, window: Any) -> ImportPupilsDialog:
    qtbot.keyClick(window, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)  # Ctrl+I imports a bundle
    dialog = window.cases.import_dialog
    assert isinstance(dialog, ImportPupilsDialog)
    qtbot.waitUntil(lambda: dialog.school.count() == 3, timeout=WAIT_MS)
    return dialog


def to_preview(qtbot: Any, dialog: ImportPupilsDialog, path: Path) -> None:
    dialog.path.setText(str(path))
    dialog.school.setCurrentIndex(dialog.school.findText("Oakfield Academy"))
    with qtbot.waitSignal(dialog.columns_read, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    model = dialog.mapping
    given = model.mapping()
    assert given["UPN"] == "upn" and given["DOB"] == "dob"
    row = list(given).index("Given")
    if given["Given"] != "first_name":
        assert dialog.message.isVisible()  # the missing first name is said
        assert model.setData(model.index(row, FIELD), "first_name")
    assert model.mapping()["Given"] == "first_name"
    with qtbot.waitSignal(dialog.previewed, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    assert dialog.pages.currentIndex() == PREVIEW_PAGE


def test_mapping_preview_then_import(qtbot: Any, window: Any, tmp_path: Path) -> None:
    dialog = open_dialog(qtbot, window)
    to_preview(qtbot, dialog, small_export(tmp_path))
    rows = dialog.rows
    assert rows.rowCount() == 3
    actions = [rows.index(r, 1).data() for r in range(3)]
    assert actions == ["New pupil", "⚠ Error", "New pupil"]
    assert "date" in rows.index(1, 4).data().lower()
    assert rows.index(1, 0).data() == "3"  # the file's line
    # errors block the import until the bad rows are left out
    assert not dialog.import_button.isEnabled()
    # nothing stored by the preview
    assert on_worker(qtbot, window.host, lambda s: s.list_cases(CaseFilter()).all_cases) == 0
    dialog.skip_invalid.setChecked(True)
    assert dialog.import_button.isEnabled() and dialog.import_button.text() == "&Import 2 rows"
    assert problems_in(dialog) == []
    with qtbot.waitSignal(window.cases.loaded, timeout=WAIT_MS), \
            qtbot.waitSignal(dialog.imported, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert dialog.result.created == 2 and dialog.result.skipped == 1
    cases = on_worker(qtbot, window.host, lambda s: s.list_cases(CaseFilter()))
    assert sorted(c.name for c in cases.rows) == ["Ashworth, Amy", "Nowak, Cara"] or sorted(
        c.upn for c in cases.rows) == sorted([upn(1), upn(3)])
    assert window.cases.model.rowCount() == 2
    # the mapping is remembered for the school
    remembered = on_worker(qtbot, window.host,
                           lambda s: s.imports.remembered_mapping("Oakfield Academy"))
    assert remembered.get("Given") == "first_name"


def test_cancel_stores_nothing(qtbot: Any, window: Any, tmp_path: Path) -> None:
    dialog = open_dialog(qtbot, window)
    to_preview(qtbot, dialog, small_export(tmp_path))
    assert problems_in(dialog) == []
    dialog.cancel_button.click()
    assert window.cases.import_dialog is None
    assert on_worker(qtbot, window.host, lambda s: s.list_cases(CaseFilter()).all_cases) == 0


def test_file_and_mapping_pages_are_accessible(qtbot: Any, window: Any,
                                               tmp_path: Path) -> None:
    dialog = open_dialog(qtbot, window)
    assert problems_in(dialog) == []
    dialog.path.setText(str(small_export(tmp_path)))
    with qtbot.waitSignal(dialog.columns_read, timeout=WAIT_MS):
        dialog.go_next()
    assert problems_in(dialog) == []
    dialog.go_back()
    dialog.path.setText(str(tmp_path / "missing.csv"))
    dialog.go_next()
    qtbot.waitUntil(dialog.message.isVisible, timeout=WAIT_MS)
    assert dialog.pages.currentIndex() == 0
    window.lock()  # the dialog shows pupils: it closes on lock
    assert window.cases.import_dialog is None


def test_models(qtmodeltester: Any, qtbot: Any, window: Any, tmp_path: Path) -> None:
    model = MappingModel()
    model.set_mapping(HEADERS, "pupils", {"UPN": "upn", "DOB": "dob"},
                      {"UPN": "recognised", "DOB": "remembered"})
    qtmodeltester.check(model)
    assert model.setData(model.index(1, FIELD), "upn")  # takes UPN from the first column
    assert model.mapping()["UPN"] == "ignore"
    assert not model.setData(model.index(1, FIELD), "nonsense")
    dialog = open_dialog(qtbot, window)
    to_preview(qtbot, dialog, small_export(tmp_path))
    qtmodeltester.check(dialog.rows)
    dialog.reject()


# -- a DfE Common Transfer File through the dialog --------------------------------------------


def ctf_to_preview(qtbot: Any, dialog: ImportPupilsDialog, path: Path) -> None:
    """A CTF goes straight from the file to the preview: no column mapping."""
    dialog.path.setText(str(path))
    assert dialog.school.currentData() is None  # the CTF names its school (URN 100001)
    with qtbot.waitSignal(dialog.previewed, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    assert dialog.pages.currentIndex() == PREVIEW_PAGE


def test_ctf_preview_then_import(qtbot: Any, window: Any, tmp_path: Path) -> None:
    path = tmp_path / "from-oakfield.xml"
    shutil.copy(CTF_SAMPLE, path)
    dialog = open_dialog(qtbot, window)
    ctf_to_preview(qtbot, dialog, path)
    rows = dialog.rows
    assert rows.rowCount() == 3
    assert [rows.index(r, 1).data() for r in range(3)] == ["New pupil"] * 3
    assert [rows.index(r, 2).data() for r in range(3)] == [
        "V823410014101", "J823410014102", "Y823410014103"]
    assert "exclusion(s) to add" in rows.index(0, 4).data()
    counts = dialog.counts.text()
    assert "from-oakfield.xml for Oakfield Academy" in counts and "3 new" in counts
    assert "Not imported" in counts  # address, contacts... left out, and said so
    assert not dialog.skip_invalid.isVisible()  # no row has an error
    assert dialog.import_button.isEnabled() and dialog.import_button.text() == "&Import 3 rows"
    assert on_worker(qtbot, window.host, lambda s: s.list_cases(CaseFilter()).all_cases) == 0
    assert problems_in(dialog) == []
    with qtbot.waitSignal(window.cases.loaded, timeout=WAIT_MS), \
            qtbot.waitSignal(dialog.imported, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    result = dialog.result
    assert (result.created, result.exclusions_added, result.attendance) == (3, 3, 3)
    assert not result.mapping_saved  # nothing to remember for a CTF
    # the case list shows the pupils, with the school the CTF named
    model = window.cases.model
    assert model.rowCount() == 3
    shown = " ".join(str(model.index(r, c).data()) for r in range(3)
                     for c in range(model.columnCount()))
    for text in ("Ashworth", "Zoë", "Oakfield Academy"):
        assert text in shown, text
    stored_px = on_worker(qtbot, window.host, lambda s: [
        (e.kind, e.status) for e in s.exclusions.list_exclusions(pupil="V823410014101")])
    assert stored_px == [("suspension", ""), ("permanent", "upheld")]


def test_ctf_rows_with_problems_are_shown_and_can_be_left_out(qtbot: Any, window: Any,
                                                               tmp_path: Path) -> None:
    text = CTF_SAMPLE.read_text(encoding="utf-8").replace(
        "<UPN>J823410014102</UPN>", "<UPN>J823410014109</UPN>").replace(
        "<DOB>2015-03-02</DOB>", "<DOB>2015-02-30</DOB>")
    path = tmp_path / "with-errors.ctf"
    path.write_text(text, encoding="utf-8")
    dialog = open_dialog(qtbot, window)
    ctf_to_preview(qtbot, dialog, path)
    rows = dialog.rows
    assert [rows.index(r, 1).data() for r in range(3)] == ["New pupil", "⚠ Error", "⚠ Error"]
    assert "UPN" in rows.index(1, 4).data()  # its check letter is wrong
    assert "date" in rows.index(2, 4).data().lower()  # 30 February
    assert "2 row(s) have errors" in dialog.message.text()
    assert not dialog.import_button.isEnabled()
    dialog.skip_invalid.setChecked(True)
    assert dialog.import_button.text() == "&Import 1 row"
    with qtbot.waitSignal(window.cases.loaded, timeout=WAIT_MS), \
            qtbot.waitSignal(dialog.imported, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert (dialog.result.created, dialog.result.skipped) == (1, 2)
    assert window.cases.model.rowCount() == 1


def test_broken_ctf_says_so_and_stores_nothing(qtbot: Any, window: Any, tmp_path: Path) -> None:
    before = on_worker(qtbot, window.host, stored)
    dialog = open_dialog(qtbot, window)
    broken = tmp_path / "broken.xml"
    shutil.copy(CTF_DATA / "truncated.xml", broken)
    dialog.path.setText(str(broken))
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.message.isVisible() and bool(dialog.message.text()),
                    timeout=WAIT_MS)
    message = dialog.message.text()
    assert "broken.xml" in message and "not well-formed XML (line" in message, message
    assert "truncated" in message
    assert dialog.pages.currentIndex() == 0 and dialog.preview is None
    assert dialog.next_button.isEnabled()  # choose another file and go on
    assert not dialog.import_button.isVisible()
    # XML that is not a CTF is refused as plainly
    feed = tmp_path / "feed.xml"
    feed.write_text("<?xml version='1.0'?><rss><channel/></rss>")
    dialog.path.setText(str(feed))
    dialog.go_next()
    qtbot.waitUntil(lambda: "not a Common Transfer File" in dialog.message.text(),
                    timeout=WAIT_MS)
    assert problems_in(dialog) == []
    dialog.reject()
    assert on_worker(qtbot, window.host, stored) == before
    assert window.cases.model.rowCount() == 0
