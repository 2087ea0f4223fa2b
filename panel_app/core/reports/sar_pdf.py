"""The subject-access PDF (A4, reportlab) from a ``SubjectAccess``, in the minutes' house
style: the same embedded DejaVu Sans, paragraph styles, tables and page decoration
(protective marking at the top and bottom of every page, "Page x of y")."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, SimpleDocTemplate, Spacer
from reportlab.platypus.flowables import Flowable

from panel_app import __version__
from panel_app.core.domain.dates import format_uk
from panel_app.core.reports.minutes_pdf import (
    MARGIN,
    TOP,
    _canvas_maker,
    _label,
    _p,
    _PageDecor,
    _styles,
    _table,
    register_fonts,
)
from panel_app.core.reports.sar import SarField, SubjectAccess


class _SarDecor(_PageDecor):
    def __init__(self, sar: SubjectAccess) -> None:  # no super(): there is no minutes doc
        self.marking = sar.marking.strip()
        self.left = f"{sar.partnership}: subject access, {sar.subject}"
        self.copy = "Subject access: review before release"
        produced = date.fromisoformat(sar.produced_on)
        self.pdf_date = f"D:{produced:%Y%m%d}000000+00'00'"


def _fields_table(fields: list[SarField], width: float) -> Flowable:
    st = _styles()
    rows: list[list[Any]] = [[_p("Field", st["head"]), _p("Held", st["head"])]]
    rows += [[_p(f.label, st["cell"]), _p(f.value, st["cell"])] for f in fields]
    if len(rows) == 1:
        rows.append([_p("Nothing recorded.", st["cell"]), ""])
    return _table(rows, [48 * mm, width - 48 * mm])


def story(sar: SubjectAccess) -> list[Flowable]:
    st = _styles()
    width = A4[0] - 2 * MARGIN
    produced = format_uk(date.fromisoformat(sar.produced_on))
    out: list[Flowable] = [
        _p(sar.partnership, st["party"]),
        _p(f"Information held about {sar.subject}", st["title"]),
        _p(f"Subject-access export produced on {produced}. It contains everything this "
           "partnership database holds about the pupil: the pupil's details and cases, "
           "notes, documents, evidence, proposals, panel decisions, extracts of minutes and "
           "the record of who changed what. Other pupils' details are replaced by "
           "\u201c[another pupil]\u201d. Before release, review the third-party information "
           "listed at the end.", st["note"]),
        Spacer(1, 3 * mm),
        _p("The pupil", st["h1t"]),
        _fields_table(sar.pupil, width),
    ]
    for case in sar.cases:
        out += [CondPageBreak(40 * mm), _p(f"Case {case.case_ref}", st["h1t"]),
                _fields_table(case.fields, width)]
    for section in sar.sections:
        out += [CondPageBreak(30 * mm), _p(section.title, st["h1"])]
        for record in section.records:
            block: list[Flowable] = [_p(record.title, st["section"])]
            block += [_label(f"{f.label}:", f.value, st["indent"]) for f in record.fields]
            if len(block) < 12:
                out.append(KeepTogether(block))
            else:
                out += block
    out += [CondPageBreak(30 * mm), _p("Extracts from panel minutes", st["h1"])]
    if not sar.minutes:
        out.append(_p("The pupil's cases were not on the agenda of any meeting.", st["body"]))
    for item in sar.minutes:
        when = format_uk(date.fromisoformat(item.meeting_date))
        block = [_p(f"Meeting of {when}, item {item.number}: {item.title}", st["item"]),
                 _p(f"Minutes: {item.minutes_status}.", st["note"])]
        for label, text in (("Notes:", item.notes), ("Decision:", item.outcome),
                            ("Conditions:", item.conditions), ("Rationale:", item.rationale),
                            ("Dissent:", item.dissent)):
            if text:
                block.append(_label(label, text, st["indent"]))
        if item.review_on:
            block.append(_label("Review by:", format_uk(date.fromisoformat(item.review_on)),
                                st["indent"]))
        block += [_p("\u2022 Action: " + a, st["indent"]) for a in item.actions]
        out.append(KeepTogether(block))
    out += [CondPageBreak(40 * mm), _p("Record of changes", st["h1t"]),
            _p("Who added, changed, opened, exported or deleted the pupil's records, and when. "
               "Only the names of the fields changed are recorded, not their values.",
               st["note"])]
    rows: list[list[Any]] = [[_p(h, st["head"]) for h in ("When", "Who", "What", "Record",
                                                         "Fields")]]
    for a in sar.audit:
        rows.append([_p(a.at[:16].replace("T", " "), st["cell"]), _p(a.actor, st["cell"]),
                     _p(a.action.replace("_", " "), st["cell"]), _p(a.record, st["cell"]),
                     _p(", ".join(a.fields), st["cell"])])
    if len(rows) == 1:
        rows.append([_p("No entries.", st["cell"]), "", "", "", ""])
    out.append(_table(rows, [30 * mm, 34 * mm, 26 * mm, 30 * mm, width - 120 * mm]))
    out += [CondPageBreak(40 * mm), _p("Third-party information to review before release",
                                       st["h1t"])]
    rows = [[_p(h, st["head"]) for h in ("Where", "What to check")]]
    rows += [[_p(t.where, st["cell"]), _p(t.what, st["cell"])] for t in sar.third_party]
    if len(rows) == 1:
        rows.append([_p("Nothing found.", st["cell"]), ""])
    out.append(_table(rows, [55 * mm, width - 55 * mm]))
    for note in sar.notes:
        out.append(_p(note, st["note"]))
    out.append(Spacer(1, 4 * mm))
    out.append(_p(f"Produced on {produced} by Partnership Panel. This printed copy is not "
                  "encrypted: keep it secure and destroy it when no longer needed.", st["note"]))
    return out


def render_subject_access(sar: SubjectAccess) -> bytes:
    """The PDF bytes of ``sar`` (same data, same bytes)."""
    register_fonts()
    buffer = io.BytesIO()
    template = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=TOP,
        bottomMargin=20 * mm, title=f"Subject access: {sar.subject}",
        author=sar.partnership, subject="Subject-access export (review before release)",
        creator=f"Partnership Panel {__version__}",
        keywords=f"{sar.marking}, subject access", lang="en-GB", invariant=1,
        initialFontName="DejaVuSans",
    )
    template.build(story(sar), canvasmaker=_canvas_maker(_SarDecor(sar)))
    return buffer.getvalue()
