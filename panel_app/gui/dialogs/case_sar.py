"""Subject-access export from the case form: the PDF and JSON of everything held about
the pupil (other pupils redacted), written to a folder the user chooses, with the
third-party information listed for review before release. The files are NOT encrypted,
and the dialogs say so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from panel_app.gui.theme import set_message
from panel_app.gui.worker import SessionHost, error_text

CHOOSE_TITLE = ("Subject-access export: choose a folder (the PDF and JSON written there "
                "are NOT encrypted)")


def summary(result: Any) -> str:
    names = "\n".join(f"  {f.path.name}" for f in result.files)
    review = "\n".join(f"  • {t.__dict__.get('what') or t.__dict__.get('kind') or t}"
                       for t in result.third_party[:12])
    more = len(result.third_party) - 12
    text = (f"Written (not encrypted: keep them secure and delete them after release):\n"
            f"{names}\n\nOther pupils' details redacted: {result.redactions}.")
    if result.third_party:
        text += ("\n\nReview this third-party information before release:\n" + review
                 + (f"\n  … and {more} more (see the JSON file)" if more > 0 else ""))
    return text


def export_subject_access(form: Any, host: SessionHost, folder: Path | None = None,
                          *, ask: bool = True) -> None:
    """Ask for a folder (unless given), write the export on the worker, then report."""
    case_id = form.case_id
    if case_id is None:
        set_message(form.banner, "Save the case first: there is nothing to export yet.")
        return
    if folder is None:
        chosen = QFileDialog.getExistingDirectory(form, CHOOSE_TITLE)
        if not chosen:
            return
        folder = Path(chosen)
    set_message(form.banner, "Writing the subject-access export…", "muted")

    def done(result: Any) -> None:
        form.sar_result = result
        set_message(form.banner, f"Subject-access export written to {folder} (not "
                                 "encrypted).", "ok")
        if ask:
            QMessageBox.information(_parent(form), "Subject-access export", summary(result))

    def failed(exc: BaseException) -> None:
        set_message(form.banner, error_text(exc))

    host.run(lambda s: s.privacy.write_subject_access(case_id, folder), success=done,
             failure=failed, parent=form)


def _parent(form: Any) -> QWidget:
    return form if isinstance(form, QWidget) else None  # type: ignore[return-value]
