"""The Reports section: figures match ``session.reports`` for a small data set, every rate
shows its numerator and denominator, the chart sums it up, exports say they are not
encrypted, and the view is accessible."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from panel_app.core.services import unlock
from panel_app.gui.views.reports_view import EXCLUSION_COLUMNS, ReportsView
from tests.conftest import PASSPHRASE
from tests.core.util import case_values
from tests.gui.conftest import WAIT_MS, make_window
from tests.gui.test_accessibility import problems_in


@pytest.fixture
def seeded(db_path: Path, no_keyring: Any, clock: Any) -> dict[str, Any]:
    """Three suspensions and a permanent exclusion at Oakfield, one suspension at
    Riverside (autumn 2026); the expected figures are read from session.reports."""
    s = unlock(db_path, passphrase=PASSPHRASE, keyring=no_keyring, clock=clock)
    try:
        a = s.create_case(case_values("Amy", "Ash", serial=1)).case
        b = s.create_case(case_values("Ben", "Bell", serial=2)).case
        c = s.create_case(case_values("Cal", "Cole", serial=3,
                                      school="Riverside School")).case
        x = s.exclusions
        x.add(a.case_ref, kind="suspension", start="05/10/2026", days=2, reason="PD")
        x.add(a.case_ref, kind="suspension", start="12/10/2026", days=1, reason="VA")
        x.add(b.case_ref, kind="suspension", start="03/11/2026", days=3, reason="PD")
        x.add(b.case_ref, kind="permanent", start="10/11/2026", reason="PA", status="upheld")
        x.add(c.case_ref, kind="suspension", start="04/11/2026", days=1, reason="VP")
        expected = {"csv": s.reports.csv_text("exclusions"),
                    "report": s.reports.exclusions(),
                    "oak": s.reports.exclusions(school="Oakfield Academy")}
    finally:
        s.lock()
    return expected


def open_reports(qtbot: Any, host: Any, ctx: Any, db_path: Path) -> tuple[Any, ReportsView]:
    window = make_window(qtbot, host, ctx, db_path)
    view = window.pages["Reports"]
    assert isinstance(view, ReportsView)
    qtbot.waitUntil(lambda: view.report is not None, timeout=WAIT_MS)
    window.show_section("Reports")
    return window, view


def cells(model: Any) -> list[list[str]]:
    return [[model.index(r, c).data() for c in range(model.columnCount())]
            for r in range(model.rowCount())]


def test_figures_match_the_service(qtbot: Any, host: Any, ctx: Any, db_path: Path,
                                   seeded: dict[str, Any], qtmodeltester: Any) -> None:
    _window, view = open_reports(qtbot, host, ctx, db_path)
    report = seeded["report"]
    rows = cells(view.model)
    assert len(rows) == len(report.rows) + len(report.totals)
    by_key = {(r[0], r[1]): r for r in rows}
    oak_year = next(r for r in report.rows if r.school == "Oakfield Academy"
                    and r.term == "year")
    shown = by_key[("Oakfield Academy", "Whole year")]
    assert shown[3] == oak_year.suspension_rate.text == "3 of 1,200 (0.25%)"
    assert shown[6] == oak_year.px_rate.text == "1 of 1,200 (0.08%)"
    assert shown[4] == "6"  # days
    px = [c.header for c in EXCLUSION_COLUMNS].index("PX rescinded")
    horizontal = Qt.Orientation.Horizontal
    assert view.model.headerData(px, horizontal, Qt.ItemDataRole.ToolTipRole).startswith(
        "Permanent exclusions (PX) rescinded")
    assert view.model.headerData(0, horizontal, Qt.ItemDataRole.ToolTipRole) is None
    total = report.totals[-1]
    assert by_key[(total.school, "Whole year")][3] == total.suspension_rate.text
    assert " of " in total.suspension_rate.text  # numerator and denominator
    # the bars: suspensions per term of the partnership, for the terms begun (no
    # records last year: this year's autumn only; spring and summer have not begun)
    assert [b.label for b in view.chart.bars] == ["Autumn 2026/27 so far"]
    autumn = view.chart.bars[0]
    assert autumn.value == 4 and "4 of 2,150" in autumn.text
    assert "Autumn 2026/27 so far: 4 of 2,150" in view.chart.accessibleDescription()
    qtmodeltester.check(view.model)
    # one school
    with qtbot.waitSignal(view.loaded, timeout=WAIT_MS):
        view.school.setCurrentIndex(view.school.findText("Oakfield Academy"))
    assert {r[0] for r in cells(view.model)} >= {"Oakfield Academy"}
    assert "Riverside School" not in {r[0] for r in cells(view.model)}
    assert len(cells(view.model)) == len(seeded["oak"].rows) + len(seeded["oak"].totals)


def test_other_reports_and_accessibility(qtbot: Any, host: Any, ctx: Any, db_path: Path,
                                         seeded: dict[str, Any], qtmodeltester: Any) -> None:
    window, view = open_reports(qtbot, host, ctx, db_path)
    assert problems_in(window) == []
    for index in (1, 2):
        with qtbot.waitSignal(view.loaded, timeout=WAIT_MS):
            view.kind.setCurrentIndex(index)
        qtmodeltester.check(view.model)
        assert problems_in(window) == []
    assert view.measures_table.isVisible()  # outcomes: ladder reach and quota
    qtmodeltester.check(view.measures)
    window.lock()
    assert view.model.rowCount() == 0 and view.chart.bars == []


def test_exports_say_not_encrypted(qtbot: Any, host: Any, ctx: Any, db_path: Path,
                                   seeded: dict[str, Any], tmp_path: Path) -> None:
    _window, view = open_reports(qtbot, host, ctx, db_path)
    asked: list[str] = []

    def ask(caption: str, name: str, pattern: str) -> str:
        asked.append(caption)
        return str(tmp_path / name.rsplit(".", 1)[0])  # no suffix: the view adds it

    view.ask_save_path = ask
    with qtbot.waitSignal(view.exported, timeout=WAIT_MS):
        view.csv_button.click()
    out = next(tmp_path.glob("exclusions-report-*.csv"))
    assert out.read_text() == seeded["csv"]
    with qtbot.waitSignal(view.exported, timeout=WAIT_MS):
        view.pdf_button.click()
    assert next(tmp_path.glob("exclusions-report-*.pdf")).read_bytes()[:4] == b"%PDF"
    assert all("NOT encrypted" in a for a in asked) and len(asked) == 2
    assert "not encrypted" in view.message.text()
