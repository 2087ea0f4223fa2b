"""The trend per school in the reports PDF, read back from the file: the tables' figures
against the hand-worked trend of tests/core/test_reports.py (today 22/11/2026: the terms of
2025/26 and the autumn of 2026/27 so far), the legend naming each school, the school
filter, and the pages drawn as PNG (test-artifacts/reports/) to look at."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from panel_app.core.errors import ValidationError
from panel_app.core.reports import trends
from panel_app.core.reports.statistics_pdf import _segments, trend_chart
from tests.core.test_reports import data  # noqa: F401 (the fixed partnership)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "reports"


def _text(path: Path) -> str:
    reader = PdfReader(str(path))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _trend_part(text: str) -> str:
    start = text.index("Trend per school, term by term")
    return text[start:]


def test_pdf_trend_tables_match_the_hand_worked_figures(data, tmp_path):  # noqa: F811
    pdf = data.reports.write_pdf(["exclusions"], tmp_path / "ex.pdf")
    text = _text(pdf.path)
    trend = _trend_part(text)
    assert "Trend per school, term by term, 2025/26 to 2026/27" in trend
    assert "Suspensions per 1,000 pupils on roll, by school" in trend
    assert "Permanent exclusions per 1,000 pupils on roll, by school" in trend
    # the legends (one per chart) and the tables name each school
    assert trend.count("Oakfield Academy") >= 4 and trend.count("Riverside School") >= 4
    assert "Per 1,000 pupils on roll" in trend and "Term" in trend
    assert "so far" in trend and "still running on 22/11/2026" in trend
    susp, px = trend.split("Permanent exclusions per 1,000 pupils on roll, by school")
    # Oakfield: 3, 1, 0, 0 suspensions of 1,200: 2.5, 0.83, 0, 0 per 1,000
    assert re.search(r"Oakfield Academy 2\.5 per 1,000 3 of 1,200 0\.83 per 1,000 1 of "
                     r"1,200 0 per 1,000 0 of 1,200 0 per 1,000 0 of 1,200", susp), susp
    # Riverside: spring from its term totals (7 of 960), summer 1 of 950
    assert re.search(r"Riverside School 0 per 1,000 0 of 950 7\.29 per 1,000 7 of 960 "
                     r"1\.05 per 1,000 1 of 950 0 per 1,000 0 of 950", susp), susp
    # the schools added up: 3 of 2,150 and 8 of 2,160
    assert re.search(r"All schools 1\.4 per 1,000 3 of 2,150 3\.7 per 1,000 8 of 2,160", susp)
    # permanent exclusions: Oakfield's upheld PX in spring, Riverside's pending in summer
    assert re.search(r"Oakfield Academy 0 per 1,000 0 of 1,200 0\.83 per 1,000 1 of 1,200 "
                     r"0 per 1,000 0 of 1,200", px), px
    assert re.search(r"Riverside School 0 per 1,000 0 of 950 0 per 1,000 0 of 960 1\.05 per "
                     r"1,000 1 of 950", px), px


def test_pdf_trend_follows_the_school_and_year(data, tmp_path):  # noqa: F811
    pdf = data.reports.write_pdf(["exclusions"], tmp_path / "oak.pdf", year="2025/26",
                                 school="OAK")
    trend = _trend_part(_text(pdf.path))
    assert "Riverside" not in trend and "All schools" not in trend
    # 2024/25 (A's suspension of 01/07/2025 in its summer) and 2025/26, no term so far
    assert "2024/25 to 2025/26" in trend and "so far" not in trend
    assert re.search(r"Oakfield Academy 0 per 1,000 0 of 1,200 0 per 1,000 0 of 1,200 "
                     r"0\.83 per 1,000 1 of 1,200 2\.5 per 1,000 3 of 1,200", trend), trend
    # the moves report alone has no trend
    moves = data.reports.write_pdf(["moves"], tmp_path / "moves.pdf", year="2025/26")
    assert "Trend per school" not in _text(moves.path)


def test_gaps_and_styles():
    assert _segments([1.0, None, 2.0, 3.0, None]) == [[1.0, None, None, None, None],
                                                      [None, None, 2.0, 3.0, None]]
    assert _segments([None, None]) == []
    # the PDF's lines and the window's share the marker and dash of each school
    styles = [trends.line_style(i) for i in range(8)]
    assert len({m for m, _d in styles}) == len({d for _m, d in styles}) == 8


def test_chart_with_a_term_without_a_roll():
    """A school without a roll in a term: no rate (a gap), the others drawn."""
    point = trends.TrendPoint
    trend = trends.ExclusionTrend(
        [(2025, "autumn"), (2025, "spring")],
        [trends.TrendSeries("a", "A School", [point(2025, "autumn", 2, 0, None),
                                              point(2025, "spring", 1, 0, 500)])],
        trends.TrendSeries("", "All schools"))
    drawing = trend_chart(trend, trends.SUSPENSIONS, 480)
    assert drawing.width == 480 and drawing.height > 150


def test_measure_names_and_a_term_without_a_roll_in_csv():
    assert trends.measure_key("px") == trends.measure_key("Permanent") == trends.PERMANENT
    assert trends.measure_key("suspensions") == trends.SUSPENSIONS
    with pytest.raises(ValidationError) as exc:
        trends.measure_key("moves")
    assert exc.value.issues[0].code == "invalid_measure"
    point = trends.TrendPoint
    trend = trends.ExclusionTrend(
        [(2025, "autumn")], [trends.TrendSeries("a", "=HYPERLINK(1)",
                                                [point(2025, "autumn", 2, 0, None)])],
        trends.TrendSeries("", "All schools", [point(2025, "autumn", 2, 0, None)]),
        year=2025)
    lines = trends.to_csv(trend, trends.SUSPENSIONS).splitlines()
    # no roll: empty cells; a school name that a spreadsheet would run is made text
    assert lines[1] == "suspensions,a,'=HYPERLINK(1),2025,autumn,Autumn 2025/26,2,,"


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler) not here")
def test_pdf_pages_drawn_for_a_look(data, tmp_path):  # noqa: F811
    """Draws the trend pages of the PDF as PNG into test-artifacts/reports/ (to look at:
    the legend, the 'so far' label, the tables under the charts)."""
    pdf = data.reports.write_pdf(["exclusions"], tmp_path / "ex.pdf")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("exclusions-trend-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "80", str(pdf.path),
                    str(ARTIFACTS / "exclusions-trend")], check=True, timeout=60)
    pages = sorted(ARTIFACTS.glob("exclusions-trend-*.png"))
    assert pages and all(p.stat().st_size > 5000 for p in pages)
