"""Prepared rows for the Ladder section's editor: what one worker job fetches
(``LadderData``), the steps and items as table rows, and their columns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from panel_app.core.domain.ladder import LadderStep, action_label
from panel_app.core.services.ladders import LadderVersion
from panel_app.gui.models.records import RecordColumn


def unlocks_text(step: LadderStep) -> str:
    """'AP place, managed move'."""
    return ", ".join(action_label(a).removeprefix("an ").removeprefix("a ")
                     for a in step.unlocks)


@dataclass(frozen=True)
class StepRow:
    number: int
    step: LadderStep


STEP_COLUMNS = (
    RecordColumn("#", lambda r: str(r.number), lambda r: r.number),
    RecordColumn("Step", lambda r: r.step.name),
    RecordColumn("Items", lambda r: str(len(r.step.items)), lambda r: len(r.step.items)),
    RecordColumn("Unlocks", lambda r: unlocks_text(r.step)),
)
ITEM_COLUMNS = (
    RecordColumn("Item", lambda i: i.label),
    RecordColumn("Needs", lambda i: i.requirement_text() or "a record"),
)


@dataclass
class LadderData:
    version: LadderVersion | None
    history: list[LadderVersion]
    presets: list[tuple[str, str]]


def fetch_ladder(s: Any) -> LadderData:
    return LadderData(s.ladders.current(), list(reversed(s.ladders.history())),
                      [(p.preset, p.name) for p in s.ladders.presets()])
