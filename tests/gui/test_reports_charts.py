"""The Reports section's charts on a fixed data set: a trend line per school across the
terms (the right points, worked out by hand), bars per term for the schools together, the
measure switched between suspensions and permanent exclusions, one school, other reports,
accessible names and summaries, and screenshots under test-artifacts/gui/ for review
(normal, permanent exclusions, narrow with large text)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QImage

from panel_app.core.services import unlock
from panel_app.gui.trend_chart import MARKERS, style, tick_lines
from panel_app.gui.views.reports_view import ReportsView
from tests.conftest import PASSPHRASE
from tests.core.util import case_values
from tests.gui.conftest import WAIT_MS, make_window
from tests.gui.test_accessibility import problems_in

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "gui"
TERMS = ["Autumn 2025/26", "Spring 2025/26", "Summer 2025/26", "Autumn 2026/27 so far"]


@pytest.fixture
def two_years(db_path: Path, no_keyring: Any, clock: Any) -> Path:
    """Oakfield (roll 1,200) and Riverside (roll 950; its spring 2025/26 totals: roll 960,
    5 suspensions). Today is 22/11/2026, so the trend runs from autumn 2025/26 to this
    autumn so far. Per 1,000 on roll, by hand:

        suspensions  Oakfield   1 -> 0.83,  2 -> 1.67,  0 -> 0,  1 -> 0.83
                     Riverside  1 -> 1.05,  5 of 960 -> 5.21,  0 -> 0,  1 -> 1.05
        PX           Oakfield   summer 1 -> 0.83;  Riverside this autumn 1 -> 1.05
    """
    s = unlock(db_path, passphrase=PASSPHRASE, keyring=no_keyring, clock=clock)
    try:
        a = s.create_case(case_values("Amy", "Ash", serial=1)).case
        b = s.create_case(case_values("Ben", "Bell", serial=2)).case
        c = s.create_case(case_values("Cal", "Cole", serial=3, school="Riverside School")).case
        x = s.exclusions
        x.add(a.case_ref, kind="suspension", start="06/10/2025", days=1, reason="PD")
        x.add(a.case_ref, kind="suspension", start="20/01/2026", days=2, reason="VA")
        x.add(b.case_ref, kind="suspension", start="21/01/2026", days=1, reason="PD")
        x.add(b.case_ref, kind="permanent", start="05/05/2026", reason="PA",
              status="upheld", decided_on="12/05/2026")
        x.add(a.case_ref, kind="suspension", start="05/10/2026", days=1, reason="PD")
        x.add(c.case_ref, kind="suspension", start="12/11/2025", days=1, reason="VP")
        x.set_figures("RIV", year="2025/26", term="spring", roll=960, suspensions=5)
        x.add(c.case_ref, kind="suspension", start="04/11/2026", days=1, reason="VP")
        x.add(c.case_ref, kind="permanent", start="10/11/2026", reason="PP")
    finally:
        s.lock()
    return db_path


def open_reports(qtbot: Any, host: Any, ctx: Any, path: Path) -> tuple[Any, ReportsView]:
    window = make_window(qtbot, host, ctx, path)
    window.resize(1280, 760)
    view = window.pages["Reports"]
    assert isinstance(view, ReportsView)
    qtbot.waitUntil(lambda: view.report is not None and view.trend is not None,
                    timeout=WAIT_MS)
    window.show_section("Reports")
    return window, view


def lines(view: ReportsView) -> dict[str, list[float | None]]:
    return {line.name: line.values for line in view.trend_chart.lines}


def save(widget: Any, name: str) -> QImage:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / f"{name}.png"
    assert widget.grab().save(str(target))
    image = QImage(str(target))
    assert not image.isNull()
    return image


def test_trend_lines_per_school_and_bars_per_term(qtbot: Any, host: Any, ctx: Any,
                                                  two_years: Path) -> None:
    window, view = open_reports(qtbot, host, ctx, two_years)
    chart = view.trend_chart
    assert chart.isVisible() and view.measure.isVisible()
    assert chart.labels == TERMS
    assert lines(view) == {"Oakfield Academy": [0.83, 1.67, 0.0, 0.83],
                           "Riverside School": [1.05, 5.21, 0.0, 1.05]}
    # each school its own marker and line pattern, said in the summary with the figures
    assert style(0) != style(1) and {style(0)[0], style(1)[0]} <= set(MARKERS)
    summary = chart.accessibleDescription()
    assert chart.accessibleName() == "Trend chart: each school, term by term"
    assert summary == chart.summary() and summary.startswith(
        "Suspensions by school, term by term (all schools), per 1,000 pupils on roll, "
        "from Autumn 2025/26 to Autumn 2026/27 so far.")
    assert ("Riverside School (dashed line, square markers): Autumn 2025/26 1 of 950 on "
            "roll: 1.05 per 1,000; Spring 2025/26 5 of 960 on roll: 5.21 per 1,000") in summary
    # bars: the schools together, per term
    assert [(b.label, b.value) for b in view.chart.bars] == [
        ("Autumn 2025/26", 2), ("Spring 2025/26", 7), ("Summer 2025/26", 0),
        ("Autumn 2026/27 so far", 2)]
    assert view.chart.bars[1].text == "7 of 2,160 (3.24 per 1,000)"
    assert "Spring 2025/26: 7 of 2,160" in view.chart.accessibleDescription()
    assert problems_in(window) == []
    image = save(window, "reports-trend")
    assert len({image.pixel(x, y) for x in range(0, image.width(), 8)
                for y in range(image.height() // 2, image.height(), 8)}) > 20

    # permanent exclusions: the same terms, other points
    view.measure.setCurrentIndex(view.measure.findData("permanent_exclusions"))
    assert lines(view) == {"Oakfield Academy": [0.0, 0.0, 0.83, 0.0],
                           "Riverside School": [0.0, 0.0, 0.0, 1.05]}
    assert [b.value for b in view.chart.bars] == [0, 0, 1, 1]
    assert chart.summary().startswith("Permanent exclusions by school")
    save(window, "reports-trend-px")

    # one school: one line
    with qtbot.waitSignal(view.loaded, timeout=WAIT_MS):
        view.school.setCurrentIndex(view.school.findText("Riverside School"))
    assert list(lines(view)) == ["Riverside School"]
    assert "(riverside school)" in chart.summary().lower()

    # moves: bars per school, no trend
    with qtbot.waitSignal(view.loaded, timeout=WAIT_MS):
        view.kind.setCurrentIndex(view.kind.findData("moves"))
    assert view.trend is None and not chart.isVisible() and not view.measure.isVisible()
    assert chart.lines == [] and problems_in(window) == []
    window.lock()
    assert view.trend_chart.lines == [] and view.trend_chart.summary() == ""


def test_chart_is_readable_narrow_and_with_large_text(qtbot: Any, host: Any, ctx: Any,
                                                      two_years: Path) -> None:
    """At 150% text in a narrow window the terms are written short on two lines and
    nothing is lost from the summary; wide, they are written in full."""
    _window, view = open_reports(qtbot, host, ctx, two_years)
    chart = view.trend_chart
    chart.grab()  # painted at its size in the window
    assert chart.short is False
    font = chart.font()
    font.setPointSizeF(font.pointSizeF() * 1.5)
    chart.setFont(font)
    chart.resize(380, 300)
    save(chart, "reports-trend-narrow-150")
    assert chart.short is True
    assert tick_lines(TERMS[-1], True) == ["Aut", "26/27", "so far"]
    assert tick_lines(TERMS[0], False) == ["Autumn", "2025/26"]
    assert "Autumn 2026/27 so far 1 of 950 on roll: 1.05 per 1,000" in chart.summary()
