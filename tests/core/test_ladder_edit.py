"""Ladder definitions as data: presets at init, editing (add, reorder, remove steps and
items), versions, and recorded checks that keep the version they were checked against."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from panel_app.core.errors import ValidationError
from panel_app.core.services import create_partnership
from tests.conftest import FAST_KDF, PASSPHRASE
from tests.core.ladder_util import add, doc, new_case, state, with_preset
from tests.core.util import assert_plain


def test_init_with_a_preset_loads_it_into_the_ladder_tables(tmp_path, no_keyring, clock):
    created = create_partnership(
        tmp_path / "a.panel",
        "North PMG",
        PASSPHRASE,
        keyring=no_keyring,
        kdf=FAST_KDF,
        clock=clock,
        user_name="Clerk",
        ladder_preset="East Bassetlaw",
    )
    s = created.session
    try:
        assert s.info()["ladder_preset"] == "east-bassetlaw"
        version = s.ladders.current()
        assert version is not None and version.number == 1 and version.created_by == "Clerk"
        assert [st.key for st in version.ladder.steps] == [
            "plan-do-review",
            "individual-package",
            "nurture-unit",
            "focus-ap",
        ]
        logged = {c["entity"] for c in s.changes_since(0)}
        assert {"ladder", "ladder_version"} <= logged
        actions = [e["action"] for e in s.audit_entries()]
        assert "ladder_preset" in actions
    finally:
        s.lock()


def test_init_with_an_unknown_preset_creates_nothing(tmp_path, no_keyring, clock):
    path = tmp_path / "b.panel"
    with pytest.raises(ValidationError) as info:
        create_partnership(
            path,
            "North PMG",
            PASSPHRASE,
            keyring=no_keyring,
            kdf=FAST_KDF,
            clock=clock,
            ladder_preset="Narnia",
        )
    assert "choose one of ashfield, east-bassetlaw, lincolnshire, south-rotherham" in str(
        info.value
    )
    assert list(tmp_path.iterdir()) == []


def test_no_ladder_yet(session):
    case = new_case(session)
    assert session.ladders.current() is None and session.ladders.history() == []
    check = session.ladders.check(case, "ap-place")
    assert check.verdict == "unavailable" and check.reasons[0].code == "no_ladder"
    with pytest.raises(ValidationError, match="no intervention ladder yet"):
        add(session, case, "1", "psp", date(2026, 10, 1))


def test_editing_steps_and_items_makes_versions(session):
    lad = session.ladders
    lad.load_preset("lincolnshire")
    assert lad.add_step(
        "Family support", description="Early help assessment", position=2
    ).entities == {"ladder"}
    steps = [s.key for s in lad.current().ladder.steps]
    assert steps == ["psp", "family-support", "outreach", "ap-place"]
    lad.add_item("family-support", "family_meeting", min_count=2, document_required=True)
    lad.add_item(
        "2", "early_help", label="Early help assessment", position=1, applies_to=["managed-move"]
    )
    assert [i.kind for i in lad.current().ladder.steps[1].items] == ["early_help", "family_meeting"]
    lad.move_item("family-support", "family_meeting", 1)
    lad.update_item("family-support", "family_meeting", min_count=1, min_weeks=4)
    item = lad.current().ladder.steps[1].items[0]
    assert (item.kind, item.min_count, item.min_weeks, item.document_required) == (
        "family_meeting",
        1,
        4,
        True,
    )
    lad.move_step("Family support", 1)
    lad.update_step("family-support", name="Family work", unlocks=["partnership-resources"])
    lad.remove_item("1", "early_help")
    lad.remove_step("ap-place")
    ladder = lad.current().ladder
    assert [s.key for s in ladder.steps] == ["family-support", "psp", "outreach"]
    assert ladder.steps[0].name == "Family work"
    assert ladder.steps[0].unlocks == ("partnership-resources",)
    history = lad.history()
    assert [v.number for v in history] == list(range(1, 11))
    assert len({v.id for v in history}) == 10
    assert [s.key for s in lad.get_version(1).ladder.steps] == ["psp", "outreach", "ap-place"]
    assert lad.move_step("psp", 2) == type(lad.move_step("psp", 2))()  # no-op: no version
    assert len(lad.history()) == 10


def test_ids_are_random_and_every_change_is_logged(session):
    case = with_preset(session, "ashfield")
    eid = add(session, case, "1", "internal_exclusion", date(2026, 10, 5), attachments=doc())
    check, _ = session.ladders.record_check(case, "managed-move")
    session.calendar.set_terms(session.calendar.calendar().terms_for_year(2027))
    rows = {
        table: [r[0] for r in session.db.conn.execute(f"SELECT id FROM {table}")]
        for table in (
            "ladders",
            "ladder_versions",
            "evidence",
            "evidence_documents",
            "ladder_checks",
            "calendar_terms",
        )
    }
    for table, ids in rows.items():
        assert ids, table
        assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids), table
    logged = {(c["entity"], c["entity_id"]) for c in session.changes_since(0)}
    assert ("evidence", eid) in logged and ("ladder_check", check.id) in logged
    for entity in ("ladder", "ladder_version", "evidence_document", "calendar_term"):
        assert entity in {e for e, _ in logged}
    fields = {c["field"] for c in session.changes_since(0) if c["entity"] == "evidence"}
    assert {"case_id", "step_key", "kind", "started_on", "outcome", "recorded_by"} <= fields
    audit = [(e["action"], e["entity"]) for e in session.audit_entries()]
    assert ("create", "evidence") in audit and ("create", "ladder_check") in audit


def test_a_ladder_edit_does_not_change_a_recorded_check(session):
    case = with_preset(session, "lincolnshire")
    add(session, case, "psp", "psp", date(2026, 9, 7), attachments=doc())
    recorded, _ = session.ladders.record_check(case, "ap-place")
    frozen = recorded.to_dict()
    assert recorded.ladder_version == 1 and recorded.steps[0].status == "met"

    # Raise the PSP minimum, rename and reorder steps, drop the AP step.
    session.ladders.update_item("psp", "psp", min_weeks=30)
    session.ladders.update_step("outreach", name="Outreach (renamed)")
    session.ladders.remove_step("ap-place")
    session.ladders.move_step("outreach", 1)

    again = session.ladders.get_check(recorded.id)
    assert again.to_dict() == frozen
    assert again.ladder_version_id == session.ladders.get_version(1).id
    assert [s.name for s in again.steps][:2] == [
        "Pastoral Support Plan",
        "Behaviour Outreach Support Service",
    ]
    fresh = session.ladders.check(case, "ap-place")
    assert fresh.ladder_version == 5 and fresh.steps[0].name == "Outreach (renamed)"
    assert fresh.steps[1].status == "partly_met"  # the new 30-week rule
    # evidence edits do not change it either
    session.ladders.remove_evidence(session.ladders.list_evidence(case)[0].id)
    assert session.ladders.get_check(recorded.id).to_dict() == frozen


@pytest.mark.parametrize(
    ("edit", "code"),
    [
        (lambda lad: lad.add_step("Pastoral again", key="psp"), "duplicate_step"),
        (lambda lad: lad.add_step(""), "required"),
        (lambda lad: lad.add_step("X", unlocks=["exclusion"]), "unknown_action"),
        (lambda lad: lad.add_step("X", position=9), "invalid_position"),
        (lambda lad: lad.remove_step("7"), "unknown_step"),
        (lambda lad: lad.move_step("psp", 0), "invalid_position"),
        (lambda lad: lad.add_item("psp", "psp"), "duplicate_item"),
        (lambda lad: lad.add_item("psp", "Bad Kind!"), "invalid_kind"),
        (lambda lad: lad.add_item("psp", "x", min_weeks=-3), "invalid_duration"),
        (lambda lad: lad.add_item("psp", "x", outcomes=["finished"]), "unknown_outcome"),
        (lambda lad: lad.add_item("psp", "x", verify_role="governor"), "unknown_role"),
        (lambda lad: lad.update_item("psp", "nothing", min_weeks=2), "unknown_item"),
        (lambda lad: lad.update_step("psp", min_optional=2), "invalid_min_optional"),
        (lambda lad: lad.replace({"name": "X", "steps": "all of them"}), "invalid_ladder"),
        (lambda lad: lad.load_preset("narnia"), "unknown_preset"),
    ],
)
def test_bad_edits_are_refused_and_store_nothing(session, edit, code):
    session.ladders.load_preset("lincolnshire")
    before = state(session)
    with pytest.raises(ValidationError) as info:
        edit(session.ladders)
    assert code in {i.code for i in info.value.issues}
    assert_plain(str(info.value))
    assert state(session) == before


def test_replace_from_json_round_trip_and_load_preset(session, tmp_path: Path):
    lad = session.ladders
    lad.load_preset("ashfield")
    exported = json.loads(json.dumps(lad.current().to_dict()))
    exported["definition"]["name"] = "Ashfield, our version"
    exported["definition"]["steps"].pop(1)
    lad.replace(exported, note="Dropped the hosted exclusion step")
    current = lad.current()
    assert current.ladder.name == "Ashfield, our version" and len(current.ladder.steps) == 3
    assert current.note == "Dropped the hosted exclusion step"
    lad.load_preset("south-rotherham")
    assert session.info()["ladder_preset"] == "south-rotherham"
    assert [v.number for v in lad.history()] == [1, 2, 3]
