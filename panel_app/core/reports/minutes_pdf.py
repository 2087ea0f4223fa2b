"""The minutes PDF (A4, reportlab platypus) from a ``MinutesDocument``.

- The protective marking (OFFICIAL-SENSITIVE unless configured) is printed at the top
  and the bottom of every page, with "Page x of y" and which copy it is.
- DejaVu Sans (panel_app/resources/fonts, with its licence) is embedded, so any
  accented or non-Latin name renders.
- Tables repeat their header row on each page and split a very long cell across pages
  (``repeatRows=1, splitInRow=1``); long text is in paragraphs, which split anyway.
- Reproducible: reportlab's invariant mode (fixed document id, no random font subset
  tags) and the document's own dates (``produced_on``) in the metadata, so the same
  document gives the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

from panel_app import __version__
from panel_app.core.domain.dates import format_uk
from panel_app.core.errors import PanelError
from panel_app.core.reports.minutes import CIRCULATION, COPY_LABELS, MinutesDocument
from panel_app.core.resources import resource_path

Progress = Callable[[int, int, str], None]

# Shipped in resources/fonts with its licence and authors.
FONT_DIR = resource_path("fonts")
FONT = "DejaVuSans"
FONT_FILES = {
    FONT: "DejaVuSans.ttf",
    f"{FONT}-Bold": "DejaVuSans-Bold.ttf",
    f"{FONT}-Oblique": "DejaVuSans-Oblique.ttf",
    f"{FONT}-BoldOblique": "DejaVuSans-BoldOblique.ttf",
}
MARGIN = 18 * mm
TOP = 24 * mm
GREY = colors.HexColor("#4a4a4a")
RULE = colors.HexColor("#9a9a9a")
HEAD_BG = colors.HexColor("#e4e7eb")


def register_fonts(folder: Path = FONT_DIR) -> None:
    """Register the embedded font family with reportlab (once per process)."""
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    for name, filename in FONT_FILES.items():
        path = folder / filename
        if not path.is_file():
            raise PanelError(
                f"The font file {filename} is missing from {folder}: reinstall Partnership "
                "Panel to restore it.")
        pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=f"{FONT}-Bold",
                                  italic=f"{FONT}-Oblique", boldItalic=f"{FONT}-BoldOblique")


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=12.5, spaceAfter=3)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=10.5, spaceAfter=0),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=10.5, spaceAfter=0),
        "head": ParagraphStyle("head", parent=base, fontName=f"{FONT}-Bold", fontSize=8.5,
                               leading=10.5, spaceAfter=0),
        "party": ParagraphStyle("party", parent=base, fontName=f"{FONT}-Bold", fontSize=12,
                                leading=15, textColor=GREY),
        "title": ParagraphStyle("title", parent=base, fontName=f"{FONT}-Bold", fontSize=17,
                                leading=21, spaceAfter=6),
        "h1": ParagraphStyle("h1", parent=base, fontName=f"{FONT}-Bold", fontSize=12.5,
                             leading=16, spaceBefore=10, spaceAfter=4, keepWithNext=1),
        # before a table: not kept with it (a long table would be pushed to the next
        # page whole); a CondPageBreak keeps the heading off the foot of a page instead
        "h1t": ParagraphStyle("h1t", parent=base, fontName=f"{FONT}-Bold", fontSize=12.5,
                              leading=16, spaceBefore=10, spaceAfter=4),
        "section": ParagraphStyle("section", parent=base, fontName=f"{FONT}-Bold", fontSize=10,
                                  leading=13, spaceBefore=8, spaceAfter=2, textColor=GREY,
                                  keepWithNext=1),
        "item": ParagraphStyle("item", parent=base, fontName=f"{FONT}-Bold", fontSize=10.5,
                               leading=13.5, spaceBefore=6, spaceAfter=2, keepWithNext=1),
        "note": ParagraphStyle("note", parent=base, fontName=f"{FONT}-Oblique", textColor=GREY),
        "indent": ParagraphStyle("indent", parent=base, leftIndent=10),
        "center": ParagraphStyle("center", parent=base, alignment=TA_CENTER),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text: escaped, line breaks kept."""
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _label(label: str, text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(f"<b>{escape(label)}</b> " + escape(text).replace("\n", "<br/>"), style)


def _date_long(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d.strftime('%A')} {format_uk(d)}"


class _Table(Table):  # type: ignore[misc]
    """A table that splits a tall row (a very long note) where the page ends, instead of
    moving the whole row to the next page and leaving this one half empty; ordinary
    rows still move whole. (reportlab tries between-row splits first; a tall row then
    lands under a second header row on the same page.)"""

    TALL_ROW = 100.0  # points, about eight lines of a cell

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        self._calc(availWidth, availHeight)
        n = self._getFirstPossibleSplitRowPosition(availHeight)
        if 0 < n < len(self._rowHeights) and self._rowHeights[n] > self.TALL_ROW:
            parts = self._splitRows(availHeight, doInRowSplit=1)
            if parts:
                return parts  # type: ignore[no-any-return]
        return super().split(availWidth, availHeight)  # type: ignore[no-any-return]


def _table(rows: list[list[Any]], widths: list[float], *, zebra: bool = True) -> Table:
    table = _Table(rows, colWidths=widths, repeatRows=1, splitInRow=1, hAlign="LEFT")
    style = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, RULE),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    if zebra:
        style.append(("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white,
                                                           colors.HexColor("#f6f7f8")]))
    table.setStyle(TableStyle(style))
    return table


class _PageDecor:
    """What every page carries, drawn once the page count is known."""

    def __init__(self, doc: MinutesDocument) -> None:
        self.marking = doc.marking.strip()
        self.left = f"{doc.partnership}: minutes of {doc.date_uk}"
        if doc.status != "approved":
            self.left += " (DRAFT)"
        self.copy = ("Circulation copy" if doc.copy == CIRCULATION else "Members' copy")
        produced = date.fromisoformat(doc.produced_on)
        self.pdf_date = f"D:{produced:%Y%m%d}000000+00'00'"

    def draw(self, c: canvas.Canvas, page: int, pages: int) -> None:
        width, height = A4
        c.saveState()
        if self.marking:
            c.setFont(f"{FONT}-Bold", 10)
            c.drawCentredString(width / 2, height - 11 * mm, self.marking)
            c.drawCentredString(width / 2, 7 * mm, self.marking)
        c.setFont(FONT, 7.5)
        c.setFillColor(GREY)
        c.drawString(MARGIN, height - 17 * mm, self.left[:110])
        c.drawRightString(width - MARGIN, height - 17 * mm, self.copy)
        c.setStrokeColor(RULE)
        c.setLineWidth(0.5)
        c.line(MARGIN, height - 18.5 * mm, width - MARGIN, height - 18.5 * mm)
        c.line(MARGIN, 14.5 * mm, width - MARGIN, 14.5 * mm)
        c.drawString(MARGIN, 11 * mm, f"Partnership Panel {__version__}")
        c.drawRightString(width - MARGIN, 11 * mm, f"Page {page} of {pages}")
        c.restoreState()


def _canvas_maker(decor: _PageDecor) -> Callable[..., canvas.Canvas]:
    class NumberedCanvas(canvas.Canvas):  # type: ignore[misc]
        """Holds each page until the end so that it can print "Page x of y"."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []
            self.setDateFormatter(lambda *_: decor.pdf_date)

        def showPage(self) -> None:  # reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                decor.draw(self, number, total)
                super().showPage()
            super().save()

    return NumberedCanvas


def _bar_chart(doc: MinutesDocument, width: float) -> Drawing:
    assert doc.quota is not None
    rows = doc.quota.rows
    height = 16 * len(rows) + 40
    drawing = Drawing(width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = 120, 20
    chart.width, chart.height = width - 140, height - 30
    chart.data = [[r.allocated for r in rows], [r.used for r in rows]]
    chart.categoryAxis.categoryNames = [r.label[:24] for r in rows]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = colors.HexColor("#b8c4d6")
    chart.bars[1].fillColor = colors.HexColor("#3d5a80")
    drawing.add(chart)
    drawing.add(String(120, 5, f"light: allocated, dark: used ({doc.quota.unit})",
                       fontName=FONT, fontSize=7))
    return drawing


def story(doc: MinutesDocument) -> list[Flowable]:
    """The flowables of the minutes, in reading order."""
    st = _styles()
    width = A4[0] - 2 * MARGIN
    out: list[Flowable] = [
        _p(doc.partnership, st["party"]),
        _p("Minutes of the panel meeting", st["title"]),
    ]
    when = _date_long(doc.meeting_date) + ", " + doc.start_time
    if doc.end_time:
        when += f" to {doc.end_time}"
    facts = [
        ("Date", when),
        ("Venue", doc.venue or "not recorded"),
        ("Chair", doc.chair or "not recorded"),
        ("Clerk", doc.clerk or "not recorded"),
        ("Status", doc.status_note),
        ("Copy", COPY_LABELS[doc.copy]),
    ]
    head = Table([[_p(k, st["head"]), _p(v, st["cell"])] for k, v in facts],
                 colWidths=[24 * mm, width - 24 * mm], hAlign="LEFT")
    head.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT),
                              ("VALIGN", (0, 0), (-1, -1), "TOP"),
                              ("LEFTPADDING", (0, 0), (-1, -1), 0),
                              ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                              ("TOPPADDING", (0, 0), (-1, -1), 1)]))
    out += [head, Spacer(1, 4 * mm)]

    # -- attendance, quorum, declarations ---------------------------------------------------
    out.append(_p("Attendance", st["h1t"]))
    order = {"present": 0, "apologies": 1, "absent": 2, "invited": 2}
    labels = {"present": "Present", "apologies": "Apologies", "absent": "Absent",
              "invited": "Not recorded"}
    rows: list[list[Any]] = [[_p(h, st["head"]) for h in ("Name", "Role", "School",
                                                         "Attendance")]]
    for a in sorted(doc.attendees, key=lambda a: (order.get(a.attendance, 3))):
        att = labels.get(a.attendance, a.attendance)
        if a.part == "fair_access":
            att += " (fair-access items only)"
        rows.append([_p(a.name, st["cell"]), _p(a.role, st["cell"]),
                     _p(a.school, st["cell"]), _p(att, st["cell"])])
    if len(rows) == 1:
        rows.append([_p("No members were invited.", st["cell"]), "", "", ""])
    out.append(_table(rows, [52 * mm, 32 * mm, 52 * mm, width - 136 * mm]))
    out.append(Spacer(1, 2 * mm))
    apologies = doc.apologies()
    out.append(_label("Apologies:", ", ".join(a.name for a in apologies) + "."
                      if apologies else "none.", st["body"]))
    quorum = doc.quorum_text
    out.append(Paragraph(f"<b>Quorum:</b> {escape(quorum)}", st["body"]))
    out.append(_p("Declarations of interest", st["section"]))
    if doc.declarations:
        out += [_p("\u2022 " + d, st["indent"]) for d in doc.declarations]
    else:
        out.append(_p("None declared.", st["body"]))

    # -- items ------------------------------------------------------------------------------
    out.append(_p("Items", st["h1"]))
    section = None
    for item in doc.items:
        if item.section != section:
            section = item.section
            out.append(CondPageBreak(30 * mm))
            if item.title != item.section_title:  # a standing item names its section
                out.append(_p(item.section_title, st["section"]))
        block: list[Flowable] = [_p(f"{item.number}. {item.title}", st["item"])]
        pupil = doc.pupils.get(item.case_ref) if item.case_ref else None
        if pupil is not None:
            block.append(_label("Pupil:", pupil.line, st["body"]))
        if item.late_note:
            block.append(_p(item.late_note, st["note"]))
        out.append(KeepTogether(block))
        if item.notes:
            out.append(_p(item.notes, st["body"]))
        if item.ladder is not None:
            verdict = item.ladder.verdict
            out.append(_label("Ladder check:", verdict + (" (OVERRIDE)" if item.ladder.overridden
                                                         and "OVERRID" not in verdict else ""),
                              st["body"]))
            if item.ladder.override_reason:
                out.append(_label("Override reason:", item.ladder.override_reason,
                                  st["indent"]))
            for gap in item.ladder.missing:
                out.append(_p("\u2013 missing: " + gap, st["indent"]))
        if item.outcome:
            decision = [_label("Decision:", f"{item.outcome}. {item.method}.", st["body"])]
            if item.conditions:
                decision.append(_label("Conditions:", item.conditions, st["indent"]))
            if item.rationale:
                decision.append(_label("Rationale:", item.rationale, st["indent"]))
            if item.dissent:
                decision.append(_label("Dissent:", item.dissent, st["indent"]))
            if item.review_on:
                decision.append(_label("Review by:",
                                       format_uk(date.fromisoformat(item.review_on)),
                                       st["indent"]))
            short = len(item.conditions + item.rationale + item.dissent) < 800
            out.extend([KeepTogether(decision)] if short else decision)
        if item.action_numbers:
            out.append(_label("Actions:", ", ".join(f"A{n}" for n in item.action_numbers)
                              + " (see the actions table).", st["indent"]))

    # -- actions ----------------------------------------------------------------------------
    out.append(CondPageBreak(40 * mm))
    out.append(_p("Actions", st["h1t"]))
    if doc.actions:
        rows = [[_p(h, st["head"]) for h in ("No.", "Action", "Owner", "Due", "Item")]]
        for act in doc.actions:
            rows.append([
                _p(f"A{act.number}", st["cell"]), _p(act.text, st["cell"]),
                _p(act.owner, st["cell"]), _p(format_uk(date.fromisoformat(act.due_on)),
                                              st["cell"]),
                _p("" if act.item_number is None else str(act.item_number), st["cell"]),
            ])
        out.append(_table(rows, [12 * mm, width - 96 * mm, 46 * mm, 22 * mm, 16 * mm]))
    else:
        out.append(_p("No actions were agreed.", st["body"]))

    # -- quota snapshot (only when quotas exist) --------------------------------------------
    if doc.quota is not None and doc.quota.rows:
        out.append(CondPageBreak(60 * mm))
        out.append(_p(doc.quota.title, st["h1t"]))
        rows = [[_p(h, st["head"]) for h in ("School", f"Allocated ({doc.quota.unit})",
                                              f"Used ({doc.quota.unit})", "Remaining")]]
        for r in doc.quota.rows:
            rows.append([_p(r.label, st["cell"]), _p(f"{r.allocated:g}", st["cell"]),
                         _p(f"{r.used:g}", st["cell"]),
                         _p(f"{r.allocated - r.used:g}", st["cell"])])
        out.append(_table(rows, [width - 96 * mm, 32 * mm, 32 * mm, 32 * mm]))
        out.append(Spacer(1, 2 * mm))
        out.append(_bar_chart(doc, width))
        if doc.quota.note:
            out.append(_p(doc.quota.note, st["note"]))

    # -- close ------------------------------------------------------------------------------
    out.append(Spacer(1, 4 * mm))
    nxt = (_date_long(doc.next_meeting) if doc.next_meeting else "to be arranged")
    out.append(_label("Date of next meeting:", nxt + ".", st["body"]))
    out.append(_p(f"Produced on {format_uk(date.fromisoformat(doc.produced_on))} by "
                  "Partnership Panel. This printed copy is not encrypted: keep it secure "
                  "and destroy it when no longer needed.", st["note"]))
    return out


def render_minutes(doc: MinutesDocument, progress: Progress | None = None) -> bytes:
    """The PDF bytes of ``doc`` (same document, same bytes)."""
    register_fonts()
    buffer = io.BytesIO()
    subject = ("Circulation copy (pupils by initials and case reference)"
               if doc.copy == CIRCULATION else "Members' copy (contains pupils' names)")
    template = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=TOP,
        bottomMargin=20 * mm, title=doc.title, author=doc.clerk or doc.partnership,
        subject=subject, creator=f"Partnership Panel {__version__}",
        keywords=f"{doc.marking}, panel minutes", lang="en-GB", invariant=1,
        initialFontName=FONT,
    )
    flowables = story(doc)
    if progress is not None:
        total = [len(flowables)]

        def on_progress(kind: str, value: int) -> None:
            if kind == "SIZE_EST":
                total[0] = max(1, int(value))
            elif kind == "PROGRESS":
                progress(min(int(value), total[0]), total[0] + 1, "Laying out the minutes")

        template.setProgressCallBack(on_progress)
    template.build(flowables, canvasmaker=_canvas_maker(_PageDecor(doc)))
    data = buffer.getvalue()
    if progress is not None:
        progress(1, 1, "Minutes ready")
    return data
