"""The partnership's school calendar, on the session: ``session.calendar``.

Term dates a partnership enters (or imports from a CSV of term dates) replace the England
default pattern for their academic years; every other year uses the default, so school
weeks can be counted on any date.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from panel_app.core.domain.calendar import (
    SchoolCalendar,
    Term,
    check_terms,
    parse_terms_csv,
    terms_to_csv,
    year_label,
)
from panel_app.core.domain.dates import academic_year_start
from panel_app.core.domain.issues import Issue, errors
from panel_app.core.errors import ValidationError
from panel_app.core.services.exports import plaintext_export
from panel_app.core.services.session import Changes
from panel_app.core.storage.ladders import LadderStore

if TYPE_CHECKING:
    from panel_app.core.services.session import PartnershipSession


class CalendarService:
    def __init__(self, session: PartnershipSession) -> None:
        self._session = session

    @property
    def _store(self) -> LadderStore:
        return LadderStore(self._session.repo)

    def calendar(self) -> SchoolCalendar:
        """The calendar as stored, with the England default for years not entered."""
        return SchoolCalendar([t for _, t in self._store.terms()])

    def stored_years(self) -> list[int]:
        return self.calendar().stored_years

    def year(self, start_year: int) -> dict[str, Any]:
        """One academic year for display: label, source (stored/default), terms."""
        return self.calendar().to_dict(start_year)

    def years_to_show(self) -> list[int]:
        """The stored years and the current one (whose dates may be the default)."""
        current = academic_year_start(self._session.clock.today())
        return sorted(set(self.stored_years()) | {current})

    def set_terms(self, terms: Sequence[Term]) -> Changes:
        """Replace the academic years that ``terms`` cover with exactly these terms.
        Raises ValidationError (nothing stored) when a term is malformed or two overlap."""
        terms = list(terms)
        if not terms:
            raise ValidationError(
                [Issue("no_terms", "error", "terms", "No terms were given: list the year's terms.")]
            )
        issues = check_terms(terms)
        if errors(issues):
            raise ValidationError(issues)
        years = {t.academic_year for t in terms}
        stored = self._store.terms()
        before = sorted((t for _, t in stored if t.academic_year in years), key=lambda t: t.start)
        if before == sorted(terms, key=lambda t: t.start):
            return Changes()
        ids: set[str] = set()
        with self._session._write():
            for term_id, term in stored:
                if term.academic_year in years:
                    self._store.delete_term(term_id)
                    ids.add(term_id)
            for term in sorted(terms, key=lambda t: t.start):
                ids.add(self._store.insert_term(term))
            self._session.repo.audit(
                "calendar_set", "calendar_term", "", fields=[year_label(y) for y in sorted(years)]
            )
        return Changes(frozenset({"calendar"}), frozenset(ids))

    def import_csv(self, text: str) -> Changes:
        """Import term dates from CSV text (see ``domain.calendar.CSV_HELP``)."""
        terms, issues = parse_terms_csv(text)
        if errors(issues):
            raise ValidationError(issues)
        return self.set_terms(terms)

    def reset_year(self, start_year: int) -> Changes:
        """Forget the entered dates of one academic year (it returns to the default)."""
        ids = [tid for tid, t in self._store.terms() if t.academic_year == start_year]
        if not ids:
            return Changes()
        with self._session._write():
            for tid in ids:
                self._store.delete_term(tid)
            self._session.repo.audit(
                "calendar_reset", "calendar_term", "", fields=[year_label(start_year)]
            )
        return Changes(frozenset({"calendar"}), frozenset(ids))

    @plaintext_export("calendar_csv")
    def export_csv(self, years: Iterable[int] | None = None) -> str:
        """Term dates as CSV text for the caller to save (a plaintext file; audited)."""
        cal = self.calendar()
        wanted = sorted(years) if years is not None else self.years_to_show()
        text = terms_to_csv(t for y in wanted for t in cal.terms_for_year(y))
        with self._session._write():
            self._session.repo.audit("calendar_exported", "calendar_term", "",
                                     fields=[year_label(y) for y in wanted])
        return text
