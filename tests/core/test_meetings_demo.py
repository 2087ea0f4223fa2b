"""The demo partnership's meetings: past meetings with decisions and actions, approved
minutes, and the next meeting with an agenda built from the data."""

from __future__ import annotations

from keyring.backends import fail

from panel_app.core.secrets.keyring_store import KeyringStore
from panel_app.core.services.demo import build_demo
from tests.conftest import FAST_KDF


def test_demo_has_past_and_upcoming_meetings(tmp_path, clock):
    session = build_demo(tmp_path / "demo.panel", keyring=KeyringStore(fail.Keyring()),
                         kdf=FAST_KDF, clock=clock, pupils=60).session
    try:
        m = session.meetings
        meetings = m.list_meetings()
        past = [x for x in meetings if x.date < clock.today()]
        upcoming = m.list_meetings(upcoming=True)
        assert len(past) == 3 and len(upcoming) == 1
        assert [x.frozen for x in past] == [True, True, False]  # last one awaits approval
        for x in past:
            agenda = m.agenda(x)
            assert any(i.decision is not None for i in agenda)
            assert m.quorum(x).quorate
        assert {a.state for a in m.actions()} >= {"done", "overdue"}
        nxt = m.agenda(upcoming[0])
        sections = {i.section for i in nxt}
        assert {"opening", "previous", "new", "aob"} <= sections
        assert any(i.late for i in nxt)
        assert any(i.entity == "action" for i in nxt)
        # the demo's recorded ladder checks reach the minutes
        docs = [m.minutes_document(x) for x in past]
        assert any(item.ladder is not None for d in docs for item in d.items)
        assert m.render_minutes(past[-1], circulation=True).startswith(b"%PDF")
    finally:
        session.lock()
