"""The minutes of a panel meeting as pure data: what the PDF shows, nothing about layout.

``MinutesDocument`` round-trips through JSON (``to_dict``/``from_dict``): approved minutes
are frozen as that JSON, so an approved version renders the same forever, whatever is
edited later. Two copies come from one document:

- the **members' copy** names pupils (name, year group, home school, date of birth, UPN);
- the **circulation copy** (``for_circulation``) shows a pupil only by initials and case
  reference: no name, date of birth, UPN, year group or school, and free text (titles,
  notes, rationale, conditions, dissent, actions, declarations) is scrubbed of the names,
  dates of birth and UPNs it knows about, and of anything shaped like a UPN.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from itertools import pairwise
from typing import Any

from panel_app.core.domain.dates import format_uk

MEMBERS = "members"
CIRCULATION = "circulation"
COPY_LABELS = {
    MEMBERS: "Members' copy: contains pupils' names. Do not forward.",
    CIRCULATION: "Circulation copy: pupils are shown by initials and case reference only.",
}
_UPN_SHAPE = re.compile(r"\b[A-Za-z]\d{11}[0-9A-Za-z]\b")


@dataclass
class MinutesPupil:
    case_ref: str
    name: str
    initials: str
    year_group: int | None = None
    school: str = ""
    dob: str | None = None  # ISO
    upn: str = ""

    @property
    def line(self) -> str:
        """How the pupil is introduced under an item."""
        parts = [f"{self.name} ({self.case_ref})"]
        if self.year_group is not None:
            parts.append(f"Y{self.year_group}")
        if self.school:
            parts.append(self.school)
        if self.dob:
            parts.append(f"DOB {format_uk(date.fromisoformat(self.dob))}")
        if self.upn:
            parts.append(f"UPN {self.upn}")
        return ", ".join(parts)


@dataclass
class MinutesAttendee:
    name: str
    role: str
    school: str
    attendance: str
    part: str = ""


@dataclass
class MinutesAction:
    number: int
    text: str
    owner: str
    due_on: str  # ISO
    status: str
    item_number: int | None = None


@dataclass
class MinutesLadder:
    verdict: str
    overridden: bool = False
    override_reason: str = ""
    missing: list[str] = field(default_factory=list)


@dataclass
class MinutesItem:
    number: int
    section: str
    section_title: str
    title: str
    notes: str = ""
    late_note: str = ""
    case_ref: str | None = None
    outcome: str | None = None  # label, None when no decision was recorded
    method: str = ""
    conditions: str = ""
    rationale: str = ""
    dissent: str = ""
    review_on: str | None = None
    ladder: MinutesLadder | None = None
    action_numbers: list[int] = field(default_factory=list)


@dataclass
class QuotaRow:
    label: str
    allocated: float
    used: float


@dataclass
class QuotaSnapshot:
    """Quota position per school (filled in once quotas exist; never invented)."""

    title: str
    unit: str
    rows: list[QuotaRow]
    note: str = ""


@dataclass
class MinutesDocument:
    partnership: str
    meeting_id: str
    meeting_date: str  # ISO
    start_time: str
    end_time: str
    venue: str
    chair: str
    clerk: str
    status: str  # draft | approved
    version: int
    status_note: str
    attendees: list[MinutesAttendee]
    quorum_text: str
    quorate: bool | None
    declarations: list[str]
    pupils: dict[str, MinutesPupil]  # by case reference
    items: list[MinutesItem]
    actions: list[MinutesAction]
    next_meeting: str | None  # ISO
    produced_on: str  # ISO
    marking: str
    quota: QuotaSnapshot | None = None
    copy: str = MEMBERS

    @property
    def date_uk(self) -> str:
        return format_uk(date.fromisoformat(self.meeting_date))

    @property
    def title(self) -> str:
        return f"Minutes of the panel meeting on {self.date_uk}"

    def present(self) -> list[MinutesAttendee]:
        return [a for a in self.attendees if a.attendance == "present"]

    def apologies(self) -> list[MinutesAttendee]:
        return [a for a in self.attendees if a.attendance == "apologies"]

    def absent(self) -> list[MinutesAttendee]:
        return [a for a in self.attendees if a.attendance in ("absent", "invited")]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> MinutesDocument:
        data = dict(d)
        data["attendees"] = [MinutesAttendee(**a) for a in d["attendees"]]
        data["pupils"] = {k: MinutesPupil(**p) for k, p in d["pupils"].items()}
        items = []
        for raw in d["items"]:
            item = dict(raw)
            item["ladder"] = MinutesLadder(**raw["ladder"]) if raw.get("ladder") else None
            items.append(MinutesItem(**item))
        data["items"] = items
        data["actions"] = [MinutesAction(**a) for a in d["actions"]]
        quota = d.get("quota")
        data["quota"] = (QuotaSnapshot(quota["title"], quota["unit"],
                                       [QuotaRow(**r) for r in quota["rows"]],
                                       quota.get("note", "")) if quota else None)
        return cls(**data)


# -- the circulation copy ------------------------------------------------------------------

@dataclass(frozen=True)
class Identity:
    """A pupil whose name, date of birth and UPN must not appear in a circulated copy."""

    first_name: str
    last_name: str
    dob: str | None = None  # ISO
    upn: str = ""

    @property
    def initials(self) -> str:
        return "".join(p[0].upper() for p in (self.first_name, self.last_name) if p)


_WORD = re.compile(r"\w+(?:['\u2019-]\w+)*")


def _words(text: str) -> list[str]:
    return [m.group() for m in _WORD.finditer(text)]


def _alternation(keys: Iterable[str], flags: int) -> re.Pattern[str] | None:
    """One pattern matching any of ``keys`` as whole words (longest first; spaces in a
    key match any run of whitespace)."""
    parts = [r"\s+".join(re.escape(w) for w in key.split())
             for key in sorted(set(keys), key=len, reverse=True) if key.strip()]
    if not parts:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", flags)


class Scrubber:
    """Replaces known pupils' names, dates of birth and UPNs in free text.

    Pupils on the agenda lose full name, surname and first name (first names only where
    capitalised as written, so "summer term" survives "Summer Smith"), UPN and date of
    birth in the usual spellings: one combined pattern. Every other pupil in the database
    loses the full name, found by looking word pairs (and longer runs) up in a table, so
    the cost does not grow with the size of the database. Staff names in ``keep`` are
    left alone even when they share a first name with a pupil.
    """

    def __init__(self, agenda: Iterable[Identity], others: Iterable[Identity] = (),
                 keep: Iterable[str] = ()) -> None:
        self.keep = sorted({k for k in keep if k.strip()}, key=len, reverse=True)
        folded: dict[str, str] = {}  # lower-cased text -> replacement
        exact: dict[str, str] = {}  # first names, as written
        for who in agenda:
            full = " ".join(f"{who.first_name} {who.last_name}".split())
            for text in (full, who.last_name.strip()):
                if len(text) > 1:
                    folded[" ".join(text.lower().split())] = who.initials
            if len(who.first_name.strip()) > 1:
                exact[" ".join(who.first_name.split())] = who.initials
            if who.upn:
                folded[who.upn.lower()] = "[UPN removed]"
            if who.dob:
                d = date.fromisoformat(who.dob)
                for text in (d.isoformat(), format_uk(d), f"{d.day}/{d.month}/{d.year}",
                             d.strftime("%d.%m.%Y"), d.strftime("%d-%m-%Y")):
                    folded[text] = "[date of birth removed]"
        self._folded = folded
        self._exact = exact
        self._folded_re = _alternation(folded, re.IGNORECASE)
        self._exact_re = _alternation(exact, 0)
        self._others: dict[str, str] = {}
        for who in others:
            key = " ".join(_words(f"{who.first_name} {who.last_name}")).lower()
            if key.count(" ") >= 1:
                self._others.setdefault(key, who.initials)
        self._longest = max((k.count(" ") + 1 for k in self._others), default=0)

    def _scrub_others(self, text: str) -> str:
        if not self._others:
            return text
        tokens = list(_WORD.finditer(text))
        out: list[str] = []
        last = i = 0
        while i < len(tokens):
            for n in range(min(self._longest, len(tokens) - i), 1, -1):
                run = tokens[i:i + n]
                if any(text[a.end():b.start()].strip() for a, b in pairwise(run)):
                    continue
                key = " ".join(t.group() for t in run).lower()
                end = run[-1].end()
                found = self._others.get(key)
                if found is None and key[-2:] in ("'s", "\u2019s"):  # possessive
                    found = self._others.get(key[:-2])
                    end -= 2
                if found is not None:
                    out += [text[last:run[0].start()], found]
                    last, i = end, i + n
                    break
            else:
                i += 1
        return "".join(out) + text[last:]

    def __call__(self, text: str) -> str:
        if not text:
            return text
        held: dict[str, str] = {}
        for n, name in enumerate(self.keep):
            token = f"\x00{n}\x00"
            if name in text:
                held[token] = name
                text = text.replace(name, token)
        if self._folded_re is not None:
            text = self._folded_re.sub(
                lambda m: self._folded.get(" ".join(m.group().lower().split()), m.group()),
                text)
        text = self._scrub_others(text)
        if self._exact_re is not None:
            text = self._exact_re.sub(
                lambda m: self._exact.get(" ".join(m.group().split()), m.group()), text)
        text = _UPN_SHAPE.sub("[UPN removed]", text)
        for token, name in held.items():
            text = text.replace(token, name)
        return text


def for_circulation(doc: MinutesDocument, identities: Mapping[str, Identity],
                    others: Iterable[Identity] = (), keep: Iterable[str] = ()
                    ) -> MinutesDocument:
    """The circulation copy of ``doc``; ``identities`` maps case references to the
    pupils on the agenda, ``others`` lists every other pupil to keep out of free text,
    ``keep`` names of staff to leave alone (the document's own people are kept too)."""
    if doc.copy == CIRCULATION:
        return doc
    staff = [a.name for a in doc.attendees] + [doc.chair, doc.clerk, *keep]
    staff += [a.owner for a in doc.actions]
    scrub = Scrubber(identities.values(), others, keep=staff)
    pupils = {
        ref: MinutesPupil(case_ref=ref, name=p.initials, initials=p.initials)
        for ref, p in doc.pupils.items()
    }
    items = []
    for item in doc.items:
        ladder = item.ladder
        if ladder is not None:
            ladder = replace(ladder, override_reason=scrub(ladder.override_reason),
                             missing=[scrub(m) for m in ladder.missing])
        items.append(replace(
            item, title=scrub(item.title), notes=scrub(item.notes),
            late_note=scrub(item.late_note), conditions=scrub(item.conditions),
            rationale=scrub(item.rationale), dissent=scrub(item.dissent), ladder=ladder))
    actions = [replace(a, text=scrub(a.text)) for a in doc.actions]
    return replace(doc, pupils=pupils, items=items, actions=actions,
                   declarations=[scrub(d) for d in doc.declarations],
                   status_note=scrub(doc.status_note), copy=CIRCULATION)
