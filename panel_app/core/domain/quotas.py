"""The quota and budget year of a partnership, and money as people write it.

Money is held as whole pence (``int``), so sums are exact: South Rotherham's envelope of
630,000 GBP (36 x 17,500) is ``63_000_000`` pence. The arithmetic (allocations, usage,
forecast, carry-over) is in ``core.rules.quotas``.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from panel_app.core.domain.calendar import year_label


class Formula(StrEnum):
    EQUAL = "equal"
    ROLL = "roll"
    ROLL_FSM = "roll-fsm"
    MANUAL = "manual"


FORMULA_LABELS = {
    Formula.EQUAL.value: "equal shares",
    Formula.ROLL.value: "by roll (pupil numbers)",
    Formula.ROLL_FSM.value: "by roll and FSM, weighted",
    Formula.MANUAL.value: "agreed by hand",
}

_MONEY = re.compile(r"^\s*-?\s*£?\s*-?\s*(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?\s*$")


def parse_money(text: str) -> int:
    """'17,500', '£17,500.00', '17500.5' -> pence. Raises ValueError with a plain
    message; a minus sign is kept (the caller refuses negative amounts)."""
    raw = str(text)
    m = _MONEY.match(raw.replace("GBP", "").replace("gbp", ""))
    if not m:
        raise ValueError(f"'{raw.strip()}' is not an amount of money: write it as 17,500 or "
                         "17500.00.")
    pounds = int(m.group(1).replace(",", ""))
    pence = int((m.group(2) or "0").ljust(2, "0"))
    value = pounds * 100 + pence
    return -value if "-" in raw else value


def format_gbp(pence: int | float) -> str:
    """63_000_000 -> '£630,000'; 1_750_050 -> '£17,500.50'."""
    value = round(pence)
    sign = "-" if value < 0 else ""
    pounds, p = divmod(abs(value), 100)
    return f"{sign}£{pounds:,}" + (f".{p:02d}" if p else "")


@dataclass
class QuotaYear:
    id: str
    academic_year: int  # the calendar year in which it starts (2026 for 2026/27)
    places: int  # places purchased (e.g. at the PRU)
    cost_per_place: int  # pence a year
    envelope: int  # pence a year before any carry-over deduction
    funded_places: int | None = None  # formula funding: envelope = funded x cost
    formula: str = Formula.EQUAL.value
    roll_weight: float = 1.0
    fsm_weight: float = 0.0
    notes: str = ""
    allocations: dict[str, int] = field(default_factory=dict)  # school id -> places

    @property
    def label(self) -> str:
        return year_label(self.academic_year)

    @property
    def committed(self) -> int:
        """Pence committed to the places purchased."""
        return self.places * self.cost_per_place

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["label"] = self.label
        d["formula_label"] = FORMULA_LABELS.get(self.formula, self.formula)
        d["committed"] = self.committed
        return d


@dataclass
class QuotaCharge:
    """A cost charged to a school: a permanent exclusion made outside the panel pays the
    PRU place (``reason`` says so)."""

    id: str
    academic_year: int
    school_id: str
    school: str
    charged_on: date
    amount: int  # pence
    reason: str = ""
    case_id: str | None = None
    case_ref: str = ""
    proposal_id: str | None = None
    created_by: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["charged_on"] = self.charged_on.isoformat()
        d["amount_text"] = format_gbp(self.amount)
        return d


@dataclass(frozen=True)
class Span:
    """A placement as usage sees it: the days it holds a place (``end`` inclusive; None
    while open-ended), which school's place it uses, and whether it counts in the quota."""

    id: str
    school_id: str
    start: date
    end: date | None
    in_quota: bool = True
