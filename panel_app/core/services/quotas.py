"""The quota and budget year, on the session: ``session.quotas``.

For an academic year the partnership records the places it buys (e.g. at the PRU), the
cost per place and its envelope, and shares the places among member schools by a formula
(``rules.quotas.allocate``). The report counts usage from the AP placements that use a
quota place (concurrent places and place-weeks, school weeks only), money committed and
left for other programmes, the forecast to the year end, the deduction carried from the
previous year, and charges to schools (a permanent exclusion made outside the panel is
charged to the excluding school at the cost per place).

Money is whole pence (``int``) everywhere in the core; text such as '17,500' is read as
pounds (``domain.quotas.parse_money``). Mutating calls validate first and raise
``ValidationError`` (nothing stored); otherwise they write in one transaction through
``Repository`` and return ``Saved``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING

from panel_app.core.domain.calendar import year_label
from panel_app.core.domain.dates import academic_year_start, format_uk
from panel_app.core.domain.inputs import date_input as day
from panel_app.core.domain.inputs import error as _err
from panel_app.core.domain.inputs import school_year
from panel_app.core.domain.issues import Issue, errors, warnings
from panel_app.core.domain.quotas import (
    FORMULA_LABELS,
    Formula,
    QuotaCharge,
    QuotaYear,
    Span,
    format_gbp,
    parse_money,
)
from panel_app.core.errors import NotFoundError, ValidationError
from panel_app.core.reports.minutes import QuotaRow, QuotaSnapshot
from panel_app.core.rules import quotas as rules
from panel_app.core.services.meetings import Saved
from panel_app.core.services.session import Changes
from panel_app.core.storage.proposals_repo import ProposalsRepo

if TYPE_CHECKING:
    from panel_app.core.services.session import PartnershipSession



def _weeks(value: float) -> str:
    """Place-weeks as the quotas dashboard shows them: '1,158', '81.4'."""
    return f"{value:,.1f}".removesuffix(".0")


def money(value: int | str | None, fld: str, what: str, issues: list[Issue]) -> int | None:
    """Pence from an int (pence) or text in pounds; None when not given."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        issues.append(_err("invalid_money", fld, f"{what} is not an amount of money."))
        return None
    if isinstance(value, int):
        return value
    try:
        return parse_money(str(value))
    except ValueError as exc:
        issues.append(_err("invalid_money", fld, f"{what}: {exc}"))
        return None


class QuotasService:
    """The quotas part of the facade; reach it as ``session.quotas``."""

    def __init__(self, session: PartnershipSession) -> None:
        self._s = session

    @property
    def repo(self) -> ProposalsRepo:
        return ProposalsRepo(self._s.db)

    def _year_number(self, year: int | str | None) -> int:
        return school_year(year, self._s.clock.today())

    def _schools(self) -> list[rules.SchoolBasis]:
        return [rules.SchoolBasis(s.id, s.name, s.roll, s.fsm_count)
                for s in self._s.list_schools() if s.member]

    # -- reading -----------------------------------------------------------------------------
    def years(self) -> list[int]:
        return self.repo.quota_years()

    def year(self, year: int | str | None = None) -> QuotaYear | None:
        """The quota year (None when none is set); default the current academic year."""
        return self.repo.quota_year(self._year_number(year))

    def get_year(self, year: int | str | None = None) -> QuotaYear:
        number = self._year_number(year)
        found = self.repo.quota_year(number)
        if found is None:
            raise NotFoundError(f"No quota is set for {year_label(number)}: set it with "
                                f"'panel-app quota set --year {year_label(number)}'.")
        return found

    def charges(self, year: int | str | None = None) -> list[QuotaCharge]:
        return self.repo.charges(self._year_number(year))

    def _spans(self, start_year: int) -> list[Span]:
        first, last = rules.year_bounds(start_year)
        return self.repo.spans(first, last)

    def report(self, year: int | str | None = None, on: date | str | None = None
               ) -> rules.QuotaReport:
        """The year's quota position on ``on`` (default today, or the year's last day once
        it is over)."""
        issues: list[Issue] = []
        when = day(on, "on", "Report date", issues)  # a bad date first: it is what to fix
        if issues:
            raise ValidationError(issues)
        number = self._year_number(year)
        qy = self.get_year(number)
        today = self._s.clock.today()
        when = when or min(today, rules.year_bounds(number)[1])
        cal = self._s.calendar.calendar()
        charges: dict[str, int] = {}
        for c in self.repo.charges(number):
            charges[c.school_id] = charges.get(c.school_id, 0) + c.amount
        prev_year = self.repo.quota_year(number - 1)
        previous = (prev_year, self._spans(number - 1)) if prev_year is not None else None
        return rules.quota_report(qy, self._schools(), self._spans(number), cal, when,
                                  charges=charges, previous=previous, today=today)

    def snapshot(self, on: date) -> QuotaSnapshot | None:
        """The quota position on ``on`` as the agenda and minutes show it (per school:
        allocated and in use); None when no quota is set for that year."""
        number = academic_year_start(on)
        if self.repo.quota_year(number) is None:
            return None
        r = self.report(number, on)
        rows = [QuotaRow(s.name, float(s.allocated), float(s.in_use)) for s in r.schools
                if s.allocated or s.in_use]
        y = r.year
        note = (f"{y.places} places purchased at {format_gbp(y.cost_per_place)} "
                f"({format_gbp(r.committed)}) from an envelope of "
                f"{format_gbp(r.effective_envelope)}"
                + (f" after {format_gbp(r.deduction_amount)} carried over"
                   if r.deduction_amount else "")
                + f"; {format_gbp(r.left)} left for other programmes. In use on "
                f"{format_uk(on)}: {r.in_use} of {y.places}; place-weeks used "
                f"{_weeks(r.place_weeks_used)} of {_weeks(r.place_weeks_allowed)}; forecast "
                f"to the year end {_weeks(r.forecast_place_weeks)}.")
        if r.forecast_deduction:
            note += (f" On the placements planned, {format_gbp(r.forecast_deduction)} would "
                     "come off next year's envelope.")
        return QuotaSnapshot(f"Quota and budget {y.label}: places on {format_uk(on)}",
                             "places", rows, note)

    # -- setting -----------------------------------------------------------------------------
    def set_year(
        self,
        year: int | str | None = None,
        *,
        places: int,
        cost_per_place: int | str,
        envelope: int | str | None = None,
        funded_places: int | None = None,
        formula: str = Formula.EQUAL.value,
        roll_weight: float = 1.0,
        fsm_weight: float = 0.0,
        allocations: Mapping[str, int] | None = None,
        notes: str = "",
    ) -> Saved:
        """Set (or change) the quota for an academic year: places purchased, cost per place
        (pence, or text in pounds), the envelope (default: funded places x cost, else
        places x cost), and the allocations by ``formula`` (``allocations`` maps a school
        name, code or id to places for 'manual'). Warns when the places cost more than
        the envelope; refuses negative figures and allocations that do not add up."""
        number = self._year_number(year)
        issues: list[Issue] = []
        cost = money(cost_per_place, "cost_per_place", "Cost per place", issues)
        env = money(envelope, "envelope", "Envelope", issues)
        if formula not in {f.value for f in Formula}:
            issues.append(_err("invalid_formula", "formula", "The formula is one of: "
                               + ", ".join(f.value for f in Formula) + "."))
        if isinstance(places, bool) or not isinstance(places, int):
            issues.append(_err("invalid_places", "places",
                               "Give the places purchased as a whole number."))
            places = 0
        if cost is None and not errors(issues):
            issues.append(_err("required", "cost_per_place",
                               "Give the yearly cost of one place (for example 17,500)."))
        if errors(issues):
            raise ValidationError(issues)
        assert cost is not None
        if env is None:
            env = (funded_places if funded_places is not None else places) * cost
        issues += rules.check_year(places, cost, env, funded_places)
        manual: dict[str, int] = {}
        if formula == Formula.MANUAL.value:
            for ref, n in (allocations or {}).items():
                try:
                    sid = self._s.find_school(ref).id
                except NotFoundError:
                    issues.append(_err("unknown_school", "allocations",
                                       f"'{ref}' is not a school in this partnership: see "
                                       "'panel-app school list'."))
                    continue
                manual[sid] = manual.get(sid, 0) + int(n)
        elif allocations:
            issues.append(_err("allocations_need_manual", "allocations",
                               "Allocations given by hand need the formula 'manual'."))
        if errors(issues):
            raise ValidationError(issues)
        result = rules.allocate(places, self._schools(), formula, roll_weight=roll_weight,
                                fsm_weight=fsm_weight, manual=manual)
        issues += list(result.issues)
        if errors(issues):
            raise ValidationError(issues)
        fields = {
            "places": places, "cost_per_place": cost, "envelope": env,
            "funded_places": funded_places, "formula": formula,
            "roll_weight": float(roll_weight), "fsm_weight": float(fsm_weight),
            "notes": notes.strip(),
        }
        existing = self.repo.quota_year(number)
        ids: list[str] = []
        repo = self._s.repo
        with self._s._write():
            if existing is None:
                yid = repo.insert("quota_year", {
                    "academic_year": number, "created_at": self._s.clock.now().isoformat(),
                    **fields})
            else:
                yid = existing.id
                repo.update("quota_year", yid, fields)
            ids.append(yid)
            rows = self.repo.allocation_rows(yid)
            for sid, n in result.places.items():
                if sid in rows:
                    if repo.update("quota_allocation", rows[sid][0], {"places": n}):
                        ids.append(rows[sid][0])
                else:
                    ids.append(repo.insert("quota_allocation", {
                        "quota_year_id": yid, "school_id": sid, "places": n}))
            for sid, (rid, _n) in rows.items():
                if sid not in result.places:
                    repo.delete("quota_allocation", rid)
                    ids.append(rid)
        return Saved(yid, Changes(frozenset({"quota_year", "quota_allocation"}),
                                  frozenset(ids)), tuple(warnings(issues)))

    def describe_formula(self, qy: QuotaYear) -> str:
        text = FORMULA_LABELS.get(qy.formula, qy.formula)
        if qy.formula == Formula.ROLL_FSM.value:
            text += f" (roll {qy.roll_weight:g}, FSM {qy.fsm_weight:g})"
        return text

    # -- charges -----------------------------------------------------------------------------
    def charge_unilateral_px(
        self,
        school: str,
        *,
        on: date | str | None = None,
        case: str | None = None,
        amount: int | str | None = None,
        reason: str = "",
        proposal_id: str | None = None,
    ) -> Saved:
        """Charge a school that permanently excluded outside the panel the cost of the PRU
        place (default: the year's cost per place)."""
        issues: list[Issue] = []
        when = day(on, "charged_on", "Date", issues) or self._s.clock.today()
        value = money(amount, "amount", "Amount", issues)
        try:
            sid = self._s.find_school(school).id
        except NotFoundError:
            issues.append(_err("unknown_school", "school_id",
                               f"'{school}' is not a school in this partnership: see "
                               "'panel-app school list'."))
            sid = ""
        case_id = self._s.get_case(case).id if case else None
        number = academic_year_start(when)
        if value is None and not errors(issues):
            qy = self.repo.quota_year(number)
            if qy is None:
                issues.append(_err("no_quota", "amount",
                                   f"No quota is set for {year_label(number)}, so the cost per "
                                   "place is not known: set the quota first or give the "
                                   "amount."))
            else:
                value = qy.cost_per_place
        if value is not None and value < 0:
            issues.append(_err("negative_cost", "amount", "A charge cannot be negative."))
        if errors(issues):
            raise ValidationError(issues)
        assert value is not None
        with self._s._write():
            cid = self._insert_charge(number, sid, when, value, case_id, proposal_id,
                                      reason.strip() or "Permanent exclusion made outside the "
                                      "panel: the PRU place is charged to the excluding school.")
        return Saved(cid, Changes.of("quota_charge", cid))

    def _insert_charge(self, number: int, school_id: str, when: date, amount: int,
                       case_id: str | None, proposal_id: str | None, reason: str) -> str:
        return self._s.repo.insert("quota_charge", {
            "academic_year": number, "school_id": school_id, "case_id": case_id,
            "proposal_id": proposal_id, "charged_on": when, "amount": amount,
            "reason": reason, "created_by": self._s.user_name})

    # -- before approving ----------------------------------------------------------------------
    def check_request(self, school_id: str, start: date, end: date | None) -> list[Issue]:
        """Warnings before approving one more quota place for ``school_id`` from ``start``
        to ``end`` (None: to the year end)."""
        number = academic_year_start(start)
        qy = self.repo.quota_year(number)
        if qy is None:
            return [Issue("no_quota", "warning", "quota",
                          f"No quota is set for {year_label(number)}: the request was not "
                          "checked against a quota.", {"year": number})]
        last = rules.year_bounds(number)[1]
        school = next((s.name for s in self._s.list_schools() if s.id == school_id), school_id)
        return rules.check_request(qy, self._spans(number), school_id, school, start,
                                   min(end or last, last))
