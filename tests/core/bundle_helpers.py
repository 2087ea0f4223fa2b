"""Helpers for the bundle tests: several installations of one partnership, each a real
encrypted database with its own installation id and keys, and full content dumps."""

from __future__ import annotations

import hashlib
import json
import shutil
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from panel_app.core.bundles import format as fmt
from panel_app.core.bundles.identity import MANIFEST_CONTEXT, sign
from panel_app.core.services import FixedClock, PartnershipSession, unlock
from panel_app.core.storage.repository import ENTITY_TABLES
from tests.conftest import PASSPHRASE


@dataclass
class Site:
    name: str
    session: PartnershipSession

    @property
    def b(self) -> Any:
        return self.session.bundles


def make_site(template: Path, folder: Path, name: str, keyring: Any, clock: FixedClock,
              *, school: str | None = None, panel: bool = False) -> Site:
    """A copy of the template partnership that is its own installation."""
    target = folder / f"{name}.panel"
    shutil.copy2(template, target)
    shutil.copy2(str(template) + ".key", str(target) + ".key")
    session = unlock(target, passphrase=PASSPHRASE, keyring=keyring, clock=clock)
    session.bundles.new_installation_identity()
    session.bundles.set_own_school(school, panel=panel)
    return Site(name, session)


def introduce(*sites: Site) -> None:
    """Every site imports every other site's card (fingerprint confirmed)."""
    cards = {s.name: s.b.export_card() for s in sites}
    for s in sites:
        for other in sites:
            if other is not s:
                check = s.b.check_card(cards[other.name])
                s.b.import_card(cards[other.name], check.fingerprint)


def dump(session: PartnershipSession) -> dict[str, list[str]]:
    """Every row of every table, in a stable order: 'the database content'."""
    conn = session.db.conn
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name")]
    return {t: sorted(repr(tuple(r)) for r in conn.execute(f"SELECT * FROM {t}"))
            for t in tables}


def shared_rows(session: PartnershipSession, school_id: str) -> dict[str, list[str]]:
    """Rows that the given school is party to, and the partnership-wide ones (schools,
    people, the partnership), in a stable order: what two installations must agree on."""
    conn = session.db.conn
    out: dict[str, list[str]] = {}
    pupils = {r[0] for r in conn.execute("SELECT id FROM pupils WHERE home_school_id = ?",
                                         (school_id,))}
    cases = {r[0] for r in conn.execute("SELECT id, pupil_id FROM cases") if r[1] in pupils}
    for entity, table in ENTITY_TABLES.items():
        cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
        rows = [dict(zip(cols, r, strict=True)) for r in conn.execute(f"SELECT * FROM {table}")]
        if entity == "pupil":
            rows = [r for r in rows if r["id"] in pupils]
        elif entity == "case":
            rows = [r for r in rows if r["id"] in cases]
        elif "case_id" in cols:
            rows = [r for r in rows if r["case_id"] in cases]
        out[entity] = sorted(repr(sorted(r.items())) for r in rows)
    return out


def decrypt_as(site: Site, data: bytes) -> tuple[fmt.Manifest, list[fmt.Record]]:
    """What a recipient sees inside a bundle (in memory, as the importer does)."""
    inner = fmt.decrypt(data, [site.b._keys().age_identity])
    container = fmt.unpack(inner)
    manifest = fmt.parse_manifest(container.manifest_bytes)
    return manifest, fmt.parse_records(container, manifest)


def reseal(sender: Site, data: bytes, recipients: list[Site], *, manifest_edit: Any = None,
           records_edit: Any = None, signer: Site | None = None, inner_edit: Any = None) -> bytes:
    """Open a bundle the sender made (it can read its own), change it, sign it again
    (by the sender unless ``signer``) and encrypt it to ``recipients``."""
    inner = fmt.decrypt(data, [sender.b._keys().age_identity])
    c = fmt.unpack(inner)
    manifest = json.loads(c.manifest_bytes)
    records_raw = c.records
    if records_edit is not None:
        records = json.loads(zlib.decompress(c.records))
        records_edit(records)
        records_raw, size = fmt.compress_records(records)
        manifest["records_size"] = size
        manifest["hashes"]["records_sha256"] = hashlib.sha256(records_raw).hexdigest()
    if manifest_edit is not None:
        manifest_edit(manifest)
    raw = json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()
    key = (signer or sender).b._keys().sign_private
    inner = fmt.pack(raw, sign(key, MANIFEST_CONTEXT, raw), records_raw, c.blobs)
    if inner_edit is not None:
        inner = inner_edit(inner)
    return fmt.encrypt(inner, [r.b._keys().age_recipient for r in recipients])
