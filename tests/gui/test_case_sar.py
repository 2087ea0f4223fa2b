"""Subject-access export from the case form: files written, other pupils redacted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pypdf import PdfReader

from panel_app.gui.dialogs.case_sar import export_subject_access, summary
from tests.gui.conftest import WAIT_MS
from tests.gui.test_case_form import loaded_form


def test_subject_access_export_from_the_case_form(qtbot: Any, demo_window: Any,
                                                  tmp_path: Path) -> None:
    view = demo_window.cases
    qtbot.waitUntil(lambda: view.model.rowCount() > 2, timeout=WAIT_MS)
    mine, other = view.model.row_at(0), view.model.row_at(1)
    form = loaded_form(qtbot, demo_window, mine.id)
    assert form.sar_button.isEnabled()
    export_subject_access(form, demo_window.host, tmp_path, ask=False)
    qtbot.waitUntil(lambda: form.sar_result is not None, timeout=WAIT_MS * 2)
    assert "not encrypted" in form.banner.text()
    pdf = next(tmp_path.glob("subject-access-*.pdf"))
    text = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert mine.case_ref in text
    assert other.name not in text  # another pupil's name never appears
    assert "not encrypted" in summary(form.sar_result)
    form.force_close()


def test_new_case_cannot_be_exported_before_saving(qtbot: Any, demo_window: Any) -> None:
    form = loaded_form(qtbot, demo_window, None)
    assert not form.sar_button.isEnabled()
    form.force_close()
