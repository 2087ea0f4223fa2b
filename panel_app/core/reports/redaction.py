"""Redaction built on the circulation copy's ``Scrubber`` (reports/minutes.py), for two
more uses:

- a **subject-access export** keeps the subject's own details and replaces every other
  pupil's name, date of birth and UPN in free text (``SarScrubber``);
- a **purge** takes a removed pupil out of frozen minutes (``remove_from_minutes``): the
  items about the purged case lose their content, and the pupil's name, date of birth and
  UPN are replaced wherever else they appear.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from panel_app.core.reports.minutes import Identity, MinutesDocument, Scrubber

_WORD = re.compile(r"\w+(?:['\u2019-]\w+)*")  # as reports.minutes reads words

ANOTHER_PUPIL = "[another pupil]"
REMOVED_PUPIL = "[removed pupil]"


class Masked(Identity):
    """A pupil whose details are replaced by a fixed marker instead of initials."""

    marker = ANOTHER_PUPIL

    @property
    def initials(self) -> str:
        return self.marker


class Removed(Masked):
    marker = REMOVED_PUPIL


class SarScrubber:
    """Free text for one pupil's subject-access export: other pupils out, the subject in.

    On top of the circulation copy's scrubbing (pupils who shared a meeting agenda with
    the subject lose full name, surname, capitalised first name, UPN and date of birth;
    every other pupil loses the full name), any capitalised word that is another pupil's
    first name or surname is replaced too, unless it is part of the subject's or a staff
    member's name. That over-redacts ("Will", "Brown") on purpose: the user reviews the
    export before release, and counts of replacements are listed for that review.
    """

    def __init__(self, subject: Identity, nearby: Iterable[Identity],
                 others: Iterable[Identity], keep: Iterable[str] = ()) -> None:
        keep = [k for k in keep if k.strip()]
        subject_name = " ".join(f"{subject.first_name} {subject.last_name}".split())
        nearby = list(nearby)
        others = list(others)
        self._scrub = Scrubber([Masked(p.first_name, p.last_name, p.dob, p.upn)
                                for p in nearby],
                               [Masked(p.first_name, p.last_name) for p in others],
                               keep=[subject_name, *keep])
        protected = {w for text in (subject_name, *keep) for w in _WORD.findall(text)}
        self._words = {w for p in (*nearby, *others)
                       for w in _WORD.findall(f"{p.first_name} {p.last_name}")
                       if len(w) > 1 and w[0].isupper()} - protected
        self.replaced = 0

    def __call__(self, text: str) -> str:
        if not text:
            return text
        out = self._scrub(text)
        if self._words:
            out = _WORD.sub(lambda m: ANOTHER_PUPIL if m.group() in self._words
                            else m.group(), out)
        if out != text:
            self.replaced += 1
        return out


def remove_from_minutes(doc: MinutesDocument, refs: Mapping[str, Identity], note: str,
                        keep: Iterable[str] = ()) -> MinutesDocument:
    """``doc`` without the pupils of the case references in ``refs`` (a purge): their
    items keep only their number and section, their actions lose their text, and their
    names, dates of birth and UPNs are replaced everywhere else; ``note`` is added to the
    status line."""
    staff = [a.name for a in doc.attendees] + [doc.chair, doc.clerk, *keep]
    staff += [a.owner for a in doc.actions]
    scrub = Scrubber([Removed(p.first_name, p.last_name, p.dob, p.upn)
                      for p in refs.values()], keep=staff)
    gone = {i.number for i in doc.items if i.case_ref in refs}
    items = []
    for item in doc.items:
        if item.number in gone:
            items.append(replace(item, title="Item about a case since removed", notes="",
                                 late_note="", case_ref=None, conditions="", rationale="",
                                 dissent="", ladder=None))
            continue
        ladder = item.ladder
        if ladder is not None:
            ladder = replace(ladder, override_reason=scrub(ladder.override_reason),
                             missing=[scrub(m) for m in ladder.missing])
        items.append(replace(
            item, title=scrub(item.title), notes=scrub(item.notes),
            late_note=scrub(item.late_note), conditions=scrub(item.conditions),
            rationale=scrub(item.rationale), dissent=scrub(item.dissent), ladder=ladder))
    actions = [replace(a, text="[removed with its case]" if a.item_number in gone
                       else scrub(a.text)) for a in doc.actions]
    pupils = {ref: p for ref, p in doc.pupils.items() if ref not in refs}
    return replace(doc, pupils=pupils, items=items, actions=actions,
                   declarations=[scrub(d) for d in doc.declarations],
                   status_note=f"{scrub(doc.status_note)} {note}".strip())


def text_values(row: Mapping[str, Any], scrub: SarScrubber,
                skip: Iterable[str] = ()) -> dict[str, Any]:
    """``row`` with every text value passed through ``scrub`` (except ``skip``)."""
    skipped = set(skip)
    return {k: (scrub(v) if isinstance(v, str) and k not in skipped else v)
            for k, v in row.items()}
