"""The subject-access export for one pupil, assembled from the records that hang off the
pupil and its cases (found generically, as a purge finds them): ``session.privacy
.subject_access(case)`` builds it, ``write_subject_access`` saves it as PDF and JSON.

Every text value is passed through ``reports.redaction.SarScrubber``: other pupils'
names, dates of birth and UPNs are replaced; the subject's own are kept. What the user
must still review before release is listed as ``ThirdParty`` entries.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from panel_app.core.domain.changelog import TableInfo
from panel_app.core.domain.dates import format_uk
from panel_app.core.domain.models import CASE_FIELDS, PUPIL_FIELDS
from panel_app.core.domain.validation import label as field_label
from panel_app.core.errors import PanelError
from panel_app.core.reports.minutes import Identity
from panel_app.core.reports.redaction import SarScrubber, text_values
from panel_app.core.reports.sar import (
    SarAuditRow,
    SarCase,
    SarField,
    SarMinutesItem,
    SarRecord,
    SarSection,
    SubjectAccess,
    ThirdParty,
)
from panel_app.core.services.privacy import DATE_COLUMNS, KIND_LABELS, kind_label
from panel_app.core.storage import audit as audit_chain

if TYPE_CHECKING:
    from panel_app.core.services.privacy import PrivacyService

_LABELS = {
    "sen_status": "SEN status", "primary_need": "Primary need of SEN",
    "fsm": "Free school meals", "lac": "Looked-after child",
    "eal": "English as an additional language", "youth_justice": "Youth justice involvement",
    "social_care": "Social care", "mime": "File type", "size": "Size (bytes)",
}
_STAFF_COLUMNS = frozenset({"author", "by", "lead", "owner_name", "chair_name", "clerk_name"})
_HIDDEN_COLUMNS = frozenset({"id", "search_key", "sha256", "content", "updated_at"})


def _date(text: Any) -> date | None:
    try:
        return date.fromisoformat(str(text)[:10]) if text else None
    except ValueError:
        return None


def label(col: str) -> str:
    return _LABELS.get(col) or field_label(col)


def build_subject_access(privacy: PrivacyService, case: str) -> SubjectAccess:
    return _Builder(privacy).build(case)


class _Builder:
    def __init__(self, privacy: PrivacyService) -> None:
        self._p = privacy
        self._s = privacy._s

    def build(self, case: str) -> SubjectAccess:
        """Everything held about the pupil of ``case`` (all of the pupil's cases), other
        pupils redacted, with the third-party information to review. Nothing is written."""
        record = self._s.get_case(case)
        store = self._p.store
        tables = store.tables()
        case_ids = store.ids_where("cases", "pupil_id", [record.pupil_id])
        tree = self._p._tree({"pupil": {record.pupil_id}, "case": set(case_ids)}, tables,
                             strict=False)
        rows: dict[str, dict[str, dict[str, Any]]] = {
            e: store.rows(tables[e], ids) for e, ids in tree.chosen.items() if ids}
        # who is who
        idents = store.pupil_identities()
        subject = Identity(record.first_name, record.last_name,
                           record.dob.isoformat() if record.dob else None, record.upn)
        meeting_ids = {str(r["meeting_id"]) for e, rs in rows.items() for r in rs.values()
                       if e != "minutes" and r.get("meeting_id")}
        nearby_cases = set()
        if "agenda_item" in tables and meeting_ids:
            info = tables["agenda_item"]
            agenda = store.rows(info, store.ids_where(info.table, "meeting_id", meeting_ids))
            nearby_cases = {str(r["case_id"]) for r in agenda.values() if r.get("case_id")}
        nearby_pupils = set(store.pupils_of_cases(nearby_cases).values()) - {record.pupil_id}
        nearby = [Identity(f, la, d, u) for pid, f, la, d, u in idents if pid in nearby_pupils]
        others = [Identity(f, la, d, u) for pid, f, la, d, u in idents
                  if pid != record.pupil_id and pid not in nearby_pupils]
        staff_names = store.people_names()
        audit_rows = audit_chain.entries(
            self._s.db.conn, records={(e, i) for e, i in tree.order}
            | store.related_by_changes([record.pupil_id, *case_ids]), newest_first=False)
        staff: dict[str, set[str]] = defaultdict(set)
        for rs in rows.values():
            for r in rs.values():
                for col, value in r.items():
                    if isinstance(value, str) and value.strip() and (
                            col in _STAFF_COLUMNS or col.endswith("_by")):
                        staff[value.strip()].add(label(col).lower())
        for a in audit_rows:
            staff[a.actor].add("the record of changes")
        scrub = SarScrubber(subject, nearby, others,
                            keep=[*staff_names, *staff, subject.first_name])
        third: list[ThirdParty] = []
        # pupil and cases
        pupil_row = rows.get("pupil", {}).get(record.pupil_id, {})
        pupil_fields = [SarField(label(c), _show(c, pupil_row.get(c)))
                        for c in PUPIL_FIELDS if c != "home_school_id"]
        pupil_fields.insert(6, SarField("Home school", record.home_school_name))
        cases = []
        for cid in sorted(case_ids, key=lambda c: str(rows["case"][c].get("opened_on") or "")):
            row = text_values(rows["case"][cid], scrub, skip=("case_ref",))
            self._note_redaction(third, rows["case"][cid], row, f"Case {row['case_ref']}")
            fields = [SarField("Case reference", str(row["case_ref"]))]
            fields += [SarField(label(c), _show(c, row.get(c))) for c in CASE_FIELDS]
            if row.get("closed_reason"):
                fields.append(SarField("Reason for closing", str(row["closed_reason"])))
            cases.append(SarCase(str(row["case_ref"]), fields))
            if str(row.get("family_voice") or "").strip():
                third.append(ThirdParty("family", f"Case {row['case_ref']}: family voice",
                                        "May name or describe family members: check what "
                                        "they said may be shared with the requester."))
        refs = {cid: str(rows["case"][cid]["case_ref"]) for cid in case_ids}
        if (pupil_row.get("social_care") not in (None, "", "none") or pupil_row.get("lac")
                or pupil_row.get("youth_justice")):
            third.append(ThirdParty(
                "social_care", "The pupil's details",
                "Social care, looked-after or youth justice information: ask the local "
                "authority or service that provided it whether it may be released (it may "
                "be exempt where release would cause serious harm; Data Protection Act 2018, "
                "Schedule 3)."))
        # every other kind
        meetings = self._meeting_dates(tables, meeting_ids)
        sections: list[SarSection] = []
        raw: dict[str, list[dict[str, Any]]] = {}
        for entity in sorted(rows, key=_section_order):
            if entity in ("case", "pupil"):
                raw[entity] = [_json_row(text_values(r, scrub, skip=_identity_cols(entity)))
                               for r in rows[entity].values()]
                continue
            info = tables[entity]
            records = []
            raw[entity] = []
            for original in sorted(rows[entity].values(),
                                   key=lambda r: _row_when(r) or ""):
                row = text_values(original, scrub)
                raw[entity].append(_json_row(row))
                title = self._p._describe(entity, row, refs.get(str(row.get("case_id")), ""))
                self._note_redaction(third, original, row, title)
                fields = [SarField(label(c), _show(c, v)) for c, v in row.items()
                          if _shown(c, v, info)]
                if row.get("meeting_id") and str(row["meeting_id"]) in meetings:
                    fields.insert(0, SarField("Meeting", meetings[str(row["meeting_id"])]))
                records.append(SarRecord(entity, title, fields))
                if entity == "document":
                    third.append(ThirdParty("document", title,
                                            "An attached document: read it before release; "
                                            "it may hold information about other people."))
            sections.append(SarSection(entity, kind_label(entity, plural=True), records))
        minutes = self._minutes_extracts(meeting_ids, set(refs.values()), scrub, third)
        for name, where in sorted(staff.items()):
            third.append(ThirdParty("staff", name, "A member of staff or partner named as "
                                    + ", ".join(sorted(where)) + ": staff names are "
                                    "usually released, but check."))
        texts = [v for rs in rows.values() for r in rs.values() for v in r.values()
                 if isinstance(v, str)]
        for person in sorted(set(staff_names) - set(staff)):
            if any(person in t for t in texts):
                third.append(ThirdParty("staff_in_text", person,
                                        "Named in the text of the pupil's records: check."))
        audit = [SarAuditRow(a.at, a.actor, a.action, kind_label(a.entity) if a.entity
                             else "", list(a.fields)) for a in audit_rows]
        marking = "OFFICIAL-SENSITIVE"
        try:
            marking = self._s.meetings.settings().marking or marking
        except PanelError:
            pass
        return SubjectAccess(
            partnership=self._s.repo.partnership().get("name", ""),
            produced_on=self._s.clock.today().isoformat(), marking=marking,
            subject=f"{record.first_name} {record.last_name}".strip(), pupil=pupil_fields,
            cases=cases, sections=sections, minutes=minutes, audit=audit,
            third_party=third, redactions=scrub.replaced,
            records={e: rs for e, rs in raw.items()},
            notes=["Names, dates of birth and UPNs of other pupils were replaced by "
                   "\u201c[another pupil]\u201d (also any capitalised word that is another "
                   f"pupil's name): {scrub.replaced} passages changed."])

    @staticmethod
    def _note_redaction(third: list[ThirdParty], before: Mapping[str, Any],
                        after: Mapping[str, Any], where: str) -> None:
        changed = [k for k, v in before.items() if after.get(k) != v]
        if changed:
            third.append(ThirdParty("other_pupil", where,
                                    "Other pupils' details were removed from "
                                    + ", ".join(label(c).lower() for c in changed)
                                    + ": check the remaining text."))

    def _meeting_dates(self, tables: Mapping[str, TableInfo], ids: set[str]
                       ) -> dict[str, str]:
        if "meeting" not in tables or not ids:
            return {}
        rows = self._p.store.rows(tables["meeting"], ids)
        return {mid: format_uk(_date(r.get("date"))) for mid, r in rows.items()}

    def _minutes_extracts(self, meeting_ids: set[str], refs: set[str], scrub: SarScrubber,
                          third: list[ThirdParty]) -> list[SarMinutesItem]:
        out: list[SarMinutesItem] = []
        docs = []
        for mid in meeting_ids:
            try:
                docs.append(self._s.meetings.minutes_document(mid))
            except PanelError:
                continue
        for doc in sorted(docs, key=lambda d: d.meeting_date):
            numbers = set()
            for item in doc.items:
                if item.case_ref not in refs:
                    continue
                numbers.add(item.number)
                texts = [item.title, item.notes, item.conditions, item.rationale, item.dissent]
                clean = [scrub(t) for t in texts]
                if clean != texts:
                    third.append(ThirdParty("other_pupil",
                                            f"Minutes of {doc.date_uk}, item {item.number}",
                                            "Other pupils' details were removed: check the "
                                            "remaining text."))
                actions = [f"{scrub(a.text)} (owner {a.owner}, due "
                           f"{format_uk(_date(a.due_on))}, {a.status})"
                           for a in doc.actions if a.item_number == item.number]
                out.append(SarMinutesItem(doc.meeting_date, doc.status, item.number,
                                          clean[0], clean[1], item.outcome or "", clean[2],
                                          clean[3], clean[4], item.review_on, actions))
            if numbers:
                third.append(ThirdParty("minutes", f"Minutes of {doc.date_uk}",
                                        "Only the items about this pupil are included; "
                                        "members present are not listed."))
        return out


def _section_order(entity: str) -> tuple[int, str]:
    order = list(KIND_LABELS)
    return (order.index(entity) if entity in order else len(order), entity)


def _identity_cols(entity: str) -> tuple[str, ...]:
    return ("first_name", "last_name", "upn", "dob", "case_ref") if entity in (
        "pupil", "case") else ()


def _row_when(row: Mapping[str, Any]) -> str | None:
    return next((str(row[c]) for c in DATE_COLUMNS if row.get(c)), None)


def _json_row(row: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in row.items():
        if k == "search_key":
            continue
        if isinstance(v, str) and v[:1] in "[{":
            try:
                v = json.loads(v)
            except ValueError:
                pass
        out[k] = v
    return out


def _shown(col: str, value: Any, info: TableInfo) -> bool:
    if col in _HIDDEN_COLUMNS or col.endswith("_id") or col in info.blob_columns:
        return False
    return value not in (None, "", "[]", "{}")


def _show(col: str, value: Any) -> str:
    """A value as a person reads it: dates dd/mm/yyyy, yes/no, JSON flattened."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return format_uk(date.fromisoformat(value))
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}T.*", value):
            try:
                return datetime.fromisoformat(value).strftime("%d/%m/%Y %H:%M")
            except ValueError:
                return value
        if value[:1] in "[{":
            try:
                return _flatten(json.loads(value))[:3000]
            except ValueError:
                return value
        return value
    if col in ("fsm", "pupil_premium", "lac", "eal", "young_carer", "youth_justice",
               "dual_registration", "dual_registered", "trial", "in_quota", "late",
               "deleted"):
        return "yes" if value else "no"
    return str(value)


def _flatten(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_flatten(v)}" for k, v in value.items()
                         if v not in (None, "", [], {}))
    if isinstance(value, list):
        return ", ".join(_flatten(v) for v in value)
    return str(value)
