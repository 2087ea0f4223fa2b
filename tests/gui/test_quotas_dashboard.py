"""The Quotas dashboard shows what ``session.quotas.report`` says (money, usage,
warnings, per school, both charts with their summaries in words); the South Rotherham
year set through the dialog gives 630,000 GBP, 30 places and 105,000 GBP left; bad
figures are refused with nothing stored."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Qt

from panel_app.core.domain.quotas import format_gbp
from panel_app.gui.charts import Bar, BarChart, LineChart
from tests.gui.conftest import WAIT_MS
from tests.gui.proposals_support import click_refused, run


def show_quotas(qtbot: Any, window: Any) -> Any:
    view = window.pages["Quotas"]
    with qtbot.waitSignal(view.loaded, timeout=WAIT_MS):
        window.show_section("Quotas")
    return view


def test_dashboard_figures_match_the_report(qtbot: Any, demo_window: Any) -> None:
    view = show_quotas(qtbot, demo_window)
    r = run(qtbot, demo_window, lambda s: s.quotas.report())
    money = r.to_dict()["money"]["text"]
    assert money["envelope"] == "£630,000" and r.year.places == 30
    figures = {k: v.text() for k, v in view.figures.items()}
    assert figures["envelope"] == money["envelope"]
    assert figures["effective"] == money["effective_envelope"]
    assert figures["committed"] == "£525,000 (30 × £17,500)"
    assert figures["left"] == money["left"]
    assert figures["deduction"] == f"−{money['deduction']} (2025/26)"
    assert figures["charges"] == f"+{money['charges']}"
    assert view.year.currentText() == "2026/27"
    assert f"{r.in_use} of 30 places" in view.usage.text()
    assert all(w.message in view.warnings.text() for w in r.warnings)
    assert view.model.rowCount() == len(r.schools)
    for row, s in enumerate(r.schools):
        cells = [view.model.index(row, c).data() for c in range(4)]
        assert cells == [s.name, str(s.allocated), str(s.in_use), str(s.remaining)]
    assert [(b.label, b.allocated, b.used) for b in view.bars.bars] == [
        (s.name, s.allocated, s.in_use) for s in r.schools]
    assert view.line.points == list(r.occupancy) and view.line.limit == 30
    for chart, text in ((view.bars, view.bars_text), (view.line, view.line_text)):
        assert chart.accessibleName().startswith("Chart: ")
        assert chart.accessibleDescription() == chart.summary() == text.text() != ""
    assert all(s.name in view.bars_text.text() for s in r.schools)
    assert "30 places purchased" in view.line_text.text()


def test_last_year_and_a_year_not_set(qtbot: Any, demo_window: Any) -> None:
    view = show_quotas(qtbot, demo_window)
    with qtbot.waitSignal(view.loaded, timeout=WAIT_MS):
        view.year.setCurrentIndex(view.year.findData(2025))
    last = run(qtbot, demo_window, lambda s: s.quotas.report(2025))
    assert view.figures["committed"].text().startswith(format_gbp(last.committed))
    assert view.model.rowCount() == len(last.schools)
    assert all(w.message in view.warnings.text() for w in last.warnings)
    assert view.dashboard.isVisible() and not view.empty.isVisible()


def test_south_rotherham_year_set_in_the_dialog(qtbot: Any, window: Any) -> None:
    view = show_quotas(qtbot, window)
    assert view.empty.isVisible() and "No quota is set for 2026/27" in view.empty.text()
    dialog = view.set_year()
    assert dialog.year.currentData() == 2026
    dialog.places.setValue(30)
    dialog.cost.setText("-17,500")
    click_refused(qtbot, dialog)
    assert "cannot be negative" in dialog.rows.messages["cost_per_place"].text()
    assert run(qtbot, window, lambda s: s.quotas.years()) == []  # nothing stored
    dialog.cost.setText("17,500")
    dialog.funded.setValue(36)
    assert dialog.update_sums().startswith("Envelope £630,000; 30 places cost £525,000; "
                                           "£105,000 left for other programmes")
    dialog.formula.setCurrentIndex(dialog.formula.findData("roll-fsm"))
    assert dialog.form.isRowVisible(dialog.rows.labels["fsm_weight"])
    dialog.roll_weight.setValue(0.5)
    dialog.fsm_weight.setValue(0.5)
    with qtbot.waitSignal(view.loaded, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    r = run(qtbot, window, lambda s: s.quotas.report(2026))
    assert (r.envelope, r.committed, r.left, r.year.places) == (63_000_000, 52_500_000,
                                                                10_500_000, 30)
    assert sum(r.year.allocations.values()) == 30
    assert view.figures["envelope"].text() == "£630,000"
    assert view.figures["left"].text() == "£105,000"
    assert view.figures["committed"].text() == "£525,000 (30 × £17,500)"
    assert view.dashboard.isVisible() and not view.empty.isVisible()
    assert [view.model.index(i, 1).data() for i in range(view.model.rowCount())] == [
        str(s.allocated) for s in r.schools]
    again = view.set_year()  # the year set is shown again for editing
    assert (again.places.value(), again.cost.text(), again.envelope.text()) == (
        30, "17,500", "630,000")
    again.reject()


def test_charts_say_it_in_words(qtbot: Any) -> None:
    bars = BarChart("Chart: places")
    qtbot.addWidget(bars)
    bars.set_bars([Bar("Oakfield Academy", 2, 3), Bar("Riverside School", 4, 1)])
    assert "Oakfield Academy: 3 in use of 2 allocated (over its allocation)" in bars.summary()
    assert "Riverside School: 1 in use of 4 allocated;" not in bars.summary()  # last: "."
    line = LineChart("Chart: occupancy")
    qtbot.addWidget(line)
    points = [(date(2026, 9, 7), 1), (date(2026, 9, 14), 3), (date(2026, 9, 21), 2)]
    line.set_series(points, 2, date(2026, 9, 15), "2026/27")
    assert "highest 3" in line.summary() and "Over the places purchased in 1 week" in \
        line.summary()
    for chart in (bars, line):
        chart.resize(500, 260)
        chart.show()
        image = chart.grab().toImage()  # paints without error, and not blank
        colours = {image.pixel(x, y) for x in range(0, 500, 10) for y in range(0, 260, 10)}
        assert len(colours) > 3
        chart.clear()
        assert chart.summary() == ""
        chart.grab()  # the empty state paints too
