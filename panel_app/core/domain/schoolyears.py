"""Year groups and key stages in England.

Year group 0 is Reception; 1-13 are Years 1 to 13. A child's national curriculum
year follows from the school year in which they were born: children born between
1 September and 31 August share a year group.
"""

from __future__ import annotations

from datetime import date

from panel_app.core.domain.dates import academic_year_start

YEAR_GROUPS = list(range(0, 14))


def year_group_label(year: int) -> str:
    return "Reception" if year == 0 else f"Y{year}"


def parse_year_group(text: str) -> int:
    t = text.strip().upper().replace("YEAR", "").replace(" ", "")
    if t in {"R", "REC", "RECEPTION"}:
        return 0
    t = t.removeprefix("Y")
    if t.isascii() and t.isdigit() and 0 <= int(t) <= 13:
        return int(t)
    raise ValueError(f"'{text}' is not a year group (Reception or Y1 to Y13).")


def key_stage(year: int) -> str:
    if year == 0:
        return "EYFS"
    if 1 <= year <= 2:
        return "KS1"
    if 3 <= year <= 6:
        return "KS2"
    if 7 <= year <= 9:
        return "KS3"
    if 10 <= year <= 11:
        return "KS4"
    if 12 <= year <= 13:
        return "KS5"
    raise ValueError(f"no key stage for year group {year}")


def expected_year_group(dob: date, on: date) -> int:
    """The national curriculum year group for a pupil born on ``dob``, on ``on``."""
    born_in_school_year = academic_year_start(dob)
    return academic_year_start(on) - born_in_school_year - 5
