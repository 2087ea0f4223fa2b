"""Two small charts drawn with QPainter (PySide6-Essentials has no QtCharts).

Each chart has an accessible name and a textual summary (its accessible description, and
``summary()`` for a label beside it), so nothing is told by colour alone: bars carry their
numbers as text, a bar over its allocation is hatched and marked with "!", and the line
chart's planned part is dashed, with the legend saying so in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFocusEvent,
    QFontMetrics,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from panel_app.core.domain.dates import format_uk

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Bar:
    label: str
    allocated: int
    used: int

    @property
    def over(self) -> bool:
        return self.used > self.allocated


def axis(value: float) -> tuple[int, int]:
    """A round axis maximum at or above ``value`` and its tick step (1, 2, 5, 10 ...),
    with at most six steps."""
    top = max(1, int(value + 0.999))
    step = 1
    for step in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000):
        if top <= step * 6:
            break
    return ((top + step - 1) // step) * step, step


class _Chart(QWidget):
    """The shared part: colours from the palette, focus frame, accessible text."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(name)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # a screen reader can land on it
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._summary = ""

    def summary(self) -> str:
        return self._summary

    def _set_summary(self, text: str) -> None:
        self._summary = text
        self.setAccessibleDescription(text)
        self.setToolTip(text)
        self.update()

    def _colours(self) -> tuple[QColor, QColor, QColor, QColor]:
        """Text, grid, the data colour and the warning colour."""
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.WindowText)
        grid = pal.color(QPalette.ColorRole.Mid)
        data = pal.color(QPalette.ColorRole.Highlight)
        dark = pal.color(QPalette.ColorRole.Window).lightness() < 128
        warn = QColor(255, 150, 120) if dark else QColor(180, 40, 40)
        return text, grid, data, warn

    def _frame(self, p: QPainter) -> None:
        if self.hasFocus():
            pen = QPen(self.palette().color(QPalette.ColorRole.Highlight), 2)
            pen.setStyle(Qt.PenStyle.DotLine)
            p.setPen(pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(QRectF(self.rect()).adjusted(1, 1, -1, -1))

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.update()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.update()


class BarChart(_Chart):
    """Per school: the allocation as an outlined bar, places in use as a filled bar inside
    it, and "in use of allocated" written at the end of each row."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(name, parent)
        self.bars: list[Bar] = []
        self.setMinimumHeight(120)

    def set_bars(self, bars: list[Bar]) -> None:
        self.bars = list(bars)
        if not self.bars:
            self._set_summary("No schools to show.")
        else:
            parts = [f"{b.label}: {b.used} in use of {b.allocated} allocated"
                     + (" (over its allocation)" if b.over else "") for b in self.bars]
            self._set_summary("Places by school. " + "; ".join(parts) + ".")
        self.updateGeometry()

    def clear(self) -> None:
        self.bars = []
        self._set_summary("")

    def _row_height(self) -> int:
        return self.fontMetrics().height() + 10

    def sizeHint(self) -> QSize:
        fm = self.fontMetrics()
        return QSize(420, (len(self.bars) + 2) * self._row_height() + fm.height())

    def minimumSizeHint(self) -> QSize:
        return QSize(260, 120)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        text, grid, data, warn = self._colours()
        fm = QFontMetrics(self.font())
        rect = QRectF(self.rect()).adjusted(6, 4, -6, -4)
        if not self.bars:
            p.setPen(text)
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, "No quota set")
            self._frame(p)
            return
        label_w = min(max(fm.horizontalAdvance(b.label) for b in self.bars) + 12,
                      rect.width() * 0.42)
        value_w = max(fm.horizontalAdvance(f"{b.used} of {b.allocated} !") for b in self.bars) + 10
        left = rect.left() + label_w
        width = max(20.0, rect.right() - value_w - left)
        top, step = axis(max(max(b.allocated, b.used) for b in self.bars))
        scale = width / top
        # legend: words beside the swatches (wrapping when narrow)
        sw = fm.height() * 0.8
        x, y = rect.left(), rect.top()
        for kind, word in (("outline", "allocated"), ("fill", "in use"),
                           ("hatch", "over its allocation (!)")):
            item_w = sw * 1.6 + 6 + fm.horizontalAdvance(word)
            if x > rect.left() and x + item_w > rect.right():
                x, y = rect.left(), y + fm.height() + 4
            swatch = QRectF(x, y + 3, sw * 1.6, sw)
            if kind == "outline":
                p.setPen(QPen(text, 1.5))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRect(swatch)
            else:
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(data if kind == "fill" else warn)
                p.drawRect(swatch)
                if kind == "hatch":
                    p.setBrush(QBrush(text, Qt.BrushStyle.BDiagPattern))
                    p.drawRect(swatch)
            p.setPen(text)
            p.drawText(QPointF(x + sw * 1.6 + 6, y + fm.ascent() + 2), word)
            x += item_w + 16
        y += fm.height() + 8
        bars_h = rect.bottom() - y - fm.height() - 6
        row_h = max(fm.height() + 4.0, min(2.2 * fm.height(), bars_h / len(self.bars)))
        # grid lines with their numbers
        p.setPen(QPen(grid, 1, Qt.PenStyle.DotLine))
        bottom = y + row_h * len(self.bars)
        for v in range(0, top + 1, step):
            gx = left + v * scale
            p.setPen(QPen(grid, 1, Qt.PenStyle.DotLine))
            p.drawLine(QPointF(gx, y), QPointF(gx, bottom))
            p.setPen(text)
            label = str(v)
            p.drawText(QPointF(gx - fm.horizontalAdvance(label) / 2, bottom + fm.ascent() + 2),
                       label)
        for i, b in enumerate(self.bars):
            ry = y + i * row_h
            bar_h = row_h * 0.62
            by = ry + (row_h - bar_h) / 2
            p.setPen(text)
            name = fm.elidedText(b.label, Qt.TextElideMode.ElideRight, int(label_w - 10))
            p.drawText(QRectF(rect.left(), ry, label_w - 8, row_h),
                       int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), name)
            colour = warn if b.over else data
            if b.used:
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(colour)
                inner = QRectF(left, by + 3, b.used * scale, bar_h - 6)
                p.drawRect(inner)
                if b.over:
                    p.setBrush(QBrush(text, Qt.BrushStyle.BDiagPattern))
                    p.drawRect(inner)
            p.setPen(QPen(text, 1.5))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(QRectF(left, by, max(b.allocated * scale, 1.5), bar_h))
            p.setPen(text)
            end = left + max(b.allocated, b.used) * scale + 6
            p.drawText(QPointF(end, ry + (row_h + fm.ascent() - fm.descent()) / 2),
                       f"{b.used} of {b.allocated}" + (" !" if b.over else ""))
        self._frame(p)


class LineChart(_Chart):
    """Places in use week by week across the school year, with the places purchased as a
    dashed level and the report date marked; weeks after it (planned) are dashed."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(name, parent)
        self.points: list[tuple[date, int]] = []
        self.limit = 0
        self.today: date | None = None
        self.setMinimumHeight(160)

    def set_series(self, points: list[tuple[date, int]], limit: int, today: date | None,
                   year_label: str = "") -> None:
        self.points = list(points)
        self.limit = limit
        self.today = today
        if not self.points:
            self._set_summary("No weeks to show.")
            return
        peak_on, peak = max(self.points, key=lambda pt: pt[1])
        over = [d for d, n in self.points if n > limit]
        now = next((n for d, n in reversed(self.points) if today and d <= today), None)
        text = (f"Places in use each week of {year_label or 'the year'}, with placements as "
                f"planned: from {self.points[0][1]} on {format_uk(self.points[0][0])} to "
                f"{self.points[-1][1]} on {format_uk(self.points[-1][0])}; highest {peak} "
                f"(week of {format_uk(peak_on)}); {limit} places purchased.")
        if now is not None and today is not None:
            text += f" {now} in use in the week of {format_uk(today)}."
        text += (f" Over the places purchased in {len(over)} week(s)." if over
                 else " Never over the places purchased.")
        self._set_summary(text)

    def clear(self) -> None:
        self.points = []
        self._set_summary("")

    def sizeHint(self) -> QSize:
        return QSize(600, 13 * self.fontMetrics().height())

    def minimumSizeHint(self) -> QSize:
        return QSize(300, 160)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        text, grid, data, warn = self._colours()
        fm = QFontMetrics(self.font())
        rect = QRectF(self.rect()).adjusted(6, 4, -10, -4)
        if not self.points:
            p.setPen(text)
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, "No quota set")
            self._frame(p)
            return
        top, step = axis(max(max(n for _d, n in self.points), self.limit) * 1.1)
        axis_w = fm.horizontalAdvance(str(top)) + 10
        legend_h = fm.height() + 6
        plot = QRectF(rect.left() + axis_w, rect.top() + legend_h, rect.width() - axis_w,
                      rect.height() - legend_h - fm.height() - 6)
        first, last = self.points[0][0], self.points[-1][0]
        span = max(1, (last - first).days)

        def px(d: date) -> float:
            return plot.left() + (d - first).days / span * plot.width()

        def py(n: float) -> float:
            return plot.bottom() - n / top * plot.height()

        # legend in words
        x = plot.left()
        ly = rect.top() + fm.ascent()
        for label, style, colour in (("in use", Qt.PenStyle.SolidLine, data),
                                     ("planned", Qt.PenStyle.DashLine, data),
                                     (f"{self.limit} places purchased", Qt.PenStyle.DashDotLine,
                                      warn)):
            p.setPen(QPen(colour, 2.5, style))
            p.drawLine(QPointF(x, ly - fm.ascent() / 3), QPointF(x + 26, ly - fm.ascent() / 3))
            p.setPen(text)
            p.drawText(QPointF(x + 32, ly), label)
            x += 32 + fm.horizontalAdvance(label) + 20
        # y grid
        for v in range(0, top + 1, step):
            p.setPen(QPen(grid, 1, Qt.PenStyle.DotLine))
            p.drawLine(QPointF(plot.left(), py(v)), QPointF(plot.right(), py(v)))
            p.setPen(text)
            label = str(v)
            p.drawText(QPointF(plot.left() - fm.horizontalAdvance(label) - 6,
                               py(v) + fm.ascent() / 2 - 1), label)
        # month ticks along the bottom
        seen: set[tuple[int, int]] = set()
        p.setPen(text)
        for d, _n in self.points:
            if (d.year, d.month) in seen:
                continue
            seen.add((d.year, d.month))
            label = MONTHS[d.month - 1]
            p.drawText(QPointF(px(d), plot.bottom() + fm.ascent() + 4), label)
        p.setPen(QPen(grid, 1))
        p.drawLine(plot.bottomLeft(), plot.bottomRight())
        # the places purchased
        if self.limit:
            p.setPen(QPen(warn, 2, Qt.PenStyle.DashDotLine))
            p.drawLine(QPointF(plot.left(), py(self.limit)), QPointF(plot.right(), py(self.limit)))
        # the line: solid up to the report date, dashed after (planned)
        for (d1, n1), (d2, n2) in zip(self.points, self.points[1:], strict=False):
            planned = self.today is not None and d2 > self.today
            colour = warn if max(n1, n2) > self.limit else data
            p.setPen(QPen(colour, 2.5, Qt.PenStyle.DashLine if planned else Qt.PenStyle.SolidLine))
            p.drawLine(QPointF(px(d1), py(n1)), QPointF(px(d2), py(n1)))
            p.drawLine(QPointF(px(d2), py(n1)), QPointF(px(d2), py(n2)))
        d_last, n_last = self.points[-1]
        p.drawLine(QPointF(px(d_last), py(n_last)), QPointF(plot.right(), py(n_last)))
        # the report date
        if self.today is not None and first <= self.today <= last:
            tx = px(self.today)
            p.setPen(QPen(text, 1, Qt.PenStyle.DashLine))
            p.drawLine(QPointF(tx, plot.top()), QPointF(tx, plot.bottom()))
            label = f"today {format_uk(self.today)}"
            lx = tx + 4 if tx + 4 + fm.horizontalAdvance(label) < plot.right() else (
                tx - 4 - fm.horizontalAdvance(label))
            p.setPen(text)
            p.drawText(QPointF(lx, plot.top() + fm.ascent()), label)
        self._frame(p)
