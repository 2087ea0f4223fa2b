"""The minutes PDF read back with pypdf: content of the members' copy, what the
circulation copy must not contain (checked against the database), the marking on every
page, byte-identical output, pagination with repeated table headers, long cells split
across pages, embedded fonts, accented and very long names (rendered to PNG)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pypdf
import pytest

from panel_app.core.domain.dates import format_uk
from panel_app.core.reports.minutes import (
    MinutesAction,
    MinutesAttendee,
    MinutesDocument,
    MinutesItem,
    QuotaRow,
    QuotaSnapshot,
)
from panel_app.core.reports.minutes_pdf import render_minutes
from tests.core.meetings_fixtures import Panel, make_panel
from tests.core.util import case_values

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PAST = "10/11/2026"


@pytest.fixture
def panel(session) -> Panel:
    return make_panel(session)


def pages_text(data: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [" ".join((page.extract_text() or "").split()) for page in reader.pages]


def flat(data: bytes) -> str:
    return " ".join(pages_text(data))


def recorded_meeting(p: Panel) -> str:
    """A held meeting: attendance, a declaration, decisions of every kind, actions."""
    m = p.m
    m.refer_case(p.cases["zoe"], category="AP place", summary="Zoë Ñúñez needs a place.",
                 on="04/11/2026")
    m.refer_case(p.cases["sam"], category="managed move", on="06/11/2026")  # late
    m.refer_case(p.cases["tyler"], kind="fair_access", category="new arrival",
                 on="03/11/2026")
    mid = m.add_meeting(PAST, time="09:30", end_time="11:45", venue="Oakfield Academy",
                        chair="Anna Vice", clerk="Carl Clerk").id
    m.build_agenda(mid)
    m.record_attendance(mid, present=["Anna Vice", "Ben Head", "Lena Officer", "Carl Clerk"],
                        apologies=["Cara Hill"], absent=["Paul Pru"])
    m.declare_interest(mid, "Ben Head", "Governor at the receiving school", item=2)
    agenda = {i.case_ref: i.position for i in m.agenda(mid) if i.case_ref}
    m.decide(mid, agenda[p.cases["zoe"]], "approved_with_conditions", votes=(3, 1, 0),
             conditions="Twelve-week placement, reviewed at week six.",
             rationale="Ladder followed; Zoë Ñúñez needs AP now (identity checked).",
             dissent="One member preferred a managed move first.", review_on="08/12/2026")
    m.decide(mid, agenda[p.cases["sam"]], "more_evidence",
             rationale="Sam needs an updated PSP before the panel decides.")
    m.decide(mid, agenda[p.cases["tyler"]], "approved", rationale="Place at Riverside.")
    m.add_action(mid, "Arrange the admission meeting for Zoë", owner="Ben Head",
                 due_on="17/11/2026", item=agenda[p.cases["zoe"]])
    m.add_action(mid, "Send Sam Eckersley's updated PSP", owner="Anna Vice",
                 due_on="20/11/2026", item=agenda[p.cases["sam"]])
    return mid


def pupils_in_db(session) -> list[tuple[str, str, str, str]]:
    return session.db.conn.execute(
        "SELECT first_name, last_name, coalesce(dob, ''), upn FROM pupils").fetchall()


# -- content ---------------------------------------------------------------------------------

def test_members_copy_has_every_attendee_decision_and_action(panel: Panel):
    mid = recorded_meeting(panel)
    data = panel.m.render_minutes(mid)
    text = flat(data)
    for name in ("Anna Vice", "Ben Head", "Cara Hill", "Lena Officer", "Paul Pru",
                 "Carl Clerk", "Fay Access"):
        assert name in text, name
    assert "Apologies: Cara Hill." in text
    assert "The meeting was quorate: 2 of 3 member schools were represented" in text
    assert "Ben Head: Governor at the receiving school (item 2)" in text
    for agenda_item in panel.m.agenda(mid):
        assert f"{agenda_item.position}. {agenda_item.title}" in text
        d = agenda_item.decision
        if d is not None:
            assert f"Decision: {d.outcome_label}. {d.method_text}." in text
            assert d.rationale in text
            if d.conditions:
                assert d.conditions in text
            if d.dissent:
                assert d.dissent in text
    for action in panel.m.actions(meeting=mid):
        assert action.text in text and action.owner in text
        assert format_uk(action.due_on) in text
    for ref in panel.cases.values():
        if ref != panel.cases["mia"]:
            assert ref in text
    assert "Zoë Ñúñez" in text  # the members' copy names pupils
    assert "Late item: referred on 06/11/2026, after the cut-off of 05/11/2026." in text
    assert "Date of next meeting: to be arranged." in text
    assert "Chair Anna Vice" in text and "Clerk Carl Clerk" in text


def test_circulation_copy_has_no_names_dobs_or_upns(panel: Panel):
    mid = recorded_meeting(panel)
    # another pupil, not on the agenda, named in free text
    panel.session.create_case(case_values("Harper", "Quarmby", serial=9))
    panel.m.add_action(mid, "Check on Harper Quarmby's attendance", owner="Lena Officer")
    data = panel.m.render_minutes(mid, circulation=True)
    text = flat(data)
    squashed = text.replace(" ", "")
    pupils = pupils_in_db(panel.session)
    assert len(pupils) == 5
    for first, last, dob, upn in pupils:
        assert f"{first} {last}" not in text
        assert upn and upn not in squashed
        d = date.fromisoformat(dob)
        for shown in (format_uk(d), d.isoformat(), f"{d.day}/{d.month}/{d.year}"):
            assert shown not in text
    for key in ("zoe", "sam", "tyler"):  # agenda pupils lose their surnames too
        assert panel.session.get_case(panel.cases[key]).last_name not in text
    assert "ZÑ (" + panel.cases["zoe"] + ")" in text  # initials and case reference
    assert "HQ's attendance" in text  # the other pupil's name scrubbed from free text
    assert "Circulation copy" in text and "DOB" not in text and "UPN" not in text
    # staff keep their names
    assert "Ben Head" in text and "Anna Vice" in text


def test_marking_on_every_page_default_and_configured(panel: Panel):
    mid = recorded_meeting(panel)
    for n in range(25):
        panel.m.add_action(mid, f"Follow-up task number {n} " + "with details " * 12,
                           owner="Ben Head", due_on="30/11/2026")
    for circulation in (False, True):
        pages = pages_text(panel.m.render_minutes(mid, circulation=circulation))
        assert len(pages) >= 3
        for number, page in enumerate(pages, start=1):
            assert page.count("OFFICIAL-SENSITIVE") >= 2, number  # top and bottom
            assert f"Page {number} of {len(pages)}" in page
    panel.m.update_settings(marking="OFFICIAL")
    pages = pages_text(panel.m.render_minutes(mid))
    assert all("OFFICIAL" in p and "OFFICIAL-SENSITIVE" not in p for p in pages)
    pages = pages_text(panel.m.render_minutes(mid, marking="OFFICIAL-SENSITIVE PERSONAL"))
    assert all(p.count("OFFICIAL-SENSITIVE PERSONAL") >= 2 for p in pages)


def test_same_input_gives_the_same_bytes_and_metadata(panel: Panel, tmp_path):
    mid = recorded_meeting(panel)
    first = panel.m.write_minutes(mid, tmp_path / "a.pdf").read_bytes()
    second = panel.m.write_minutes(mid, tmp_path / "b.pdf").read_bytes()
    assert first == second
    assert (tmp_path / "a.pdf").stat().st_mode & 0o777 == 0o600
    assert panel.m.render_minutes(mid, circulation=True) == panel.m.render_minutes(
        mid, circulation=True)
    reader = pypdf.PdfReader(io.BytesIO(first))
    meta = reader.metadata
    assert meta.title == "Minutes of the panel meeting on 10/11/2026"
    assert meta.author == "Carl Clerk"
    assert "Members' copy" in meta.subject
    assert meta["/CreationDate"].startswith("D:20261122")  # the fixed clock's day
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"
    assert not list(tmp_path.glob(".*.tmp"))  # written atomically, nothing left over


def test_fonts_are_embedded_unicode_truetype(panel: Panel):
    data = panel.m.render_minutes(recorded_meeting(panel))
    reader = pypdf.PdfReader(io.BytesIO(data))
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts[str(font["/BaseFont"])] = font
    assert fonts and all("DejaVuSans" in name for name in fonts), sorted(fonts)
    for font in fonts.values():
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor  # the TrueType program is in the file
        assert "/ToUnicode" in font


# -- pagination -----------------------------------------------------------------------------

def test_sixty_item_meeting_paginates_with_repeated_table_headers(panel: Panel):
    s, m = panel.session, panel.m
    mid = m.add_meeting(PAST, chair="Anna Vice", clerk="Carl Clerk").id
    for n in range(60):
        m.add_agenda_item(mid, f"Request number {n + 1}", section="new")
    m.record_attendance(mid, present=["Anna Vice", "Ben Head", "Cara Hill"])
    for item in m.agenda(mid):
        m.decide(mid, item.position, "approved", rationale=f"Reason for item {item.position}.")
        m.add_action(mid, f"Action for item {item.position}", owner="Ben Head",
                     due_on="30/11/2026", item=item.position)
    data = m.render_minutes(mid)
    pages = pages_text(data)
    assert len(pages) >= 6
    text = " ".join(pages)
    assert text.count("Decision: Approved. By consensus.") == 60
    for n in range(1, 61):
        assert f"{n}. Request number {n}" in text
        assert f"Rationale: Reason for item {n}." in text
        assert f"A{n} Action for item {n} Ben Head 30/11/2026" in text
    table_pages = [p for p in pages if re.search(r"\bA\d+ Action for item", p)]
    assert len(table_pages) >= 2  # the actions table runs over a page...
    for page in table_pages:  # ...and each page repeats its header row
        assert "No. Action Owner Due Item" in page
    assert s.meetings.agenda(mid)[-1].position == 60


def test_a_very_long_note_splits_across_pages(panel: Panel):
    mid = recorded_meeting(panel)
    note = "STARTMARK " + "The school reports daily contact with the family. " * 700 + "ENDMARK"
    panel.m.add_action(mid, note, owner="Lena Officer", due_on="30/11/2026")
    pages = pages_text(panel.m.render_minutes(mid))
    start = next(n for n, p in enumerate(pages) if "STARTMARK" in p)
    end = next(n for n, p in enumerate(pages) if "ENDMARK" in p)
    assert end > start  # one table row over several pages, not a layout error
    for page in pages[start + 1:end + 1]:
        assert "No. Action Owner Due Item" in page


# -- names with accents, very long names ---------------------------------------------------

ACCENTED = "Zoë-Élodie Ñúñez-Þórðardóttir"
LONG = ("Maximilian Alexander Theodore Wolfeschlegelsteinhausenbergerdorff-"
        "Montgomery-Featherstonehaugh-Cholmondeley")


def test_accented_and_long_names_wrap_and_render(panel: Panel, tmp_path):
    s = panel.session
    s.add_person("Siobhán Ó Súilleabháin-Kowalczyk", role="PRU head")
    s.add_person(LONG, role="LA officer")
    first, last = ACCENTED.split(" ")
    ref = s.create_case(case_values(first, last, serial=7)).case.case_ref
    lfirst, llast = LONG.rsplit(" ", 1)
    long_ref = s.create_case(case_values(lfirst, llast, serial=8)).case.case_ref
    panel.m.refer_case(ref, category="AP place", on="04/11/2026")
    panel.m.refer_case(long_ref, category="managed move", on="04/11/2026")
    mid = panel.m.add_meeting(PAST, chair="Anna Vice").id
    panel.m.build_agenda(mid)
    panel.m.record_attendance(mid, present=["Siobhán Ó Súilleabháin-Kowalczyk", LONG,
                                            "Anna Vice", "Ben Head"])
    panel.m.decide(mid, 2, "approved", rationale=f"{ACCENTED} and Łukasz Żółć agree.")
    panel.m.add_action(mid, f"Ring {LONG}", owner=LONG, due_on="30/11/2026")
    data = panel.m.render_minutes(mid)
    text = flat(data)
    assert ACCENTED in text and "Siobhán Ó Súilleabháin-Kowalczyk" in text
    assert "Łukasz Żółć" in text
    squashed = text.replace(" ", "")
    assert LONG.replace(" ", "") in squashed  # wrapped over lines, every letter kept
    pdf = tmp_path / "names.pdf"
    pdf.write_bytes(data)
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed: PNG not rendered")
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "90", "-f", "1", "-l", "2", "-png", str(pdf),
                    str(ARTIFACTS / "minutes-names")], check=True, timeout=60)
    pngs = sorted(ARTIFACTS.glob("minutes-names-*.png"))
    assert pngs and all(p.stat().st_size > 10_000 for p in pngs)


# -- sections that exist only with data ----------------------------------------------------

def _bare_doc(**extra) -> MinutesDocument:
    doc = MinutesDocument(
        partnership="North PMG", meeting_id="m", meeting_date="2026-11-10",
        start_time="09:30", end_time="", venue="Oakfield", chair="A", clerk="B",
        status="draft", version=0, status_note="DRAFT", quorum_text="quorate", quorate=True,
        attendees=[MinutesAttendee("A", "vice principal", "Oakfield", "present")],
        declarations=[], pupils={},
        items=[MinutesItem(1, "aob", "Any other business", "Any other business")],
        actions=[MinutesAction(1, "Do it", "A", "2026-11-24", "open")],
        next_meeting=None, produced_on="2026-11-22", marking="OFFICIAL-SENSITIVE")
    return replace(doc, **extra)


def test_quota_snapshot_only_when_quotas_exist():
    assert "Quota" not in flat(render_minutes(_bare_doc()))
    quota = QuotaSnapshot("Quota snapshot: PRU places 2026/27", "places",
                          [QuotaRow("Oakfield", 4, 3), QuotaRow("Riverside", 3, 4)])
    doc = _bare_doc(quota=quota)
    text = flat(render_minutes(doc))
    assert "Quota snapshot: PRU places 2026/27" in text and "Riverside 3 4 -1" in text
    assert MinutesDocument.from_dict(doc.to_dict()) == doc  # frozen JSON round trip


def test_progress_is_reported(panel: Panel):
    seen: list[tuple[int, int, str]] = []
    panel.m.render_minutes(recorded_meeting(panel), progress=lambda *a: seen.append(a))
    assert seen[-1] == (1, 1, "Minutes ready")
    assert all(done <= total for done, total, _ in seen)


def test_scrubber_rules():
    from panel_app.core.reports.minutes import Identity, Scrubber

    scrub = Scrubber(
        [Identity("Summer", "Ó Súilleabháin", "2012-12-01", "H823410014001")],
        [Identity("Harper", "Quarmby"), Identity("Mary Jane", "Smith-Jones")],
        keep=["Summer Whitlock"])
    assert scrub("SUMMER Ó SÚILLEABHÁIN and Ó Súilleabháin's mum") == "SÓ and SÓ's mum"
    assert scrub("Summer agreed; summer term") == "SÓ agreed; summer term"
    assert scrub("Summer Whitlock will call") == "Summer Whitlock will call"  # staff
    assert scrub("born 01/12/2012 (1/12/2012), UPN h823410014001") == (
        "born [date of birth removed] ([date of birth removed]), UPN [UPN removed]")
    assert scrub("Harper Quarmby's mother and Mary  Jane Smith-Jones") == (
        "HQ's mother and MS")
    assert scrub("any UPN A123456789012 is removed") == "any UPN [UPN removed] is removed"
    assert scrub("Harper alone stays") == "Harper alone stays"
