"""Every screen as a laptop user sees it: the main window's sections and their tabs at
1366 x 698 (a 1366 x 768 screen less the taskbar and title bar), the case form at its
own size, the privacy window on a short screen; and, in a separate process, the whole
tour at 150% on a 1920 x 1080 screen (scripts/screenshot_tour.py, which fails on any
label or button cut short, or any window larger than the screen)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QLabel, QTabWidget

from panel_app.gui.dialogs.privacy_dialog import AUDIT_TAB, RETENTION_TAB
from panel_app.gui.views.main_window import SECTIONS
from tests.gui.conftest import WAIT_MS
from tests.gui.proposals_support import run, show_board
from tests.gui.test_about import clipped
from tests.gui.test_screenshot import ARTIFACTS

ROOT = Path(__file__).resolve().parents[2]
LAPTOP = (1366, 698)  # 1366 x 768 less a taskbar and a title bar


def idle(qtbot: Any, window: Any) -> None:
    """Wait until the worker has answered, then let the layouts settle."""
    qtbot.waitUntil(lambda: not window.host.busy, timeout=WAIT_MS)
    qtbot.wait(30)


def test_every_section_and_tab_fits_a_laptop_screen(qtbot: Any, demo_window: Any) -> None:
    window = demo_window
    window.resize(*LAPTOP)
    problems: list[str] = []
    for section in SECTIONS:
        window.show_section(section)
        idle(qtbot, window)
        page = window.pages[section]
        tabs = getattr(page, "tabs", None)
        for index in range(tabs.count() if isinstance(tabs, QTabWidget) else 1):
            if isinstance(tabs, QTabWidget):
                tabs.setCurrentIndex(index)
                idle(qtbot, window)
            problems += [f"{section} {index}: {p}" for p in clipped(window)]
            hint = window.minimumSizeHint()
            if hint.width() > LAPTOP[0] or hint.height() > LAPTOP[1]:
                problems.append(f"{section} {index}: needs {hint.toTuple()}")
    assert problems == []
    assert window.size().toTuple() == LAPTOP


def test_proposals_board_shows_every_column_on_a_laptop(qtbot: Any, demo_window: Any) -> None:
    demo_window.resize(*LAPTOP)
    board = show_board(qtbot, demo_window).board
    idle(qtbot, demo_window)
    tree, header = board.tree, board.tree.header()
    assert tree.horizontalScrollBar().maximum() == 0  # the submission date is in sight
    last = header.count() - 1
    assert header.sectionViewportPosition(last) + header.sectionSize(last) <= (
        tree.viewport().width())
    title = tree.fontMetrics().horizontalAdvance("Six-week managed move")
    assert header.sectionSize(2) >= title  # the title keeps room to be read
    for column in range(header.count()):  # short headers, each shown in full
        text = str(board.model.headerData(column, header.orientation()))
        assert header.sectionSize(column) > header.fontMetrics().horizontalAdvance(text)
    assert "(s)" not in board.counts.text()


def _case_with_evidence(s: Any) -> str:
    for row in s.list_cases().rows:
        if s.ladders.check(row.id, "ap-place").steps[0].status == "met":
            return str(row.id)
    raise LookupError("no case with evidence in the demo")


def test_case_form_tabs_fit_the_form(qtbot: Any, demo_window: Any) -> None:
    case_id = run(qtbot, demo_window, _case_with_evidence)
    form = demo_window.open_case(case_id)
    qtbot.waitUntil(lambda: form.ladder_tab.data is not None and form.tabs.isEnabled(),
                    timeout=WAIT_MS)
    problems: list[str] = []
    for index in range(form.tabs.count()):
        form.tabs.setCurrentIndex(index)
        idle(qtbot, demo_window)
        problems += [f"{form.tabs.tabText(index)}: {p}" for p in clipped(form)]
    assert problems == []
    form.tabs.setCurrentIndex(form.ladder_index)
    idle(qtbot, demo_window)
    table = form.ladder_tab.evidence_table
    assert table.model().rowCount() > 0
    assert table.horizontalScrollBar().maximum() == 0  # every column, documents too
    form.tabs.setCurrentIndex(form.records_index)
    idle(qtbot, demo_window)
    notes = " ".join(label.text() for label in form.records_tab.findChildren(QLabel))
    assert "panel-app" not in notes  # no command line in the window
    terms = [form.records_tab.attendance_model.index(r, 0).data()
             for r in range(form.records_tab.attendance_model.rowCount())]
    assert all(t[:1].isupper() for t in terms)  # "Autumn 2026/27", as Reports says it
    form.force_close()


def test_settings_are_compact_and_plain(qtbot: Any, demo_window: Any) -> None:
    demo_window.resize(*LAPTOP)
    demo_window.show_section("Settings")
    page = demo_window.settings
    qtbot.waitUntil(lambda: bool(page.keyring_label.text()), timeout=WAIT_MS)
    assert page.idle.width() < 20 * page.fontMetrics().averageCharWidth()
    assert "keyring.backends" not in page.keyring_label.text()


def test_privacy_window_on_a_short_screen(qtbot: Any, demo_window: Any) -> None:
    """At 150% a 1080-line screen leaves some 650 points: the reasons for the retention
    rules are never squeezed (the tab scrolls instead); the audit trail names fields in
    words."""
    demo_window.show_section("Settings")
    dialog = demo_window.settings.open_privacy(AUDIT_TAB)
    with qtbot.waitSignal(dialog.audit.loaded, timeout=WAIT_MS):
        pass
    dialog.resize(1000, 520)
    idle(qtbot, demo_window)
    fields = {dialog.audit.table.model().index(r, 5).data()
              for r in range(dialog.audit.table.model().rowCount())}
    assert any(fields) and not any("_" in f for f in fields if f)
    dialog.show_tab(RETENTION_TAB)
    idle(qtbot, demo_window)
    panel = dialog.retention
    assert len(panel.rule_labels) == 3
    assert clipped(dialog) == []
    assert all(label.height() >= label.heightForWidth(label.width())
               for label in panel.rule_labels)
    dialog.close()


def test_bundles_directory_says_how_to_start(qtbot: Any, demo_window: Any) -> None:
    view = demo_window.pages["Bundles"]
    with qtbot.waitSignal(view.loaded, timeout=WAIT_MS):
        demo_window.show_section("Bundles")
    directory = view.directory
    assert directory.model.rowCount() == 0
    assert directory.empty.isVisible() and "No partners yet" in directory.empty.text()
    assert "((" not in view.identity.who.text() and "))" not in view.identity.who.text()


@pytest.mark.slow  # the whole tour in its own process
def test_the_tour_at_150_percent_cuts_nothing_short() -> None:
    env = {k: v for k, v in os.environ.items() if k != "QT_SCALE_FACTOR"}
    out = ARTIFACTS / "tour"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "screenshot_tour.py"), "--screen",
         "1920x1080", "--scale", "1.5", "--out", str(out)],
        capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (out / "meeting-mode-150.png").is_file() and (out / "first-run-150.png").is_file()
