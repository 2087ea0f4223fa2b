"""Shared pieces of the Bundles screens: status icons drawn in code (each state has its
own shape, and its word is always shown beside it), UK dates, sizes, readable
fingerprints, field names, and the sorting of refusals into a headline for the user."""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPainterPath, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QWidget

from panel_app.core.domain.dates import format_uk
from panel_app.core.domain.dates import uk_datetime as uk_datetime  # re-exported
from panel_app.core.domain.models import NEED_FLAGS
from panel_app.core.domain.validation import label as field_label
from panel_app.core.domain.wording import plural as plural  # re-exported
from panel_app.core.services.bundles import import_summary as import_summary  # re-exported
from panel_app.gui.icons import risk_text

DELETED_FIELD = "__deleted__"  # core.domain.changelog.DELETED: a record deleted or kept
_SIZE = 64
_COLOURS = {"ok": QColor(30, 140, 60), "warning": QColor(200, 130, 0),
            "error": QColor(200, 30, 45), "info": QColor(70, 110, 170),
            "sent": QColor(70, 110, 170), "received": QColor(30, 140, 60),
            "muted": QColor(120, 120, 120)}
# Card status: (word shown, icon kind).
CARD_STATUS = {"active": ("Active", "ok"), "replaced": ("Replaced", "muted"),
               "revoked": ("Revoked", "error")}
CONFLICT_STATUS = {"open": ("Open", "warning"), "resolved": ("Resolved", "ok")}
_FLAG_FIELDS = set(NEED_FLAGS)
_KINDS = {"case": "Case", "pupil": "Pupil", "case_note": "Note", "document": "Document",
          "school": "School", "person": "Person", "partnership": "Partnership"}


@cache
def status_icon(kind: str) -> QIcon:
    """ok: circle with a tick; warning: triangle with '!'; error: circle with a cross;
    info/muted: circle with 'i'; sent: arrow up; received: arrow down."""
    colour = _COLOURS.get(kind, _COLOURS["muted"])
    pix = QPixmap(_SIZE, _SIZE)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QPen(colour.darker(130), 3))
    p.setBrush(colour)
    s = float(_SIZE)
    white = QPen(QColor(255, 255, 255), 6)
    white.setCapStyle(Qt.PenCapStyle.RoundCap)
    white.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    if kind == "warning":
        p.drawPolygon(QPolygonF([QPointF(s / 2, 4), QPointF(s - 4, s - 6), QPointF(4, s - 6)]))
        p.setPen(white)
        p.drawLine(QPointF(s / 2, 24), QPointF(s / 2, 40))
        p.drawPoint(QPointF(s / 2, 50))
    elif kind in ("sent", "received"):
        up = kind == "sent"
        tip, base = (6.0, s - 6) if up else (s - 6, 6.0)
        mid = s / 2 - 4 if up else s / 2 + 4
        p.drawPolygon(QPolygonF([QPointF(s / 2, tip), QPointF(s - 8, mid), QPointF(s / 2 + 10, mid),
                                 QPointF(s / 2 + 10, base), QPointF(s / 2 - 10, base),
                                 QPointF(s / 2 - 10, mid), QPointF(8, mid)]))
    else:
        p.drawEllipse(QRectF(6, 6, s - 12, s - 12))
        p.setPen(white)
        p.setBrush(Qt.BrushStyle.NoBrush)
        if kind == "ok":
            path = QPainterPath(QPointF(19, 33))
            path.lineTo(28, 42)
            path.lineTo(45, 23)
            p.drawPath(path)
        elif kind == "error":
            p.drawLine(QPointF(22, 22), QPointF(42, 42))
            p.drawLine(QPointF(42, 22), QPointF(22, 42))
        else:
            p.drawPoint(QPointF(s / 2, 20))
            p.drawLine(QPointF(s / 2, 30), QPointF(s / 2, 46))
    p.end()
    return QIcon(pix)


def icon_label(kind: str, parent: QWidget | None = None) -> QLabel:
    """A small label holding a status icon at the text height (the text goes beside it)."""
    label = QLabel(parent)
    set_icon(label, kind)
    return label


def set_icon(label: QLabel, kind: str) -> None:
    size = label.fontMetrics().height()
    label.setPixmap(status_icon(kind).pixmap(size, size) if kind else QPixmap())
    label.setVisible(bool(kind))


def table_view(model: Any, name: str, *, sortable: bool = True) -> QTableView:
    """A read-only, row-selecting table for ``model`` (a BundleTableModel or a proxy of
    one), with column widths from the model's columns."""
    table = QTableView()
    table.setModel(model)
    table.setAccessibleName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.setTabKeyNavigation(False)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)
    header = table.horizontalHeader()
    header.setStretchLastSection(True)
    header.setHighlightSections(False)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    source = model.sourceModel() if hasattr(model, "sourceModel") else model
    char = max(table.fontMetrics().averageCharWidth(), 6)
    for i, column in enumerate(getattr(source, "columns", [])):
        if column.width:
            table.setColumnWidth(i, column.width * char + 16)
    if sortable:
        table.setSortingEnabled(True)
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
    return table


# -- text -------------------------------------------------------------------------------------
def uk_day(iso: str) -> str:
    if not iso:
        return ""
    try:
        return format_uk(date.fromisoformat(iso[:10]))
    except ValueError:
        return iso


def human_size(size: int | None) -> str:
    if size is None:
        return ""
    if size < 1000:
        return f"{size} bytes"
    if size < 1000**2:
        return f"{size / 1000:.1f} kB"
    return f"{size / 1000**2:.1f} MB"


def spaced_fingerprint(fp: str) -> str:
    """'7KQ2-M9XA-…' as '7KQ2  M9XA  …': groups of four to read out over the phone."""
    return "  ".join(fp.split("-"))


def spoken_fingerprint(fp: str) -> str:
    """For screen readers: each character on its own, groups separated by commas."""
    return ", ".join(" ".join(group) for group in fp.split("-"))


def fingerprint_label(fp: str, scale: float = 1.25, parent: QWidget | None = None) -> QLabel:
    label = QLabel(spaced_fingerprint(fp), parent)
    label.setObjectName("fingerprint")
    font = QFont("DejaVu Sans Mono")
    font.setStyleHint(QFont.StyleHint.Monospace)
    base = label.font()
    if base.pointSizeF() > 0:
        font.setPointSizeF(base.pointSizeF() * scale)
    font.setBold(True)
    label.setFont(font)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setAccessibleName(f"Fingerprint {spoken_fingerprint(fp)}")
    return label


def kind_name(entity: str) -> str:
    return _KINDS.get(entity, entity.replace("_", " ").capitalize())


def field_name(field: str) -> str:
    return "Record deleted or kept" if field == DELETED_FIELD else field_label(field)


def shown(value: Any) -> str:
    """A value as a user reads it."""
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, bytes):
        return human_size(len(value))
    if isinstance(value, str) and len(value) == 10 and value[4:5] == "-" == value[7:8]:
        return uk_day(value)
    return str(value)


def value_text(field: str, value: Any, names: dict[str, str] | None = None) -> str:
    """A field's value as a user reads it: risk with its symbol, a school by name."""
    if field == "risk" and isinstance(value, str) and value:
        return risk_text(value)
    if field == "status" and isinstance(value, str) and value:
        return value.capitalize()
    if field.endswith("school_id") and isinstance(value, str) and names:
        return names.get(value, value)
    if field in _FLAG_FIELDS and value in (0, 1):
        return "Yes" if value else "No"
    return shown(value)




def seat_text(seat: str, school_name: str) -> str:
    if seat == "panel":
        return "Panel (clerk's) seat"
    if seat == "school":
        return school_name or "A school not in this partnership"
    return "Not set"


# -- refusals ---------------------------------------------------------------------------------
# (kind, headline, phrases of the core's messages that mean it). The core's sentence is
# always shown in full below the headline.
_REFUSALS = (
    ("replay", "An older bundle: refused as a replay", ("as a replay",)),
    ("missing", "An earlier bundle is missing", ("builds on bundle number",)),
    ("unknown_sender", "Unknown or untrusted sender",
     ("not in your partnership directory", "revoked here", "old card of the sender")),
    ("tampered", "The bundle was changed or damaged: refused",
     ("signature does not match", "damaged or incomplete", "in it is not valid",
      "decrypted file is not")),
    ("passphrase", "The passphrase does not open this bundle",
     ("passphrase does not open",)),
    ("not_for_us", "Not encrypted for this installation",
     ("not encrypted for this installation",)),
    ("not_bundle", "This file is not a bundle", ("not a Partnership Panel bundle",)),
    ("too_new", "Made by a newer version", ("newer version", "newer than this app")),
    ("other_partnership", "From another partnership", ("another partnership",)),
    ("own", "This installation's own bundle", ("made by this installation",)),
)


def classify_refusal(message: str) -> tuple[str, str]:
    """The kind of refusal and a short headline for the core's message."""
    for kind, headline, phrases in _REFUSALS:
        if any(p in message for p in phrases):
            return kind, headline
    return "other", "The bundle was refused"


def gui_wording(message: str) -> str:
    """The core's sentences speak of CLI options in places (say what to click instead)
    and give ISO dates (shown as dd/mm/yyyy)."""
    text = (message.replace("explicitly (--reapply)", "explicitly with 'Re-apply anyway…'")
            .replace(" (--school)", "").replace(" (--panel)", ""))
    return re.sub(r"\b(\d{4})-(\d{2})-(\d{2})\b", r"\3/\2/\1", text)
