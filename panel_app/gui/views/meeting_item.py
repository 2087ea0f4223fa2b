"""Meeting mode's left-hand panel: what the item shown is about.

For a case item: the case summary, the ladder verdict with what is missing (the check
frozen with the decision, else the latest recorded one, else a check run now and not
recorded) and the quota position when quotas are recorded. For a carried action: the
action and a button to mark it done. ``load_context`` runs on the worker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QLabel, QPushButton, QVBoxLayout, QWidget

from panel_app.core.domain.dates import format_uk
from panel_app.core.domain.meetings import Action, AgendaItem, Meeting, Quorum
from panel_app.core.domain.models import CaseRecord
from panel_app.core.domain.schoolyears import year_group_label
from panel_app.core.errors import PanelError
from panel_app.core.reports.minutes import QuotaSnapshot
from panel_app.gui.icons import risk_text
from panel_app.gui.models.meetings import ACTION_STATES, section_title
from panel_app.gui.theme import heading, message_label, set_message


@dataclass(frozen=True)
class ItemContext:
    item_id: str
    case: CaseRecord | None = None
    ladder: dict[str, Any] | None = None
    ladder_note: str = ""
    carried: Action | None = None


@dataclass(frozen=True)
class ModeData:
    """What meeting mode shows of its meeting."""

    meeting: Meeting
    agenda: list[AgendaItem]
    actions: list[Action]
    people: list[str]
    quorum: Quorum
    quota: QuotaSnapshot | None
    today: date
    default_due: date


def load_mode_data(s: Any, meeting_id: str) -> ModeData:
    m = s.meetings
    meeting = m.get_meeting(meeting_id)
    later = [x for x in m.list_meetings() if x.date > meeting.date and x.status != "cancelled"]
    due = later[0].date if later else meeting.date + timedelta(days=14)
    return ModeData(meeting, m.agenda(meeting), m.actions(meeting=meeting.id),
                    sorted({p.name for p in s.list_people()}, key=str.casefold),
                    m.quorum(meeting), m.quota_snapshot(meeting), s.clock.today(), due)


def ladder_action(text: str) -> str | None:
    """The ladder request an agenda item is about, from its wording (None: unknown)."""
    t = text.casefold()
    if "managed move" in t:
        return "managed-move"
    if re.search(r"\bap\b", t) or "alternative provision" in t:
        return "ap-place"
    if "partnership resource" in t:
        return "partnership-resources"
    return None


def load_context(s: Any, meeting: Meeting, item: AgendaItem, today: date) -> ItemContext:
    """Everything the panel shows for ``item`` (runs on the worker)."""
    carried = None
    if item.entity == "action":
        carried = next((a for a in s.meetings.actions() if a.id == item.entity_id), None)
    if not item.case_id:
        return ItemContext(item.id, carried=carried)
    case = s.get_case(item.case_id)
    if item.decision is not None and item.decision.ladder:
        return ItemContext(item.id, case, item.decision.ladder, "as recorded with the decision")
    action = ladder_action(f"{item.title} {item.notes}")
    if action is None:  # the request is not named: the latest check of any kind
        snapshot = s.meetings.ladder_snapshot(case.id, meeting.date)
        return ItemContext(item.id, case, snapshot, "latest recorded check")
    recorded = [c for c in s.ladders.list_checks(case.id)
                if c.action == action and c.on <= meeting.date]
    if recorded:
        return ItemContext(item.id, case, ladder_dict(recorded[-1]), "latest recorded check")
    try:
        check = s.ladders.check(case.id, action, on=min(meeting.date, today))
    except PanelError:
        return ItemContext(item.id, case)
    return ItemContext(item.id, case, ladder_dict(check),
                       "checked now for this screen; not recorded")


def ladder_dict(check: Any) -> dict[str, Any]:
    """A ladder check in the form the core freezes with a decision."""
    override = check.override
    checked = f" (checked {format_uk(check.on)})" if check.recorded else ""
    return {"verdict": f"{check.action_label}: {check.verdict_text()}{checked}",
            "overridden": override is not None,
            "override_reason": f"{override.reason} (agreed by {override.by})" if override
            else "",
            "missing": [r.message for r in check.gaps()]}


def case_lines(case: CaseRecord) -> list[str]:
    first = [f"{case.full_name} ({case.case_ref})"]
    if case.year_group is not None:
        first.append(year_group_label(case.year_group))
    if case.home_school_name:
        first.append(case.home_school_name)
    first.append(f"risk {risk_text(case.risk)}")
    second = []
    if case.attendance_pct is not None:
        second.append(f"attendance {case.attendance_pct:.0f}%")
    if case.suspensions:
        second.append(f"{case.suspensions} suspension{'s' if case.suspensions != 1 else ''} "
                      f"({case.suspension_days:g} days)")
    else:
        second.append("no suspensions")
    if case.permanent_exclusions:
        second.append(f"{case.permanent_exclusions} permanent exclusion(s)")
    if case.sen_status and case.sen_status != "none":
        second.append(case.sen_status)
    flags = [name for name, on in (("looked after", case.lac), ("FSM", case.fsm),
                                   ("young carer", case.young_carer)) if on]
    second += flags
    details = "; ".join(second)
    out = [" · ".join(first), details[:1].upper() + details[1:] + "."]
    if case.summary:
        out.append(case.summary)
    return out


def _label(role: str = "") -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    if role:
        label.setProperty("role", role)
    return label


class ItemPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.section = _label("muted")
        self.title = heading("", 1.25, self)
        self.late = message_label()
        self.notes = _label()
        for widget in (self.section, self.title, self.late, self.notes):
            layout.addWidget(widget)
        self.case_box, self.case_text = self._box("Case", layout)
        self.ladder_box, self.ladder_text = self._box("Ladder", layout)
        self.quota_box, self.quota_text = self._box("Quota position", layout)
        self.action_box, self.action_text = self._box("Carried action", layout)
        self.done_button = QPushButton("Mark this action done")
        self.done_button.setToolTip("Mark the carried action done today (Ctrl+Shift+D)")
        action_layout = self.action_box.layout()
        assert action_layout is not None
        action_layout.addWidget(self.done_button)
        layout.addStretch(1)
        self.show_item(None, 0, None, None)

    @staticmethod
    def _box(title: str, layout: QVBoxLayout) -> tuple[QGroupBox, QLabel]:
        box = QGroupBox(title)
        text = _label()
        QVBoxLayout(box).addWidget(text)
        layout.addWidget(box)
        return box, text

    def show_item(self, item: AgendaItem | None, count: int, quota: QuotaSnapshot | None,
                  context: ItemContext | None) -> None:
        """Show ``item`` at once; the case and ladder follow when ``context`` comes."""
        for box in (self.case_box, self.ladder_box, self.quota_box, self.action_box):
            box.setVisible(False)
        if item is None:
            self.section.setText("")
            self.title.setText("No agenda item")
            self.notes.setText("")
            set_message(self.late, "")
            return
        self.section.setText(f"Item {item.position} of {count} · {section_title(item.section)}")
        self.title.setText(item.title)
        self.title.setAccessibleName(item.title)
        set_message(self.late, item.late_note, "warning")
        self.notes.setText(item.notes)
        self.notes.setVisible(bool(item.notes))
        if item.case_id:
            self.case_box.setVisible(True)
            self.ladder_box.setVisible(True)
            self.quota_box.setVisible(True)
            self.quota_text.setText(self._quota(quota, context))
            self.case_text.setText("Loading…")
            self.ladder_text.setText("Loading…")
        if context is None or context.item_id != item.id:
            return
        if context.case is not None:
            self.case_text.setText("\n".join(case_lines(context.case)))
        self.ladder_text.setText(self._ladder(context))
        if context.carried is not None:
            a = context.carried
            state = ACTION_STATES.get(a.state, (a.state,))[0]
            self.action_box.setVisible(True)
            self.action_text.setText(f"{a.text}\nOwner: {a.owner} · due {format_uk(a.due_on)}"
                                     f" · {state}"
                                     + (f" on {format_uk(a.done_on)}" if a.done_on else ""))
            self.done_button.setEnabled(a.done_on is None)

    @staticmethod
    def _ladder(context: ItemContext) -> str:
        ladder = context.ladder
        if ladder is None:
            return "No ladder check is recorded for this case."
        lines = [f"Verdict: {ladder.get('verdict', '')} ({context.ladder_note})"]
        if ladder.get("overridden"):
            lines.append(f"Override: {ladder.get('override_reason', '')}")
        missing = [str(m) for m in ladder.get("missing") or []]
        if missing:
            lines.append("What is missing:")
            lines += [f"  • {m}" for m in missing]
        else:
            lines.append("Nothing is missing.")
        return "\n".join(lines)

    @staticmethod
    def _quota(quota: QuotaSnapshot | None, context: ItemContext | None) -> str:
        if quota is None or not quota.rows:
            return "No quota figures are recorded yet."
        school = context.case.home_school_name if context and context.case else ""
        lines = [quota.title]
        for row in quota.rows:
            mark = " (home school)" if school and row.label == school else ""
            lines.append(f"{row.label}{mark}: {row.used:g} of {row.allocated:g} {quota.unit} "
                         "used")
        if quota.note:
            lines.append(quota.note)
        return "\n".join(lines)
