"""The case list: filters and sorting in SQL, counts, the model, keyboard, locking."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QTableView

from panel_app.core.domain.models import CaseFilter, CaseList, CaseRow
from panel_app.gui.models.case_table import CASE_ID_ROLE, COLUMNS, SORT_ROLE, CaseTableModel
from panel_app.gui.models.records import RecordColumn, RecordTableModel
from tests.gui.conftest import WAIT_MS


def column(name: str) -> int:
    return [c.attr for c in COLUMNS].index(name)


def values(model: Any, attr: str, role: int = Qt.ItemDataRole.DisplayRole) -> list[Any]:
    c = column(attr)
    return [model.data(model.index(r, c), role) for r in range(model.rowCount())]


def requery(qtbot: Any, view: Any, change: Any) -> None:
    with qtbot.waitSignal(view.loaded, timeout=WAIT_MS):
        change()


def core_list(qtbot: Any, window: Any, **kw: Any) -> CaseList:
    """What the core says for a filter (the expected answer)."""
    flt = CaseFilter(**kw)
    with qtbot.waitCallback(timeout=WAIT_MS) as callback:
        window.host.run(lambda s: s.list_cases(flt), success=callback)
    return callback.args[0]


def test_demo_list_and_counts(qtbot: Any, demo_window: Any) -> None:
    view = demo_window.cases
    expected = core_list(qtbot, demo_window)
    assert 0 < view.model.rowCount() == expected.total < expected.all_cases
    r = expected.by_risk
    assert view.counts.text() == (f"{expected.total} of {expected.all_cases} cases · "
                                  f"{r['red']} red, {r['amber']} amber, {r['green']} green")
    assert set(values(view.model, "status")) == {"Open"}
    opened = values(view.model, "opened_on")
    assert all(len(d) == 10 and d[2] == "/" and d[5] == "/" for d in opened)


def test_search_and_combo_filters(qtbot: Any, demo_window: Any) -> None:
    view = demo_window.cases
    requery(qtbot, view, lambda: qtbot.keyClicks(view.search, "ashdown"))
    names = values(view.model, "name")
    assert names and all("Ashdown" in n for n in names)
    assert view.model.rowCount() == view.last_result.total
    assert view.counts.text().startswith(f"{len(names)} of 150 cases")

    assert view.model.rowCount() == core_list(qtbot, demo_window, text="ashdown").total

    requery(qtbot, view, view.search.clear)
    requery(qtbot, view, lambda: view.risk.setCurrentIndex(view.risk.findData("red")))
    red = core_list(qtbot, demo_window, risk="red")
    assert view.model.rowCount() == red.total > 0
    assert set(values(view.model, "risk")) == {"Red"}
    assert view.counts.text() == f"{red.total} of {red.all_cases} cases · {red.total} red, " \
                                 "0 amber, 0 green"

    requery(qtbot, view, lambda: view.status.setCurrentIndex(view.status.findData(None)))
    all_red = view.model.rowCount()
    assert all_red == core_list(qtbot, demo_window, risk="red", status=None).total >= red.total
    requery(qtbot, view, lambda: view.year.setCurrentIndex(view.year.findData(10)))
    assert set(values(view.model, "year_group")) <= {"Y10"}
    school = view.school.itemText(1)
    requery(qtbot, view, lambda: view.school.setCurrentIndex(1))
    assert set(values(view.model, "school")) <= {school}
    assert view.model.rowCount() == core_list(
        qtbot, demo_window, risk="red", status=None, year_group=10,
        school_id=view.school.itemData(1)).total


def test_search_is_debounced(qtbot: Any, demo_window: Any) -> None:
    view = demo_window.cases
    queries: list[int] = []
    view.loaded.connect(lambda: queries.append(view.model.rowCount()))
    with qtbot.waitSignal(view.loaded, timeout=WAIT_MS):
        qtbot.keyClicks(view.search, "Blakemore")
    qtbot.wait(300)
    assert len(queries) == 1


def test_header_click_sorts_in_sql(qtbot: Any, demo_window: Any) -> None:
    view = demo_window.cases
    header = view.table.horizontalHeader()
    year = column("year_group")
    requery(qtbot, view, lambda: header.setSortIndicator(year, Qt.SortOrder.AscendingOrder))
    years = values(view.model, "year_group", SORT_ROLE)
    assert years == sorted(years) and years[0] < years[-1]
    requery(qtbot, view, lambda: header.setSortIndicator(year, Qt.SortOrder.DescendingOrder))
    assert values(view.model, "year_group", SORT_ROLE) == sorted(years, reverse=True)
    risk = column("risk")
    requery(qtbot, view, lambda: header.setSortIndicator(risk, Qt.SortOrder.AscendingOrder))
    ranks = values(view.model, "risk", SORT_ROLE)
    assert ranks == sorted(ranks)
    assert values(view.model, "risk")[0] == "Red"


def test_enter_opens_the_selected_case(qtbot: Any, demo_window: Any) -> None:
    view = demo_window.cases
    view.table.setFocus()
    view.table.selectRow(3)
    expected = view.model.data(view.model.index(3, 0), CASE_ID_ROLE)
    with qtbot.waitSignal(view.open_case, timeout=WAIT_MS) as blocker:
        qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert blocker.args == [expected]
    assert [f.case_id for f in demo_window.forms] == [expected]
    demo_window.forms[0].force_close()


def test_models_pass_the_model_tester(qtmodeltester: Any, demo_window: Any) -> None:
    qtmodeltester.check(demo_window.cases.model)
    empty = CaseTableModel()
    qtmodeltester.check(empty)
    records = RecordTableModel([RecordColumn("Name", lambda r: r["name"]),
                                RecordColumn("Size", lambda r: str(r["size"]),
                                             lambda r: r["size"])])
    records.set_rows([{"name": "a.pdf", "size": 3}, {"name": "b.docx", "size": 12}])
    qtmodeltester.check(records)
    assert records.data(records.index(1, 1), Qt.ItemDataRole.UserRole) == 12


def test_risk_is_shown_by_text_and_icon(demo_window: Any) -> None:
    model = demo_window.cases.model
    index = model.index(0, column("risk"))
    assert model.data(index) in {"Red", "Amber", "Green"}
    assert not model.data(index, Qt.ItemDataRole.DecorationRole).isNull()
    assert model.data(index, Qt.ItemDataRole.ToolTipRole).startswith("Risk rating: ")


def test_locking_empties_the_case_model(qtbot: Any, demo_window: Any) -> None:
    view = demo_window.cases
    requery(qtbot, view, lambda: qtbot.keyClicks(view.search, "ash"))
    assert view.model.rowCount() > 0
    demo_window.lock()
    assert view.model.rowCount() == 0
    assert view.search.text() == "" and view.counts.text() == ""
    assert view.school.count() == 1
    assert demo_window.stack.currentWidget() is demo_window.locked_page
    qtbot.waitUntil(lambda: demo_window.unlock_dialog is not None
                    and demo_window.unlock_dialog.isVisible(), timeout=WAIT_MS)


def _rows(n: int) -> list[CaseRow]:
    risks = ("red", "amber", "green")
    return [CaseRow(f"id{i}", f"C-{i:06d}", f"Pupil {i}", f"A{i:012d}", 7 + i % 5,
                    f"School {i % 7}", risks[i % 3], "open", "none",
                    date(2026, 1 + i % 12, 1 + i % 28).isoformat(),
                    "2026-11-22T09:30:00+00:00") for i in range(n)]


def test_model_stays_fast_at_100k_rows(qtbot: Any) -> None:
    rows = _rows(100_000)
    model = CaseTableModel()
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.verticalHeader().setDefaultSectionSize(24)
    view.resize(1000, 700)
    view.show()
    started = time.perf_counter()
    model.set_rows(rows)
    view.scrollToBottom()
    qtbot.wait(1)
    view.repaint()
    elapsed = time.perf_counter() - started
    assert model.rowCount() == 100_000
    assert elapsed < 1.5, f"showing 100k rows took {elapsed:.2f}s"
    started = time.perf_counter()
    for r in range(0, 100_000, 1000):
        for c in range(len(COLUMNS)):
            model.data(model.index(r, c))
            model.data(model.index(r, c), SORT_ROLE)
    assert time.perf_counter() - started < 0.5
    assert not model.index(0, 0).parent().isValid()
    assert model.rowCount(model.index(0, 0)) == 0
    assert model.data(QModelIndex()) is None


def test_typing_never_queues_a_backlog_of_queries(qtbot: Any, demo_window: Any) -> None:
    view = demo_window.cases
    sent: list[Any] = []
    run = view._host.run

    def counting_run(fn: Any, **kw: Any) -> int:
        sent.append(fn)
        return run(fn, **kw)

    view._host.run = counting_run  # type: ignore[method-assign]
    try:
        with qtbot.waitSignal(view.loaded, timeout=WAIT_MS):
            for text in ("a", "as", "ash", "ashd", "ashdown"):
                view.search.setText(text)
                view.refresh()  # as if the debounce fired after each key
        qtbot.waitUntil(lambda: not view._in_flight, timeout=WAIT_MS)
    finally:
        view._host.run = run  # type: ignore[method-assign]
    assert len(sent) == 2  # the first query, then one for the latest text
    names = values(view.model, "name")
    assert names and all("Ashdown" in n for n in names)
